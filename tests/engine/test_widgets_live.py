"""The live views against the real engine, headless: widget state (what the browser would get)
follows starts, stops, removals, health changes and network connects within 2 s."""
import random
import threading
import time
import uuid

import docker
import pytest

from dockermagic.redaction import MASK
from dockermagic.widgets import ContainersView, Dashboard, NetworksView


def _wait(pred, timeout=2.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def _text(view) -> str:
    """All the rows' HTML, as the page gets it."""
    return "".join(item.get_state()["value"] for item in view.table.children if hasattr(item, "value"))


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
                     and "running" in view.row(name).cells.get_state()["value"])
        for column in ("name", "image", "status", "uptime", "ports", "networks", "ips"):
            assert f">{column}</b>" in view.header.get_state()["value"]
        row = [r for r in view.rows() if r["name"] == name][0]
        assert row["status"] == "running" and row["stand_in"]
        cells = view.row(name).cells.get_state()["value"]
        assert "debian:bookworm (stand-in)" in cells and "127.0.0.1:" in cells and row["ips"][0] in cells
        assert "second" in repr(view).split(name)[1].splitlines()[0]  # the uptime cell
        # the row's own buttons: a running container offers stop, not start
        assert list(view.row(name).buttons_shown()) == ["stop", "logs", "remove"]
        # an exec changes nothing a row shows: no engine call for its three events
        calls, send = [], client.api.send
        client.api.send = lambda request, **kw: calls.append(request.path_url) or send(request, **kw)
        try:
            c.exec_run(["true"])
            time.sleep(0.3)
        finally:
            client.api.send = send
        assert [u for u in calls if "/exec" not in u and "/json" in u and c.id[:12] in u] == []
        view.row(name).buttons_shown()["logs"].click()
        assert _wait(lambda: "hello" in view.logs.value)
        assert f"logs {name}" in view.logs.value and "s3cr3t" not in view.logs.value and MASK in view.logs.value
        view.row(name).buttons_shown()["stop"].click()
        assert client.containers.get(name).status == "exited"  # the click ran in the engine
        assert _wait(lambda: "exited (137)" in view.row(name).cells.value
                     and list(view.row(name).buttons_shown()) == ["start", "logs", "remove"])
        assert f"stop {name}: done." in view.logs.value
        view.row(name).buttons_shown()["start"].click()
        assert client.containers.get(name).status == "running"
        assert _wait(lambda: "stop" in view.row(name).buttons_shown())
        view.row(name).buttons_shown()["remove"].click()
        with pytest.raises(docker.errors.NotFound):
            client.containers.get(name)
        assert _wait(lambda: view.row(name) is None and name not in _text(view))
        view.act("stop", name)
        assert f"Docker could not stop container {name}: No such container" in view.logs.value
    finally:
        view.close()
        assert not view._watcher.alive


def test_an_event_touches_only_its_own_row(client, cleanup, images):
    """One container's start changes that row's widgets only: the other rows' widgets are the same
    objects and send nothing (200 rows are not rebuilt for one event), even when a column grows."""
    made = [cleanup.container(client.containers.create("debian:bookworm", ["sleep", "infinity"],
                                                       name=cleanup.name(f"wr{i}"), labels=cleanup.labels))
            for i in range(3)]
    view = ContainersView(client=client, filters=[f"label=org.dockermagic.test={cleanup.label_value}"], tick=None)
    try:
        assert [r["name"] for r in view.rows()] == sorted(c.name for c in made)
        before = {c.name: view.row(c.name) for c in made}
        assert all(list(r.buttons_shown()) == ["start", "logs", "remove"] for r in before.values())
        head = view.header.value
        sent = []
        for c in made[1:]:  # what the other rows would send to the page
            for part in view.row(c.name).items:
                part.observe(lambda change, n=c.name: sent.append(n))
        view.row(made[0].name).buttons_shown()["start"].click()
        assert _wait(lambda: "running" in view.row(made[0].name).cells.value)
        assert view.header.value != head  # the ips column grew for the first IP: in the header's style only
        late = cleanup.container(client.containers.run("debian:bookworm", ["sleep", "infinity"], detach=True,
                                                       name=cleanup.name("wr9"), labels=cleanup.labels))
        assert _wait(lambda: view.row(late.name) is not None and "running" in view.row(late.name).cells.value)
        assert sent == [] and all(view.row(n) is r for n, r in before.items())
        # the grid: the header, then each row's stop/start, logs, remove and cells, sorted by name
        assert view.table.children[4:] == tuple(i for r in view.rows() for i in view.row(r["name"]).items)
        late.remove(force=True)
        assert _wait(lambda: view.row(late.name) is None and len(view.table.children) == 4 + 3 * 4)
    finally:
        view.close()


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
        assert "running (healthy)" in view.row(c.name).cells.get_state()["value"]
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
        assert not dash._watcher.alive


