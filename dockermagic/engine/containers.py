"""Container subcommands as plain functions taking ``client=``: ps, port, top, stats."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from ..errors import from_docker_error
from ..values import parse_filters
from ..redaction import mask_env_dict, mask_text
from ..tables import html_table, text_grid
from .imagekit import standin_mark
from .summary import displayable_ports, human_duration


def _list_row(c: dict[str, Any], now: float) -> dict[str, Any]:
    """One `docker ps` row from the list endpoint's dict (no per-container inspect)."""
    nets = ((c.get("NetworkSettings") or {}).get("Networks") or {})
    created = c.get("Created", 0)
    labels = c.get("Labels") or {}  # a container carries its image's labels, the stand-in one too
    return {
        "id": c["Id"][:12],
        "image": c.get("Image", ""),
        "command": mask_text(c.get("Command", "")),
        "created": datetime.fromtimestamp(created, timezone.utc),
        "running_for": f"{human_duration(now - created)} ago",
        "status": c.get("Status", ""),
        "ports": displayable_ports(c.get("Ports")),
        "name": (c.get("Names") or [""])[0].lstrip("/"),
        "state": c.get("State", ""),
        "networks": sorted(nets),
        "ips": [n.get("IPAddress") for n in nets.values() if n.get("IPAddress")],
        "stand_in": standin_mark(c.get("Image", ""), labels),
        "full_id": c["Id"],
        "labels": mask_env_dict(labels),  # a label can carry a password too
        "mounts": [{"name": m.get("Name") or m.get("Source", ""), "driver": m.get("Driver", "")}
                   for m in c.get("Mounts") or []],
    }


def _ellipsis(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _quoted(text: str) -> str:
    """Go's strconv.Quote, as the CLI's COMMAND column uses it."""
    return json.dumps(text, ensure_ascii=False)


def template_fields(row: dict[str, Any], *, no_trunc: bool = False) -> dict[str, Any]:
    """The names ``docker ps --format`` templates use (``{{.ID}}``, ``{{.Command}}``, …) for a row."""
    created = row["created"].astimezone()
    return {"ID": row["full_id"] if no_trunc else row["id"], "Image": row["image"],
            "Command": _quoted(row["command"] if no_trunc else _ellipsis(row["command"], 20)),
            "CreatedAt": created.strftime("%Y-%m-%d %H:%M:%S %z %Z"), "RunningFor": row["running_for"],
            "Status": row["status"], "Ports": ", ".join(row["ports"]), "Names": row["name"],
            "State": row["state"], "Networks": ",".join(row["networks"]),
            "Labels": ",".join(f"{k}={v}" for k, v in sorted(row["labels"].items())),
            "Mounts": ",".join(m["name"] if no_trunc else _ellipsis(m["name"], 15) for m in row.get("mounts", [])),
            "LocalVolumes": str(sum(m["driver"] == "local" for m in row.get("mounts", [])))}


class ContainerList:
    """Result of ``ps``: the CLI's columns (CONTAINER ID … NAMES), then NETWORKS, IPS and STAND-IN.

    HTML table in notebooks, the CLI's text in a terminal, ``.to_frame()`` for pandas; ``.rows`` are
    dicts (``id``, ``image``, ``command``, ``created``, ``running_for``, ``status``, ``ports``, ``name``,
    ``state``, ``networks``, ``ips``, ``stand_in``, ``full_id``, ``labels``).
    """

    HEAD = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES", "NETWORKS", "IPS",
            "STAND-IN"]
    FRAME = ["id", "image", "command", "created", "running_for", "status", "ports", "name", "state", "networks",
             "ips", "stand_in"]

    def __init__(self, rows: list[dict[str, Any]], *, no_trunc: bool = False):
        self.rows = rows
        self.no_trunc = no_trunc

    def __len__(self) -> int:
        return len(self.rows)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.FRAME)

    def _cells(self, r) -> list[str]:
        f = template_fields(r, no_trunc=self.no_trunc)
        return [f["ID"], f["Image"], f["Command"], f["RunningFor"], f["Status"], f["Ports"], f["Names"],
                ", ".join(r["networks"]), ", ".join(r["ips"]), "stand-in" if r.get("stand_in") else ""]

    def __repr__(self) -> str:
        return text_grid(self.HEAD, [self._cells(r) for r in self.rows])

    def _repr_html_(self) -> str:
        titles = [[r["full_id"], None, r["command"], template_fields(r)["CreatedAt"]] + [None] * 5
                  + [r.get("stand_in")] for r in self.rows]
        return html_table(self.HEAD, [self._cells(r) for r in self.rows], titles)


