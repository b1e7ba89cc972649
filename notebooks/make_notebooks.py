"""Write the tutorial pack's notebooks without outputs (edit here, then run: python notebooks/make_notebooks.py)."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(text):
    return new_markdown_cell(text.strip())


def code(text):
    return new_code_cell(text.strip())


INDEX = [
    md("""
# Docker, hands-on, from a notebook

This pack follows a Docker tutorial section by section. Every hands-on step runs through the
`dockermagic` extension: `%docker ...` takes the same words you would type after `docker` in a terminal.

1. `01-containers.ipynb` — why containers, VMs vs containers, images/containers/Dockerfiles, run/stop/ps.
2. `02-postgres.ipynb` — Postgres in a container on host port 5433, data kept in a host folder,
   reached with SQLAlchemy from the notebook; the data survives re-creating the container.
3. `03-nyc-taxi-ingest.ipynb` — NYC taxi data into that Postgres (to come).
4. `04-dockerfiles.ipynb` — building your own images (to come).
5. `05-compose.ipynb` — several containers with Compose (to come).
6. `06-networks.ipynb` — how containers talk to each other: the default bridge, a user-defined bridge
   with its own subnet, `run --network`, `network connect`, and name resolution between containers.

Read them in order: each only uses ideas the earlier ones introduced.
"""),
]

CONTAINERS = [
    md("""
# 1. Containers

**Why Docker?** An application is more than its code: a runtime, libraries, configuration. Docker packs
all of that into one unit — an *image* — that runs the same way on any machine with a Docker engine.

**VMs vs containers.** A virtual machine emulates hardware: each VM boots its own operating system on
top of a hypervisor. A container shares the host's kernel; the kernel keeps it apart with *namespaces*
(what a process can see: its own process list, network, file system) and limits it with *cgroups*
(how much CPU and memory it may use). That is why a container starts in a fraction of a second.

**Dockerfile → image → container.** A Dockerfile is the recipe, an image is the mould built from it,
a container is one running thing made from the mould. One image, many containers.

First, load the extension.
"""),
    code("%load_ext dockermagic"),
    md("Remove what an earlier, interrupted run of this notebook may have left (safe to run twice)."),
    code("""
import docker
engine = docker.from_env()
for c in engine.containers.list(all=True, filters={"name": "nb01-"}):
    c.remove(force=True, v=True)
"""),
    md("""
## hello-world

`docker run hello-world` creates a container from the `hello-world` image; it prints a greeting and
exits. On machines without access to Docker Hub, dockermagic uses a local stand-in image with the same
name and prints a one-line notice saying so.
"""),
    code("%docker run --name nb01-hello hello-world"),
    md("""
## Running in the background: `-d`, `--name`, `ps`, `stop`

`-d` (detach) starts the container and gives the notebook back at once; `--name` gives it a name you
can use instead of its ID. `docker ps` lists running containers; `docker stop` stops one.
"""),
    code('%docker run -d --name nb01-sleeper debian:bookworm sleep 300'),
    code("%docker ps"),
    code("%docker stop nb01-sleeper"),
    md("""
## `-v` and `-it`

`-v HOST_DIR:CONTAINER_DIR` mounts a host folder into the container, so files outlive the container —
notebook 2 uses it for a database. `-it` asks for an interactive terminal. A notebook has no terminal:
dockermagic streams the container's output into the cell instead; interrupting the kernel detaches and
leaves the container running.
"""),
    md("## Self-check"),
    code("""
names = {c.name: c.status for c in engine.containers.list(all=True, filters={"name": "nb01-"})}
assert "nb01-hello" in names, "The hello-world container is missing: run the hello-world cell."
assert names.get("nb01-sleeper") == "exited", "nb01-sleeper should be stopped: run the stop cell."
print("Self-check passed:", names)
"""),
    md("## Tidy up"),
    code("""
for c in engine.containers.list(all=True, filters={"name": "nb01-"}):
    c.remove(force=True, v=True)
assert not engine.containers.list(all=True, filters={"name": "nb01-"})
print("Removed this notebook's containers.")
"""),
]

POSTGRES = [
    md("""
# 2. Postgres in a container