def _event_threads():
    return [t for t in threading.enumerate() if t.name == "dockermagic-events"]


def test_dashboard_shares_one_event_stream(client, cleanup, images):
    """The dashboard's four tabs follow the engine through ONE watcher thread and ONE /events stream,
    fanned out to the views; each tab still follows its own kind of change."""
    streams, send = [], client.api.send
    client.api.send = lambda request, **kw: ("/events" in request.path_url and streams.append(request.path_url)) \
        or send(request, **kw)
    threads_before = len(_event_threads())
    dash = Dashboard(client=client)
    try:
        assert len(_event_threads()) == threads_before + 1 and len(streams) == 1
        assert not hasattr(dash.containers, "_watcher") and not hasattr(dash.networks, "_watcher")
        net = cleanup.network(client.networks.create(cleanup.name("wds"), driver="bridge", labels=cleanup.labels))
        c = cleanup.container(client.containers.run("debian:bookworm", ["sleep", "infinity"], detach=True,
                                                    name=cleanup.name("wdc"), labels=cleanup.labels, network=net.name))
        vol = cleanup.volume(client.volumes.create(cleanup.name("wdv"), labels=cleanup.labels))
        # one event stream, every tab updated from it
        assert _wait(lambda: dash.containers.row(c.name) is not None and "running" in dash.containers.row(c.name).cells.value)
        assert _wait(lambda: any(n["name"] == net.name and [x["name"] for x in n["containers"]] == [c.name]
                                 for n in dash.networks.networks()))
        assert _wait(lambda: vol.name in dash.volumes.value)
        dash.containers.row(c.name).buttons_shown()["stop"].click()  # a row's button works in the dashboard too
        assert _wait(lambda: "exited" in dash.containers.row(c.name).cells.value)
        assert len(streams) == 1 and len(_event_threads()) == threads_before + 1
        # a broken stream (engine restart) reconnects once and resyncs every tab
        dash._watcher.break_stream()
        assert _wait(lambda: dash._watcher.resyncs == 2, timeout=3.0) and len(streams) == 2
        assert dash.containers.row(c.name) is not None and vol.name in dash.volumes.value
    finally:
        client.api.send = send
        dash.close()
    assert not dash._watcher.alive and len(_event_threads()) == threads_before


def test_magics_open_the_live_views(ip):
    for line, kind in (("ps --watch", ContainersView), ("network ls --watch", NetworksView),
                       ("dashboard", Dashboard)):
        view = ip.run_line_magic("docker", line)
        try:
            assert isinstance(view, kind)
        finally:
            view.close()


def test_ps_watch_filter(ip, client, cleanup, images):
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
        assert view.row(other.name) is None and len(view.table.children) == 4 + 4
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
        first = view.row(c.name).cells.value
        assert _wait(lambda: view.row(c.name).cells.value != first, timeout=3.0)  # "1 second" became "2 seconds"
        assert "dockermagic-uptime" not in calls
    finally:
        client.api.send = send
        view.close()


