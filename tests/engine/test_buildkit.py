"""BuildKit builds through %%dockerfile / build_image: what the legacy builder cannot do, the same image
as `docker compose build`, nothing pulled, Ctrl-C, and the one-sentence refusals."""

import os
import signal
import subprocess
import threading
import time

import pytest
from IPython.core.error import UsageError

from dockermagic.engine.build import build_image
from dockermagic.engine.compose import compose_tool

# Cache mount, $BUILDPLATFORM, TARGETARCH and a stage to stop at: none of it works with the legacy builder.
BUILDKIT_ONLY = """FROM --platform=$BUILDPLATFORM debian:bookworm AS tools
ARG TARGETARCH
RUN --mount=type=cache,target=/var/cache/dmcache echo "arch=$TARGETARCH" > /arch && date +%s%N > /var/cache/dmcache/stamp
FROM tools AS final
ENV GREETING=hello
LABEL course=docker
COPY Dockerfile /Dockerfile.copy
CMD ["cat", "/arch"]
"""


def _config(attrs):
    cfg = attrs["Config"]
    labels = {k: v for k, v in (cfg.get("Labels") or {}).items() if not k.startswith("com.docker.compose.")}
    return {"Env": cfg.get("Env"), "Cmd": cfg.get("Cmd"), "Labels": labels, "WorkingDir": cfg.get("WorkingDir"),
            "ExposedPorts": cfg.get("ExposedPorts"), "Layers": attrs["RootFS"]["Layers"]}


def test_buildkit_only_dockerfile_builds_like_compose_build(ip, client, cleanup, tmp_path, images):
    tag = cleanup.image(cleanup.name("dmbk") + ":magic")
    res = ip.run_cell_magic("dockerfile", f"-t {tag} --context {tmp_path}", BUILDKIT_ONLY)
    assert client.containers.run(tag, remove=True, labels=cleanup.labels).strip() == b"arch=amd64"
    assert res.image_id == client.images.get(tag).id and res.steps == 3  # FROM, RUN, COPY: BuildKit's steps
    assert any("RUN --mount=type=cache" in line for line in res.log), "BuildKit's own progress lines"
    # --target stops at the first stage.
    tools = ip.run_cell_magic("dockerfile", f"-t {tag} --target tools --context {tmp_path}", BUILDKIT_ONLY)
    assert tools.steps == 2 and tools.cache_hits == 1
    assert "Dockerfile.copy" not in client.containers.run(tag, ["ls", "/"], remove=True, labels=cleanup.labels).decode()
    # The same context through `docker compose build`: the same image config and layers.
    project = cleanup.name("dmbkc").replace("-", "")
    compose_tag = cleanup.image(f"{project}:compose")
    (tmp_path / "c.yaml").write_text(f"services:\n  img:\n    image: {compose_tag}\n    build: .\n")
    subprocess.run([*compose_tool(), "-f", str(tmp_path / "c.yaml"), "-p", project, "build"], check=True,
                   capture_output=True, cwd=tmp_path)
    again = ip.run_cell_magic("dockerfile", f"-t {tag} --context {tmp_path}", BUILDKIT_ONLY)
    assert _config(client.api.inspect_image(compose_tag)) == _config(client.api.inspect_image(again.image_id))


def test_labels_without_a_step_and_the_result(ip, client, cleanup, tmp_path, images, monkeypatch):
    monkeypatch.setenv("DOCKERMAGIC_NOTEBOOK", "nb-buildkit.ipynb")
    tag, extra = cleanup.image(cleanup.name("dmbk") + ":one"), cleanup.image(cleanup.name("dmbk") + ":two")
    res = ip.run_cell_magic("dockerfile", f"-t {tag} -t {extra} --label course=docker --context {tmp_path}",
                            "FROM debian:bookworm\nRUN echo built > /b\nCMD [\"cat\", \"/b\"]\n")
    image = client.images.get(tag)
    assert client.images.get(extra).id == image.id == res.image_id and res.size == image.attrs["Size"]
    assert image.labels["course"] == "docker" and image.labels["org.dockermagic.notebook"] == "nb-buildkit.ipynb"
    assert res.steps == 2, "BuildKit writes labels into the config: no LABEL step"
    assert not any("LABEL" in (row.get("CreatedBy") or "") for row in client.api.history(image.id)[:2])
    assert len(res.history) == len(client.api.history(image.id))
    again = ip.run_cell_magic("dockerfile", f"-t {tag} --label course=docker --context {tmp_path}",
                              "FROM debian:bookworm\nRUN echo built > /b\nCMD [\"cat\", \"/b\"]\n")
    assert again.cache_hits == 1 and again.image_id == res.image_id


def test_from_an_image_only_this_engine_has(client, cleanup, tmp_path, images, monkeypatch):
    """BuildKit takes FROM images from the engine's store: a name no registry knows builds with no registry."""
    monkeypatch.setenv("DOCKERMAGIC_NO_PULL", "1")
    local = cleanup.image(cleanup.name("dmbklocal") + ":only")
    client.images.get("debian:bookworm").tag(local)
    tag = cleanup.image(cleanup.name("dmbk") + ":onlocal")
    (tmp_path / "Dockerfile").write_text(f"FROM {local}\nRUN echo on-local > /x\n")
    res = build_image(str(tmp_path), client=client, tags=[tag], builder="buildkit", say=lambda s: None)
    meta = [line for line in res.log if "load metadata for" in line]
    assert meta and local.split(":")[0] in meta[0]
    assert client.containers.run(tag, ["cat", "/x"], remove=True, labels=cleanup.labels).strip() == b"on-local"


