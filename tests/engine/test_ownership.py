"""Two learners on one engine (issue 15, 2-3): the same names and the same host port without a
collision, every later command and view resolving the short name, ``ps --mine``, and ``reset``
removing exactly one learner's objects. The stand-in base image sleeping plays the database."""

from __future__ import annotations

import re
import time
import uuid

import docker
import pytest

from dockermagic import client as dm_client, ownership
from dockermagic.cli.options import parse_compose
from dockermagic.cli.routes import run_command
from dockermagic.engine import build
from dockermagic.engine.compose import compose_command
from dockermagic.engine.namespaced import NamespacedClient

IMAGE = "debian:bookworm"  # a stand-in here: no registry is asked (DOCKERMAGIC_NO_PULL)


@pytest.fixture
def learners(client, cleanup, monkeypatch, images):
    """alice and bob, each a namespaced client on the one engine; what each was told is in ``said``."""
    monkeypatch.setenv("DOCKERMAGIC_NO_PULL", "1")
    monkeypatch.setenv("DOCKERMAGIC_NOTEBOOK", f"/tmp/dmtest-{uuid.uuid4().hex[:8]}/class.ipynb")
    tag = uuid.uuid4().hex[:6]  # other runs on this engine may have their own alice
    said: dict[str, list[str]] = {"alice": [], "bob": []}
    alice = ownership.namespaced(client, f"alice{tag}", say=said["alice"].append)
    bob = ownership.namespaced(client, f"bob{tag}", say=said["bob"].append)
    return alice, bob, said


def _start_database(learner, port: int):
    for line in ("network create net1", "volume create data",
                 f"run -d --name pg-database --network net1 -v data:/data -p 127.0.0.1:{port}:5432 "
                 f"{IMAGE} sleep 300"):
        run_command(line, client=learner, out=lambda line: None)


def _host_port(client, name: str) -> int:
    return int(client.api.inspect_container(name)["HostConfig"]["PortBindings"]["5432/tcp"][0]["HostPort"])