def test_close_is_prompt_and_closes_every_part(client):
    view = ContainersView(client=client)
    parts = [view.table, view.header, view.logs, view._style.button, view.prev_page, view.next_page, view.pager]
    parts += [p for row in view._row_widgets.values() for p in row.items]
    t0 = time.monotonic()
    view.close()
    assert not view._watcher.alive and time.monotonic() - t0 < 1.0
    assert all(p.comm is None for p in parts)  # no widget model left open in the kernel


def test_pages_of_rows(client, cleanup, images):
    """More containers than page_size: one page of rows as widgets, prev/next move through the rest
    (sorted by name); an event for a container on another page makes no widgets."""
    made = [cleanup.container(client.containers.create("debian:bookworm", ["true"], name=cleanup.name(f"wp{i}"),
                                                       labels=cleanup.labels)) for i in range(5)]
    names = sorted(c.name for c in made)
    view = ContainersView(client=client, filters=[f"label=org.dockermagic.test={cleanup.label_value}"], tick=None,
                          page_size=2)
    try:
        def on_page():
            return [r["name"] for r in view.rows() if view.row(r["name"]) is not None]

        assert on_page() == names[:2] and len(view.table.children) == 4 + 2 * 4
        assert "rows 1–2 of 5" in view.page_label.value and view.prev_page.disabled and not view.next_page.disabled
        assert view.pager.layout.display == "flex"
        client.containers.get(names[4]).start()  # on the last page: its row has no widgets to touch
        assert _wait(lambda: [r["state"] for r in view.rows() if r["name"] == names[4]] in (["running"], ["exited"]))
        assert on_page() == names[:2]
        view.next_page.click()
        assert on_page() == names[2:4] and "rows 3–4 of 5" in view.page_label.value
        view.next_page.click()
        assert on_page() == names[4:] and view.next_page.disabled and "rows 5–5 of 5" in view.page_label.value
        client.containers.get(names[4]).remove(force=True)  # the last page empties: back to the one before
        assert _wait(lambda: on_page() == names[2:4])
        client.containers.get(names[3]).remove(force=True)
        client.containers.get(names[2]).remove(force=True)
        assert _wait(lambda: on_page() == names[:2] and view.pager.layout.display == "none")  # one page: no pager
    finally:
        view.close()


def test_logs_button_masks_a_password_given_by_e_where_it_shows_bare(client, cleanup, images):
    """By value: the logs print the -e value alone on a line and inside a sentence, with no NAME= for a
    pattern to catch. The view learns it from the container's Config.Env, also for a container its
    filters leave out, and also when dockermagic has forgotten the -e it saw."""
    from dockermagic import redaction
    from dockermagic.cli.routes import run_command

    secret, name = f"pw-{uuid.uuid4().hex[:12]}", cleanup.name("wsec")
    script = 'echo "$POSTGRES_PASSWORD"; echo "the password is $POSTGRES_PASSWORD."; echo ready; exec sleep infinity'
    run_command(["run", "-d", "--name", name, "-e", f"POSTGRES_PASSWORD={secret}", "debian:bookworm",
                 "sh", "-c", script], client=client, out=lambda line: None)
    assert _wait(lambda: b"ready" in client.containers.get(name).logs())
    redaction.forget_all()  # only the view's own reading of Config.Env can know the value now
    view = ContainersView(client=client, filters=[f"label=org.dockermagic.test={cleanup.label_value}"], tick=None)
    try:
        view.row(name).buttons_shown()["logs"].click()
        shown = view.logs.get_state()["value"]
        assert "ready" in shown and secret not in shown
        assert f"{MASK}\nthe password is {MASK}." in shown
    finally:
        view.close()
    redaction.forget_all()
    other = ContainersView(client=client, filters=["label=org.dockermagic.test=none-of-these"], tick=None)
    try:
        assert other.row(name) is None
        other.act("logs", name)
        shown = other.logs.get_state()["value"]
        assert "ready" in shown and secret not in shown and shown.count(MASK) == 2
    finally:
        other.close()
