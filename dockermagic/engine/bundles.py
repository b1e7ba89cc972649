"""Image bundles: the pack's images in one file, for a room without a registry.

Similar to ``docker save`` / ``docker load``, with a manifest that says what the file should hold::

    $ dockermagic-images save classroom.tar      # once, on a machine that has the images
    $ dockermagic-images load classroom.tar      # on each learner's machine, offline

The file's layout is ``bundle_file``'s. ``load`` checks the structure and the checksum, streams
the image archive to the engine and finally checks that every name points at the recorded id.
A plain ``docker save`` archive is accepted too: it has no checksum, so only its structure and
its own manifest's ids are checked.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import docker

from ..errors import BundleError, engine_errors
from ..imageref import familiar
from . import imagekit
from .bundle_file import (CHUNK, BundledImage, Layout, check, display_name, progress_bar, read_layout, read_slice,
                          write_bundle)

Say = Callable[[str], None]


@dataclass
class BundleResult:
    path: str
    images: list[BundledImage] = field(default_factory=list)
    size: int = 0
    seconds: float = 0.0
    loaded: bool = True  # False when every image was already on the engine with its recorded id
    stale: list[str] = field(default_factory=list)  # stand-ins this machine's recipes would rebuild


def default_images() -> tuple[str, ...]:
    """The pack's images, and the stand-ins' build base (the same image as debian:bookworm, so free)."""
    return (*imagekit.DEFAULT_IMAGES, imagekit.BASE_IMAGE)


# -- save ----------------------------------------------------------------------------------


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


def stale_standins(images: Iterable[BundledImage], *, client: docker.DockerClient) -> list[str]:
    """Bundled stand-ins that ``ensure_image`` here would rebuild on first use: their recipe label
    differs from this machine's (another dockermagic version, other CA certificates or mirror)."""
    stale = []
    for image in images:
        standin = imagekit.standin_for(image.name)
        if standin is None:
            continue
        found = client.images.get(image.name)
        if imagekit.standin_description(found) and not imagekit._is_current_standin(found, standin.recipe):
            stale.append(image.name)
    return stale


def _engine_load(path: str, layout: Layout, client: docker.DockerClient, progress: bool, say: Say) -> None:
    with progress_bar(progress, layout.size, "loading") as bar:
        for event in client.api.load_image(read_slice(path, layout, bar)):
            if event.get("error"):
                raise BundleError(f"The engine could not load {display_name(path)}: {event['error'].strip()}.")
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
        say(f"{display_name(path)} is a plain docker save archive: no checksum to compare; "
            "the images are checked by id after loading")
    check(path, layout, progress=progress)
    with engine_errors(f"load {display_name(path)}"):
        _engine_load(path, layout, client, progress, say)
        wrong = mismatches(images, client=client)
        if wrong:
            raise BundleError(f"After loading {display_name(path)}: {'; '.join(wrong)}.")
        stale = stale_standins(images, client=client)
    result = BundleResult(path, images, layout.size, time.monotonic() - started, stale=stale)
    say(f"{path}: {len(images)} images loaded and checked in {result.seconds:.1f} s")
    if stale:
        say(f"Note: {', '.join(stale)} came from other stand-in recipes than this dockermagic's (another version, "
            "other CA certificates or Debian mirror): the first notebook that uses them rebuilds them, which needs the network.")
    return result