Instead of installing a database on your machine, run it from the `postgres:13` image. The container gets
its settings from environment variables and keeps its files in a folder of *your* machine, so the data
outlives the container.
"""),
    code("%load_ext dockermagic"),
    md("""
Remove what an earlier, interrupted run may have left: the container and the data folder. The folder's
files belong to the database user inside the container (uid 999), so a plain delete can fail when the
notebook does not run as root; then a short-lived container (which runs as root) empties it first.
"""),
    code(r"""
import shutil
from pathlib import Path

import docker

engine = docker.from_env()
DATA_DIR = Path.cwd() / "ny_taxi_postgres_data"


def remove_data_dir(path=DATA_DIR):
    if not path.exists():
        return
    try:
        shutil.rmtree(path)
    except PermissionError:
        engine.containers.run("debian:bookworm", ["sh", "-c", "rm -rf /d/* /d/.[!.]*"],
                              volumes={str(path): {"bind": "/d", "mode": "rw"}}, remove=True)
        shutil.rmtree(path)


for c in engine.containers.list(all=True, filters={"name": "nb02-"}):
    c.remove(force=True, v=True)
remove_data_dir()
print("Clean start; data folder:", DATA_DIR)
"""),
    md("""
## Starting Postgres

The tutorial's command, with three changes for a notebook:

* **`-d` instead of `-it`.** `-it` asks for an interactive terminal; a notebook has none, and the database
  never exits, so the cell would stream its log forever. `-d` starts it in the background and returns.
* **`-p 127.0.0.1:5433:5432`.** Inside the container Postgres listens on its usual port 5432. On the host
  we use 5433, because a Postgres installed on your machine may already hold 5432.
* **`127.0.0.1`** publishes the port on the loopback address only: programs on this machine can connect,
  other machines on your network cannot. Without it, Docker listens on every interface — with the
  password `root`. Publishing on 127.0.0.1 is a good habit for anything you only use locally.

`$(pwd)` becomes the notebook's folder, so the data lands in `notebooks/ny_taxi_postgres_data`
(git ignores it).
"""),
    code(r"""
%%docker
run -d --name nb02-postgres \
  -e POSTGRES_USER="root" \
  -e POSTGRES_PASSWORD="root" \
  -e POSTGRES_DB="ny_taxi" \
  -v $(pwd)/ny_taxi_postgres_data:/var/lib/postgresql/data \
  -p 127.0.0.1:5433:5432 \
  postgres:13
"""),
    code("%docker ps"),
    md("""
The container starts in a second, but on a first start Postgres creates its database files before it
accepts connections. Wait for it — with a limit, so a broken start fails the cell instead of hanging.
"""),
    code("""
import time

import psycopg2


