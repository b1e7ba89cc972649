"""Ctrl-C in a %%docker cell (issue 12, 4): the cell stops at the interrupted line, one line says
what still runs and how to stop it, within 1 s, without a traceback.

The interrupt comes from a timer thread in both ways a kernel can deliver it: a real SIGINT to the
main thread (what the stop button sends on Linux), which breaks a blocked socket read, and
``_thread.interrupt_main()`` (ipykernel on Windows), which only sets a flag that Python notices
when it runs again: against a quiet stream that is the case a plain blocking read never answers.
"""

from __future__ import annotations

import _thread
import hashlib
import http.server
import json
import signal
import threading
import time

import pytest

from dockermagic.cli import routes
from dockermagic.errors import Interrupted

LOOP = "sh -c 'while true; do echo tick; sleep 0.2; done'"
HOW = {
    "sigint": lambda: signal.pthread_kill(threading.main_thread().ident, signal.SIGINT),
    "interrupt_main": _thread.interrupt_main,
}


class Timer:
    """Interrupts the main thread once ``ready()`` holds and ``after`` more seconds have passed
    (so the main thread is blocked in its wait), unless the call under test already returned."""

    def __init__(self, how: str, ready=lambda: True, after: float = 0.7, timeout: float = 30):
        self.sent: float | None = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._fire, args=(HOW[how], ready, after, timeout), daemon=True)
        self._thread.start()

    def _fire(self, send, ready, after, timeout):
        deadline = time.monotonic() + timeout
        while not ready() and time.monotonic() < deadline and not self.done.is_set():
            time.sleep(0.05)
        if self.done.wait(after):
            return
        self.sent = time.monotonic()
        send()

    def elapsed(self) -> float:
        """Seconds from the interrupt to now (the call under test has just returned)."""
        now = time.monotonic()
        self.done.set()
        self._thread.join()
        assert self.sent is not None, "the interrupt was never sent: the call ended on its own"
        print(f"interrupt answered in {now - self.sent:.3f} s")
        return now - self.sent


def _followers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "dockermagic-follow"]


def _exists(client, name: str) -> bool:
    return bool(client.containers.list(all=True, sparse=True, filters={"name": f"^/{name}$"}))


def _interrupt_cell(client, cell: str, *, how: str = "sigint", ready=lambda said: True, after: float = 0.7):
    """Run ``cell`` through dispatch and interrupt it once ``ready(lines said)`` holds. Checks what
    every interrupt promises (answered within 1 s, one line, no reader thread left) and returns
    the Interrupted, its text, the lines the cell printed and when the interrupt was sent."""
    said: list[str] = []
    timer = Timer(how, ready=lambda: ready(said), after=after)
    with pytest.raises(Interrupted) as info:
        routes.run_cell(cell, client=client, out=said.append)
    elapsed = timer.elapsed()
    assert elapsed < 1.0, f"Ctrl-C answered after {elapsed:.2f} s"
    text = str(info.value)
    assert "\n" not in text and text.startswith("Interrupted"), text
    assert not _followers(), "the stream's reader thread outlived the interrupt"
    return info.value, text, said, timer.sent


@pytest.mark.parametrize("how", ["sigint", "interrupt_main"])
def test_attached_run_interrupted_stops_the_cell(client, cleanup, images, how):
    name, marker = cleanup.name("dm-intrun"), cleanup.name("dm-intmark")
    exc, text, said, _ = _interrupt_cell(client, f"run --name {name} debian:bookworm {LOOP}\n"
                                              f"run -d --name {marker} debian:bookworm true",
                                      how=how, ready=lambda said: "tick" in said)
    assert f"container {name} keeps running" in text and f"%docker stop {name}" in text
    assert "command 1 of 2, the one after it did not run" in text
    assert isinstance(exc, KeyboardInterrupt) and exc.partial.name == name
    assert not _exists(client, marker), "the line after the interrupted one ran"
    assert client.containers.get(name).status == "running"
    assert not any("Interrupted" in line for line in said), "the sentence is the exception's, not also printed"


@pytest.mark.parametrize("how", ["sigint", "interrupt_main"])
def test_logs_follow_of_a_quiet_container_interrupted_stops_the_cell(client, cleanup, images, how):
    # One line, then silence: the read waits for a byte that never comes.
    c = cleanup.container(client.containers.run("debian:bookworm", ["sh", "-c", "echo ready; exec sleep 300"],
                                                detach=True, labels=cleanup.labels, name=cleanup.name("dm-quiet")))
    exc, text, said, _ = _interrupt_cell(client, f"logs -f {c.name}\nrm -f {c.name}\nps", how=how,
                                      ready=lambda said: "ready" in said)
    assert f"logs of {c.name}, which keeps running" in text and f"%docker stop {c.name}" in text
    assert "command 1 of 3, the 2 after it did not run" in text
    assert said == ["ready"] and list(exc.partial) == ["ready"]
    c.reload()
    assert c.status == "running", "the rm -f after the interrupted line ran"


