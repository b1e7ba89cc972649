"""Section 7: Swarm — the Compose project of notebook 5 as a stack on two nodes: init, join, deploy, scale, drain, leave."""

from ._cells import code, md

NAME = "07-swarm.ipynb"

CELLS = [
    md("""
# 7. Swarm: the project on more than one machine

Compose (notebook 5) runs a project on one engine. When one machine is not enough, Docker's own answer is
**Swarm mode**, built into every engine: several engines join one **swarm**; **managers** keep the
desired state (which services, how many copies of each) and hand **tasks** — one container each — to the
**nodes**, workers and managers alike. The same Compose file, with a `deploy:` section, becomes a
**stack**: `docker stack deploy`.

This notebook needs a second machine. It makes one on this machine: a second Docker engine in its own
*network namespace* (its own address, 10.240.0.2, its own bridge, its own images), which
`scripts/swarm-lab.sh worker` starts. This engine (10.240.0.1) becomes the manager, the other joins as a
worker.

What this machine lacks, said plainly rather than faked: its kernel has no **IPVS**, which Swarm's
*routing mesh* needs (a published port answering on *every* node and passing the request to any task)
and its *virtual IPs* (one address per service, balanced over the tasks). So here every service uses
`endpoint_mode: dnsrr` (the service's name resolves to all its tasks' addresses, round robin) and ports
are published with `mode: host` (only on the node running the task). And Swarm cannot publish a port on
127.0.0.1 only: the frontend runs on the worker, whose address only this machine can reach.
"""),
    code("%load_ext dockermagic"),
    md("""
Tidy up whatever an interrupted earlier run left: the lab script's `down` leaves the swarm on both
engines, stops the second engine and removes its namespace; then this notebook's images and volume.
"""),
    code("""
import subprocess
import time
from pathlib import Path

import docker
import yaml

from dockermagic.engine import swarm
from dockermagic.redaction import redact

engine = docker.from_env()
LAB = Path.cwd().parent / "scripts" / "swarm-lab.sh"
STACK = "nb07"
VOLUME = f"{STACK}_ny_taxi_postgres_data"


def lab(*args):
    \"\"\"Run scripts/swarm-lab.sh (an argv list, no shell) and show what it says.\"\"\"
    run = subprocess.run(["bash", str(LAB), *args], capture_output=True, text=True)
    print((run.stdout + run.stderr).strip())
    run.check_returncode()


def remove_leftovers():
    lab("down")
    # out of the swarm now, so nothing restarts a task container that is still stopping
    for c in engine.containers.list(all=True, filters={"label": f"com.docker.stack.namespace={STACK}"}):
        c.remove(force=True, v=True)
    Path("apps/.nb07-stack.yml").unlink(missing_ok=True)
    for _ in range(40):  # the database's container lets go of its volume a moment after the stack goes
        try:
            engine.volumes.get(VOLUME).remove(force=True)
        except docker.errors.NotFound:
            break
        except docker.errors.APIError:
            time.sleep(0.5)
    for tag in ("nb07-backend", "nb07-frontend"):
        if engine.images.list(name=tag):
            engine.images.remove(tag, force=True, noprune=True)  # the layers stay cached


remove_leftovers()
print("Clean start; this engine's swarm state:", swarm.state(client=engine))
"""),
    md("""
## The images, on every node

A swarm has no shared image store: each node runs only images it has (it would pull them from a registry,
which this machine cannot reach). Build the backend and the frontend of notebooks 4 and 5 here (the cache
makes this quick when notebook 5 ran before), then, once the second engine is up, copy them over.
"""),
    code("%docker build -t nb07-backend apps/backend"),
    code("%docker build -t nb07-frontend apps/frontend"),
    md("## Two engines, one swarm"),
    code('lab("worker")'),
    md("""
`swarm init` makes this engine a manager. `--advertise-addr` is the address other nodes reach it at;
`--listen-addr` keeps the swarm's port 2377 on the lab's private network. The output names the join
command, but the token in it is a password for the whole cluster: dockermagic never shows it.
"""),
    code("%docker swarm init --advertise-addr 10.240.0.1 --listen-addr 10.240.0.1:2377"),
    md("""
The second engine joins as a worker. `%docker` talks to this engine only, so the join is the same plain
function, given a client for the other engine and the token (a Python value, never printed):
"""),
    code("""
worker = docker.DockerClient(base_url="unix:///run/dm-swarm/docker.sock")
swarm.join("10.240.0.1:2377", swarm.join_token("worker", client=engine), client=worker,
           advertise_addr="10.240.0.2", listen_addr="10.240.0.2:2377")
lab("load", "nb07-backend", "nb07-frontend")  # docker save | docker load, between the two engines
"""),
    code("%docker node ls"),
    md("""
## The stack file

Notebook 5's file, changed where a swarm differs:

* `build:` is not for swarms (every node needs a finished image): `image:` names the images built above.
* `deploy:` says how the swarm runs each service: `endpoint_mode: dnsrr` (no IPVS, see above),
  `replicas`, and `placement` — the database stays on the manager, where its volume is; the frontend runs
  on the worker and publishes port 3000 there with `mode: host`.
* The backend and the database publish no port: the frontend reaches the backend, and the backend the
  database, by service name over the stack's **overlay network**, which spans both nodes. Without
  published ports the backend can also run several copies on one node.
* `depends_on` is not for swarms either: Swarm starts everything at once and restarts what fails; the
  backend already copes with a database that is not ready yet (notebook 5).
"""),
    code("""
stack = yaml.safe_load(Path("apps/docker-compose.yml").read_text())
services = stack["services"]
for name in ("frontend", "backend"):
    del services[name]["build"]
    services[name]["image"] = f"nb07-{name}"
for svc in services.values():
    svc.pop("depends_on", None)
    svc.pop("ports", None)
    svc["deploy"] = {"endpoint_mode": "dnsrr"}
services["frontend"]["ports"] = [{"target": 80, "published": 3000, "mode": "host"}]
services["frontend"]["deploy"]["placement"] = {"constraints": ["node.role == worker"]}
services["db"]["deploy"]["placement"] = {"constraints": ["node.role == manager"]}
services["backend"]["deploy"]["replicas"] = 1
stack_file = Path("apps/.nb07-stack.yml")
stack_file.write_text(yaml.safe_dump(stack, sort_keys=False))
print(redact(stack_file.read_text()))  # the database's password stays out of the output
"""),
    md("""
`stack deploy` runs the docker CLI on that file (only the CLI reads Compose files into services), with
`--resolve-image never`: resolving a tag would ask a registry. It then waits until every service runs
its tasks, and shows them.
"""),
    code("%docker stack deploy -c {stack_file} nb07"),
    code("%docker stack ps nb07 -f desired-state=running"),
    md("""
A live view of the cluster: each node with the tasks it runs. It follows the engine's events (services,
nodes) and, while tasks are still moving, looks again every second.
"""),
    code("""
from dockermagic.widgets import ClusterView

view = ClusterView(client=engine, stack=STACK)
view
"""),
    md("""
## The app through the published port

The frontend's Nginx answers on port 3000 of the worker (10.240.0.2). `/api/health` goes on to a backend
task, found by its service name, which asks the database on the other node: one request crosses both
machines.
"""),
    code("""
import json
import urllib.request


def wait_http(url, timeout=120):
    \"\"\"The page at url, once the server in the task answers.\"\"\"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


health = json.loads(wait_http("http://10.240.0.2:3000/api/health"))
health
"""),
    md("""
## Scale the backend to 3

One word changes the desired state; the manager starts two more tasks and spreads them over the nodes.
"""),
    code("%docker service scale nb07_backend=3"),
    code("""
def where(service):
    \"\"\"Node → running tasks of one service, from the live view.\"\"\"
    view.reload()
    return {node: [t for t in tasks if t.startswith(service)] for node, tasks in view.placement().items()}


spread = where("nb07_backend")
spread
"""),
    md("""
## Drain a node

`drain` tells the manager a node should run nothing (before maintenance, say). Its tasks stop and the
manager starts them again elsewhere: the backend's go to the manager. The frontend cannot move — its
placement says *worker* — so it waits, *pending*, with the scheduler's reason (hover over it in the view).
"""),
    code("%docker node update --availability drain dm-worker"),
    code("""
deadline = time.monotonic() + 90
drained = where("nb07_backend")
while (drained.get("dm-worker") or len(sum(drained.values(), [])) < 3) and time.monotonic() < deadline:
    time.sleep(1)
    drained = where("nb07_backend")
drained
"""),
    code("%docker stack ps nb07 -f desired-state=running"),
    md("""
Make the worker available again: the pending frontend starts there at once. The backend's tasks stay where
they are — Swarm does not move running tasks back by itself (`%docker service update --force nb07_backend`
would restart them, spread over both nodes again).
"""),
    code("""
%docker node update --availability active dm-worker
back = json.loads(wait_http("http://10.240.0.2:3000/api/health"))
print("The frontend answers again:", back["status"])
"""),
    md("## Self-check"),
    code("""
assert "PostgreSQL" in health["db"], "frontend -> backend -> db failed; re-run the deploy cell."
assert len(sum(spread.values(), [])) == 3, f"The backend did not reach 3 tasks: {spread}"
assert len([n for n, tasks in spread.items() if tasks]) == 2, f"The backend's tasks did not spread over both nodes: {spread}"
assert not drained.get("dm-worker") and len(sum(drained.values(), [])) == 3, f"Draining did not move the tasks: {drained}"
assert back["status"] == "ok", "The frontend did not come back on the worker."
print("Self-check passed: a stack on two nodes, scaled, spread, drained and back.")
"""),
    md("""
## Tidy up

Stop the view, remove the stack (its services and its overlay network), leave the swarm (the manager needs
`--force`: it is the last one), stop the second engine, and remove the images and the database's volume.
The engine is then a single engine in no swarm, as before this notebook.
"""),
    code("""
view.close()
worker.close()
%docker stack rm nb07
%docker swarm leave --force
remove_leftovers()
assert swarm.state(client=engine) == "inactive", "This engine is still in a swarm."
assert not engine.networks.list(names=["docker_gwbridge", "ingress", "nb07_default"]), "Swarm networks are left."
assert not engine.volumes.list(filters={"name": VOLUME}), "The database's volume is left."
assert not engine.images.list(name="nb07-*"), "Image tags of this notebook are left."
print("Left the swarm; the second engine, its namespace, the stack, its volume and images are gone.")
"""),
]
