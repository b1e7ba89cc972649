"""``docker images/tag/rmi``, ``docker version`` and ``docker info`` as plain functions taking ``client=``."""

from __future__ import annotations

import datetime

from .each import for_each
from ..errors import from_docker_error
from ..redaction import mask_inspect
from ..tables import Table


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1000
    return f"{n:.1f}TB"


def images(*, client, all: bool = False, name: str | None = None) -> Table:
    """List images, one row per tag. Similar to ``docker images [-a] [REPOSITORY[:TAG]]``."""
    try:
        raw = client.api.images(name=name, all=all)
    except Exception as exc:
        raise from_docker_error(exc, "list images") from exc
    rows = []
    for img in raw:
        created = datetime.datetime.fromtimestamp(img.get("Created", 0), datetime.timezone.utc)
        for tag in img.get("RepoTags") or ["<none>:<none>"]:
            repo, _, t = tag.rpartition(":")
            rows.append({"repository": repo, "tag": t, "image_id": img["Id"].split(":")[-1][:12],
                         "created": created.strftime("%Y-%m-%d %H:%M"), "size": _size(img.get("Size", 0))})
    return Table(["repository", "tag", "image_id", "created", "size"], rows)


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
    repo, _, t = target.rpartition(":") if ":" in target.rsplit("/", 1)[-1] else (target, "", "latest")
    try:
        client.images.get(source).tag(repo, t)
    except Exception as exc:
        raise from_docker_error(exc, f"tag {source} as {target}") from exc
    return f"{repo}:{t}"


def rmi(names: list[str], *, client, force: bool = False) -> list[str]:
    """Remove image names (tags), the image itself once untagged. Similar to ``docker rmi [-f]``."""
    return for_each(names, lambda n: client.images.remove(n, force=force), command="rmi", kind="image",
                    doing="remove")
