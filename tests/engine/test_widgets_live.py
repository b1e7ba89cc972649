import time

from dockermagic.widgets import ContainersView


def _wait(pred, timeout=2.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def test_containers_view_follows_start_stop_remove(client, cleanup, images):
    view = ContainersView(client=client)
    try:
        name = cleanup.name("wv")
        c = client.containers.run("debian:bookworm", ["sleep", "infinity"], detach=True, name=name,
                                  labels=cleanup.labels, ports={"80/tcp": ("127.0.0.1", None)})
        cleanup.container(c)
        assert _wait(lambda: name in view.table.get_state()["value"] and "Up" in str(view.rows()))
        assert "127.0.0.1:" in view.table.get_state()["value"]
        c.stop(timeout=0)
        assert _wait(lambda: any(r["name"] == name and r["state"] == "exited" for r in view.rows()))
        c.remove(force=True)
        assert _wait(lambda: name not in view.table.get_state()["value"])
    finally:
        view.close()
        assert not view._watcher.alive
