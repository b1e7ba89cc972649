"""The live views against the real engine, headless: widget state (what the browser would get)
follows starts, stops, removals, health changes and network connects within 2 s."""
import random
import threading
import time

import docker

from dockermagic.secrets import MASK
from dockermagic.widgets import ContainersView, Dashboard, NetworksView


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
        # The logs echo a secret env value and a URL password: neither may reach the widget.
        script = "echo API_TOKEN=s3cr3t-token; echo postgresql://app:pw-s3cr3t@db:5432/x; echo hello; exec sleep infinity"
        c = client.containers.run("debian:bookworm", ["sh", "-c", script], detach=True, name=name,
                                  labels=cleanup.labels, ports={"80/tcp": ("127.0.0.1", None)})
        cleanup.container(c)
        # the start event, not just the create, must have reached the row
        assert _wait(lambda: any(r["name"] == name and r["state"] == "running" for r in view.rows())
                     and name in view.table.get_state()["value"])
        table = view.table.get_state()["value"]
        for column in ("name", "image", "status", "uptime", "ports", "networks", "ips"):
            assert f">{column}</th>" in table
        row = [r for r in view.rows() if r["name"] == name][0]
        assert row["status"] == "running" and row["stand_in"]
        assert "debian:bookworm (stand-in)" in table and "127.0.0.1:" in table and row["ips"][0] in table
        assert "second" in repr(view).split(name)[1].splitlines()[0]  # the uptime cell
        assert name in view.pick.options
        view.pick.value = name
        assert "background:#fff3c4" in view.table.get_state()["value"]  # the picked row is marked
        # an exec changes nothing a row shows: no engine call for its three events
        calls, send = [], client.api.send
        client.api.send = lambda request, **kw: calls.append(request.path_url) or send(request, **kw)
        try:
            c.exec_run(["true"])
            time.sleep(0.3)
        finally:
            client.api.send = send
        assert [u for u in calls if "/exec" not in u and "/json" in u and c.id[:12] in u] == []
        view.buttons["logs"].click()
        assert _wait(lambda: "hello" in view.logs.value)
        assert "s3cr3t" not in view.logs.value and MASK in view.logs.value
        view.buttons["stop"].click()
        assert _wait(lambda: any(r["name"] == name and r["status"] == "exited (137)" for r in view.rows()))
        view.buttons["start"].click()
        assert _wait(lambda: any(r["name"] == name and r["state"] == "running" for r in view.rows()))
        view.buttons["remove"].click()
        assert _wait(lambda: name not in view.table.get_state()["value"] and name not in view.pick.options)
        view.act("stop", name)
        assert f"Docker could not stop container {name}: No such container" in view.logs.value
        view.pick.value = None
        view.buttons["start"].click()
        assert "Pick a container first" in view.logs.value
    finally:
        view.close()
        assert not view._watcher.alive


def test_containers_view_shows_health(client, cleanup, images):
    view = ContainersView(client=client)
    try:
        c = client.containers.run("debian:bookworm", ["sleep", "infinity"], detach=True, name=cleanup.name("wh"),
                                  labels=cleanup.labels,
                                  healthcheck={"test": ["CMD", "true"], "interval": 1_000_000_000,
                                               "start_period": 0, "retries": 1})
        cleanup.container(c)
        # health_status events update the row: starting first, healthy after the first check
        assert _wait(lambda: any(r["name"] == c.name and r["status"] == "running (healthy)" for r in view.rows()),
                     timeout=4.0)
        assert "running (healthy)" in view.table.get_state()["value"]
    finally:
        view.close()


