"""The image bundle file: a plain tar with the engine's image archive and a manifest.

    images.tar               the engine's own ``docker save`` stream of all the images at once
                             (layers the stand-ins share are stored once)
    dockermagic-bundle.json  the names and ids of the images, the size and sha256 of images.tar,
                             and the dockermagic version that wrote it

The manifest comes last because the checksum is known only once the engine has streamed
everything; writing images.tar straight into the bundle (its header is filled in at the end)
keeps a 1 GB save from being written twice. Reading checks the structure first, so a file cut
short is caught before the engine sees a byte. A plain ``docker save`` archive reads as a bundle
without a checksum (its own manifest.json gives the names and ids). ``bundles`` does the engine side.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import time
from dataclasses import dataclass
from typing import Iterable, Iterator

from ..errors import BundleError
from ..imageref import familiar

MANIFEST_NAME = "dockermagic-bundle.json"
IMAGES_NAME = "images.tar"
FORMAT = "dockermagic-bundle"
FORMAT_VERSION = 1
CHUNK = 1 << 20
BLOCK = tarfile.BLOCKSIZE


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


def display_name(path: str) -> str:
    """The file's name as sentences use it (classroom.tar, not the whole path)."""
    return os.path.basename(path) or path


def parse_manifest(data: bytes, *, path: str = "the bundle") -> Manifest:
    """Read a ``dockermagic-bundle.json``; anything malformed is one BundleError sentence."""
    name = display_name(path)
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
        raise BundleError(f"{display_name(path)} looks like a docker save archive, but its manifest.json "
                          "is damaged; save the images again.") from None
    if not images:
        raise BundleError(f"{display_name(path)} is a docker save archive with no images in it.")
    return Manifest(tuple(images))


# -- reading a bundle's structure ----------------------------------------------------------


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n} bytes"


def _cut_short(path: str, have: int, want: int) -> BundleError:
    return BundleError(f"{display_name(path)} is cut short (it has {_size(have)}, at least {_size(want - have)} "
                       "are missing); copy it again from the machine that made it.")


def read_layout(path: str) -> Layout:
    """Find the manifest and the image archive in a bundle (or a plain ``docker save`` archive).

    Raises:
        BundleError: the file is missing, compressed, not a tar, cut short, or holds no images.
    """
    name = display_name(path)
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
            raise BundleError(f"{display_name(path)} is not an image bundle ({what}); "
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
        raise BundleError(f"{display_name(path)} is damaged: its manifest records {manifest.size} bytes of "
                          f"{IMAGES_NAME}, the file holds {found}; make the bundle again.")
    return Layout(manifest, offset=member.offset_data, size=member.size)


# -- writing and checksums ------------------------------------------------------------------


def progress_bar(progress: bool, total: int | None, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, disable=not progress,
                leave=True)


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
        with open(part, "wb") as out, progress_bar(progress, None, "saving") as bar:
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


def read_slice(path: str, layout: Layout, bar, digest=None) -> Iterator[bytes]:
    """The image archive's bytes, a chunk at a time, counted on ``bar`` (and hashed into ``digest``)."""
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
    with progress_bar(progress, layout.size, "checking") as bar:
        for _ in read_slice(path, layout, bar, digest):
            pass
    if digest.hexdigest() != layout.manifest.sha256:
        raise BundleError(f"{display_name(path)} is damaged (its images do not match the manifest's sha256); "
                          "copy it again from the machine that made it.")
