"""The index: what each notebook covers, in reading order."""

from ._cells import code, md

NAME = "00-index.ipynb"

CELLS = [
    md("""
# Docker, hands-on, from a notebook

This pack follows a Docker tutorial section by section. Every hands-on step runs through the
`dockermagic` extension: `%docker ...` takes the same words you would type after `docker` in a terminal,
`%%dockerfile` turns a cell into a Dockerfile and builds it, and `%%compose` / `%compose ...` do the same
for Docker Compose. Where Docker Hub cannot be reached, dockermagic runs local *stand-in* images under
the tutorial's image names and prints a one-line notice saying so.

1. `01-containers.ipynb` — why containers, VMs vs containers (namespaces, cgroups),
   images/containers/Dockerfiles, `hello-world`, `run`/`ps`/`stop`/`rm`, `-d`, `--name`, `exec`, `-v`,
   and what `-it` means in a notebook.
2. `02-postgres.ipynb` — Postgres in a container on host port 5433, data kept in a host folder,
   reached with `psql` inside the container and with SQLAlchemy from the notebook; the data survives
   re-creating the container; compared with installing Postgres by hand.
3. `03-nyc-taxi-ingest.ipynb` — NYC taxi trips into that Postgres: choosing a month, the classic pandas
   chunked `to_sql` versus `COPY` (timed side by side), broken lines, the zone lookup, a parquet file,
   queries with JupySQL's `%sql`.
4. `04-dockerfiles.ipynb` — your own images: a Flask backend and a React frontend from Dockerfiles
   (`%%dockerfile -t`, `-f Dockerfile.dev`), the build output and its cache, a multi-stage build served by
   Nginx (`--target`), and what a failed build looks like.
5. `05-compose.ipynb` — frontend, backend and database as one Compose project: `up --build`,
   `depends_on`, service names as host names, `exec`, `logs`, `down -v`.
6. `06-networks.ipynb` — how containers talk to each other: the default bridge, a user-defined bridge
   with its own subnet and gateway, `run --network`, `network connect`, `network ls`/`inspect`, name
   resolution between containers, and a live diagram of your networks (`%docker network ls --watch`).
7. `07-swarm.ipynb` — the same project on two nodes with Swarm mode: `swarm init`/`join`, a stack from
   notebook 5's Compose file plus `deploy:`, scaling, draining a node, a live view of the cluster, leaving.

Read them in order: each only uses ideas the earlier ones introduced. Every notebook starts by loading
the extension and removing what an interrupted earlier run left, and ends with a **self-check** cell
(it tells you which step to re-run if something is missing) and a **tidy-up** cell. Notebooks 2, 3 and 5
use host port 5433: run them one at a time.
"""),
]