@pytest.mark.parametrize("how", ["sigint", "interrupt_main"])
def test_exec_interrupted_stops_the_cell_and_says_the_command_runs_on(client, cleanup, images, how):
    c = cleanup.container(client.containers.run("debian:bookworm", ["sleep", "300"], detach=True,
                                                labels=cleanup.labels, name=cleanup.name("dm-intexec")))
    marker = cleanup.name("dm-intmark")
    exc, text, _, _ = _interrupt_cell(client, f"exec {c.name} {LOOP}\nrun -d --name {marker} debian:bookworm true",
                                   how=how, ready=lambda said: "tick" in said)
    assert f"keeps running inside {c.name}" in text and f"%docker restart {c.name}" in text
    assert exc.partial.exit_code is None and "tick" in exc.partial.lines
    assert not _exists(client, marker)
    assert any("while true" in p[-1] for p in c.top()["Processes"]), "the exec'd loop should still run"


def test_a_call_without_its_own_story_is_cut_too(client, cleanup, images):
    """`stats --no-stream` waits in one HTTP read per container (about 1-2 s each): a real SIGINT
    breaks it, dispatch names the command, and the cell stops there."""
    c = cleanup.container(client.containers.run("debian:bookworm", ["sleep", "300"], detach=True,
                                                labels=cleanup.labels, name=cleanup.name("dm-intstats")))
    _, text, _, _ = _interrupt_cell(client, f"stats --no-stream {' '.join([c.name] * 6)}\nrm -f {c.name}", after=0.5)
    assert text.startswith("Interrupted 'docker stats' before it finished")
    assert "command 1 of 2, the one after it did not run" in text
    c.reload()
    assert c.status == "running"


def test_the_user_sees_one_line_and_no_traceback(ip, client, cleanup, images, capsys):
    """Through IPython's real shell, as a notebook cell runs: the interrupted cell fails (so Run All
    stops there too) with one UsageError line on stderr, and the next line of the cell did not run."""
    name, marker = cleanup.name("dm-intip"), cleanup.name("dm-intmark")
    timer = Timer("sigint", ready=lambda: _exists(client, name), after=1.0)
    result = ip.run_cell(f"%%docker\nrun -it --name {name} debian:bookworm {LOOP}\n"
                         f"run -d --name {marker} debian:bookworm true\n")
    elapsed = timer.elapsed()
    captured = capsys.readouterr()
    assert elapsed < 1.0, f"Ctrl-C answered after {elapsed:.2f} s"
    assert type(result.error_in_exec).__name__ == "UsageError"
    errors = [line for line in captured.err.splitlines() if line.strip()]
    assert len(errors) == 1, captured.err
    assert errors[0].startswith(f"UsageError: Interrupted: container {name} keeps running")
    assert "Traceback" not in captured.err + captured.out and "KeyboardInterrupt" not in captured.err
    assert "tick" in captured.out and not _exists(client, marker)

    # A line magic the same way: `%docker logs -f` of the container still running.
    timer = Timer("sigint")
    result = ip.run_cell(f"%docker logs -f {name}")
    timer.elapsed()
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.strip()]
    assert errors == [f"UsageError: Interrupted: stopped following the logs of {name}, which keeps running; "
                      f"stop it with %docker stop {name}."], captured.err
    ip.run_line_magic("docker", f"stop -t 0 {name}")


class _SlowRegistry(http.server.BaseHTTPRequestHandler):
    """A loopback registry with one image whose only layer trickles in forever: a pull that lasts.
    ``server.blob_started``/``blob_closed`` say when the engine began the layer and hung up."""

    def _send(self, code: int, body: bytes, kind: str = "application/json", digest: str = "", head=False):
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        if digest:
            self.send_header("Docker-Content-Digest", digest)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _answer(self, head=False):
        image = self.server.image
        if self.path.rstrip("/") == "/v2":
            return self._send(200, b"{}", head=head)
        if "/manifests/" in self.path:
            return self._send(200, image["manifest"], MANIFEST, digest=image["manifest_digest"], head=head)
        if self.path.endswith(image["config_digest"]):
            return self._send(200, image["config"], digest=image["config_digest"], head=head)
        if self.path.endswith(LAYER_DIGEST):
            self.send_response(200)
            self.send_header("Content-Length", str(LAYER_SIZE))
            self.send_header("Docker-Content-Digest", LAYER_DIGEST)
            self.end_headers()
            self.server.blob_started.set()
            try:
                while True:
                    self.wfile.write(b"\0" * 512)
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                self.server.blob_closed.set()
            return
        return self._send(404, b'{"errors": [{"code": "BLOB_UNKNOWN", "message": "unknown"}]}', head=head)

    def do_GET(self):
        self._answer()

    def do_HEAD(self):
        self._answer(head=True)

    def log_message(self, *args):
        pass


MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
LAYER_DIGEST = "sha256:" + "ab" * 32
LAYER_SIZE = 200_000_000


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the engine tries TLS first; that handshake is not HTTP


@pytest.fixture
def slow_registry(client, monkeypatch):
    from dockermagic.engine import imagekit

    monkeypatch.delenv("DOCKERMAGIC_NO_PULL", raising=False)  # only this loopback registry is asked
    monkeypatch.setattr(imagekit, "_registry_unreachable", False)
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(client.info()["Architecture"], client.info()["Architecture"])
    config = json.dumps({"architecture": arch, "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "cd" * 32]}}).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST,
                           "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                                      "size": len(config), "digest": config_digest},
                           "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                                       "size": LAYER_SIZE, "digest": LAYER_DIGEST}]}).encode()
    server = _QuietServer(("127.0.0.1", 0), _SlowRegistry)
    server.image = {"config": config, "config_digest": config_digest, "manifest": manifest,
                    "manifest_digest": "sha256:" + hashlib.sha256(manifest).hexdigest()}
    server.blob_started, server.blob_closed = threading.Event(), threading.Event()
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield server
    server.shutdown()
    server.server_close()
    t.join(5)


def test_pull_interrupted_stops_the_cell_and_the_engine_drops_the_download(client, cleanup, slow_registry):
    ref = f"127.0.0.1:{slow_registry.server_address[1]}/dmslow:1"
    marker = cleanup.name("dm-intmark")
    _, text, _, sent = _interrupt_cell(client, f"pull {ref}\nrun -d --name {marker} debian:bookworm true",
                                 ready=lambda said: slow_registry.blob_started.is_set(), after=0.5)
    assert text.startswith(f"Interrupted: stopped pulling {ref}") and "nothing is left running" in text
    assert "the one after it did not run" in text and not _exists(client, marker)
    # What the sentence promises: the engine hung up on the registry, it is not pulling on its own.
    assert slow_registry.blob_closed.wait(5), "the engine kept downloading after the interrupt"
    print(f"the engine hung up on the registry {time.monotonic() - sent:.3f} s after the interrupt")
    assert not client.images.list(name=ref.rsplit(":", 1)[0])


def test_the_stop_button_in_a_real_kernel(client, cleanup, images, tmp_path):
    """What a notebook's stop button does: the kernel manager sends SIGINT to the kernel, which is
    in the middle of a %%docker cell. The cell ends within 1 s as an error (so Run All stops too),
    its only error output is one UsageError line, and the cell's next line did not run."""
    from jupyter_client.manager import start_new_kernel

    name, marker = cleanup.name("dm-intkern"), cleanup.name("dm-intmark")
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        kc.execute_interactive("%load_ext dockermagic", timeout=60)
        msg_id = kc.execute(f"%%docker\nrun --name {name} debian:bookworm {LOOP}\n"
                            f"run -d --name {marker} debian:bookworm true\n")
        deadline = time.monotonic() + 60
        while not (_exists(client, name) and b"tick" in client.containers.get(name).logs()):
            assert time.monotonic() < deadline, "the cell's container never printed"
            time.sleep(0.1)
        time.sleep(0.5)
        sent = time.monotonic()
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=10)
        answered = time.monotonic() - sent
        outputs = []
        while True:
            msg = kc.get_iopub_msg(timeout=10)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            outputs.append(msg)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(f"the kernel answered the stop button in {answered:.3f} s")
    assert reply["parent_header"]["msg_id"] == msg_id and reply["content"]["status"] == "error"
    assert answered < 1.0, f"the cell ended {answered:.2f} s after the interrupt"
    stderr = "".join(m["content"]["text"] for m in outputs
                     if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
    stdout = "".join(m["content"]["text"] for m in outputs
                     if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
    tracebacks = [m["content"]["traceback"] for m in outputs if m["msg_type"] == "error"]
    assert stderr.strip().splitlines() == [
        f"UsageError: Interrupted: container {name} keeps running (only the cell stopped following it); "
        f"stop it with %docker stop {name}; the cell stopped at command 1 of 2, the one after it did not run."]
    assert not any(tb for tb in tracebacks), tracebacks
    assert "tick" in stdout and not _exists(client, marker)
    assert client.containers.get(name).status == "running"
