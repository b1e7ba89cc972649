"""Image bundles: the pack's images in one file, for a room without a registry.

Similar to ``docker save`` / ``docker load``, with a manifest that says what the file should hold::

    $ dockermagic-images save classroom.tar      # once, on a machine that has the images
    $ dockermagic-images load classroom.tar      # on each learner's machine, offline

A bundle is a plain tar with two members:

    images.tar               the engine's own ``docker save`` stream of all the images at once
                             (layers the stand-ins share are stored once)
    dockermagic-bundle.json  the names and ids of the images, the size and sha256 of images.tar,
                             and the dockermagic version that wrote it

The manifest comes last because the checksum is known only once the engine has streamed
everything; writing images.tar straight into the bundle (its header is filled in at the end)
keeps a 1 GB save from being written twice. ``load`` checks the structure (a file cut short is
caught before the engine sees a byte), then the checksum, streams images.tar to the engine and
finally checks that every name points at the recorded id. A plain ``docker save`` archive is
accepted too: it has no checksum, so only its structure and its own manifest's ids are checked.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import docker

from ..errors import BundleError, engine_errors
from ..imageref import familiar
from . import imagekit

MANIFEST_NAME = "dockermagic-bundle.json"
IMAGES_NAME = "images.tar"
FORMAT = "dockermagic-bundle"
FORMAT_VERSION = 1
CHUNK = 1 << 20
BLOCK = tarfile.BLOCKSIZE

Say = Callable[[str], None]


@dataclass(frozen=True)
class BundledImage:
    name: str  # "postgres:13", or an image id when the image was saved without a name
    id: str  # "sha256:…"


@dataclass(frozen=True)
class Manifest:
    """What a bundle says it holds; ``sha256`` is None for a plain ``docker save`` archive."""

    images: tuple[BundledImage, ...]
    size: int = 0
    sha256: str | None = None
    dockermagic: str = ""

    def to_json(self) -> bytes:
        body = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "dockermagic": self.dockermagic,
            "images": [{"name": i.name, "id": i.id} for i in self.images],
            IMAGES_NAME: {"size": self.size, "sha256": self.sha256},
        }
        return json.dumps(body, indent=2).encode() + b"\n"


@dataclass(frozen=True)
class Layout:
    """Where the engine's image archive sits inside a bundle file."""

    manifest: Manifest
    offset: int
    size: int
    plain: bool = False  # a plain docker save archive, no dockermagic manifest


@dataclass
class BundleResult:
    path: str
    images: list[BundledImage] = field(default_factory=list)
    size: int = 0
    seconds: float = 0.0
    loaded: bool = True  # False when every image was already on the engine with its recorded id


def default_images() -> tuple[str, ...]:
    """The pack's images, and the stand-ins' build base (the same image as debian:bookworm, so free)."""
    return (*imagekit.DEFAULT_IMAGES, imagekit.BASE_IMAGE)


# -- the manifests ----------------------------------------------------------------------------


def _sentence_name(path: str) -> str:
    return os.path.basename(path) or path


def parse_manifest(data: bytes, *, path: str = "the bundle") -> Manifest:
    """Read a ``dockermagic-bundle.json``; anything malformed is one BundleError sentence."""
    name = _sentence_name(path)
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise BundleError(f"{name} has a damaged manifest ({MANIFEST_NAME} is not JSON); make the bundle again.") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise BundleError(f"{name} is not a dockermagic image bundle (its {MANIFEST_NAME} names another format).")
    version = body.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BundleError(f"{name} was written by a newer dockermagic (bundle format {version}); "
                          f"upgrade dockermagic to load it.")
    try:
        images = tuple(BundledImage(str(i["name"]), _image_id(i["id"])) for i in body["images"])
        archive = body[IMAGES_NAME]
        size, digest = int(archive["size"]), str(archive["sha256"])
    except (KeyError, TypeError, ValueError):
        raise BundleError(f"{name} has a damaged manifest (a name, id, size or checksum is missing); "
                          "make the bundle again.") from None
    if not images or len(digest) != 64 or size <= 0:
        raise BundleError(f"{name} has a damaged manifest (no images, or no size and checksum); make the bundle again.")
    return Manifest(images, size=size, sha256=digest, dockermagic=str(body.get("dockermagic", "")))


