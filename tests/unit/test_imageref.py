"""Image references read the way the docker CLI reads them."""

import pytest

from dockermagic import imageref
from dockermagic.errors import CommandError


def test_parts_of_a_reference():
    r = imageref.parse("registry.local:5000/team/app:dev@sha256:" + "a" * 64)
    assert (r.registry, r.path, r.tag, r.digest) == ("registry.local:5000", "team/app", "dev", "sha256:" + "a" * 64)
    assert imageref.parse("team/app").registry == ""  # no dot, colon or localhost: a Hub namespace
    assert imageref.parse("localhost/app").registry == "localhost"


def test_split_defaults_the_tag_and_keeps_a_port():
    assert imageref.split("postgres:13") == ("postgres", "13")
    assert imageref.split("postgres") == ("postgres", "latest")
    assert imageref.split("localhost:5000/app") == ("localhost:5000/app", "latest")
    assert imageref.split("localhost:5000/app:1") == ("localhost:5000/app", "1")
    assert imageref.split("nginx@sha256:" + "b" * 64) == ("nginx", "sha256:" + "b" * 64)


def test_familiar_and_canonical_forms():
    assert imageref.familiar("docker.io/library/nginx:stable-alpine") == "nginx:stable-alpine"
    assert imageref.familiar("library/python") == "python:latest"
    assert imageref.familiar("index.docker.io/team/app:1") == "team/app:1"
    assert imageref.canonical("nginx") == "docker.io/library/nginx:latest"
    assert imageref.canonical("team/app:1") == "docker.io/team/app:1"
    assert imageref.canonical("ghcr.io/o/app") == "ghcr.io/o/app:latest"


def test_names_an_image_can_be_given():
    for good in ("myapp:1.0", "registry.local:5000/team/app:dev", "a__b", "x-y.z/w"):
        assert imageref.check_name(good) == good
    for bad in ("My App:1", "x::y", "App", "app:-x", "app@sha256:" + "c" * 64, "a" * 256):
        with pytest.raises(CommandError, match="is not a valid image name"):
            imageref.check_name(bad)
    assert imageref.is_valid("app@sha256:" + "c" * 64)  # a digest is fine where an image is only named
