import threading
import time

from dockermagic.events import RESYNC, EventWatcher


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
        assert _wait(lambda: w.resyncs == 1)
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
