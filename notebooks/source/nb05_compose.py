"""Section 5: Compose — the frontend/backend/db project, up --build, depends_on, service names as hosts, down."""

from pathlib import Path

from ._cells import code, md

NAME = "05-compose.ipynb"
APPS = Path(__file__).resolve().parents[1] / "apps"

CELLS = [
    md("""
# 5. Compose: several containers as one project

The shop now has three parts: the Postgres database (notebook 2), the Flask backend and the React
frontend (notebook 4). Started by hand that is three `docker run` commands with many options, in the
right order — database first, then the backend that uses it, then the frontend — and the same again
every time. **Docker Compose** writes all of it down once, in a YAML file, and starts the whole project
with one command.

Here the cell magic `%%compose` holds the YAML file, and `%compose …` runs the same commands as
`docker compose …` in a terminal (it drives the real Compose tool). The tutorial writes
`docker-compose`, with a hyphen: that is the older, separate program; today Compose is part of the
`docker` command, and the subcommands (`up --build`, `down`, …) are the same.
"""),
    code("%load_ext dockermagic"),
    md("""
Remove what an earlier, interrupted run may have left. Compose labels everything it creates with the
project's name, so the leftovers are easy to find.
"""),
    code("""
import docker

engine = docker.from_env()
PROJECT = "nb05"
mine = {"label": f"com.docker.compose.project={PROJECT}"}


def remove_leftovers():
    for c in engine.containers.list(all=True, filters=mine):
        c.remove(force=True, v=True)
    for n in engine.networks.list(filters=mine):
        n.remove()
    for v in engine.volumes.list(filters=mine):
        v.remove(force=True)
    for image in engine.images.list(name=f"{PROJECT}*"):
        for tag in image.tags:
            # noprune: the tag goes, the cached layers stay, so the next build is quick.
            engine.images.remove(tag, force=True, noprune=True)


remove_leftovers()
print("Clean start.")
"""),
    md("""
## The compose file

One entry per **service** under `services:`; each becomes a container.

* `build: ./frontend` — build the image from that folder's Dockerfile (notebook 4's multi-stage one),
  instead of `image:`, which uses a ready-made image as `db` does.
* `ports:` — the `-p` of `docker run`: the frontend's Nginx listens on 80 inside and is published on
  port 3000 of this machine, the backend on 5000, the database on 5433 as in notebook 2 — all on
  127.0.0.1 only.
* `environment:` — the `-e` of `docker run`. The backend learns where its database is from
  `DATABASE_URL`; its host is simply `db`, the database service's name. (The tutorial also gives the
  frontend `REACT_APP_BACKEND_URL=http://backend:5000`. But the React code runs in the visitor's
  browser, outside the project, where `backend` means nothing; so our page asks its own Nginx for
  `/api/…`, and Nginx, which runs inside the project, passes that on to `backend`.)
* `depends_on:` — start order: `db` before `backend` before `frontend`.
* `volumes:` — the database's files go into a **named volume**, a storage area Docker manages,
  instead of a folder of this machine (the tutorial's `./ny_taxi_postgres_data` form works too). The
  top-level `volumes:` declares it, and removing the project with `down -v` removes it as well.

Besides `services:` and `volumes:`, a compose file can declare `networks:`, `configs:` and `secrets:` at
the top level; this project needs none of them (Compose makes a network for it on its own, see below).
The tutorial's file starts with `version: "3.8"`; current Compose ignores that line, so ours leaves
it out. `-p nb05` names the project (by default it is the YAML's `name:`, else the folder's name);
`--project-dir apps` saves the file in `apps`, next to the `frontend` and `backend` folders that `build:`
refers to, under the name Compose reads there: `apps/docker-compose.yml`, which is already there (in a
folder without one, `compose.yaml`). Compose checks the file first; one it rejects is not saved.
"""),
    code("%%compose -p nb05 --project-dir apps\n" + (APPS / "docker-compose.yml").read_text()),
    md("""
A typo in the YAML is reported with its line before Compose even runs. `config` prints the file as
Compose understands it, with every default filled in and relative paths made absolute:
"""),
    code("%compose config"),
    md("""
## `up --build`

`up` creates and starts every service; `--build` builds the images first (reusing the cache from
notebook 4). In a terminal, `docker compose up --build` then stays attached and prints every container's
log until you press Ctrl-C. In a notebook, `-d` (detach) starts the project in the background and gives
the cell back, as `docker run -d` does.

Compose builds with **BuildKit**, as `%%dockerfile` did in notebook 4, so the output looks the same with
the service's name added (`#7 [backend 4/5] RUN pip install …`); independent steps run in parallel and
may print out of order, and a reused layer says `CACHED`. After the
builds come the project's network, its volume and its containers, in `depends_on` order. (If the output
starts with a `level=warning` line saying Compose "is configured to build using Bake, but buildx isn't
installed", it only means Compose uses its built-in builder instead of the `buildx` plugin.)
"""),
    code("%compose up --build -d"),
    code("%compose ps"),
    md("""
`depends_on` decided the order. The containers' start times show it. Note what it does *not* do: it
waits until the database container has *started*, not until Postgres accepts connections. The backend
copes because it connects on each request; an app that connects once at start-up would need a retry
(or a health check, which Compose can also wait for).
"""),
    code("""
import pandas as pd

started = [{"service": c.labels["com.docker.compose.service"], "started_at": c.attrs["State"]["StartedAt"]}
           for c in engine.containers.list(filters=mine)]
pd.DataFrame(started).sort_values("started_at").reset_index(drop=True)
"""),
    md("""
## Service names are host names

Compose puts the project's containers on a network of their own (named `nb05_default`) where each
service's name resolves to its container's address — notebook 6 shows how that network works. From
inside the backend container, `db` is a host name like any other:
"""),
    code("""%compose exec backend python -c "import socket; print('db is at', socket.gethostbyname('db'))" """),
    md("""
Wait until the backend answers, then ask it about the database. `/health` runs `select version()` on
`db:5432`.
"""),
    code("""
import json
import time
import urllib.request


def wait_http(url, timeout=90):
    \"\"\"The page at url, once the server in the container answers.\"\"\"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


json.loads(wait_http("http://127.0.0.1:5000/health"))
"""),
    md("""
Put a small table into the database with `psql` inside the `db` container (`exec` takes the service
name), and the backend's `/trips/count` sees it:
"""),
    code("""%compose exec db psql -U root -d ny_taxi -c "CREATE TABLE yellow_taxi_data AS SELECT g AS trip_id FROM generate_series(1, 3) AS g" """),
    code('json.loads(wait_http("http://127.0.0.1:5000/trips/count"))'),
    md("""
The frontend on port 3000 is the Nginx image from notebook 4. The page's script asks its own server for
`/api/health`; Nginx passes that on to `backend` — again by service name — which asks `db`. One request
from this notebook crosses all three containers:
"""),
    code("""
page = wait_http("http://127.0.0.1:3000/")
print(page)
json.loads(wait_http("http://127.0.0.1:3000/api/health"))
"""),
    md("""
The database is also published on 127.0.0.1:5433, so tools on this machine reach it as in notebook 2:
"""),
    code("""
from sqlalchemy import create_engine

db = create_engine("postgresql+psycopg2://root:root@127.0.0.1:5433/ny_taxi")
pd.read_sql("SELECT count(*) AS trips FROM yellow_taxi_data", db)
"""),
    md("""
`logs` shows what the services printed (all of them, or the ones you name). `logs -f` would keep
following new lines until you interrupt the cell with the stop button. If one of the first `/health`
requests came before Postgres was ready, the backend's log shows a `database not reachable` warning and
a `503` answer (our `wait_http` simply asked again): the `depends_on` point from above, seen in practice.
Flask's own warning about its "development server" is expected in a tutorial app.
"""),
    code("%compose logs backend"),
    md("## Self-check"),
    code("""
running = {c.labels["com.docker.compose.service"]: c for c in engine.containers.list(filters=mine)}
assert set(running) == {"frontend", "backend", "db"}, f"Running services: {sorted(running)}; run the 'up' cell."
assert running["db"].attrs["HostConfig"]["PortBindings"]["5432/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": "5433"}]
assert "PostgreSQL" in json.loads(wait_http("http://127.0.0.1:5000/health"))["db"], "The backend cannot reach db."
assert json.loads(wait_http("http://127.0.0.1:5000/trips/count"))["count"] == 3, "The backend does not see the 3 rows."
assert "PostgreSQL" in json.loads(wait_http("http://127.0.0.1:3000/api/health"))["db"], "frontend -> backend -> db failed."
print("Self-check passed: frontend, backend and db up; each reaches the next by its service name.")
"""),
    md("""
## `down`: tidy up

`down` stops and removes the project's containers and its network; `-v` removes its volumes too (here
the database's data, which is what we want for a clean second run). Then remove the image tags Compose
built (`nb05-frontend`, `nb05-backend`).
"""),
    code("""
db.dispose()
%compose down -v
"""),
    code("""
remove_leftovers()
assert not engine.containers.list(all=True, filters=mine), "Containers of the project are left."
assert not engine.networks.list(filters=mine), "The project's network is left."
assert not engine.volumes.list(filters=mine), "The project's volume is left."
assert not engine.images.list(name=f"{PROJECT}*"), "Image tags of the project are left."
print("Removed the project's containers, network, volume and image tags.")
"""),
]
