from dockermagic.engine import imagekit
from dockermagic.engine.imagekit import normalize, split_ref, standin_description, standin_for


def test_refs_are_split_and_normalized():
    assert split_ref("postgres:13") == ("postgres", "13")
    assert split_ref("postgres") == ("postgres", "latest")
    assert split_ref("localhost:5000/app") == ("localhost:5000/app", "latest")
    assert normalize("docker.io/library/nginx:stable-alpine") == "nginx:stable-alpine"
    assert normalize("hello-world") == "hello-world:latest"


def test_every_tag_of_a_known_repository_has_a_standin():
    assert standin_for("postgres:16").recipe == "postgres"
    assert standin_for("library/python:3.12").recipe == "python"
    assert standin_for("mysql:8") is None
    for ref in imagekit.DEFAULT_IMAGES:
        assert standin_for(ref) is not None, ref


def test_recipe_hash_is_stable_and_chains_to_the_base(monkeypatch):
    first = imagekit.recipe_hash("postgres")
    assert first == imagekit.recipe_hash("postgres")
    monkeypatch.setattr(imagekit, "DEBIAN_SUITE", "trixie")
    assert imagekit.recipe_hash("postgres") != first


def test_standin_description_reads_the_label():
    attrs = {"Config": {"Labels": {imagekit.STANDIN_LABEL: "Debian postgresql-15 standing in for the official postgres image"}}}
    assert "postgresql-15" in standin_description(attrs)
    assert standin_description({"Config": {"Labels": None}}) is None


def test_only_standin_repositories_are_marked():
    # An image built FROM a stand-in inherits its label; it is the user's own image, not a stand-in.
    labels = {imagekit.STANDIN_LABEL: "Debian python3.11 standing in for the official python image"}
    assert "python3.11" in imagekit.standin_mark("python:3.9-slim", labels)
    assert imagekit.standin_mark("backend:latest", labels) == ""
    assert imagekit.standin_mark("python:3.9-slim", {}) == ""
