"""Everything a notebook creates carries its label, and remove_labelled removes it all by that label."""

import shutil
import uuid

import pytest

from dockermagic.cli.options import parse_compose
from dockermagic.engine import compose
from dockermagic.engine.cleanup import remove_labelled
from dockermagic.client import NOTEBOOK_LABEL, default_labels

COMPOSE_YML = """services:
  app:
    build: ./app
    init: true
    labels:
      - mine=kept
  plain:
    image: debian:bookworm
    command: ["sleep", "300"]
    init: true
    volumes:
      - scratch:/scratch
volumes:
  scratch:
"""


@pytest.fixture
def notebook(monkeypatch, cleanup):
    """DOCKERMAGIC_NOTEBOOK as run_pack sets it, unique to the test; the label filter that finds its objects."""
    path = f"/tmp/dmtest-{uuid.uuid4().hex[:8]}/01-made-up.ipynb"
    monkeypatch.setenv("DOCKERMAGIC_NOTEBOOK", path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    return f"{NOTEBOOK_LABEL}={path}"


def _labelled(client, flt):
    """Everything on the engine that carries the label, as 'kind name' strings."""
    f = {"label": flt}
    found = {f"container {c['Names'][0].lstrip('/')}" for c in client.api.containers(all=True, filters=f)}
    found |= {f"network {n['Name']}" for n in client.api.networks(filters=f)}
    found |= {f"volume {v['Name']}" for v in client.api.volumes(filters=f).get("Volumes") or []}
    found |= {f"image {t}" for i in client.api.images(filters=f) for t in i.get("RepoTags") or []}
    return found


def test_the_notebook_label_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("DOCKERMAGIC_NOTEBOOK", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert NOTEBOOK_LABEL not in default_labels()
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/work/taxi.ipynb")  # what Jupyter Server sets
    assert default_labels()[NOTEBOOK_LABEL] == "/home/me/work/taxi.ipynb"
    monkeypatch.setenv("DOCKERMAGIC_NOTEBOOK", "/pack/03-nyc-taxi-ingest.ipynb")  # run_pack's wins
    assert default_labels()[NOTEBOOK_LABEL] == "/pack/03-nyc-taxi-ingest.ipynb"


def test_magics_and_compose_label_all_they_make_and_remove_labelled_takes_it_all(
        ip, client, cleanup, notebook, tmp_path, images):
    name = cleanup.name("dmnb")
    project = name.replace("-", "")
    tag = cleanup.image(f"{name}:built")
    compose_image = cleanup.image(f"{project}-app:latest")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text('FROM debian:bookworm\nCMD ["sleep", "300"]\n')
    try:
        ip.run_line_magic("docker", f"run -d --init --name {name} -v /anon debian:bookworm sleep 300")
        ip.run_line_magic("docker", f"network create {name}")
        ip.run_line_magic("docker", f"volume create {name}-vol")
        ip.run_cell_magic("dockerfile", f"-t {tag} --context {tmp_path}", "FROM debian:bookworm\nRUN true\n")
        ip.run_cell_magic("compose", f"-p {project} --project-dir {tmp_path}", COMPOSE_YML)
        ip.run_line_magic("compose", "up -d --build")

        found = _labelled(client, notebook)
        expected = {f"container {name}", f"network {name}", f"volume {name}-vol", f"image {tag}",
                    f"container {project}-app-1", f"container {project}-plain-1", f"network {project}_default",
                    f"volume {project}_scratch", f"image {compose_image}"}
        assert expected <= found, f"not labelled: {expected - found}"
        anonymous = client.api.inspect_container(name)["Mounts"][0]["Name"]
        assert client.api.inspect_volume(anonymous)["Labels"][NOTEBOOK_LABEL] == notebook.split("=", 1)[1]
        # Compose kept the service's own labels beside ours, and the user's file is as written
        assert client.api.inspect_container(f"{project}-app-1")["Config"]["Labels"]["mine"] == "kept"
        assert (tmp_path / "compose.yaml").read_text() == COMPOSE_YML

        removal = remove_labelled(notebook, client=client)
        assert not removal.failed
        assert set(removal.removed) >= expected - {f"image {tag}", f"image {compose_image}"}
        assert any(tag in r for r in removal.removed) and any(compose_image in r for r in removal.removed)
        # containers first: a container holds its network, volumes and image
        assert max(i for i, r in enumerate(removal.removed) if r.startswith("container")) < min(
            i for i, r in enumerate(removal.removed) if not r.startswith("container"))
        assert not _labelled(client, notebook)
        assert anonymous not in {v.name for v in client.volumes.list()}, "the anonymous volume went with its container"
        assert not remove_labelled(notebook, client=client), "a second removal finds nothing"
    finally:
        compose.compose_command(parse_compose(["-p", project, "down", "-v"]), cwd=str(tmp_path), say=lambda line: None)


def test_compose_v1_labels_its_objects_too(ip, client, cleanup, notebook, tmp_path, monkeypatch, images):
    v1 = shutil.which("docker-compose")
    assert v1, "scripts/setup.sh installs Debian's docker-compose"
    monkeypatch.setattr(compose, "compose_tool", lambda: (v1,))
    project = cleanup.name("dmnbv1").replace("-", "")
    cleanup.image(f"{project}_app:latest")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text('FROM debian:bookworm\nCMD ["sleep", "300"]\n')
    try:
        ip.run_cell_magic("compose", f"-p {project} --project-dir {tmp_path}", 'version: "3.8"\n' + COMPOSE_YML)
        ip.run_line_magic("compose", "up -d --build")
        expected = {f"container {project}_app_1", f"container {project}_plain_1", f"network {project}_default",
                    f"volume {project}_scratch", f"image {project}_app:latest"}
        assert expected <= _labelled(client, notebook)
        removal = remove_labelled(notebook, client=client)
        assert set(removal.removed) >= expected and not removal.failed
        assert not _labelled(client, notebook)
    finally:
        compose.compose_command(parse_compose(["-p", project, "down", "-v"]), cwd=str(tmp_path), say=lambda line: None)


def test_a_kept_volume_brought_up_from_another_notebook_is_not_recreated(client, cleanup, monkeypatch, tmp_path, images):
    """`down` without -v keeps the volume; `up` from another notebook must not make Compose ask to recreate it."""
    project = cleanup.name("dmnbkeep").replace("-", "")
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  plain:\n    image: debian:bookworm\n    command: [\"sleep\", \"300\"]\n    init: true\n"
        "    volumes: [scratch:/scratch]\nvolumes:\n  scratch:\n")
    said = []
    try:
        for nb in ("/tmp/dmtest/first.ipynb", "/tmp/dmtest/second.ipynb"):
            monkeypatch.setenv("DOCKERMAGIC_NOTEBOOK", nb)
            compose.compose_command(parse_compose(["-p", project, "up", "-d"]), cwd=str(tmp_path), client=client, say=said.append)
            compose.compose_command(parse_compose(["-p", project, "down"]), cwd=str(tmp_path), client=client, say=said.append)
        assert not [line for line in said if "Recreate" in line or "doesn't match" in line], said
        [volume] = client.api.volumes(filters={"label": f"com.docker.compose.project={project}"})["Volumes"]
        assert volume["Labels"][NOTEBOOK_LABEL] == "/tmp/dmtest/first.ipynb", "it stays the first notebook's"
    finally:
        compose.compose_command(parse_compose(["-p", project, "down", "-v"]), cwd=str(tmp_path), say=lambda line: None)