def _image_id(value) -> str:
    value = str(value)
    if not value.startswith("sha256:"):
        value = "sha256:" + value
    if len(value) != 71 or any(c not in "0123456789abcdef" for c in value[7:]):
        raise ValueError(value)
    return value


def parse_docker_save_manifest(data: bytes, *, path: str = "the archive") -> Manifest:
    """Read the ``manifest.json`` that ``docker save`` writes (legacy and OCI layouts): names and ids."""
    try:
        entries = json.loads(data)
        images = []
        for entry in entries:
            # "Config" is "<id>.json" (legacy layout) or "blobs/sha256/<id>" (OCI layout).
            image_id = _image_id(os.path.basename(entry["Config"]).removesuffix(".json"))
            names = entry.get("RepoTags") or [image_id]
            images += [BundledImage(familiar(n) if n != image_id else n, image_id) for n in names]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BundleError(f"{_sentence_name(path)} looks like a docker save archive, but its manifest.json "
                          "is damaged; save the images again.") from None
    if not images:
        raise BundleError(f"{_sentence_name(path)} is a docker save archive with no images in it.")
    return Manifest(tuple(images))


# -- reading a bundle's structure ----------------------------------------------------------


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n} bytes"


def _cut_short(path: str, have: int, want: int) -> BundleError:
    return BundleError(f"{_sentence_name(path)} is cut short (it has {_size(have)}, at least {_size(want - have)} "
                       "are missing); copy it again from the machine that made it.")


def read_layout(path: str) -> Layout:
    """Find the manifest and the image archive in a bundle (or a plain ``docker save`` archive).

    Raises:
        BundleError: the file is missing, compressed, not a tar, cut short, or holds no images.
    """
    name = _sentence_name(path)
    try:
        on_disk = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(BLOCK)
    except OSError as exc:
        raise BundleError(f"Cannot read the bundle {path}: {exc.strerror or exc}.") from None
    if head[:2] == b"\x1f\x8b":
        raise BundleError(f"{name} is gzip-compressed; run `gunzip` on it first (a bundle is a plain tar).")
    first = IMAGES_NAME.encode() + b"\0"
    if 0 < on_disk < BLOCK and head[:len(first)] == first[:len(head)]:
        raise _cut_short(path, on_disk, BLOCK)  # not even the first header arrived whole
    members = _members(path, on_disk)
    for member in members.values():
        if member.offset_data + member.size > on_disk:
            raise _cut_short(path, on_disk, member.offset_data + member.size)
    if MANIFEST_NAME in members:
        return _bundle_layout(path, members)
    if "manifest.json" in members:
        with tarfile.open(path, "r:") as tar:
            manifest = parse_docker_save_manifest(tar.extractfile(members["manifest.json"]).read(), path=path)
        return Layout(manifest, offset=0, size=on_disk, plain=True)
    if IMAGES_NAME in members:  # the manifest is the last member: the copy stopped just before it
        member = members[IMAGES_NAME]
        raise _cut_short(path, on_disk, member.offset_data + member.size + 2 * BLOCK)
    if any(n.endswith("/layer.tar") or n.startswith("blobs/") for n in members):
        raise BundleError(f"{name} looks like a docker save archive cut short (it has no manifest.json); "
                          "copy it again.")
    raise BundleError(f"{name} is a tar archive but not an image bundle (it has neither {MANIFEST_NAME} "
                      "nor docker save's manifest.json).")


def _members(path: str, on_disk: int) -> dict[str, tarfile.TarInfo]:
    members: dict[str, tarfile.TarInfo] = {}
    try:
        with tarfile.open(path, "r:") as tar:
            for member in tar:
                members[member.name.removeprefix("./")] = member
    except tarfile.ReadError:
        if not members:
            what = "empty" if not on_disk else "not a tar archive"
            raise BundleError(f"{_sentence_name(path)} is not an image bundle ({what}); "
                              "make one with `dockermagic-images save`.") from None
        # tarfile stops where a member's data runs past the end of the file
        last = max(members.values(), key=lambda m: m.offset_data)
        raise _cut_short(path, on_disk, max(last.offset_data + last.size, on_disk + BLOCK)) from None
    return members


