"""The index: what each notebook covers, in reading order."""

from ._cells import code, md

NAME = "00-index.ipynb"

CELLS = [
    md("""
# Docker, hands-on, from a notebook

This pack follows a Docker tutorial section by section. Every hands-on step runs through the
`dockermagic` extension: `%docker ...` takes the same words you would type after `docker` in a terminal.

1. `01-containers.ipynb` — why containers, VMs vs containers, images/containers/Dockerfiles, run/stop/ps.
2. `02-postgres.ipynb` — Postgres in a container on host port 5433, data kept in a host folder,
   reached with SQLAlchemy from the notebook; the data survives re-creating the container.
3. `03-nyc-taxi-ingest.ipynb` — NYC taxi trips into that Postgres: choosing a month, the classic pandas
   chunked `to_sql` versus `COPY` (timed side by side), the zone lookup, queries with `%sql`.
4. `04-dockerfiles.ipynb` — your own images: a Flask backend and a React frontend from Dockerfiles
   (`%%dockerfile -t`, `-f Dockerfile.dev`), the build output and its cache, a multi-stage build served by Nginx.
5. `05-compose.ipynb` — frontend, backend and database as one Compose project: `up --build`,
   `depends_on`, service names as host names, `down -v`.
6. `06-networks.ipynb` — how containers talk to each other: the default bridge, a user-defined bridge
   with its own subnet, `run --network`, `network connect`, and name resolution between containers.

Read them in order: each only uses ideas the earlier ones introduced.
"""),
]
