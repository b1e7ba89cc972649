"""``docker images/tag/rmi``, ``docker version`` and ``docker info`` as plain functions taking ``client=``."""

from __future__ import annotations

import datetime
import time

from .. import imageref
from .each import for_each
from .summary import human_duration
from ..errors import from_docker_error
from ..redaction import mask_inspect
from ..tables import Table


def human_size(n: float) -> str:
    """Like the CLI's SIZE column (go-units HumanSizeWithPrecision, 3 digits): ``126MB``, ``74.8MB``."""
    units = ("B", "kB", "MB", "GB", "TB", "PB")
    i = 0
    while n >= 1000 and i < len(units) - 1:
        n /= 1000
        i += 1
    return f"{n:.3g}{units[i]}"


def images(*, client, all: bool = False, name: str | None = None) -> Table:
    """List images, one row per tag. Similar to ``docker images [-a] [REPOSITORY[:TAG]]``.

    Columns as the CLI shows them: REPOSITORY, TAG, IMAGE ID, CREATED ("2 weeks ago"), SIZE; the rows
    also hold ``created_at`` (the time) and ``full_id``.
    """
    try:
        raw = client.api.images(name=name, all=all)
    except Exception as exc:
        raise from_docker_error(exc, "list images") from exc
    rows, now = [], time.time()
    for img in raw:
        created = img.get("Created", 0)
        for tag in img.get("RepoTags") or ["<none>:<none>"]:
            ref = imageref.parse(tag)
            rows.append({"repository": ref.repository, "tag": ref.tag, "image_id": img["Id"].split(":")[-1][:12],
                         "created": f"{human_duration(now - created)} ago", "size": human_size(img.get("Size", 0)),
                         "created_at": datetime.datetime.fromtimestamp(created).astimezone(), "full_id": img["Id"]})
    return Table(["repository", "tag", "image_id", "created", "size"], rows,
                 head=["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"])


def image_template_fields(row: dict) -> dict:
    """The names ``docker images --format`` templates use (``{{.Repository}}``, ``{{.ID}}``, …) for a row."""
    return {"Repository": row["repository"], "Tag": row["tag"], "ID": row["image_id"],
            "CreatedSince": row["created"], "CreatedAt": row["created_at"].strftime("%Y-%m-%d %H:%M:%S %z %Z"),
            "Size": row["size"]}


def version(*, client) -> Table:
    """Engine version facts. Similar to ``docker version`` (server part; the client is docker-py)."""
    import docker

    try:
        v = client.version()
    except Exception as exc:
        raise from_docker_error(exc, "read the engine version") from exc
    rows = [{"component": "docker-py (client)", "version": docker.__version__,
             "api_version": client.api.api_version, "os_arch": ""},
            {"component": "Engine", "version": v.get("Version", ""), "api_version": v.get("ApiVersion", ""),
             "os_arch": f"{v.get('Os', '')}/{v.get('Arch', '')}"}]
    return Table(["component", "version", "api_version", "os_arch"], rows)


INFO_KEYS = ["Name", "ServerVersion", "OperatingSystem", "KernelVersion", "Architecture", "NCPU",
             "MemTotal", "Driver", "Containers", "ContainersRunning", "ContainersPaused",
             "ContainersStopped", "Images", "DockerRootDir", "CgroupVersion"]


def info(*, client) -> Table:
    """Engine facts as key/value rows. Similar to ``docker info``; ``.raw`` holds the whole dict."""
    try:
        data = client.info()
    except Exception as exc:
        raise from_docker_error(exc, "read the engine info") from exc
    t = Table(["key", "value"], [{"key": k, "value": data[k]} for k in INFO_KEYS if k in data])
    t.raw = mask_inspect(data)  # HttpProxy and the like may hold user:password@
    return t


def tag(source: str, target: str, *, client) -> str:
    """Give an image another name. Similar to ``docker tag SOURCE TARGET``. Returns the target."""
    repo, t = imageref.split(imageref.check_name(target))
    try:
        client.images.get(source).tag(repo, t)
    except Exception as exc:
        raise from_docker_error(exc, f"tag {source} as {target}") from exc
    return f"{repo}:{t}"


def rmi(names: list[str], *, client, force: bool = False) -> list[str]:
    """Remove image names (tags), the image itself once untagged. Similar to ``docker rmi [-f]``.

    Returns the engine's lines, as the CLI prints them: ``Untagged: debian:old`` for each name taken
    off, ``Deleted: sha256:…`` for each image and layer removed.
    """
    lines: list[str] = []

    def remove(name: str) -> None:
        for item in client.api.remove_image(name, force=force) or []:
            lines.extend(f"{what}: {value}" for what, value in item.items())

    for_each(names, remove, command="rmi", kind="image", doing="remove")
    return lines