def _bundle_layout(path: str, members: dict[str, tarfile.TarInfo]) -> Layout:
    with tarfile.open(path, "r:") as tar:
        manifest = parse_manifest(tar.extractfile(members[MANIFEST_NAME]).read(), path=path)
    member = members.get(IMAGES_NAME)
    if member is None or member.size != manifest.size:
        found = "missing" if member is None else f"{member.size} bytes"
        raise BundleError(f"{_sentence_name(path)} is damaged: its manifest records {manifest.size} bytes of "
                          f"{IMAGES_NAME}, the file holds {found}; make the bundle again.")
    return Layout(manifest, offset=member.offset_data, size=member.size)


# -- save ----------------------------------------------------------------------------------


def _bar(progress: bool, total: int | None, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, disable=not progress,
                leave=True)


def _resolve(names: Iterable[str], client: docker.DockerClient) -> list[BundledImage]:
    found, missing = [], []
    for name in dict.fromkeys(names):
        try:
            found.append(BundledImage(name, client.api.inspect_image(name)["Id"]))
        except docker.errors.ImageNotFound:
            missing.append(name)
    if missing:
        raise BundleError(f"Not on this engine, so not saved: {', '.join(missing)}; run "
                          f"`dockermagic-images {' '.join(missing)}` first, or leave them out.")
    return found


def _engine_save(client: docker.DockerClient, names: list[str]) -> Iterator[bytes]:
    """``docker save NAME…``: the SDK saves one image per call; the engine's endpoint takes several,
    which stores the layers the stand-ins share once."""
    api = client.api
    response = api._get(api._url("/images/get"), params={"names": names}, stream=True)
    return api._stream_raw_result(response, CHUNK, False)


def _header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(time.time()), 0o644
    return info.tobuf(tarfile.GNU_FORMAT)  # GNU: no 8 GiB limit on a member


def _pad(out, size: int) -> None:
    out.write(b"\0" * (-size % BLOCK))


def write_bundle(path: str, images: Iterable[BundledImage], chunks: Iterable[bytes], *,
                 progress: bool = False) -> Manifest:
    """Write a bundle from an image archive's bytes; the file appears only when complete (it is
    written as ``PATH.part`` and renamed at the end, removed on failure or Ctrl-C)."""
    part = f"{path}.part"
    try:
        with open(part, "wb") as out, _bar(progress, None, "saving") as bar:
            out.write(b"\0" * BLOCK)  # images.tar's header, written once its size is known
            digest, size = hashlib.sha256(), 0
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                bar.update(len(chunk))
            _pad(out, size)
            from .. import __version__

            manifest = Manifest(tuple(images), size=size, sha256=digest.hexdigest(), dockermagic=__version__)
            body = manifest.to_json()
            out.write(_header(MANIFEST_NAME, len(body)) + body)
            _pad(out, len(body))
            out.write(b"\0" * (2 * BLOCK))
            out.seek(0)
            out.write(_header(IMAGES_NAME, size))
        os.replace(part, path)
    except BaseException:
        if os.path.exists(part):
            os.remove(part)
        raise
    return manifest


def save(path: str, images: Iterable[str] | None = None, *, client: docker.DockerClient,
         progress: bool = True, say: Say = print) -> BundleResult:
    """Write the images (default: the pack's, ``default_images()``) and a manifest into one tar.

    Similar to ``docker save -o PATH IMAGE…``; PATH appears only once it is complete.

    Raises:
        BundleError: an image is not on the engine.
        EngineError: the engine could not save them.
    """
    started = time.monotonic()
    names = [familiar(ref) for ref in (images or default_images())]
    with engine_errors("save the images"):
        bundled = _resolve(names, client)
        write_bundle(path, bundled, _engine_save(client, [b.name for b in bundled]), progress=progress)
    result = BundleResult(path, bundled, os.path.getsize(path), time.monotonic() - started)
    say(f"{path}: {len(bundled)} images, {result.size / 1e6:.0f} MB in {result.seconds:.1f} s")
    return result