def _wait(pred, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end and not pred():
        time.sleep(0.05)
    return pred()


def test_same_name_and_port_for_two_learners_no_collision(client, cleanup, port_5433, learners):
    alice, bob, said = learners
    a_name, b_name = f"{alice.namespace}-pg-database", f"{bob.namespace}-pg-database"
    try:
        _start_database(alice, port_5433)
        _start_database(bob, port_5433)
        assert client.containers.get(a_name).status == client.containers.get(b_name).status == "running"
        a_port, b_port = _host_port(client, a_name), _host_port(client, b_name)
        assert a_port != b_port
        # bob came second: 5433 was alice's, so his moved into his own range, and one line said so
        base = bob.space.port_base
        assert base <= b_port < base + 1000 and said["bob"] == [
            f"Port {port_5433} is taken on this shared engine, so pg-database publishes it on {b_port} "
            f"instead ({port_5433} → {b_port})."]
        assert str(b_port) in str(run_command("port pg-database", client=bob))
        assert str(a_port) in str(run_command("port pg-database", client=alice))
        # every later command finds the learner's own object by its short name
        assert run_command("inspect pg-database", client=bob)[0]["Name"] == f"/{b_name}"
        run_command("network create net2", client=alice)
        run_command("network connect net2 pg-database", client=alice)
        networks = client.api.inspect_container(a_name)["NetworkSettings"]["Networks"]
        assert set(networks) == {f"{alice.namespace}-net1", f"{alice.namespace}-net2"}
        assert client.api.inspect_volume(f"{alice.namespace}-data")["Labels"][ownership.NAMESPACE_LABEL] == \
            alice.namespace
        run_command("stop -t 1 pg-database", client=alice)
        assert client.containers.get(a_name).status == "exited"
        assert client.containers.get(b_name).status == "running", "alice's stop must not touch bob's"
        mine = run_command("ps -a --mine", client=alice)
        assert [r["name"] for r in mine.rows] == [a_name]
        assert b_name in [r["name"] for r in run_command("ps -a", client=alice).rows], "without --mine: all"
    finally:
        for name in (a_name, b_name):
            cleanup.container(name)


def test_reset_lists_then_removes_exactly_one_learners_objects(client, cleanup, learners, tmp_path):
    alice, bob, said = learners
    for learner in (alice, bob):
        _start_database(learner, 0)  # host port 0: any free one (ports are the other test's subject)
    image = cleanup.image(f"{cleanup.name('dmown')}:alice")
    (tmp_path / "Dockerfile").write_text(f'FROM {IMAGE}\nCMD ["true"]\n')
    build.build_image(str(tmp_path), build.BuildOptions(tags=[image]), client=alice, say=lambda line: None)
    expected = {("container", "pg-database"), ("network", "net1"), ("volume", "data"), ("image", image)}

    lines: list[str] = []
    listed = run_command("reset --dry-run --mine", client=alice, out=lines.append)
    assert {(r["kind"], r["name"]) for r in listed.rows} == expected
    assert {r["result"] for r in listed.rows} == {"would be removed"}
    assert len(lines) == 1 and lines[0].startswith(f"Would remove 4 objects made by {alice.owner} in namespace "
                                                   f"{alice.namespace}")
    assert client.containers.get(f"{alice.namespace}-pg-database"), "a dry run removes nothing"

    removed = ownership.reset(client=alice, say=lines.append)  # this notebook's: here the same objects
    assert {(r["kind"], r["name"]) for r in removed.rows} == expected
    assert {r["result"] for r in removed.rows} == {"removed"}
    assert lines[-1].startswith("Removing 4 objects made in notebook /tmp/dmtest-")
    for kind, name in expected - {("image", image)}:
        with pytest.raises(docker.errors.NotFound):
            getattr(client.api, f"inspect_{kind}")(f"{alice.namespace}-{name}")
    with pytest.raises(docker.errors.ImageNotFound):
        client.api.inspect_image(image)
    # bob's are all still there, and running
    assert client.containers.get(f"{bob.namespace}-pg-database").status == "running"
    client.api.inspect_network(f"{bob.namespace}-net1")
    client.api.inspect_volume(f"{bob.namespace}-data")
    assert not ownership.reset(mine=True, client=alice, dry_run=True, say=lines.append).rows


def test_views_show_only_mine_when_a_namespace_is_set(client, cleanup, learners):
    from dockermagic.widgets import ContainersView, Dashboard, NetworksView

    alice, bob, _ = learners
    for learner in (alice, bob):
        _start_database(learner, 0)
    a_name, b_name = f"{alice.namespace}-pg-database", f"{bob.namespace}-pg-database"
    views = [ContainersView(client=alice, tick=None), ContainersView(client=alice, mine=False, tick=None),
             NetworksView(client=alice), Dashboard(client=alice)]
    mine, everyone, networks, dashboard = views
    try:
        assert _wait(lambda: [row[0] for row in dashboard._volume_rows] == [f"{alice.namespace}-data"])
        assert _wait(lambda: [r["name"] for r in mine.rows()] == [a_name])
        assert _wait(lambda: {a_name, b_name} <= {r["name"] for r in everyone.rows()})
        assert _wait(lambda: [n["name"] for n in networks.networks()] == [f"{alice.namespace}-net1"]), networks.networks()
        assert a_name in repr(networks) and b_name not in repr(networks)
        port = client.api.inspect_container(a_name)["NetworkSettings"]["Ports"]["5432/tcp"][0]["HostPort"]
        assert f"127.0.0.1:{port}->5432/tcp" in repr(mine), "the view shows the real host port"
        assert _wait(lambda: mine.row("pg-database") is not None), "the short name finds the row"
        mine.act("stop", "pg-database")
        assert client.containers.get(a_name).status == "exited" and "done" in mine.logs.value
        assert client.containers.get(b_name).status == "running"
    finally:
        for view in views:
            view.close()


def test_the_environment_namespace_and_the_magics(ip, client, cleanup, monkeypatch, images):
    """``DOCKERMAGIC_NAMESPACE`` + a client reset: ``%docker`` prefixes, resolves, and resets by it."""
    namespace = f"carol{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("DOCKERMAGIC_NO_PULL", "1")
    monkeypatch.setenv("DOCKERMAGIC_NAMESPACE", namespace)
    dm_client.reset_client()
    try:
        assert isinstance(dm_client.get_client(), NamespacedClient) and dm_client.get_client().namespace == namespace
        ip.run_line_magic("docker", f"run -d --name web {IMAGE} sleep 300")
        c = client.containers.get(f"{namespace}-web")
        assert c.labels[ownership.NAMESPACE_LABEL] == namespace
        assert c.labels[ownership.OWNER_LABEL] == ownership.current_user()
        assert [r["name"] for r in ip.run_line_magic("docker", "ps --mine").rows] == [f"{namespace}-web"]
        assert ip.run_line_magic("docker", "exec web sh -c 'exit 7'").exit_code == 7
        table = ip.run_line_magic("docker", "reset --mine")
        assert [(r["kind"], r["name"], r["result"]) for r in table.rows] == [("container", "web", "removed")]
        assert re.search(r"<td>web</td>", table._repr_html_())
        with pytest.raises(docker.errors.NotFound):
            client.containers.get(f"{namespace}-web")
    finally:
        cleanup.container(f"{namespace}-web")
        monkeypatch.delenv("DOCKERMAGIC_NAMESPACE")
        dm_client.reset_client()


def test_start_postgres_for_two_learners_gives_each_a_url_with_the_real_port(client, cleanup, port_5433, learners):
    from dockermagic.ingest.postgres import start_postgres

    alice, bob, said = learners
    try:
        servers = [start_postgres("pg-database", port=port_5433, client=learner, timeout=90)
                   for learner in (alice, bob)]
        ports = [s.port for s in servers]
        assert ports[0] != ports[1] and ports == [_host_port(client, f"{ns}-pg-database")
                                                  for ns in (alice.namespace, bob.namespace)]
        assert f"127.0.0.1:{ports[1]}/" in servers[1].url and said["bob"][-1].endswith(f"({port_5433} → {ports[1]}).")
        for server in servers:
            with server.connect() as conn, conn.cursor() as cur:
                cur.execute("select 1")
                assert cur.fetchone() == (1,)
            conn.close()
        again = start_postgres("pg-database", port=port_5433, client=bob, timeout=90)
        assert again.reused and again.port == ports[1], "bob's own container, found again on its moved port"
    finally:
        for ns in (alice.namespace, bob.namespace):
            cleanup.container(f"{ns}-pg-database")


def test_compose_projects_live_in_the_namespace(ip, client, cleanup, monkeypatch, tmp_path, images):
    """Two learners bring up the same project name: each gets its own, ``ps``/``down`` find their own."""
    tag = uuid.uuid4().hex[:6]
    monkeypatch.setenv("DOCKERMAGIC_NO_PULL", "1")
    (tmp_path / "compose.yaml").write_text(f"services:\n  db:\n    image: {IMAGE}\n    command: [sleep, '300']\n"
                                           "    init: true\n")
    projects = []

    def compose(*words):  # the plain API: the magic would add the -f of an earlier test's %%compose
        return compose_command(parse_compose(["-p", "shop", *words]), cwd=str(tmp_path), say=lambda line: None)

    try:
        for learner in (f"alice{tag}", f"bob{tag}"):
            monkeypatch.setenv("DOCKERMAGIC_NAMESPACE", learner)
            dm_client.reset_client()
            projects.append(f"{learner}-shop")
            compose("up", "-d")
            assert [r["name"] for r in compose("ps").rows] == [f"{learner}-shop-db-1"]
        compose("down")  # bob's
        assert client.containers.get(f"alice{tag}-shop-db-1").status == "running"
        assert not client.containers.list(all=True, filters={"label": f"com.docker.compose.project=bob{tag}-shop"})
        monkeypatch.setenv("DOCKERMAGIC_NAMESPACE", f"alice{tag}")
        dm_client.reset_client()
        rows = ip.run_line_magic("docker", "reset --mine").rows
        assert {(r["kind"], r["name"]) for r in rows} == {("container", "shop-db-1"), ("network", "shop_default")}
    finally:
        for project in projects:
            for c in client.containers.list(all=True, filters={"label": f"com.docker.compose.project={project}"}):
                c.remove(force=True, v=True)
            for n in client.networks.list(filters={"label": f"com.docker.compose.project={project}"}):
                n.remove()
        monkeypatch.delenv("DOCKERMAGIC_NAMESPACE")
        dm_client.reset_client()


def test_a_learners_prune_takes_only_their_own(client, cleanup, learners):
    alice, bob, _ = learners
    for learner in (alice, bob):
        run_command("network create spare", client=learner)
    pruned = run_command("network prune -f", client=alice)
    assert f"{alice.namespace}-spare" in str(pruned)
    with pytest.raises(docker.errors.NotFound):
        client.api.inspect_network(f"{alice.namespace}-spare")
    assert client.api.inspect_network(f"{bob.namespace}-spare")["Name"] == f"{bob.namespace}-spare"


def test_learners_starting_at_once_never_collide(client, cleanup, port_5433, monkeypatch, images):
    """Six learners publish "5433" at the same moment: six running containers on six host ports."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("DOCKERMAGIC_NO_PULL", "1")
    tag = uuid.uuid4().hex[:6]
    learners = [ownership.namespaced(client, f"l{i}{tag}", say=lambda line: None) for i in range(6)]

    def start(learner):
        run_command(f"run -d --name db -p 127.0.0.1:{port_5433}:5432 {IMAGE} sleep 300", client=learner)
        return _host_port(client, f"{learner.namespace}-db")

    try:
        with ThreadPoolExecutor(len(learners)) as pool:
            ports = list(pool.map(start, learners))
        assert len(set(ports)) == len(learners), ports
        assert all(client.containers.get(f"{x.namespace}-db").status == "running" for x in learners)
    finally:
        for learner in learners:
            cleanup.container(f"{learner.namespace}-db")


def test_everything_a_learner_makes_carries_the_owner_labels(client, cleanup, learners, tmp_path):
    """Not assumed from the code paths: every object is looked at on the engine, anonymous volumes too."""
    from dockermagic.ingest.postgres import start_postgres

    alice, _, _ = learners
    run_command(f"run -d --name app -v data:/data -v /scratch {IMAGE} sleep 300", client=alice)
    run_command("network create n1", client=alice)
    run_command("volume create v1", client=alice)
    image = cleanup.image(f"{cleanup.name('dmownlbl')}:alice")
    (tmp_path / "Dockerfile").write_text(f'FROM {IMAGE}\nCMD ["true"]\n')
    build.build_image(str(tmp_path), build.BuildOptions(tags=[image], builder="legacy"), client=alice,
                      say=lambda line: None)
    try:
        start_postgres("db", port=_free_port(), client=alice, timeout=90)
        ns = alice.namespace
        made = [client.api.inspect_container(f"{ns}-app"), client.api.inspect_container(f"{ns}-db")]
        volumes = [m["Name"] for c in made for m in c["Mounts"] if m["Type"] == "volume"]
        assert f"{ns}-data" in volumes and len(volumes) == 3, "data, /scratch, and Postgres' VOLUME"
        labelled = [c["Config"]["Labels"] for c in made]
        labelled += [client.api.inspect_volume(v)["Labels"] for v in volumes + [f"{ns}-v1"]]
        labelled += [client.api.inspect_network(f"{ns}-n1")["Labels"], client.images.get(image).labels]
        for labels in labelled:
            assert labels[ownership.OWNER_LABEL] == alice.owner and labels[ownership.NAMESPACE_LABEL] == ns, labels
    finally:
        for name in ("app", "db"):
            cleanup.container(f"{alice.namespace}-{name}")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_start_postgres_for_learners_at_once(client, cleanup, port_5433, monkeypatch, images):
    """Notebook 02's start by four learners at the same moment: four servers, four ports, all answer."""
    from concurrent.futures import ThreadPoolExecutor

    from dockermagic.ingest.postgres import start_postgres

    tag = uuid.uuid4().hex[:6]
    learners = [ownership.namespaced(client, f"pg{i}{tag}", say=lambda line: None) for i in range(4)]
    try:
        with ThreadPoolExecutor(len(learners)) as pool:
            servers = list(pool.map(lambda x: start_postgres("ny-taxi-postgres", port=port_5433, client=x,
                                                             timeout=120), learners))
        assert len({s.port for s in servers}) == len(learners)
        for server in servers:
            with server.connect() as conn, conn.cursor() as cur:
                cur.execute("select current_database()")
                assert cur.fetchone() == ("ny_taxi",)
            conn.close()
    finally:
        for learner in learners:
            cleanup.container(f"{learner.namespace}-ny-taxi-postgres")


def test_a_legacy_builds_label_steps_go_with_it_whatever_the_order(client, cleanup, learners, tmp_path):
    """The legacy builder writes one LABEL step per label: the untagged steps carry labels too and
    must go, even when the engine lists a step before the image built on it."""
    from dockermagic.engine.cleanup import Removal, _remove_images

    alice, _, _ = learners
    image = cleanup.image(f"{cleanup.name('dmownsteps')}:alice")
    (tmp_path / "Dockerfile").write_text(f'FROM {IMAGE}\nCMD ["true"]\n')
    build.build_image(str(tmp_path), build.BuildOptions(tags=[image], builder="legacy"), client=alice,
                      say=lambda line: None)
    flt = {"label": f"{ownership.NAMESPACE_LABEL}={alice.namespace}"}
    steps = client.api.images(all=True, filters=flt)
    assert len(steps) >= 2, "a LABEL step before the image"
    parents_first = sorted(steps, key=lambda i: i["Created"])
    out = Removal()
    _remove_images(client, parents_first, out, {i["Id"] for i in client.api.images(filters=flt)})
    assert out.removed == [f"image {image}"] and not out.failed
    assert not client.api.images(all=True, filters=flt)
