"""``docker volume …`` subcommands as plain functions taking ``client=``."""

from __future__ import annotations

from ..client import labels_with_defaults
from .each import for_each
from ..errors import CommandError, from_docker_error
from ..values import parse_filters
from .inspecting import InspectResult
from ..tables import Table


def create(name: str | None = None, *, client, driver: str = "local", labels: list[str] | None = None,
           opts: list[str] | None = None):
    """Create a volume. Similar to ``docker volume create``; carries default_labels()."""
    driver_opts = dict(o.partition("=")[::2] for o in opts or [])
    try:
        return client.volumes.create(name, driver=driver, labels=labels_with_defaults(labels),
                                     driver_opts=driver_opts or None)
    except Exception as exc:
        raise from_docker_error(exc, f"create volume {name or ''}".strip()) from exc


def ls(*, client, filters: list[str] | None = None) -> Table:
    """List volumes. Similar to ``docker volume ls [-f key=value]``."""
    by_key = parse_filters(filters)
    try:
        vols = client.api.volumes(filters=by_key or None).get("Volumes") or []
    except Exception as exc:
        raise from_docker_error(exc, "list volumes") from exc
    return Table(["driver", "name", "mountpoint"],
                 [{"driver": v["Driver"], "name": v["Name"], "mountpoint": v.get("Mountpoint", "")} for v in vols],
                 head=["DRIVER", "VOLUME NAME", "MOUNTPOINT"])


def inspect(names: list[str], *, client) -> InspectResult:
    """Similar to ``docker volume inspect``: the JSON array (``x[0]["Mountpoint"]``, ``.to_frame()``)."""
    if not names:
        raise CommandError("'docker volume inspect' needs at least one volume.")
    out = []
    for n in names:
        try:
            out.append(client.api.inspect_volume(n))
        except Exception as exc:
            raise from_docker_error(exc, f"inspect volume {n}") from exc
    return InspectResult(out)


def rm(names: list[str], *, client, force: bool = False) -> list[str]:
    """Similar to ``docker volume rm [-f]``."""
    return for_each(names, lambda n: client.api.remove_volume(n, force=force), command="volume rm",
                    kind="volume", doing="remove")


def prune(*, client, filters: list[str] | None = None) -> list[str]:
    """Remove unused volumes matching ``filters``. Similar to ``docker volume prune -f [--filter]``.

    On engines before API 1.42 this removes named volumes too, as the CLI does there.
    Returns the names removed.
    """
    by_key = parse_filters(filters)
    try:
        return client.api.prune_volumes(filters=by_key or None).get("VolumesDeleted") or []
    except Exception as exc:
        raise from_docker_error(exc, "prune volumes") from exc