def test_networks_view_follows_run_and_connect(client, cleanup, images):
    view = NetworksView(client=client)
    try:
        subnet = f"192.168.{random.randint(100, 250)}.0/24"
        ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=subnet)])
        net = client.networks.create(cleanup.name("wn"), driver="bridge", ipam=ipam,
                                     labels={**cleanup.labels, "DEPLOY_TOKEN": "n3t-s3cr3t"})
        cleanup.network(net)
        a = client.containers.run("debian:bookworm", ["sleep", "infinity"], detach=True, name=cleanup.name("wna"),
                                  labels=cleanup.labels, network=net.name,
                                  ports={"80/tcp": ("127.0.0.1", None)})
        cleanup.container(a)
        a.reload()
        ip_a = a.attrs["NetworkSettings"]["Networks"][net.name]["IPAddress"]
        port_a = a.attrs["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]
        assert ip_a.startswith(subnet.rsplit(".", 2)[0])

        def shows(*texts):
            value = view.diagram.get_state()["value"]
            return all(t in value for t in texts)

        assert _wait(lambda: shows(net.name, subnet, a.name, f"eth0 {ip_a}", f"host 127.0.0.1:{port_a} &rarr; 80/tcp"))
        assert net.name in repr(view) and ip_a in repr(view)
        b = client.containers.run("debian:bookworm", ["sleep", "infinity"], detach=True, name=cleanup.name("wnb"),
                                  labels=cleanup.labels)
        cleanup.container(b)
        net.connect(b, aliases=["wnb-alias"])
        b.reload()
        ip_b = b.attrs["NetworkSettings"]["Networks"][net.name]["IPAddress"]
        assert _wait(lambda: shows(b.name, ip_b, "wnb-alias"))
        # inspect details only on demand, secrets masked
        assert view.details.value == ""
        view.inspect_button.click()
        assert "Pick a network first" in view.details.value
        assert view.inspect("no-such-network-here") == {} and "not found" in view.details.value
        view.pick.value = net.name
        view.inspect_button.click()
        assert f"&quot;Name&quot;: &quot;{net.name}&quot;" in view.details.value and subnet in view.details.value
        assert "n3t-s3cr3t" not in view.details.value and MASK in view.details.value
        # the stream ending (as on an engine restart) -> reconnect and full reload, state intact
        view._watcher.break_stream()
        assert _wait(lambda: view._watcher.resyncs == 2, timeout=3.0)
        assert _wait(lambda: shows(net.name, a.name, ip_a, b.name, ip_b))
        # the default bridge (docker0) gets its gateway from an attached container
        bridge = [n for n in view.networks() if n["name"] == "bridge"][0]
        assert bridge["bridge"] == "docker0" and bridge["gateway"]
        assert "bridge (docker0) subnet" in repr(view)
        net.disconnect(b)
        assert _wait(lambda: not shows("wnb-alias"))
    finally:
        view.close()
        assert not view._watcher.alive


def test_dashboard_tabs_and_close(client, cleanup, images):
    dash = Dashboard(client=client)
    try:
        assert tuple(dash.get_state()["titles"]) == ("Containers", "Networks", "Images", "Volumes")
        # populated before the constructor returned
        assert "debian:bookworm (stand-in)" in dash.images.get_state()["value"]
        # the user's own tag of that image carries the stand-in label but is not a stand-in
        repo = cleanup.name("wdimg")
        cleanup.image(f"{repo}:v1")
        client.api.tag("debian:bookworm", repo, "v1")
        assert _wait(lambda: f"{repo}:v1<" in dash.images.get_state()["value"])
        assert "debian:bookworm (stand-in)" in dash.images.get_state()["value"]
        vol = client.volumes.create(cleanup.name("wdv"), labels=cleanup.labels)
        cleanup.volume(vol)
        assert _wait(lambda: vol.name in dash.volumes.get_state()["value"])
        text = repr(dash)
        assert all(h in text for h in ("CONTAINERS", "NETWORKS", "IMAGES", "VOLUMES", vol.name, "docker0"))
    finally:
        dash.close()
        assert not dash._watcher.alive and not dash.containers._watcher.alive and not dash.networks._watcher.alive


def test_magics_open_the_live_views(ip):
    for line, kind in (("ps --watch", ContainersView), ("network ls --watch", NetworksView),
                       ("dashboard", Dashboard)):
        view = ip.run_line_magic("docker", line)
        try:
            assert isinstance(view, kind)
        finally:
            view.close()


def test_ps_watch_filter(ip, client, cleanup, images):
    import pytest
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="must look like key=value"):
        ip.run_line_magic("docker", "ps --watch --filter oops")
    view = ip.run_line_magic("docker", f"ps --watch --filter label=org.dockermagic.test={cleanup.label_value}")
    try:
        mine = cleanup.container(client.containers.run(
            "debian:bookworm", ["sleep", "infinity"], detach=True, name=cleanup.name("wf"), labels=cleanup.labels))
        other = cleanup.container(client.containers.create("debian:bookworm", ["true"], name=cleanup.name("wfo")))
        assert _wait(lambda: [r["name"] for r in view.rows()] == [mine.name])
        other.start()
        mine.stop(timeout=0)
        assert _wait(lambda: [r["status"] for r in view.rows()] == ["exited (137)"])
        assert other.name not in view.table.get_state()["value"]
    finally:
        view.close()


def test_uptime_clock_rerenders_without_engine_calls(client, cleanup, images):
    c = cleanup.container(client.containers.run("debian:bookworm", ["sleep", "infinity"], detach=True,
                                                name=cleanup.name("wu"), labels=cleanup.labels))
    view = ContainersView(client=client, filters=[f"label=org.dockermagic.test={cleanup.label_value}"], tick=0.3)
    calls, send = [], client.api.send
    # by thread: other people's containers may send events meanwhile, which the watcher looks up
    client.api.send = lambda request, **kw: calls.append(threading.current_thread().name) or send(request, **kw)
    try:
        first = view.table.value
        assert _wait(lambda: view.table.value != first, timeout=3.0)  # "1 second" became "2 seconds"
        assert "dockermagic-uptime" not in calls and c.name in view.table.value
    finally:
        client.api.send = send
        view.close()


def test_close_is_prompt_and_closes_every_part(client):
    view = ContainersView(client=client)
    parts = [view.table, view.pick, view.logs, *view.buttons.values()]
    t0 = time.monotonic()
    view.close()
    assert not view._watcher.alive and time.monotonic() - t0 < 1.0
    assert all(p.comm is None for p in parts)  # no widget model left open in the kernel
