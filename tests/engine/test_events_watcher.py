import os
import socket
import threading
import time

import docker
import pytest

from dockermagic.engine.events import RESYNC, EventWatcher
from dockermagic.widgets import ContainersView


def _wait(pred, timeout=2.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def test_watcher_sees_start_resyncs_after_break_and_closes(client, cleanup, images):
    seen = []
    lock = threading.Lock()

    def on_event(ev):
        with lock:
            seen.append(ev)

    w = EventWatcher(on_event, client=client, retry_delay=0.1)
    try:
        assert w.wait_ready(2.0) and w.resyncs == 1
        c = client.containers.run("debian:bookworm", ["sleep", "infinity"], detach=True,
                                  labels=cleanup.labels, name=cleanup.name("ev"))
        cleanup.container(c)
        assert _wait(lambda: any(e.get("id") == c.id and e.get("status") == "start" for e in list(seen)))
        w.break_stream()
        assert _wait(lambda: w.resyncs == 2)
        assert seen.count(RESYNC) == 2
    finally:
        t0 = time.monotonic()
        w.close()
        assert not w.alive
        assert time.monotonic() - t0 < 2.0


class EngineSocket:
    """A unix socket in front of the engine's: stopping it looks to a client like dockerd going away
    (open streams cut, new connections refused) without touching the dockerd other tests use."""

    def __init__(self, path: str, target: str):
        self.path, self.target = path, target
        self._conns: list[socket.socket] = []
        self._listener = None

    def start(self) -> None:
        self._listener = socket.socket(socket.AF_UNIX)
        self._listener.bind(self.path)
        self._listener.listen(16)
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is None:
            return
        self._listener.close()
        for s in self._conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self._conns.clear()
        os.unlink(self.path)
        self._listener = None

    def _accept(self, listener) -> None:
        while True:
            try:
                down, _ = listener.accept()
            except OSError:
                return
            up = socket.socket(socket.AF_UNIX)
            up.connect(self.target)
            self._conns += [down, up]
            for a, b in ((down, up), (up, down)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def test_watcher_reconnects_and_resyncs_after_the_engine_was_away(client, cleanup, images, tmp_path):
    target = getattr(getattr(client.api, "_custom_adapter", None), "socket_path", None)
    if not target:
        pytest.fail("this test needs the engine on a local unix socket")
    proxy = EngineSocket(str(tmp_path / "engine.sock"), target)
    proxy.start()
    seen = []
    via_proxy = docker.DockerClient(base_url=f"unix://{proxy.path}")
    w = EventWatcher(seen.append, client=via_proxy, retry_delay=0.2)
    view = ContainersView(client=via_proxy, filters=[f"label=org.dockermagic.test={cleanup.label_value}"])
    view._watcher._retry_delay = 0.2
    try:
        assert w.wait_ready(5.0) and view.rows() == []
        proxy.stop()  # "engine restart": the stream is cut and reconnecting fails for a while
        # made while the watcher cannot see the engine: only the resync can tell about it
        c = cleanup.container(client.containers.create("debian:bookworm", ["true"], name=cleanup.name("evr"),
                                                       labels=cleanup.labels))
        assert _wait(lambda: w.last_error is not None, timeout=3.0)
        time.sleep(0.5)  # a few failed reconnects
        assert w.resyncs == 1 and w.alive
        proxy.start()
        assert _wait(lambda: w.resyncs == 2, timeout=3.0)
        assert seen.count(RESYNC) == 2
        assert _wait(lambda: [r["name"] for r in view.rows()] == [c.name])  # the view reloaded too
        c.start()  # and the new stream delivers events again
        assert _wait(lambda: any(e.get("id") == c.id and e.get("status") == "start" for e in list(seen)))
        assert _wait(lambda: view.rows()[0]["status"] in ("running", "exited (0)"))
    finally:
        view.close()
        w.close()
        assert not w.alive
        via_proxy.close()
        proxy.stop()


def _socket_of(stream) -> socket.socket:
    """The connection under a docker event stream (where docker's CancellableStream.close finds it)."""
    return stream._response.raw._fp.fp.raw._sock


def _socket_fds() -> int:
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            n += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:  # listdir's own fd
            pass
    return n


def test_a_listener_that_raises_leaves_no_stream_open():
    """A listener's exception makes the watcher reconnect; the stream it leaves is closed first (the
    exception's traceback used to keep it open beside the new one), and close() closes the last."""
    from dockermagic.client import connect

    own = connect()  # its own connections: the fd count sees only this test's
    own.ping()
    before = _socket_fds()
    opened, events = [], own.events

    def recording(*args, **kwargs):
        stream = events(*args, **kwargs)
        opened.append(_socket_of(stream))
        return stream

    own.events = recording

    def listener(event):
        raise RuntimeError("a bug in the listener")

    w = EventWatcher(listener, client=own, retry_delay=0.02)
    try:
        assert _wait(lambda: len(opened) >= 6, timeout=5.0)
        sockets = list(opened)
        assert isinstance(w.last_error, RuntimeError) and w.resyncs >= 5
        assert [s.fileno() for s in sockets[:-1]] == [-1] * (len(sockets) - 1)  # really closed
        assert _socket_fds() <= before + 1  # the current stream's, no more
    finally:
        w.close()
    try:
        assert not w.alive
        assert all(s.fileno() == -1 for s in opened)
        assert _wait(lambda: _socket_fds() == before)
    finally:
        own.close()