# -- load ----------------------------------------------------------------------------------


def _slice(path: str, layout: Layout, bar, digest=None) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        fh.seek(layout.offset)
        left = layout.size
        while left:
            chunk = fh.read(min(CHUNK, left))
            if not chunk:  # the file shrank while it was read
                raise _cut_short(path, layout.offset + layout.size - left, layout.offset + layout.size)
            left -= len(chunk)
            if digest is not None:
                digest.update(chunk)
            bar.update(len(chunk))
            yield chunk


def check(path: str, layout: Layout, *, progress: bool = True) -> None:
    """Compare images.tar with the manifest's sha256 (nothing to compare in a plain docker save archive).

    Raises:
        BundleError: the checksums differ.
    """
    if layout.manifest.sha256 is None:
        return
    digest = hashlib.sha256()
    with _bar(progress, layout.size, "checking") as bar:
        for _ in _slice(path, layout, bar, digest):
            pass
    if digest.hexdigest() != layout.manifest.sha256:
        raise BundleError(f"{_sentence_name(path)} is damaged (its images do not match the manifest's sha256); "
                          "copy it again from the machine that made it.")


def mismatches(images: Iterable[BundledImage], *, client: docker.DockerClient) -> list[str]:
    """What differs between the engine and the bundle: missing names, or names on another id."""
    wrong = []
    for image in images:
        try:
            have = client.api.inspect_image(image.name)["Id"]
        except docker.errors.ImageNotFound:
            wrong.append(f"{image.name} is missing")
            continue
        if have != image.id:
            wrong.append(f"{image.name} is {have[7:19]}, not {image.id[7:19]}")
    return wrong


def _engine_load(path: str, layout: Layout, client: docker.DockerClient, progress: bool, say: Say) -> None:
    with _bar(progress, layout.size, "loading") as bar:
        for event in client.api.load_image(_slice(path, layout, bar)):
            if event.get("error"):
                raise BundleError(f"The engine could not load {_sentence_name(path)}: {event['error'].strip()}.")
            text = (event.get("stream") or "").strip()
            if text and not text.startswith("Loaded image"):
                say(text)  # e.g. "The image postgres:13 already exists, renaming the old one …"


def load(path: str, *, client: docker.DockerClient, progress: bool = True, force: bool = False,
         say: Say = print) -> BundleResult:
    """Load a bundle (or a plain ``docker save`` archive) and check that every image arrived.

    Similar to ``docker load -i PATH``, with the bundle's structure and checksum checked first
    and each name's id checked after. When every image is already there with its recorded id,
    nothing is sent (``force=True`` loads anyway).

    Raises:
        BundleError: the file is cut short, damaged, not a bundle, or an image is not as recorded after loading.
        EngineError: the engine refused the archive.
    """
    started = time.monotonic()
    layout = read_layout(path)
    images = list(layout.manifest.images)
    with engine_errors("look up the bundle's images"):
        if not force and not mismatches(images, client=client):
            say(f"{path}: all {len(images)} images are already on this engine")
            return BundleResult(path, images, layout.size, time.monotonic() - started, loaded=False)
    if layout.plain:
        say(f"{_sentence_name(path)} is a plain docker save archive: no checksum to compare; "
            "the images are checked by id after loading")
    check(path, layout, progress=progress)
    with engine_errors(f"load {_sentence_name(path)}"):
        _engine_load(path, layout, client, progress, say)
        wrong = mismatches(images, client=client)
    if wrong:
        raise BundleError(f"After loading {_sentence_name(path)}: {'; '.join(wrong)}.")
    result = BundleResult(path, images, layout.size, time.monotonic() - started)
    say(f"{path}: {len(images)} images loaded and checked in {result.seconds:.1f} s")
    return result
