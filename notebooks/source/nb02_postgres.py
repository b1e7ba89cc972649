"""Section 2: Postgres in a container on host port 5433."""

from ._cells import code, md

NAME = "02-postgres.ipynb"

CELLS = [
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

The command is long, so it uses the cell form: with `%%docker` on the first line, the rest of the cell
holds docker commands, one per line, and a backslash at the end of a line continues it on the next, as
in a terminal. The `-e` values and the image are the tutorial's; the stand-in notice (if you see one)
says which Postgres actually runs.
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
`psycopg2` is the Python driver that speaks Postgres' network protocol; the cell simply tries to connect
through the published port, once a second, until it works.
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

pandas talks to SQL databases through **SQLAlchemy**, a Python toolkit that hides the differences
between databases: `create_engine(URL)` returns an object (here `db`) that opens connections when
needed, and pandas' `to_sql` / `read_sql` take it. The URL is the course's own line,
`postgresql://user:password@host:port/database`: `localhost:5433` is the port `-p 127.0.0.1:5433:5432`
published on this machine. A bare `postgresql://` uses SQLAlchemy's default Postgres driver (psycopg 3
in SQLAlchemy 2.x); `postgresql+psycopg2://…` names the older psycopg2 instead. Both are installed, and
both reach the same server. pandas writes a small table and reads it back; `index=False` keeps pandas
from adding its row numbers as a column.
"""),
    code("""
import pandas as pd
from sqlalchemy import create_engine

db = create_engine("postgresql://root:root@localhost:5433/ny_taxi")
print("driver:", db.dialect.driver)
zones = pd.DataFrame({"zone_id": [1, 2, 3], "zone": ["Newark Airport", "Jamaica Bay", "Allerton"]})
zones.to_sql("nb02_zones", db, if_exists="replace", index=False)
pd.read_sql("SELECT * FROM nb02_zones ORDER BY zone_id", db)
"""),
    md("""
The same database from inside the container: `docker exec` runs a command in a running container,
here `psql`, the Postgres command-line client that ships in the image. In a terminal you would write
`docker exec -it nb02-postgres psql ...` and type queries; a notebook has no terminal, so pass the
query with `-c` instead. (From a terminal on your machine, with `psql` installed, the tutorial's
`psql -h localhost -p 5433 -U root -d ny_taxi` reaches the same server through the published port.)
"""),
    code('%docker exec nb02-postgres psql -U root -d ny_taxi -c "SELECT count(*) FROM nb02_zones"'),
    md("""
## The data outlives the container

Stop and delete the container, then start a new one with the same command. Because the database files
live in the host folder, the new container finds the table.

First `db.dispose()` closes the connections SQLAlchemy keeps open, so the server can stop cleanly. Then
`docker stop`, and `docker rm` (notebook 1) to delete the container. Careful: `-v` after `rm` is not the
`-v` of `run`. It deletes the *anonymous volumes* Docker may have made for the container; a host folder
mounted with `run -v` is never touched. A cell can mix Python and `%docker` lines like this.
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

By hand you would install the server (say `brew install postgresql` or `apt install postgresql`, in a
version that must match what your colleagues use), create its data folder with `initdb`, start it with
`pg_ctl ... start`, create the database with `psql -c "CREATE DATABASE ny_taxi;"`, and later stop it,
uninstall it and hunt for its leftovers. With the container, the version is the image tag, the settings are three `-e` flags,
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
