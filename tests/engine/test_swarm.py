"""Swarm through dockermagic on a real two-node lab (scripts/swarm-lab.sh): swarm, node, service and
stack functions and their %docker routes. The main engine is in swarm mode only while this module's
lab fixture lives; its finalizer leaves the swarm and stops the worker even when a test fails."""

import json
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from dockermagic.cli import routes
from dockermagic.engine import services as svc, stacks, swarm
from dockermagic.errors import CommandError, ComposeError, EngineError, NotFound
from dockermagic.redaction import MASK

pytestmark = pytest.mark.engine
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "swarm-lab.sh"
IMAGE = "python:3.9-slim"  # the stand-in: Debian's python3
# PID 1 ignores SIGTERM unless it asks for it; without this each task takes 10 s to stop
SERVE = ["python3", "-c", "import os, signal, http.server as h; signal.signal(15, lambda *a: exit()); "
         "print('serving with token', os.environ.get('API_TOKEN'), flush=True); "
         "h.HTTPServer(('', 8000), h.SimpleHTTPRequestHandler).serve_forever()"]


def test_outside_a_swarm_one_sentence(client):
    assert swarm.state(client=client) == "inactive"
    with pytest.raises(EngineError, match="swarm"):
        swarm.node_ls(client=client)
    assert swarm.leave(client=client) is False
    from dockermagic.widgets import ClusterView

    view = ClusterView(client=client)
    try:
        assert "not a swarm manager" in repr(view) and view.placement() == {}
    finally:
        view.close()


def test_cluster_view_follows_scale_and_drain(lab, made, cleanup):
    from dockermagic.widgets import ClusterView

    name = cleanup.name("dm-view")
    made["services"].append(name)
    view = ClusterView(client=lab, poll=0.5)
    try:
        assert set(view.placement()) == {"dm-worker", swarm.node_ls(client=lab).rows[0]["hostname"]}
        svc.service_create(svc.ServiceOptions(IMAGE, SERVE, name=name, replicas=2, endpoint_mode="dnsrr"),
                             client=lab)
        # no task events: the service event starts the reloads, the poll follows the tasks until they run
        wait_for(lambda: sum(len([t for t in v if t.startswith(name)]) for v in view.placement().values()) == 2)
        assert f"{name}.1 running" in repr(view) and "dm-worker" in view.snapshot()["text/html"]
        swarm.node_update("dm-worker", swarm.NodeUpdate(availability="drain"), client=lab)
        try:
            wait_for(lambda: not view.placement()["dm-worker"] and view.settled())
        finally:
            swarm.node_update("dm-worker", swarm.NodeUpdate(availability="active"), client=lab)
        assert "worker, drain, ready" in repr(view) or "worker, active, ready" in repr(view)
    finally:
        view.close()
    assert not view._watcher.alive and not view._poller.is_alive()


@pytest.fixture(scope="module")
def lab(client, images):
    up = subprocess.run(["bash", str(SCRIPT), "up", IMAGE], capture_output=True, text=True, timeout=300)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        yield client
    finally:
        down = subprocess.run(["bash", str(SCRIPT), "down"], capture_output=True, text=True, timeout=300)
        assert down.returncode == 0, down.stdout + down.stderr
        assert swarm.state(client=client) == "inactive"


@pytest.fixture
def made(lab, cleanup):
    """Services and stacks a test makes, removed before `cleanup` sweeps their labelled containers
    (a container of a live service would only be started again)."""
    found = {"services": [], "stacks": []}
    yield found
    for name in found["stacks"]:
        stacks.rm([name], client=lab)
    for name in found["services"]:
        try:
            svc.service_rm([name], client=lab)
        except NotFound:
            pass


def running_tasks(client, service: str) -> list[dict]:
    return svc.service_ps([service], client=client, running_only=True).rows


