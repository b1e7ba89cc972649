"""Section 1: containers, images, run/stop/ps."""

from ._cells import code, md

NAME = "01-containers.ipynb"

CELLS = [
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
    md("""
Remove what an earlier, interrupted run of this notebook may have left (safe to run twice). This
housekeeping cell talks to the engine through the Docker SDK for Python (`import docker`), the library
dockermagic itself is built on. Every notebook in the pack starts and ends with a cell like it; you do
not need to follow its details.
"""),
    code("""
import shutil
import docker
engine = docker.from_env()
for c in engine.containers.list(all=True, filters={"name": "nb01-"}):
    c.remove(force=True, v=True)
shutil.rmtree("nb01-data", ignore_errors=True)
"""),
    md("""
## hello-world

`docker run hello-world` creates a container from the `hello-world` image; it prints a greeting and
exits. Docker first looks for the image on your machine and pulls it from a registry (Docker Hub) when it
is missing. On machines without access to Docker Hub, dockermagic uses a local stand-in image with the
same name and prints a one-line notice saying so.
"""),
    code("%docker run --name nb01-hello hello-world"),
    md("""
## Running in the background: `-d`, `--name`, `ps`, `stop`

`-d` (detach) starts the container and gives the notebook back at once; `--name` gives it a name you
can use instead of its ID. In a terminal `docker run -d` prints the new container's ID; here the cell's
result, `<Container: …>`, names it by the short form of that ID (hello-world's cell above ended the same
way). `docker ps` ("process status") lists running containers;
`docker container ls` is the same list under its newer name. The first column is the container ID.
dockermagic's table also shows each container's network and address (the last two columns); notebook 6
explains them.
"""),
    code('%docker run -d --name nb01-sleeper debian:bookworm sleep 300'),
    code("%docker ps"),
    code("%docker container ls --filter name=nb01-"),
    md("""
## Inside the box: namespaces

The container is an ordinary process of the host, but the kernel shows it its own world. `docker exec`
runs a command inside a running container: its host name is its own (the UTS namespace), and its
process list holds only its own processes — `sleep` is PID 1 in there (the PID namespace). The cell's
result, `<exec exit code 0>`, is the command's exit code: 0 means it succeeded.
"""),
    code("%docker exec nb01-sleeper hostname"),
    code("%docker exec nb01-sleeper sh -c 'ls -d /proc/[0-9]*'"),
    md("""
To stop a container, give `docker stop` its ID or its name. `-q` prints only the IDs; a magic's result
can be kept in a Python variable, and `{...}` puts a Python value into the next command.

`stop` asks politely first (the SIGTERM signal), waits up to 10 seconds, then forces it (SIGKILL).
`sleep` running as the container's first process ignores the polite request, so `-t 2` shortens the
wait to two seconds.
"""),
    code("ids = %docker ps -q --filter name=nb01-sleeper\nids"),
    code("%docker stop -t 2 {ids[0]}"),
    md("""
A stopped container is not gone. `docker ps` lists only running containers; `-a` (all) adds the
stopped ones, here `nb01-hello`, which exited after its greeting, and `nb01-sleeper`. `docker rm NAME`
deletes a stopped container, and `docker rm -f NAME` stops and deletes it in one go. We keep both for
the self-check at the end; the tidy-up cell after it removes them.

The status column carries each container's exit code: `Exited (0)` for hello-world, which finished
normally, and `Exited (137)` for the sleeper, which was killed (SIGKILL) after the two-second wait.
"""),
    code("%docker ps -a --filter name=nb01-"),
    md("""
## `-v`: a host folder inside the container

A container's own files disappear with it. `-v HOST_DIR:CONTAINER_DIR` mounts a folder of your machine
into the container, so what the container writes there stays on your disk — notebook 2 keeps a database
this way. `$(pwd)` is the notebook's folder, as in a terminal; `--rm` removes the container when it exits.
"""),
    code('%docker run --rm -v "$(pwd)/nb01-data:/data" debian:bookworm sh -c "echo written by a container > /data/greeting.txt"'),
    code("""
from pathlib import Path
print(Path("nb01-data/greeting.txt").read_text())
"""),
    md("""
## `-it`: interactive, and what that means in a notebook

`-i` keeps standard input open and `-t` gives the container a terminal (TTY): in a terminal,
`docker run -it python:3.9-slim` drops you into Python's prompt. A notebook cell has no terminal to type
into, so dockermagic runs the container attached and streams its output into the cell; give the command
to run instead of typing it. Interrupting the kernel (the stop button) detaches and leaves the container
running, and says how to stop it.
"""),
    code('%docker run -it --rm python:3.9-slim python -c "import platform; print(platform.python_version())"'),
    md("""
With the official `python:3.9-slim` image this prints a 3.9 version. A local stand-in prints the version
of the Python it carries instead — the notice above the output names it.
"""),
    md("## Self-check"),
    code("""
names = {c.name: c.status for c in engine.containers.list(all=True, filters={"name": "nb01-"})}
assert "nb01-hello" in names, "The hello-world container is missing: run the hello-world cell."
assert names.get("nb01-sleeper") == "exited", "nb01-sleeper should be stopped: run the stop cell."
assert Path("nb01-data/greeting.txt").exists(), "nb01-data/greeting.txt is missing: run the -v cell."
print("Self-check passed:", names)
"""),
    md("## Tidy up"),
    code("""
for c in engine.containers.list(all=True, filters={"name": "nb01-"}):
    c.remove(force=True, v=True)
shutil.rmtree("nb01-data", ignore_errors=True)
assert not engine.containers.list(all=True, filters={"name": "nb01-"})
print("Removed this notebook's containers.")
"""),
]