def ps(*, client, all: bool = False, filters: list[str] | None = None, last: int | None = None,
       no_trunc: bool = False) -> ContainerList:
    """List containers. Similar to ``docker ps``; one call to the list endpoint.

    Args:
        all: include stopped containers (``-a``).
        filters: ``key=value`` strings (``--filter``), e.g. ``name=db``, ``label=a=b``.
        last: show only the N most recently created (``-n``).
        no_trunc: show whole IDs and commands (``--no-trunc``).

    Raises:
        CommandError: a filter is not ``key=value``.
    """
    by_key = parse_filters(filters)
    try:
        raw = client.api.containers(all=all or last is not None, filters=by_key or None,
                                    limit=last if last is not None else -1)
    except Exception as exc:  # the SDK raises several classes; one sentence for all
        raise from_docker_error(exc, "list containers") from exc
    now = time.time()
    return ContainerList([_list_row(c, now) for c in raw], no_trunc=no_trunc)


def _get(name: str, client):
    try:
        return client.containers.get(name)
    except Exception as exc:
        raise from_docker_error(exc, f"find container {name}") from exc


def port(name: str, *, client, private: str | None = None) -> list[str]:
    """Published ports as ``5432/tcp -> 127.0.0.1:5433`` lines. Similar to ``docker port C [PORT]``."""
    ports = (_get(name, client).attrs.get("NetworkSettings") or {}).get("Ports") or {}
    if private and "/" not in private:
        private += "/tcp"
    return [f"{key} -> {b['HostIp'] or '0.0.0.0'}:{b['HostPort']}"
            for key, binds in sorted(ports.items()) if binds and (private is None or key == private)
            for b in binds]


def top(name: str, *, client, ps_args: str | None = None):
    """Processes in a container as a table. Similar to ``docker top CONTAINER [ps OPTIONS]``.

    Args:
        ps_args: options for ``ps`` as one string (``"-o pid,comm"``, ``"aux"``); the engine
            runs ``ps`` on the host with them, as for the CLI (default ``-ef``).
    """
    from ..tables import Table

    try:
        data = client.api.top(_get(name, client).id, ps_args=ps_args)
    except Exception as exc:
        raise from_docker_error(exc, f"list the processes of {name}" + (f" with ps {ps_args}" if ps_args else "")) from exc
    titles = data.get("Titles") or []
    return Table(titles, [dict(zip(titles, map(mask_text, p))) for p in data.get("Processes") or []])


def stats(names: list[str], *, client):
    """One snapshot of CPU % and memory per container. Similar to ``docker stats --no-stream``."""
    from ..tables import Table

    rows = []
    for n in names:
        c = _get(n, client)
        try:
            s = client.api.stats(c.id, stream=False)
        except Exception as exc:
            raise from_docker_error(exc, f"read the stats of {n}") from exc
        cpu, pre = s.get("cpu_stats") or {}, s.get("precpu_stats") or {}
        d_cpu = (cpu.get("cpu_usage") or {}).get("total_usage", 0) - (pre.get("cpu_usage") or {}).get("total_usage", 0)
        d_sys = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
        ncpu = cpu.get("online_cpus") or 1
        mem = s.get("memory_stats") or {}
        used = mem.get("usage", 0) - (mem.get("stats") or {}).get("inactive_file", 0)
        rows.append({"container": c.id[:12], "name": c.name,
                     "cpu_percent": round(100.0 * d_cpu / d_sys * ncpu, 2) if d_sys > 0 else 0.0,
                     "mem_usage_mb": round(used / 1e6, 1), "mem_limit_mb": round(mem.get("limit", 0) / 1e6, 1),
                     "pids": (s.get("pids_stats") or {}).get("current", 0)})
    return Table(["container", "name", "cpu_percent", "mem_usage_mb", "mem_limit_mb", "pids"], rows)
