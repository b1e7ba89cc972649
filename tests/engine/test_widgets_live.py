import time
import docker

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
        # the start event, not just the create, must have reached the row
        assert _wait(lambda: any(r["name"] == name and r["state"] == "running" for r in view.rows())
                     and name in view.table.get_state()["value"])
        assert "127.0.0.1:" in view.table.get_state()["value"]
        assert name in view.pick.options
        view.pick.value = name
        view.buttons["stop"].click()
        assert _wait(lambda: any(r["name"] == name and r["state"] == "exited" for r in view.rows()))
        view.act("logs", name)
        assert view.logs.value.startswith("<pre>")
        view.act("remove", name)
        assert _wait(lambda: name not in view.table.get_state()["value"] and name not in view.pick.options)
        view.act("stop", name)
        assert "failed" in view.logs.value
    finally:
        view.close()
        assert not view._watcher.alive


def test_networks_view_follows_run_and_connect(client, cleanup, images):
    import random

    from dockermagic.widgets import NetworksView

    view = NetworksView(client=client)
    try:
        subnet = f"192.168.{random.randint(100, 250)}.0/24"
        ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=subnet)])
        net = client.networks.create(cleanup.name("wn"), driver="bridge", ipam=ipam, labels=cleanup.labels)
        cleanup.network(net)
        a = client.containers.run("debian:bookworm", ["sleep", "infinity"], detach=True, name=cleanup.name("wna"),
                                  labels=cleanup.labels, network=net.name,
                                  ports={"80/tcp": ("127.0.0.1", None)})
        cleanup.container(a)
        a.reload()
        ip_a = a.attrs["NetworkSettings"]["Networks"][net.name]["IPAddress"]
        assert ip_a.startswith(subnet.rsplit(".", 2)[0])

        def shows(*texts):
            value = view.diagram.get_state()["value"]
            return all(t in value for t in texts)

        assert _wait(lambda: shows(net.name, subnet, a.name, ip_a, "127.0.0.1:"))
        assert net.name in repr(view) and ip_a in repr(view)
        b = client.containers.run("debian:bookworm", ["sleep", "infinity"], detach=True, name=cleanup.name("wnb"),
                                  labels=cleanup.labels)
        cleanup.container(b)
        net.connect(b, aliases=["wnb-alias"])
        b.reload()
        ip_b = b.attrs["NetworkSettings"]["Networks"][net.name]["IPAddress"]
        assert _wait(lambda: shows(b.name, ip_b, "wnb-alias"))
        # the stream ending (as on an engine restart) -> reconnect and full reload, state intact
        view._watcher.break_stream()
        assert _wait(lambda: view._watcher.resyncs == 2, timeout=3.0)
        assert _wait(lambda: shows(net.name, a.name, ip_a, b.name, ip_b))
        # the default bridge (docker0) gets its gateway from an attached container
        bridge = [n for n in view.networks() if n["name"] == "bridge"][0]
        assert bridge["bridge"] == "docker0" and bridge["gateway"]
    finally:
        view.close()
        assert not view._watcher.alive


def test_dashboard_tabs_and_close(client, cleanup, images):
    from dockermagic.widgets import Dashboard

    dash = Dashboard(client=client)
    try:
        assert dash.get_state()["titles"] == ["Containers", "Networks", "Images", "Volumes"] or \
            tuple(dash.get_state()["titles"]) == ("Containers", "Networks", "Images", "Volumes")
        assert _wait(lambda: "debian:bookworm" in dash.images.get_state()["value"])
        vol = client.volumes.create(cleanup.name("wdv"), labels=cleanup.labels)
        cleanup.volume(vol)
        assert _wait(lambda: vol.name in dash.volumes.get_state()["value"])
        assert "Dashboard(" in repr(dash)
    finally:
        dash.close()
        assert not dash._watcher.alive and not dash.containers._watcher.alive and not dash.networks._watcher.alive


def test_magics_open_the_live_views(ip):
    from dockermagic.widgets import ContainersView, NetworksView

    for line, kind in (("ps --watch", ContainersView), ("network ls --watch", NetworksView)):
        view = ip.run_line_magic("docker", line)
        try:
            assert isinstance(view, kind)
        finally:
            view.close()
