"""Container subcommands as plain functions taking ``client=`` (first: ``ps``)."""

from __future__ import annotations

import html
from typing import Any

from .errors import CommandError, from_docker_error


def _list_row(c: dict[str, Any]) -> dict[str, Any]:
    """One `docker ps` row from the list endpoint's dict (no per-container inspect)."""
    ports = []
    for p in c.get("Ports") or []:
        if p.get("PublicPort"):
            ports.append(f"{p.get('IP', '')}:{p['PublicPort']}->{p['PrivatePort']}/{p['Type']}")
        else:
            ports.append(f"{p['PrivatePort']}/{p['Type']}")
    nets = ((c.get("NetworkSettings") or {}).get("Networks") or {})
    return {
        "id": c["Id"][:12],
        "name": (c.get("Names") or [""])[0].lstrip("/"),
        "image": c.get("Image", ""),
        "command": c.get("Command", ""),
        "state": c.get("State", ""),
        "status": c.get("Status", ""),
        "ports": sorted(set(ports)),
        "networks": sorted(nets),
        "ips": [n.get("IPAddress") for n in nets.values() if n.get("IPAddress")],
        "full_id": c["Id"],
        "labels": c.get("Labels") or {},
    }


def template_fields(row: dict[str, Any], *, no_trunc: bool = False) -> dict[str, Any]:
    """The names ``docker ps --format`` templates use (``{{.ID}}``, ``{{.Names}}``, …) for a row."""
    return {"ID": row["full_id"] if no_trunc else row["id"], "Names": row["name"], "Image": row["image"],
            "Command": f'"{row["command"]}"', "State": row["state"], "Status": row["status"],
            "Ports": ", ".join(row["ports"]), "Networks": ",".join(row["networks"]),
            "Labels": ",".join(f"{k}={v}" for k, v in sorted(row["labels"].items()))}


class ContainerList:
    """Result of ``ps``: HTML table in notebooks, text in a terminal, ``.to_frame()``."""

    def __init__(self, rows: list[dict[str, Any]]):
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows, columns=["id", "name", "image", "command", "state", "status",
                                                "ports", "networks", "ips"])

    def _cells(self, r):
        return [r["id"], r["name"], r["image"], r["status"], ", ".join(r["ports"]),
                ", ".join(r["networks"]), ", ".join(r["ips"])]

    def __repr__(self) -> str:
        head = ["CONTAINER ID", "NAMES", "IMAGE", "STATUS", "PORTS", "NETWORKS", "IPS"]
        return "\n".join("  ".join(cells) for cells in [head] + [self._cells(r) for r in self.rows])

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ["Container ID", "Name", "Image", "Status", "Ports",
                                                 "Networks", "IPs"])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in self._cells(r)) + "</tr>"
                       for r in self.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def ps(*, client, all: bool = False, filters: list[str] | None = None, last: int | None = None) -> ContainerList:
    """List containers. Similar to ``docker ps``; one call to the list endpoint.

    Args:
        all: include stopped containers (``-a``).
        filters: ``key=value`` strings (``--filter``), e.g. ``name=db``, ``label=a=b``.
        last: show only the N most recently created (``-n``).

    Raises:
        CommandError: a filter is not ``key=value``.
    """
    by_key: dict[str, list[str]] = {}
    for f in filters or []:
        key, eq, value = f.partition("=")
        if not eq:
            raise CommandError(f"The filter {f!r} must look like key=value.")
        by_key.setdefault(key, []).append(value)
    try:
        raw = client.api.containers(all=all or last is not None, filters=by_key or None,
                                    limit=last if last is not None else -1)
    except Exception as exc:  # the SDK raises several classes; one sentence for all
        raise from_docker_error(exc, "list containers") from None
    return ContainerList([_list_row(c) for c in raw])
