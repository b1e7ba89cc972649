"""Make the images the notebooks and tests use available, with or without a registry.

For each image: use it if the engine has it, pull it if a registry answers, otherwise build a
*stand-in* from Debian packages (a debootstrapped base, then a Dockerfile from ``standins/``).
Every stand-in carries the label ``org.dockermagic.stand-in`` saying what it really is, and
``org.dockermagic.recipe`` so that a changed recipe is rebuilt and an unchanged one is reused.

Similar to ``docker pull`` with a local fallback::

    $ dockermagic-images              # every image the tutorial pack uses
    $ dockermagic-images postgres:13  # just one
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from typing import Callable, Iterable

import docker

from .. import imageref
from ..errors import DockerMagicError, ImageKitError, not_in_registry, registry_answered_missing

STANDIN_LABEL = "org.dockermagic.stand-in"
RECIPE_LABEL = "org.dockermagic.recipe"
BASE_IMAGE = "dockermagic/base:bookworm"
ROOTFS_IMAGE = "dockermagic/rootfs:bookworm"
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = os.environ.get("DOCKERMAGIC_DEBIAN_MIRROR", "http://deb.debian.org/debian")
HOST_CA_GLOB = "/usr/local/share/ca-certificates/*.crt"


@dataclass(frozen=True)
class StandIn:
    """How to make a local image that behaves like an official one."""

    recipe: str  # folder under dockermagic/engine/standins/
    repository: str
    tags: tuple[str, ...]  # the tags made by default; any other tag of the repository works too
    what: str  # what it really is, for the label and the notice

    @property
    def description(self) -> str:
        return f"{self.what} standing in for the official {self.repository} image"


STANDINS: dict[str, StandIn] = {
    s.repository: s
    for s in (
        StandIn("base", "debian", ("bookworm", "bookworm-slim", "12", "latest"), "Debian 12 (debootstrap)"),
        StandIn("hello-world", "hello-world", ("latest",), "a Debian shell script"),
        StandIn("postgres", "postgres", ("13", "15", "latest"), "Debian postgresql-15"),
        StandIn("python", "python", ("3.9-slim", "3.9", "3.11-slim", "latest"), "Debian python3.11"),
        StandIn("node", "node", ("14-alpine", "14", "18-alpine", "18", "latest"), "Debian nodejs 18"),
        StandIn("nginx", "nginx", ("stable-alpine", "alpine", "stable", "latest"), "Debian nginx-light"),
    )
}

# What the tutorial pack and the tests use, in build order.
DEFAULT_IMAGES = (
    "debian:bookworm",
    "hello-world:latest",
    "postgres:13",
    "python:3.9-slim",
    "nginx:stable-alpine",
    "node:14-alpine",
)

Say = Callable[[str], None]

_registry_unreachable = False  # found out once per process; pulls are never retried in a loop


def split_ref(ref: str) -> tuple[str, str]:
    """``"postgres:13"`` → ``("postgres", "13")``; a missing tag is ``latest``."""
    return imageref.split(ref)


def normalize(ref: str) -> str:
    """``docker.io/library/nginx`` → ``nginx:latest`` (the form stand-ins and notices use)."""
    return imageref.familiar(ref)


def standin_for(ref: str) -> StandIn | None:
    """The stand-in recipe that can play ``ref``, if there is one."""
    repo, _ = split_ref(normalize(ref))
    return STANDINS.get(repo)


def standin_description(image) -> str | None:
    """The stand-in label of an image (a docker-py Image or an inspect dict), or None."""
    attrs = getattr(image, "attrs", image) or {}
    labels = (attrs.get("Config") or {}).get("Labels") or {}
    return labels.get(STANDIN_LABEL)


def standin_mark(ref: str, labels: dict | None) -> str:
    """The stand-in description when ``ref`` names a stand-in repository and carries the label, else "".

    Images built FROM a stand-in (``backend:latest`` on ``python:3.9-slim``) inherit its label, but
    they are the user's own images, not stand-ins: only the known repositories count.
    """
    if not ref or standin_for(ref) is None:
        return ""
    return (labels or {}).get(STANDIN_LABEL) or ""


def standin_notice(ref: str, *, client: docker.DockerClient) -> str | None:
    """One line telling the user that ``ref`` is a local stand-in, or None for a real image."""
    if standin_for(ref) is None:
        return None
    try:
        image = client.images.get(ref)
    except docker.errors.DockerException:
        return None
    what = standin_description(image)
    if not what:
        return None
    return f"Note: {normalize(ref)} is a local stand-in ({what}); no registry was reachable to pull the real one."


# -- recipes -------------------------------------------------------------------------------


def _recipe_files(recipe: str) -> dict[str, bytes]:
    folder = resources.files("dockermagic.engine") / "standins" / recipe
    files = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_file():
            files[entry.name] = entry.read_bytes()
    if recipe == "base":
        for path in sorted(glob.glob(HOST_CA_GLOB)):
            with open(path, "rb") as fh:
                files[f"certs/{os.path.basename(path)}"] = fh.read()
        files.setdefault("certs/.keep", b"")
    return files


def recipe_hash(recipe: str) -> str:
    digest = hashlib.sha256()
    if recipe != "base":
        digest.update(recipe_hash("base").encode())
    else:
        digest.update(f"{DEBIAN_SUITE} {DEBIAN_MIRROR} minbase".encode())
    for name, data in _recipe_files(recipe).items():
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:16]


def _context_tar(files: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755 if data.startswith(b"#!") else 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


# -- the engine side ---------------------------------------------------------------------


def _image_or_none(client: docker.DockerClient, ref: str):
    try:
        return client.images.get(ref)
    except docker.errors.ImageNotFound:
        return None


def _is_current_standin(image, recipe: str) -> bool:
    labels = (image.attrs.get("Config") or {}).get("Labels") or {}
    return labels.get(RECIPE_LABEL) == recipe_hash(recipe)


def pulls_allowed() -> bool:
    return not _registry_unreachable and os.environ.get("DOCKERMAGIC_NO_PULL", "") in ("", "0", "false")


def try_pull(ref: str, *, client: docker.DockerClient, say: Say = print) -> bool:
    """Pull ``ref`` once. When no registry answers, remember that for the process and return False.

    Raises:
        NotInRegistry: the registry answered that it has no such image or tag: a mistyped tag must
            not turn into a stand-in under that name, and it says nothing about the registry.
    """
    global _registry_unreachable
    if not pulls_allowed():
        return False
    repo, tag = split_ref(ref)
    try:
        failure = None
        for event in client.api.pull(repo, tag=tag, stream=True, decode=True):
            failure = failure or event.get("error")
        if failure:
            raise docker.errors.DockerException(failure)
        client.images.get(ref)
        say(f"{ref}: pulled from the registry")
        return True
    except docker.errors.DockerException as exc:
        if registry_answered_missing(exc):
            raise not_in_registry(ref, exc) from exc
        _registry_unreachable = True
        reason = getattr(exc, "explanation", None) or str(exc)
        say(f"{ref}: no registry answers ({str(reason).splitlines()[0][:120]}); using a local stand-in")
        return False


def build_context(
    client: docker.DockerClient,
    files: dict[str, bytes],
    *,
    labels: dict[str, str],
    buildargs: dict[str, str] | None = None,
    say: Say = print,
) -> str:
    """Build an untagged image from in-memory files; returns its id.

    Tagging is left to the caller so that an interrupted build never leaves a tag on a
    half-made image.
    """
    stream = client.api.build(
        fileobj=_context_tar(files),
        custom_context=True,
        rm=True,
        forcerm=True,  # a failed step must not leave its container behind
        labels=labels,
        buildargs=buildargs or {},
        decode=True,
    )
    image_id = None
    tail: list[str] = []
    for chunk in stream:
        if "error" in chunk:
            detail = "".join(tail[-5:]).strip()
            raise ImageKitError(f"The stand-in build failed: {chunk['error'].strip()} (last output: {detail[-400:]})")
        text = chunk.get("stream")
        if text:
            tail.append(text)
            if text.startswith("Step "):
                say("  " + text.strip())
        aux = chunk.get("aux") or {}
        if "ID" in aux:
            image_id = aux["ID"]
    if not image_id:
        raise ImageKitError("The stand-in build ended without an image id.")
    return image_id


def _make_rootfs_image(client: docker.DockerClient, say: Say) -> None:
    """debootstrap a minimal Debian and import it as ROOTFS_IMAGE (about 40 s)."""
    if shutil.which("debootstrap") is None:
        raise ImageKitError("Building the Debian base needs debootstrap: run `apt-get install -y debootstrap` (as root).")
    if os.geteuid() != 0:
        raise ImageKitError("Building the Debian base with debootstrap needs root; run dockermagic-images as root.")
    say(f"{ROOTFS_IMAGE}: debootstrap {DEBIAN_SUITE} from {DEBIAN_MIRROR} (about 40 s)")
    root = tempfile.mkdtemp(prefix="dockermagic-rootfs-", dir="/var/tmp")
    try:
        result = subprocess.run(
            ["debootstrap", "--variant=minbase", "--include=ca-certificates", DEBIAN_SUITE, root, DEBIAN_MIRROR],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            last = (result.stdout + result.stderr).strip().splitlines()[-3:]
            raise ImageKitError(f"debootstrap failed: {' / '.join(last)}")
        for pattern in ("var/lib/apt/lists/*", "var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/log/*.log"):
            for path in glob.glob(os.path.join(root, pattern)):
                if os.path.isfile(path):
                    os.remove(path)
        tar = subprocess.Popen(["tar", "-C", root, "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
        try:
            repo, tag = split_ref(ROOTFS_IMAGE)
            client.api.import_image(
                src=tar.stdout, repository=repo, tag=tag, stream_src=True,
                changes=["CMD [\"bash\"]", f"LABEL {STANDIN_LABEL}=\"Debian {DEBIAN_SUITE} root filesystem\""],
            )
        finally:
            tar.stdout.close()
            if tar.wait() != 0:
                raise ImageKitError("Packing the debootstrapped root filesystem failed.")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _build_standin(standin: StandIn, client: docker.DockerClient, say: Say) -> str:
    recipe = standin.recipe
    files = _recipe_files(recipe)
    buildargs = {}
    if recipe == "base":
        if _image_or_none(client, ROOTFS_IMAGE) is None:
            _make_rootfs_image(client, say)
        buildargs["ROOTFS"] = ROOTFS_IMAGE
    else:
        ensure_base(client=client, say=say)
    say(f"{standin.repository}: building a stand-in ({standin.what})")
    labels = {STANDIN_LABEL: standin.description, RECIPE_LABEL: recipe_hash(recipe)}
    return build_context(client, files, labels=labels, buildargs=buildargs, say=say)


def ensure_base(*, client: docker.DockerClient, say: Say = print) -> None:
    """Make sure the CA-trusting Debian base the stand-ins build on exists."""
    image = _image_or_none(client, BASE_IMAGE)
    if image is not None and _is_current_standin(image, "base"):
        return
    image_id = _build_standin(STANDINS["debian"], client, say)
    repo, tag = split_ref(BASE_IMAGE)
    client.api.tag(image_id, repo, tag)


def ensure_image(ref: str, *, client: docker.DockerClient, pull: bool | None = None, say: Say = print) -> str:
    """Make ``ref`` available on the engine; return how: present, pulled, built or reused.

    Similar to ``docker pull REF``, but when no registry answers and dockermagic has a
    recipe for the repository, a stand-in built from Debian packages is tagged as ``REF``.

    Raises:
        ImageKitError: the image is missing, cannot be pulled and has no stand-in recipe.
    """
    ref = normalize(ref)
    standin = standin_for(ref)
    existing = _image_or_none(client, ref)
    if existing is not None:
        if standin is None or not standin_description(existing) or _is_current_standin(existing, standin.recipe):
            return "present"
        say(f"{ref}: the stand-in recipe changed; rebuilding")
    elif (pull if pull is not None else pulls_allowed()) and try_pull(ref, client=client, say=say):
        return "pulled"
    if standin is None:
        raise ImageKitError(
            f"The image {ref} is not on this engine, no registry could provide it, "
            "and dockermagic has no stand-in recipe for it; build it with a Dockerfile instead."
        )
    # Another tag of the same stand-in may already be built from the current recipe.
    for tag in standin.tags:
        sibling = _image_or_none(client, f"{standin.repository}:{tag}")
        if sibling is not None and standin_description(sibling) and _is_current_standin(sibling, standin.recipe):
            repo, tag_ = split_ref(ref)
            client.api.tag(sibling.id, repo, tag_)
            return "reused"
    started = time.monotonic()
    if standin.recipe == "base":
        ensure_base(client=client, say=say)
        image_id = client.images.get(BASE_IMAGE).id
    else:
        image_id = _build_standin(standin, client, say)
    for tag in dict.fromkeys((split_ref(ref)[1], *standin.tags)):
        client.api.tag(image_id, standin.repository, tag)
    say(f"{ref}: stand-in built in {time.monotonic() - started:.1f} s")
    return "built"


def ensure_images(refs: Iterable[str] = DEFAULT_IMAGES, *, client: docker.DockerClient, pull: bool | None = None, say: Say = print) -> dict[str, str]:
    """``ensure_image`` for each ref; returns ``{ref: how}``."""
    return {normalize(ref): ensure_image(ref, client=client, pull=pull, say=say) for ref in refs}


BUNDLE_COMMANDS = ("save", "load")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in BUNDLE_COMMANDS:
        return _bundle_main(argv)
    parser = argparse.ArgumentParser(
        prog="dockermagic-images",
        description="Make the images dockermagic's notebooks and tests use available: "
        "present, pulled, or built locally as labelled stand-ins.",
        epilog="For a room without a registry: `dockermagic-images save classroom.tar [IMAGE...]` on a machine "
        "that has the images, `dockermagic-images load classroom.tar` on each learner's machine.",
    )
    parser.add_argument("refs", nargs="*", help=f"images to provide (default: {' '.join(DEFAULT_IMAGES)})")
    parser.add_argument("--no-pull", action="store_true", help="do not try a registry first (or set DOCKERMAGIC_NO_PULL=1)")
    args = parser.parse_args(argv)
    from ..client import connect

    started = time.monotonic()
    try:
        client = connect()
        result = ensure_images(args.refs or DEFAULT_IMAGES, client=client, pull=False if args.no_pull else None)
    except DockerMagicError as exc:
        print(f"dockermagic-images: {exc}", file=sys.stderr)
        return 1
    for ref, how in result.items():
        print(f"  {ref:<24} {how}")
    print(f"dockermagic-images: {len(result)} images ready in {time.monotonic() - started:.1f} s")
    return 0


def _bundle_main(argv: list[str]) -> int:
    """``save FILE [IMAGE...]`` and ``load FILE``: the images as one file (engine/bundles.py)."""
    parser = argparse.ArgumentParser(prog="dockermagic-images", description="Image bundles for rooms without a registry.")
    sub = parser.add_subparsers(dest="command", required=True)
    save = sub.add_parser("save", help="write images and a manifest into one tar (like docker save -o)")
    save.add_argument("file", help="the bundle to write, e.g. classroom.tar")
    save.add_argument("images", nargs="*", help=f"images to bundle (default: {' '.join(DEFAULT_IMAGES)} {BASE_IMAGE})")
    load = sub.add_parser("load", help="load a bundle and check every image's id (like docker load -i)")
    load.add_argument("file", help="a bundle made by save (a plain docker save archive works too)")
    load.add_argument("--force", action="store_true", help="load even when every image is already here")
    for command in (save, load):
        command.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    from ..client import connect
    from . import bundles

    try:
        client = connect()
        if args.command == "save":
            result = bundles.save(args.file, args.images or None, client=client, progress=not args.quiet)
        else:
            result = bundles.load(args.file, client=client, progress=not args.quiet, force=args.force)
    except DockerMagicError as exc:
        print(f"dockermagic-images: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"dockermagic-images: {args.command} interrupted", file=sys.stderr)
        return 130
    for image in result.images:
        print(f"  {image.name:<28} {image.id[7:19]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
