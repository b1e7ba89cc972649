"""scripts/swarm-lab.sh: a worker engine in its own network namespace joins the main engine's swarm;
`down` leaves the main engine exactly as it was (not in a swarm, same networks), also after a crash.

The main engine is in swarm mode only inside each test (others run tests on it meanwhile)."""

import os
import signal
import subprocess
import time
from pathlib import Path

import docker
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "swarm-lab.sh"
WORKER = "unix:///run/dm-swarm/docker.sock"

pytestmark = pytest.mark.engine


def lab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=180)


def engine_state(client) -> dict:
    """What `down` must restore: swarm state, networks, the lab's namespace, veth and directories."""
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    return {"swarm": client.info()["Swarm"]["LocalNodeState"],
            # other tests make and remove bridge networks meanwhile: only the swarm's kind must match
            "swarm_networks": sorted(n["Name"] for n in client.api.networks()
                                     if n["Driver"] == "overlay" or n["Name"] == "docker_gwbridge"),
            "docker0": "docker0" in links,
            "netns": "dm-swarm" in netns.split(), "veth": "dm-swarm-h" in links,
            "dirs": [d for d in ("/run/dm-swarm", "/var/lib/dockermagic-swarm") if os.path.exists(d)]}


@pytest.fixture
def tidy(client):
    before = engine_state(client)
    assert before["swarm"] == "inactive" and not before["netns"], f"the engine is not as a test expects: {before}"
    yield before
    down = lab("down")
    assert down.returncode == 0, down.stderr
    assert engine_state(client) == before


def test_up_joins_a_worker_and_down_restores_the_engine(client, tidy):
    started = time.monotonic()
    up = lab("up")
    took_up = time.monotonic() - started
    assert up.returncode == 0, up.stdout + up.stderr
    nodes = {n["Description"]["Hostname"]: n for n in client.api.nodes()}
    assert len(nodes) == 2 and "dm-worker" in nodes, sorted(nodes)
    worker = nodes["dm-worker"]
    assert worker["Spec"]["Role"] == "worker" and worker["Status"]["Addr"] == "10.240.0.2"
    assert client.info()["Swarm"]["RemoteManagers"][0]["Addr"] == "10.240.0.1:2377"
    started = time.monotonic()
    assert lab("down").returncode == 0
    took_down = time.monotonic() - started
    assert engine_state(client) == tidy
    print(f"lab up {took_up:.1f} s, down {took_down:.1f} s")
    assert lab("down").returncode == 0, "a second down must be harmless"


def test_load_copies_an_image_to_the_worker_once(client, tidy):
    assert lab("up").returncode == 0
    first = lab("load", "hello-world:latest")
    assert first.returncode == 0 and "copied hello-world:latest" in first.stdout, first.stdout + first.stderr
    worker = docker.DockerClient(base_url=WORKER)
    try:
        assert worker.images.get("hello-world:latest").id == client.images.get("hello-world:latest").id
    finally:
        worker.close()
    again = lab("load", "hello-world:latest")
    assert again.returncode == 0 and "copied" not in again.stdout  # same ID there: nothing to send
    missing = lab("load", "dm-no-such-image:never")
    assert missing.returncode != 0 and "no image dm-no-such-image:never" in missing.stdout + missing.stderr


def test_up_after_a_crash_tidies_first(client, tidy):
    assert lab("up").returncode == 0
    pid = int(Path("/run/dm-swarm/dockerd.pid").read_text())
    os.kill(pid, signal.SIGKILL)  # the worker dies; the main engine stays in the swarm
    up = lab("up")
    assert up.returncode == 0 and "tidying up" in up.stdout, up.stdout + up.stderr
    ready = [n for n in client.api.nodes() if n["Status"]["State"] == "ready"]
    assert len(ready) == 2 and "dm-worker" in {n["Description"]["Hostname"] for n in ready}  # a new swarm


def test_usage_and_refusals():
    assert lab("sideways").returncode == 2


def test_run_pack_leaves_the_swarm_after_a_notebook_that_failed_in_it(client, tidy, tmp_path, capsys):
    """A notebook that dies with the lab up and a labelled service running: run_pack's tidy step
    leaves the swarm and stops the lab first (else removing the labelled task containers would only
    make the swarm start them again), then removes what carries the notebook's label."""
    import importlib.util

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    spec = importlib.util.spec_from_file_location("run_pack", SCRIPT.parent / "run_pack.py")
    run_pack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_pack)
    nb = new_notebook(cells=[new_code_cell(f"import subprocess\nsubprocess.run(['bash', {str(SCRIPT)!r}, 'up'], check=True)"),
                             new_code_cell("import docker\nfrom dockermagic.engine import services as svc\n"
                                           "svc.service_create(svc.ServiceOptions('debian:bookworm', ['sleep', '600'], "
                                           "name='dm-pack-swarm'), client=docker.from_env())"),
                             new_code_cell("raise RuntimeError('dies in the swarm')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "swarmy.ipynb"
    nbformat.write(nb, path)
    assert run_pack.main([str(tmp_path / "out"), "--notebooks", str(path)]) == 1
    assert "dies in the swarm" in capsys.readouterr().out
    assert engine_state(client) == tidy  # out of the swarm, lab gone: the finalizer's down finds nothing
    assert not client.api.containers(all=True, filters={"name": "dm-pack-swarm"})


def test_init_join_leave_through_dockermagic(client, tidy):
    """The plain functions (and %docker's routes) do what `up` does with the CLI, and undo it."""
    from dockermagic.cli import routes
    from dockermagic.engine import swarm
    from dockermagic.redaction import MASK

    assert lab("worker").returncode == 0
    worker = docker.DockerClient(base_url=WORKER)
    try:
        assert swarm.state(client=worker) == "inactive"
        shown = routes.run_command("swarm init --advertise-addr 10.240.0.1 --listen-addr 10.240.0.1:2377", client=client)
        token = swarm.join_token("worker", client=client)
        assert token.startswith("SWMTKN-") and token not in repr(shown) and MASK in repr(shown)
        assert swarm.manager_address(client=client) == "10.240.0.1:2377"
        swarm.join("10.240.0.1:2377", token, client=worker, advertise_addr="10.240.0.2", listen_addr="10.240.0.2:2377")
        assert swarm.state(client=worker) == "active"
        assert sorted(r["hostname"] == "dm-worker" for r in swarm.node_ls(client=client).rows) == [False, True]
        assert swarm.leave(client=worker) is True
        assert routes.run_command("swarm leave --force", client=client).lines == ["Node left the swarm."]
        assert swarm.state(client=client) == "inactive" and not client.api.networks(names=["docker_gwbridge"])
        assert swarm.leave(client=client) is False
    finally:
        worker.close()