def wait_for(check, timeout=60):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def test_nodes_update_and_drain(lab, made, cleanup):
    nodes = swarm.node_ls(client=lab)
    assert len(nodes) == 2 and nodes.rows[0]["id"].endswith(" *") and nodes.rows[0]["manager_status"] == "Leader"
    worker = nodes.rows[1]
    assert (worker["hostname"], worker["status"], worker["address"]) == ("dm-worker", "Ready", "10.240.0.2")
    assert list(nodes.to_frame().columns) == swarm.NODE_COLUMNS
    name = cleanup.name("dm-drain")
    made["services"].append(name)
    svc.service_create(svc.ServiceOptions(IMAGE, SERVE, name=name, replicas=2, endpoint_mode="dnsrr"), client=lab)
    svc.wait_converged([name], client=lab, timeout=90)
    try:
        swarm.node_update("dm-worker", swarm.NodeUpdate(availability="drain", labels_add={"zone": "b"}), client=lab)
        inspected = swarm.node_inspect(["dm-worker"], client=lab)[0]
        assert inspected["Spec"]["Availability"] == "drain" and inspected["Spec"]["Labels"] == {"zone": "b"}
        wait_for(lambda: {t["node"] for t in running_tasks(lab, name) if t["state"] == "running"} == {nodes.rows[0]["hostname"]}
                 and len([t for t in running_tasks(lab, name) if t["state"] == "running"]) == 2)
    finally:
        swarm.node_update("dm-worker", swarm.NodeUpdate(availability="active", labels_rm=["zone"]), client=lab)
    assert swarm.node_inspect(["dm-worker"], client=lab)[0]["Spec"]["Availability"] == "active"
    with pytest.raises(CommandError, match="active, pause or drain"):
        swarm.node_update("dm-worker", swarm.NodeUpdate(availability="sleep"), client=lab)


def test_service_create_ls_ps_logs_scale_update_rm(lab, made, cleanup):
    name = cleanup.name("dm-svc")
    made["services"].append(name)
    opts = svc.ServiceOptions(IMAGE, SERVE, name=name, replicas=2, env=["API_TOKEN=s3cr3t-swarm-value"],
                                endpoint_mode="dnsrr")
    svc.service_create(opts, client=lab)
    svc.wait_converged([name], client=lab, timeout=90)
    row = next(r for r in svc.service_ls(client=lab).rows if r["name"] == name)
    assert (row["replicas"], row["mode"], row["image"]) == ("2/2", "replicated", IMAGE)
    assert row["labels"]["org.dockermagic.created-by"] == "dockermagic" and cleanup.label_value in row["labels"].values()
    tasks = running_tasks(lab, name)
    assert sorted(t["name"] for t in tasks) == [f"{name}.1", f"{name}.2"] and all(t["node"] for t in tasks)
    shown = repr(svc.service_inspect([name], client=lab)) + repr(svc.service_ls(client=lab))
    assert "s3cr3t-swarm-value" not in shown and MASK in repr(svc.service_inspect([name], client=lab))
    logs = svc.service_logs(name, client=lab)
    # one line per task, led by service.slot@node, from both nodes; the token the tasks print is masked
    assert sorted(line.split(" | ")[0].split("@")[0] for line in logs) == [f"{name}.1", f"{name}.2"], logs
    assert all(line.endswith(f"serving with token {MASK}") for line in logs), logs
    before = {t["id"] for t in tasks}
    assert svc.service_scale({name: 3}, client=lab) == [f"{name} scaled to 3"]
    svc.wait_converged([name], client=lab, timeout=90)
    after = running_tasks(lab, name)
    assert len(after) == 3 and before <= {t["id"] for t in after}, "scaling must not restart the running tasks"
    assert {t["node"] for t in after} == {"dm-worker", swarm.node_ls(client=lab).rows[0]["hostname"]}
    svc.service_update(name, svc.ServiceUpdate(env_add=["MODE=blue"], force=True), client=lab)
    wait_for(lambda: not before & {t["id"] for t in running_tasks(lab, name)}, timeout=120)
    env = svc.service_inspect([name], client=lab)[0]["Spec"]["TaskTemplate"]["ContainerSpec"]["Env"]
    assert "MODE=blue" in env and f"API_TOKEN={MASK}" in env
    assert svc.service_rm([name], client=lab) == [name]
    with pytest.raises(NotFound, match=name):
        svc.service_ps([name], client=lab)


