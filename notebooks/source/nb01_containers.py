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
