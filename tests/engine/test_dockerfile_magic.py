import os
import re
import shutil
import socket
import time
import urllib.request

import pytest
from IPython.core.error import UsageError

from dockermagic.cli.routes import run_command
from dockermagic.engine.build import MARKER, build_image
from dockermagic.magics.build import CompactProgress

APPS = os.path.join(os.path.dirname(__file__), "..", "..", "notebooks", "apps")


def test_single_and_multistage_with_target_and_buildarg(ip, client, cleanup, tmp_path, images):
    tag = cleanup.name("dmbuild") + ":t"
    cleanup.image(tag)
    cell = ("FROM debian:bookworm AS one\nARG GREETING=none\nRUN echo $GREETING > /g\n"
            "FROM debian:bookworm AS two\nCOPY --from=one /g /g2\n")
    res = ip.run_cell_magic("dockerfile", f"-t {tag} --target one --build-arg GREETING=hi --context {tmp_path}", cell)
    assert res.steps == 2 and res.tags == [tag]  # BuildKit's steps: FROM and RUN (ARG makes no layer)
    out = client.containers.run(tag, ["cat", "/g"], remove=True, labels=cleanup.labels)
    assert out.strip() == b"hi"
    # The whole file: the second stage copies from the first.
    res = ip.run_cell_magic("dockerfile", f"-t {tag} --build-arg GREETING=all --context {tmp_path}", cell)
    assert res.steps == 4
    assert client.containers.run(tag, ["cat", "/g2"], remove=True, labels=cleanup.labels).strip() == b"all"


def test_legacy_result_matches_the_engine(ip, client, cleanup, tmp_path, images):
    tag, extra = cleanup.name("dmbuild") + ":one", cleanup.name("dmbuild") + ":two"
    cleanup.image(tag), cleanup.image(extra)
    res = ip.run_cell_magic("dockerfile", f"--builder legacy -t {tag} -t {extra} --label course=docker --context {tmp_path}",
                            "FROM debian:bookworm\nRUN echo built > /b\nCMD [\"cat\", \"/b\"]\n")
    image = client.images.get(tag)
    assert res.image_id == image.id and client.images.get(extra).id == image.id
    assert res.tags == [tag, extra] and res.size == image.attrs["Size"] and image.labels["course"] == "docker"
    assert res.steps == 4 and 0 < res.seconds < 120  # --label adds a LABEL step, as with the CLI
    assert res.log[0] == "Step 1/4 : FROM debian:bookworm" and any(l.startswith("Successfully built") for l in res.log)
    hist = res.history
    assert len(hist) == len(client.api.history(image.id)) and 'LABEL course=docker' in hist["created_by"].iloc[0]
    again = ip.run_cell_magic("dockerfile", f"--builder legacy -t {tag} --label course=docker --context {tmp_path}",
                              "FROM debian:bookworm\nRUN echo built > /b\nCMD [\"cat\", \"/b\"]\n")
    assert again.cache_hits == 3 and again.image_id == res.image_id


def test_file_option_saves_and_docker_build_uses_it(ip, client, cleanup, tmp_path, images):
    tag = cleanup.name("dmbuild") + ":dev"
    cleanup.image(tag)
    first = ip.run_cell_magic("dockerfile", f"-f Dockerfile.dev --context {tmp_path} -t {tag}",
                              "FROM debian:bookworm\nLABEL which=dev\n")
    saved = (tmp_path / "Dockerfile.dev").read_text()
    assert saved == f"FROM debian:bookworm\nLABEL which=dev\n{MARKER}\n", "the cell, and the mark that it was saved from one"
    assert not (tmp_path / "Dockerfile").exists()
    res = run_command(["build", "-f", "Dockerfile.dev", "-t", tag, "."], client=client, cwd=str(tmp_path))
    assert client.images.get(tag).labels["which"] == "dev" and res.image_id == first.image_id
    # %docker build takes the same path.
    res = ip.run_line_magic("docker", f"build -f {tmp_path}/Dockerfile.dev -t {tag} {tmp_path}")
    assert res.image_id == client.images.get(tag).id


