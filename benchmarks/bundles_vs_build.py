"""Image bundles vs building the stand-ins: save, wipe, load, notebook 01 without a build.

    .venv/bin/python benchmarks/bundles_vs_build.py [--recipes base postgres ...] [--with-debootstrap]

How it measures without touching the shared engine's images (other sessions use them):
- save: ``bundles.save`` of the pack's images (``bundles.default_images()``) from the shared engine.
- wipe + load: a private engine with an empty image store stands for a learner's fresh machine: its
  own dockerd, data root and network namespace, reached on a unix socket. ``bundles.load`` into it
  (structure, sha256, the engine's load, each name's id).
- no build after load: on the private engine, ``imagekit.ensure_image`` for every bundled image with
  imagekit's build functions replaced by counters (each must answer "present", 0 builds); then
  notebook 01 runs there (nbclient, ``DOCKER_HOST`` = the private socket) and the engine's set of
  images must be the same afterwards.
- build: on the shared engine, each stand-in recipe is built again through imagekit's own build path
  with ``nocache`` (untagged, removed afterwards), one after the other. A fresh machine also needs a
  debootstrap of the Debian root filesystem before the base build (~40 s); it is timed only with
  ``--with-debootstrap``, so by default the build total is a lower bound and the ratio conservative.
Prints the ratios measured in this run. Everything it makes (bundle, private engine, its namespace and
data root, built images) is removed at the end, also on Ctrl-C or failure.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import docker
from interrupt_cleanup import run

from dockermagic.client import connect
from dockermagic.engine import bundle_file, bundles, imagekit

NOTEBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "notebooks", "01-containers.ipynb")


@contextlib.contextmanager
def private_engine(workdir: str):
    """An empty dockerd in its own network namespace, reached on a unix socket; yields (client, DOCKER_HOST).

    Not ``ip netns exec``: it remounts /sys and dockerd then finds no cgroups. A private mount namespace
    keeps the daemon's overlay mounts off the host; they go when its processes do.
    """
    name = f"dmbundle-{uuid.uuid4().hex[:6]}"
    root, sock = os.path.join(workdir, "engine"), f"unix://{workdir}/engine.sock"
    os.makedirs(root)
    with open(os.path.join(root, "daemon.json"), "w") as fh:
        fh.write("{}\n")
    subprocess.run(["ip", "netns", "add", name], check=True)
    proc, client = None, None
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        with open(os.path.join(workdir, "dockerd.log"), "wb") as log:
            proc = subprocess.Popen(
                ["unshare", "--mount", "--propagation", "slave", "--", "nsenter", f"--net=/run/netns/{name}", "--",
                 "dockerd", "--config-file", f"{root}/daemon.json", "--data-root", f"{root}/data",
                 "--exec-root", f"{root}/exec", "--pidfile", f"{root}/docker.pid", "-H", sock,
                 "--iptables=false", "--ip-forward=false", "--containerd-namespace", name,
                 "--containerd-plugins-namespace", f"{name}-plugins"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        client = _wait_for(sock, proc, workdir)
        yield client, sock
    finally:
        if client is not None:
            client.close()
        _stop(proc, name)
        subprocess.run(["ip", "netns", "delete", name], check=False)


def _wait_for(url: str, proc, workdir: str) -> docker.DockerClient:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = open(os.path.join(workdir, "dockerd.log"), errors="replace").read()[-1500:]
            raise SystemExit(f"the private dockerd exited:\n{tail}")
        with contextlib.suppress(Exception):
            client = docker.DockerClient(base_url=url, timeout=300)
            client.ping()
            return client
        time.sleep(0.2)
    raise SystemExit("the private dockerd did not answer within 60 s")


def _stop(proc, netns: str) -> None:
    """Stop the private dockerd (it stops its containers and containerd), then anything left in its namespace."""
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(90)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    left = subprocess.run(["ip", "netns", "pids", netns], capture_output=True, text=True).stdout.split()
    for pid in left:
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


def no_build_after_load(client: docker.DockerClient, refs, workdir: str, host: str) -> tuple[int, float, int]:
    """ensure_image for each ref must not build; then notebook 01 runs there and adds no image.
    Returns (builds, notebook seconds, containers the notebook made on that engine)."""
    builds = []
    saved = imagekit.build_context, imagekit._make_rootfs_image
    imagekit.build_context = lambda *a, **k: builds.append(a) or ""
    imagekit._make_rootfs_image = lambda *a, **k: builds.append(a)
    try:
        how = {ref: imagekit.ensure_image(ref, client=client, pull=False, say=lambda line: None) for ref in refs}
    finally:
        imagekit.build_context, imagekit._make_rootfs_image = saved
    assert set(how.values()) == {"present"}, how
    before = {i.id for i in client.images.list(all=True)}
    since = int(time.time()) - 1
    seconds = run_notebook(workdir, host)
    after = {i.id for i in client.images.list(all=True)}
    assert after == before, f"notebook 01 made images on the loaded engine: {after - before}"
    created = list(client.events(since=since, until=int(time.time()) + 1, decode=True,
                                 filters={"type": "container", "event": "create"}))
    assert created, "notebook 01 made no container on the private engine (did it talk to another one?)"
    return len(builds), seconds, len(created)


def run_notebook(workdir: str, host: str) -> float:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    env = {**os.environ, "DOCKER_HOST": host, "DOCKERMAGIC_NO_PULL": "1"}
    env.pop("DOCKER_CONTEXT", None)
    started = time.monotonic()
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": workdir}}).execute(env=env)
    seconds = time.monotonic() - started
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "building a stand-in" not in text and "stand-in built" not in text, "notebook 01 built a stand-in"
    return seconds


def build_times(client: docker.DockerClient, recipes, say) -> dict[str, float]:
    """Each recipe built again through imagekit's build path, no cache; the untagged results removed.

    An untagged image is "dangling" to the engine, and a test run on the same engine may sweep the
    dangling images it finds while a step of this build is one: the build then fails with "No such
    image". Such a build is timed again (and said so), as an interrupted build would be by hand.
    """
    real_build = client.api.build
    client.api.build = functools.partial(real_build, nocache=True)
    times = {}
    try:
        for recipe in recipes:
            standin = next(s for s in imagekit.STANDINS.values() if s.recipe == recipe)
            for attempt in range(3):
                started = time.monotonic()
                try:
                    image_id = imagekit._build_standin(standin, client, lambda line: None)
                except imagekit.ImageKitError as exc:
                    if "No such image" not in str(exc) or attempt == 2:
                        raise
                    say(f"  build {recipe}: a step's image was removed by someone else mid-build; again")
                    continue
                break
            times[recipe] = time.monotonic() - started
            say(f"  build {recipe:<12} {times[recipe]:6.1f} s (no cache)")
            with contextlib.suppress(docker.errors.NotFound):
                if not client.api.inspect_image(image_id).get("RepoTags"):
                    client.api.remove_image(image_id, noprune=False)
    finally:
        client.api.build = real_build
    return times


def debootstrap_seconds(workdir: str) -> float:
    root = tempfile.mkdtemp(prefix="rootfs-", dir=workdir)
    started = time.monotonic()
    subprocess.run(["debootstrap", "--variant=minbase", "--include=ca-certificates", imagekit.DEBIAN_SUITE,
                    root, imagekit.DEBIAN_MIRROR], check=True, capture_output=True)
    seconds = time.monotonic() - started
    shutil.rmtree(root, ignore_errors=True)
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    pack = list(dict.fromkeys(imagekit.standin_for(r).recipe for r in imagekit.DEFAULT_IMAGES))
    parser.add_argument("--recipes", nargs="*", default=pack, help=f"stand-ins to build (default: {' '.join(pack)})")
    parser.add_argument("--with-debootstrap", action="store_true", help="also time debootstrap of the base root filesystem")
    args = parser.parse_args(argv)
    say = functools.partial(print, flush=True)
    client = connect(timeout=600)
    refs = list(bundles.default_images())
    with tempfile.TemporaryDirectory(prefix="dmbundle-", dir="/var/tmp") as workdir:
        path = os.path.join(workdir, "classroom.tar")
        saved = bundles.save(path, refs, client=client, progress=False, say=lambda line: None)
        say(f"save      {saved.seconds:6.1f} s  {len(refs)} names, {saved.size / 1e6:.0f} MB")
        started = time.monotonic()
        bundle_file.check(path, bundle_file.read_layout(path), progress=False)
        say(f"  (of a load: structure + sha256 check alone {time.monotonic() - started:.1f} s)")
        with private_engine(workdir) as (fresh, host):
            assert not fresh.images.list(all=True), "the private engine is not empty"
            loaded = bundles.load(path, client=fresh, progress=False, say=lambda line: None)
            say(f"load      {loaded.seconds:6.1f} s  into an empty engine, ids checked")
            builds, nb_seconds, made = no_build_after_load(fresh, refs, workdir, host)
            say(f"after load: ensure_image built {builds} stand-ins; notebook 01 ran there in {nb_seconds:.1f} s "
                f"({made} containers, no image added)")
        built = build_times(client, args.recipes, say)
        total = sum(built.values())
        if args.with_debootstrap:
            built["debootstrap"] = debootstrap_seconds(workdir)
            say(f"  debootstrap  {built['debootstrap']:6.1f} s")
            total += built["debootstrap"]
    say(f"build     {total:6.1f} s  {' + '.join(built)}" + ("" if args.with_debootstrap else " (debootstrap not included)"))
    say(f"ratios: load / build = {loaded.seconds / total:.3f}   (save + load) / build = "
        f"{(saved.seconds + loaded.seconds) / total:.3f}   build / load = {total / loaded.seconds:.1f}x")
    return 0


if __name__ == "__main__":
    run(main)