def test_failing_step_is_named_once_with_its_output(ip, tmp_path, images):
    with pytest.raises(UsageError) as err:
        ip.run_cell_magic("dockerfile", f"--context {tmp_path}",
                          "FROM debian:bookworm\nRUN echo preparing\nRUN echo almost && false-command-xyz\n")
    text = str(err.value)
    assert text.startswith("Build failed at step 3/3 (RUN echo almost && false-command-xyz): ")
    last = text.split("exit code: 127. Last output: ")[1]
    # BuildKit merges the step's stdout and stderr as they come: either may come first, and one line may
    # even land inside the other ('/bin/sh: 1: almost' | 'false-command-xyz: not found'); all of it is there once.
    pieces = last.rstrip(".").split(" | ")
    assert sorted("".join(pieces).replace("almost", "", 1)) == sorted("/bin/sh: 1: false-command-xyz: not found")
    assert "".join(pieces).count("almost") == 1 and len(pieces) == 2
    assert "preparing" not in text and not text.endswith("..")


@pytest.mark.parametrize("cell, words", [
    ("# syntax=docker/dockerfile:1.4\nFROM debian:bookworm\n", "makes BuildKit fetch that frontend from a registry"),
    ("FROM debian:bookworm\nRUN <<EOF\necho hi\nEOF\n", "Line 2 uses a heredoc"),
])
def test_what_this_engine_cannot_read_is_one_sentence(ip, tmp_path, monkeypatch, cell, words):
    monkeypatch.setenv("DOCKERMAGIC_NO_PULL", "1")
    with pytest.raises(UsageError, match=words):
        ip.run_cell_magic("dockerfile", f"--context {tmp_path} -q", cell)


def test_invalid_tag_and_a_hand_written_dockerfile(ip, tmp_path):
    with pytest.raises(UsageError, match="'MyApp:1' is not a valid image name"):
        ip.run_cell_magic("dockerfile", f"-t MyApp:1 --context {tmp_path}", "FROM debian:bookworm\n")
    (tmp_path / "Dockerfile").write_text("FROM python:3.9-slim\n# mine\n")
    with pytest.raises(UsageError, match="already exists and was not saved by %%dockerfile; pass --overwrite"):
        ip.run_cell_magic("dockerfile", f"--context {tmp_path}", "FROM debian:bookworm\n")
    assert (tmp_path / "Dockerfile").read_text() == "FROM python:3.9-slim\n# mine\n"


def test_quiet_positional_context_and_platform(ip, client, cleanup, tmp_path, images, capsys):
    tag = cleanup.image(cleanup.name("dmbk") + ":quiet")
    res = ip.run_cell_magic("dockerfile", f"-q -t {tag} --platform linux/amd64 {tmp_path}", "FROM debian:bookworm\n")
    assert capsys.readouterr().out == "" and res.log and client.images.get(tag).attrs["Architecture"] == "amd64"


def _processes_with(marker):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    found.append(pid)
        except OSError:
            pass
    return found


def test_ctrl_c_cancels_the_buildkit_step_in_one_line(ip, client, cleanup, tmp_path, images):
    marker = cleanup.name("dmbksleep")
    timer = threading.Timer(2.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    start = time.monotonic()
    try:
        with pytest.raises(UsageError, match="^Interrupted: the build was cancelled; the builder stopped it and nothing is left running.$"):
            ip.run_cell_magic("dockerfile", f"--no-cache --context {tmp_path}",
                              f"FROM debian:bookworm\nRUN echo {marker} && sleep 60\n")
    finally:
        timer.cancel()
    assert time.monotonic() - start < 10
    end = time.time() + 10
    while _processes_with(marker):
        assert time.time() < end, "the interrupted step still runs"
        time.sleep(0.3)
    assert not [c for c in client.api.containers(all=True) if marker in c["Command"]]


def test_compose_plugin_as_the_buildkit_client(client, cleanup, tmp_path, images, monkeypatch):
    """Where no docker CLI can do BuildKit, Compose's own client builds a one-service project."""
    from dockermagic.engine import buildkit

    monkeypatch.setattr(buildkit, "find_client", compose_tool)
    tag, extra = cleanup.image(cleanup.name("dmbkc") + ":one"), cleanup.image(cleanup.name("dmbkc") + ":two")
    (tmp_path / "Dockerfile").write_text(BUILDKIT_ONLY + "ARG PRICE\nRUN echo \"$PRICE\" > /price\n")
    res = build_image(str(tmp_path), client=client, tags=[tag, extra], buildargs={"PRICE": "$5"},
                      labels={"course": "docker$"}, say=lambda s: None)
    image = client.images.get(tag)
    assert res.image_id == image.id == client.images.get(extra).id and res.steps == 4
    assert image.labels["course"] == "docker$", "Compose's $ interpolation is escaped"
    assert client.containers.run(tag, ["cat", "/arch", "/price"], remove=True,
                                 labels=cleanup.labels).split() == [b"arch=amd64", b"$5"]
    cleanup.image(buildkit.UNTAGGED)
    untagged = build_image(str(tmp_path), client=client, target="tools", say=lambda s: None)
    assert untagged.tags == [] and client.images.get(buildkit.UNTAGGED).id == untagged.image_id
    marker = cleanup.name("dmbkcsleep")
    (tmp_path / "Dockerfile").write_text(f"FROM debian:bookworm\nRUN echo {marker} && sleep 60\n")
    timer = threading.Timer(2.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            build_image(str(tmp_path), client=client, nocache=True, say=lambda s: None)
    finally:
        timer.cancel()
    end = time.time() + 10
    while _processes_with(marker):
        assert time.time() < end, "the interrupted step still runs"
        time.sleep(0.3)