def test_dockerignore_is_honoured_and_context_size_reported(ip, client, cleanup, tmp_path, images, capsys):
    tag = cleanup.name("dmbuild") + ":ctx"
    cleanup.image(tag)
    (tmp_path / "keep.txt").write_text("kept\n")
    (tmp_path / "secret.env").write_text("PASSWORD=hunter2\n")
    with open(tmp_path / "big.bin", "wb") as f:
        f.truncate(120 * 2**20)  # sparse: sent as 120 MB of zeros if it were not ignored
    (tmp_path / ".dockerignore").write_text("secret.env\nbig.bin\n")
    ip.run_cell_magic("dockerfile", f"-t {tag} --context {tmp_path}", "FROM debian:bookworm\nCOPY . /ctx\n")
    out = capsys.readouterr().out
    assert re.search(r"Sending build context to the engine: 0\.[1-9] kB", out) and "Warning" not in out
    assert any(l.endswith("[2/2] COPY . /ctx") for l in out.splitlines()), "a terminal gets the plain lines"
    listing = client.containers.run(tag, ["ls", "-a", "/ctx"], remove=True, labels=cleanup.labels).decode().split()
    assert "keep.txt" in listing and "secret.env" not in listing and "big.bin" not in listing


def test_large_context_warns_with_a_dockerignore_hint(ip, client, cleanup, tmp_path, images, capsys):
    tag = cleanup.name("dmbuild") + ":big"
    cleanup.image(tag)
    with open(tmp_path / "data.bin", "wb") as f:
        f.truncate(105 * 2**20)  # sparse on disk, 105 MiB in the context
    res = ip.run_cell_magic("dockerfile", f"-t {tag} --context {tmp_path}", "FROM debian:bookworm\nLABEL big=context\n")
    out = capsys.readouterr().out
    assert "Sending build context to the engine: 110.1 MB" in out
    assert "larger than 100 MB; add a .dockerignore there" in out
    assert out.index("Sending build context") < out.index("#1 "), "reported before it is sent"
    assert res.image_id == client.images.get(tag).id


def test_compact_view_during_a_real_build(client, cleanup, tmp_path, images):
    tag = cleanup.name("dmbuild") + ":view"
    cleanup.image(tag)
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm\nRUN echo one; sleep 1.5; echo two\n")
    shown, handles = [], []

    class Handle:
        def update(self, obj):
            shown.append(obj.data)

    def show(obj, display_id=None):
        shown.append(obj.data)
        handles.append(Handle())
        return handles[-1]

    res = build_image(str(tmp_path), client=client, tags=[tag], nocache=True, say=lambda s: None,
                      progress=CompactProgress(show=show, tick=0.3))
    assert len(handles) == 1
    assert any("Step 2/2: RUN echo one; sleep 1.5; echo two" in s and "│ one" in s for s in shown)
    # The ticker moved the clock while the step slept.
    during = [s for s in shown if "Step 2/2" in s and "│ one" in s]
    assert len(during) >= 2 and during[0] != during[-1]
    assert shown[-1].startswith(f"Built {res.image_id[7:19]} in ") and "2 steps" in shown[-1]


def test_broken_build_names_step_and_leaves_no_container(ip, client, cleanup, tmp_path, images):
    with pytest.raises(UsageError, match=r"step 3/3 \(RUN false-command-xyz\).*Last output: .*false-command-xyz: not found") as err:
        ip.run_cell_magic("dockerfile", f"--context {tmp_path}",
                          "FROM debian:bookworm\nRUN echo preparing\nRUN false-command-xyz\n")
    assert "\x1b" not in str(err.value) and "preparing" not in str(err.value), "only the failed step's own output"
    # forcerm: the failed step's container is gone (without it, one made from the previous layer,
    # running this very command, would stay behind).
    left = [c for c in client.api.containers(all=True) if "false-command-xyz" in c["Command"]]
    assert not left, f"the failed step left {[c['Id'][:12] for c in left]}"


def test_a_line_the_engine_sends_in_pieces_is_shown_whole(ip, tmp_path, images):
    # Python's traceback reaches the engine in several writes; the last line must stay one line.
    with pytest.raises(UsageError) as err:
        ip.run_cell_magic("dockerfile", f"--context {tmp_path}",
                          'FROM python:3.9-slim\nRUN python -c "import no_such_module_xyz"\n')
    assert "ModuleNotFoundError: No module named 'no_such_module_xyz'" in str(err.value)


