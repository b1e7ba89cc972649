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
2. `02-postgres.ipynb` — Postgres in a container on host port 5433 (to come).
3. `03-nyc-taxi-ingest.ipynb` — NYC taxi data into that Postgres (to come).
4. `04-dockerfiles.ipynb` — building your own images (to come).
5. `05-compose.ipynb` — several containers with Compose (to come).
6. `06-networks.ipynb` — how containers talk to each other (to come).

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


def write(name, cells):
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    write("00-index.ipynb", INDEX)
    write("01-containers.ipynb", CONTAINERS)