STACK = """
services:
  web:
    image: python:3.9-slim
    command: {command}
    environment:
      - WEB_PASSWORD=stack-pw-1234
    ports:
      - target: 8000
        published: {port}
        mode: host
    deploy:
      replicas: 1
      endpoint_mode: dnsrr
      placement:
        constraints: ["node.role == worker"]
"""


def test_stack_deploy_ls_ps_services_rm(lab, made, cleanup, tmp_path):
    name = cleanup.name("dmst").replace("-", "")[:20]
    made["stacks"].append(name)
    (tmp_path / "stack.yml").write_text(STACK.format(command=json.dumps(SERVE), port=18081))
    said = []
    lines = stacks.deploy("stack.yml", name, client=lab, say=said.append, cwd=tmp_path)
    assert f"Creating service {name}_web" in lines and said == lines
    services = stacks.wait(name, client=lab, timeout=120)
    assert [r["name"] for r in services.rows] == [f"{name}_web"] and services.rows[0]["replicas"] == "1/1"
    labels = services.rows[0]["labels"]
    assert labels["org.dockermagic.created-by"] == "dockermagic" and cleanup.label_value in labels.values()
    volumes_and_networks = lab.api.networks(filters={"label": f"com.docker.stack.namespace={name}"})
    assert [n["Labels"]["org.dockermagic.created-by"] for n in volumes_and_networks] == ["dockermagic"]
    page = urllib.request.urlopen("http://10.240.0.2:18081/", timeout=10).read().decode()
    assert "Directory listing" in page  # through the port the worker published (mode: host)
    assert name in [r["name"] for r in stacks.ls(client=lab).rows]
    tasks = stacks.ps(name, client=lab, running_only=True).rows
    assert [(t["name"], t["node"]) for t in tasks] == [(f"{name}_web.1", "dm-worker")]
    inspect = repr(svc.service_inspect([f"{name}_web"], client=lab))
    assert "stack-pw-1234" not in inspect
    removed = stacks.rm([name], client=lab)
    assert removed[0] == f"Removing service {name}_web" and f"Removing network {name}_default" in removed
    assert name not in [r["name"] for r in stacks.ls(client=lab).rows]
    with pytest.raises(ComposeError, match="Nothing found"):
        stacks.ps(name, client=lab)


def test_stack_deploy_refusals_carry_the_cli_words(lab, tmp_path):
    (tmp_path / "bad.yml").write_text("services:\n  web:\n    image: x\n    ports:\n      - host_ip: 127.0.0.1\n        target: 80\n")
    with pytest.raises(ComposeError, match="host_ip"):
        stacks.deploy("bad.yml", "dmbad", client=lab, cwd=tmp_path)
    with pytest.raises(ComposeError, match="Cannot read"):
        stacks.deploy("missing.yml", "dmbad", client=lab, cwd=tmp_path)


def test_routes_carry_out_the_swarm_words(lab, made, cleanup):
    run = lambda line: routes.run_command(line, client=lab)  # noqa: E731
    assert len(run("node ls -q")) == 2
    token = swarm.join_token("worker", client=lab)
    shown = repr(run("swarm join-token worker")) + repr(run("swarm join-token -q manager"))
    assert token not in shown and MASK in shown
    name = cleanup.name("dm-route")
    made["services"].append(name)
    sid = run(f"service create --name {name} --replicas 1 --endpoint-mode dnsrr -e DB_PASSWORD=route-pw-99 {IMAGE} "
              "python3 -m http.server 8000")[0]
    assert sid in run("service ls -q").lines[0] or any(sid.startswith(x) for x in run("service ls -q"))
    assert [r["name"] for r in run(f"service ps -f desired-state=running {name}").rows] == [f"{name}.1"]
    assert run(f"service scale {name}=2").lines == [f"{name} scaled to 2"]
    assert "route-pw-99" not in repr(run(f"service inspect {name}"))
    assert run(f"service rm {name}").lines == [name]
    assert "stack" in repr(run("help stack"))
    with pytest.raises(CommandError, match="SERVICE=REPLICAS"):
        run("service scale web")
    with pytest.raises(NotFound):
        run("service ps dm-no-such-service")