def test_network_and_no_cache(ip, client, cleanup, tmp_path, images):
    tag = cleanup.name("dmbuild") + ":net"
    cleanup.image(tag)
    cell = "FROM debian:bookworm\nRUN test ! -e /sys/class/net/eth0 && echo isolated\n"
    first = ip.run_cell_magic("dockerfile", f"-t {tag} --network none --no-cache --context {tmp_path}", cell)
    assert first.cache_hits == 0 and any(l.endswith(" isolated") for l in first.log)
    again = ip.run_cell_magic("dockerfile", f"-t {tag} --network none --context {tmp_path}", cell)
    assert again.cache_hits == 1 and again.image_id == first.image_id
    with pytest.raises(UsageError, match=r"step 2/2"):  # on the default bridge the container has eth0
        ip.run_cell_magic("dockerfile", f"-t {tag} --no-cache --context {tmp_path}", cell)


@pytest.mark.parametrize("builder", ["buildkit", "legacy"])
def test_interrupted_build_leaves_no_container(client, cleanup, tmp_path, images, builder):
    import signal
    import threading

    marker = cleanup.name("dmsleep")
    (tmp_path / "Dockerfile").write_text(f"FROM debian:bookworm\nRUN echo {marker} && sleep 60\n")
    timer = threading.Timer(2.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):  # what the stop button sends
            build_image(str(tmp_path), client=client, nocache=True, builder=builder, say=lambda s: None)
    finally:
        timer.cancel()
    end = time.time() + 15
    while [c for c in client.api.containers(all=True) if marker in c["Command"]]:
        assert time.time() < end, "the interrupted step's container is still there"
        time.sleep(0.3)
    # BuildKit runs a step without a container: its process is what must stop.
    while _processes_with(marker):
        assert time.time() < end, "the interrupted step's process is still running"
        time.sleep(0.3)


def _processes_with(marker):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read() and int(pid) != os.getpid():
                    found.append(pid)
        except OSError:
            pass
    return found


def test_empty_cell_and_missing_context_are_usage_errors(ip, tmp_path):
    with pytest.raises(UsageError, match="cell is empty"):
        ip.run_cell_magic("dockerfile", f"--context {tmp_path}", "  \n")
    with pytest.raises(UsageError, match="not a directory"):
        ip.run_cell_magic("dockerfile", f"--context {tmp_path}/nope", "FROM debian:bookworm\n")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_seed_react_nginx_multistage_and_builder_target(client, cleanup, tmp_path, images):
    """The tutorial's frontend: node build stage, nginx serving the result; --target stops at the builder."""
    ctx = tmp_path / "frontend"
    shutil.copytree(os.path.join(APPS, "frontend"), ctx, ignore=shutil.ignore_patterns("node_modules", "build"))
    name = cleanup.name("dmfront")
    prod, builder = cleanup.image(f"{name}:prod"), cleanup.image(f"{name}:builder")
    build_image(str(ctx), client=client, tags=[builder], target="builder", say=lambda s: None)
    out = client.containers.run(builder, ["ls", "/app/build"], remove=True, labels=cleanup.labels).decode()
    assert "index.html" in out and "assets" in out
    res = build_image(str(ctx), client=client, tags=[prod], say=lambda s: None)
    assert res.cache_hits >= 5, "the second build reuses the builder stage"
    assert client.images.get(prod).attrs["Config"]["ExposedPorts"] == {"80/tcp": {}}
    port = _free_port()
    cleanup.container(client.containers.run(prod, detach=True, name=name, labels=cleanup.labels,
                                            ports={"80/tcp": ("127.0.0.1", port)}))
    end = time.time() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3) as r:
                page = r.read().decode()
            break
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.3)
    assert '<div id="root">' in page
    asset = page.split('src="')[1].split('"')[0]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{asset}", timeout=3) as r:
        assert r.status == 200 and b"/api/health" in r.read()  # the app bundle, not a fallback page
