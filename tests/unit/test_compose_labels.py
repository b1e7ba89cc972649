"""The override file that puts dockermagic's labels on a Compose project (real Compose: tests/engine)."""

from dockermagic.engine import compose_labels
from dockermagic.cli.options import parse_compose
from dockermagic.engine.compose import ComposeCall
from dockermagic.ownership import OWNER_LABEL, current_user

BASE = """version: "3.8"
services:
  web:
    build: ./web
  db:
    image: postgres:13
    volumes: [data:/var/lib/postgresql/data]
networks:
  front: {}
  shared:
    external: true
volumes:
  data:
  kept:
    external: true
"""


def test_every_service_network_and_volume_is_labelled_but_not_external_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKERMAGIC_NOTEBOOK", "/pack/05-compose.ipynb")
    monkeypatch.setenv("DOCKERMAGIC_LABELS", "t=1")
    (tmp_path / "docker-compose.yml").write_text(BASE)
    out = compose_labels.label_override([str(tmp_path / "docker-compose.yml")])
    labels = {"org.dockermagic.created-by": "dockermagic", OWNER_LABEL: current_user(), "t": "1",
              "org.dockermagic.notebook": "/pack/05-compose.ipynb"}
    assert out["version"] == "3.8", "Compose v1 refuses files of different versions"
    assert out["services"]["web"] == {"labels": labels, "build": {"labels": {"org.dockermagic.notebook": "/pack/05-compose.ipynb",
                                                                             OWNER_LABEL: current_user()}}}
    assert out["services"]["db"] == {"labels": labels}, "a service without build: must not get one"
    assert out["networks"] == {"default": {"labels": labels}, "front": {"labels": labels}}
    assert out["volumes"] == {"data": {"labels": labels}}


def test_outside_a_notebook_built_images_get_no_label(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCKERMAGIC_NOTEBOOK", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    build: .\n")
    out = compose_labels.label_override([str(tmp_path / "compose.yaml")])
    assert "version" not in out and "build" not in out["services"]["web"] and "volumes" not in out


def test_the_override_comes_after_the_users_files_which_stay_as_they_are(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPOSE_FILE", raising=False)
    (tmp_path / "docker-compose.yml").write_text(BASE)
    (tmp_path / "docker-compose.override.yml").write_text("services:\n  extra:\n    image: x\n")
    call = parse_compose(["-p", "shop", "--project-directory", str(tmp_path), "up", "-d"])
    with compose_labels.labelled(call, "/elsewhere") as labelled:
        argv = labelled.argv(["docker", "compose"])
        override = labelled.files[-1]
        assert "extra" in open(override).read()
    assert argv[:6] == ["docker", "compose", "-f", str(tmp_path / "docker-compose.yml"),
                        "-f", str(tmp_path / "docker-compose.override.yml")]
    assert argv[6:8] == ["-f", override] and argv[-2:] == ["up", "-d"]
    assert (tmp_path / "docker-compose.yml").read_text() == BASE
    assert not (tmp_path / override).exists(), "the override is removed afterwards"


def test_without_a_readable_file_compose_gets_the_line_unchanged(tmp_path):
    call = ComposeCall("up", ["-d"], project_dir=str(tmp_path))
    with compose_labels.labelled(call, str(tmp_path)) as same:
        assert same is call
    (tmp_path / "bad.yml").write_text("services: [\n")
    call = ComposeCall("up", [], file="bad.yml")
    with compose_labels.labelled(call, str(tmp_path)) as same:
        assert same is call


def test_a_volume_already_there_keeps_the_labels_of_ours_it_has(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKERMAGIC_NOTEBOOK", "/pack/second.ipynb")
    monkeypatch.delenv("DOCKERMAGIC_LABELS", raising=False)
    (tmp_path / "c.yml").write_text("services:\n  a:\n    image: x\nvolumes:\n  made: {}\n  old: {}\n  new: {}\n")
    existing = {"made": {"org.dockermagic.notebook": "/pack/first.ipynb", "com.docker.compose.volume": "made",
                         "org.dockermagic.created-by": "dockermagic"},
                "old": {"com.docker.compose.volume": "old"}}  # made by Compose before dockermagic labelled
    out = compose_labels.label_override([str(tmp_path / "c.yml")], existing)
    assert out["volumes"] == {
        "made": {"labels": {"org.dockermagic.notebook": "/pack/first.ipynb", "org.dockermagic.created-by": "dockermagic"}},
        "new": {"labels": {"org.dockermagic.created-by": "dockermagic", OWNER_LABEL: current_user(),
                           "org.dockermagic.notebook": "/pack/second.ipynb"}}}