def wait_for_postgres(timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg2.connect(host="127.0.0.1", port=5433, user="root", password="root",
                             dbname="ny_taxi", connect_timeout=3).close()
            return
        except psycopg2.OperationalError as exc:
            if time.monotonic() > deadline:
                logs = engine.containers.get("nb02-postgres").logs(tail=20).decode(errors="replace")
                raise RuntimeError(f"Postgres did not accept connections within {timeout} s:\\n{logs}") from exc
            time.sleep(1)


wait_for_postgres()
print("Postgres is ready on 127.0.0.1:5433")
"""),
    md("""
## Talking to it from Python

SQLAlchemy needs a URL naming the driver: `postgresql+psycopg2://user:password@host:port/database`.
(A bare `postgresql://` makes recent SQLAlchemy look for a different driver.) pandas writes a small
table and reads it back; `index=False` keeps pandas from adding its row numbers as a column.
"""),
    code("""
import pandas as pd
from sqlalchemy import create_engine

db = create_engine("postgresql+psycopg2://root:root@127.0.0.1:5433/ny_taxi")
zones = pd.DataFrame({"zone_id": [1, 2, 3], "zone": ["Newark Airport", "Jamaica Bay", "Allerton"]})
zones.to_sql("nb02_zones", db, if_exists="replace", index=False)
pd.read_sql("SELECT * FROM nb02_zones ORDER BY zone_id", db)
"""),
    md("""
The same database from inside the container: `docker exec` runs a command in a running container,
here `psql`, the Postgres command-line client that ships in the image. In a terminal you would write
`docker exec -it nb02-postgres psql ...` and type queries; a notebook has no terminal, so pass the
query with `-c` instead.
"""),
    code('%docker exec nb02-postgres psql -U root -d ny_taxi -c "SELECT count(*) FROM nb02_zones"'),
    md("""
## The data outlives the container

Stop and delete the container, then start a new one with the same command. Because the database files
live in the host folder, the new container finds the table.
"""),
    code("""
db.dispose()
%docker stop nb02-postgres
%docker rm -v nb02-postgres
print("Folder still there:", sorted(p.name for p in DATA_DIR.iterdir())[:5], "...")
"""),
    code(r"""
%%docker
run -d --name nb02-postgres \
  -e POSTGRES_USER="root" \
  -e POSTGRES_PASSWORD="root" \
  -e POSTGRES_DB="ny_taxi" \
  -v $(pwd)/ny_taxi_postgres_data:/var/lib/postgresql/data \
  -p 127.0.0.1:5433:5432 \
  postgres:13
"""),
    code("""
wait_for_postgres()
pd.read_sql("SELECT * FROM nb02_zones ORDER BY zone_id", db)
"""),
    md("""
## Compared with installing Postgres by hand

By hand you would add a package repository, install a server version that must match what your
colleagues use, run it as a system service, create a user and database, and later uninstall it and hunt
for its leftovers. With the container, the version is the image tag, the settings are three `-e` flags,
two projects can run different versions side by side on different host ports, and removing the
container (plus the data folder) leaves nothing behind.
"""),
    md("## Self-check"),
    code("""
c = engine.containers.get("nb02-postgres")
assert c.status == "running", "nb02-postgres is not running: run the second 'run' cell."
bindings = c.attrs["HostConfig"]["PortBindings"]["5432/tcp"]
assert bindings == [{"HostIp": "127.0.0.1", "HostPort": "5433"}], f"Unexpected port publishing: {bindings}"
assert (DATA_DIR / "PG_VERSION").exists(), "The database files are not in the host folder."
count = pd.read_sql("SELECT count(*) AS n FROM nb02_zones", db)["n"][0]
assert count == 3, f"Expected the 3 rows written before the re-create, found {count}."
print("Self-check passed: Postgres on 127.0.0.1:5433, 3 rows survived the re-create.")
"""),
    md("## Tidy up\n\nRemove the container and the data folder, and check that host port 5433 is free again."),
    code("""
import socket

db.dispose()
for c in engine.containers.list(all=True, filters={"name": "nb02-"}):
    c.remove(force=True, v=True)
remove_data_dir()


def port_free(port=5433):
    with socket.socket() as s:
        # SO_REUSEADDR: closed connections linger in TIME_WAIT on this port; only a listener counts.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


deadline = time.monotonic() + 10
while not port_free() and time.monotonic() < deadline:
    time.sleep(0.5)
holders = [c.name for c in engine.containers.list(all=True)
           if any(b.get("HostPort") == "5433" for b in sum((v or [] for v in c.ports.values()), []))]
assert not any(h.startswith("nb02-") for h in holders), f"This notebook still holds port 5433: {holders}"
assert port_free() or holders, "Host port 5433 is still taken, by something outside Docker."
assert not DATA_DIR.exists()
print("Removed the container and the data folder;",
      "port 5433 is free." if port_free() else f"port 5433 was taken again since, by {holders}.")
"""),
]

NETWORKS = [
    md("""
# 6. Networks

Containers talk to each other over virtual networks the engine creates. This notebook looks at the
default one, then builds its own.
"""),
    code("%load_ext dockermagic"),
    md("Remove leftovers of an interrupted run: this notebook's containers and its network."),
    code("""
import docker

engine = docker.from_env()
NET = "nb06-user-defined-bridge"
for c in engine.containers.list(all=True, filters={"name": "nb06-"}):
    c.remove(force=True, v=True)
for n in engine.networks.list(names=[NET]):
    n.remove()
print("Clean start.")
"""),
    md("""
## The default bridge

When Docker starts, it creates a virtual switch on the host called `docker0` — the *bridge* network.
Every container started without `--network` is plugged into it: Docker creates a pair of virtual cables
(a *veth* pair), one end attached to `docker0` on the host, the other appearing inside the container
as `eth0`. Addresses come from the bridge's subnet, usually `172.17.0.0/16`.
"""),
    code('%docker run -d --name nb06-a debian:bookworm sleep 600'),
    code("%docker network inspect bridge"),
    code("""
bridge = engine.networks.get("bridge").attrs
print("host interface:", bridge["Options"]["com.docker.network.bridge.name"])
print("subnet:        ", bridge["IPAM"]["Config"][0]["Subnet"])
a = engine.containers.get("nb06-a")
print("nb06-a address:", a.attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"])
"""),
    md("Inside the container, the network interfaces are `lo` and `eth0` — the container's end of the veth pair:"),
    code("%docker exec nb06-a ls /sys/class/net"),
    md("""
That address exists only on the host's virtual switch: another machine cannot reach it, and neither
can anything outside the host. To let the outside in, `-p HOST_PORT:CONTAINER_PORT` (notebook 2) asks
Docker to forward a port of the host to the container — and `-p 127.0.0.1:...` limits that to this
machine.

## A user-defined bridge

Your own bridge network can have a subnet and gateway you choose. Its big advantage: containers on it
find each other **by name** — Docker runs a small DNS server for user-defined networks. The default
bridge does not do that.
"""),
    code("%docker network create --subnet 192.168.100.0/24 --gateway 192.168.100.1 nb06-user-defined-bridge"),
    md("`--network` starts a container directly on it."),
    code("""
%%docker
run -d --name nb06-b --network nb06-user-defined-bridge debian:bookworm sleep 600
run -d --name nb06-c --network nb06-user-defined-bridge debian:bookworm sleep 600
"""),
    md("`nb06-c` looks up `nb06-b` by name (`getent hosts` asks the container's resolver):"),
    code("%docker exec nb06-c getent hosts nb06-b"),
    md("`nb06-a`, on the default bridge, cannot: no output, exit code 2 (not found)."),
    code("%docker exec nb06-a getent hosts nb06-b"),
    md("`network connect` plugs a running container into another network; `nb06-a` gets a second interface and can now resolve `nb06-b`."),
    code("%docker network connect nb06-user-defined-bridge nb06-a"),
    code("%docker exec nb06-a getent hosts nb06-b"),
    code("%docker network ls"),
    code("%docker network inspect nb06-user-defined-bridge"),
    md("## Self-check"),
    code("""
import ipaddress


def lookup(container, name):
    r = engine.containers.get(container).exec_run(["getent", "hosts", name])
    return r.exit_code, r.output.decode().strip()


net = engine.networks.get(NET)
cfg = net.attrs["IPAM"]["Config"][0]
assert (cfg["Subnet"], cfg["Gateway"]) == ("192.168.100.0/24", "192.168.100.1"), f"Unexpected IPAM: {cfg}"
attached = {c["Name"]: c["IPv4Address"].split("/")[0] for c in net.attrs["Containers"].values()}
assert set(attached) == {"nb06-a", "nb06-b", "nb06-c"}, f"Attached containers: {sorted(attached)}"
subnet = ipaddress.ip_network("192.168.100.0/24")
assert all(ipaddress.ip_address(ip) in subnet for ip in attached.values()), attached
code, out = lookup("nb06-a", "nb06-b")
assert code == 0 and out.split()[0] == attached["nb06-b"], f"nb06-a cannot resolve nb06-b: {out!r}"
print("Self-check passed:", attached)
"""),
    md("## Tidy up"),
    code("""
for c in engine.containers.list(all=True, filters={"name": "nb06-"}):
    c.remove(force=True, v=True)
for n in engine.networks.list(names=[NET]):
    n.remove()
assert not engine.containers.list(all=True, filters={"name": "nb06-"})
assert not engine.networks.list(names=[NET])
print("Removed this notebook's containers and network.")
"""),
]


def write(name, cells):
    nb = new_notebook(cells=cells)
    for i, cell in enumerate(nb.cells):  # stable ids: regenerating leaves unchanged notebooks unchanged
        cell.id = f"{name[:2]}-{i:02d}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    write("00-index.ipynb", INDEX)
    write("01-containers.ipynb", CONTAINERS)
    write("02-postgres.ipynb", POSTGRES)
    write("06-networks.ipynb", NETWORKS)
