"""Turn the engine's inspect dicts into the rows people read: what `docker ps` shows, plus
networks and IPs. Shared by the result tables and the widgets; secrets never get here: a
container's env values are learned (``secrets.remember_env``) and its command and labels masked."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .imagekit import standin_mark
from ..redaction import mask_argv, mask_env_dict, remember_env


def _parse_time(text: str | None) -> datetime | None:
    if not text or text.startswith("0001-"):
        return None
    text = text.rstrip("Z")
    head, _, frac = text.partition(".")
    try:
        return datetime.fromisoformat(head).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """Like the CLI (go-units HumanDuration): 'Less than a second', '5 seconds', 'About a minute',
    '3 minutes', 'About an hour', '2 hours', '3 days', '2 weeks', '3 months', '2 years'."""
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s < 60:
        return "1 second" if s == 1 else f"{s} seconds"
    minutes = s // 60
    if minutes < 60:
        return "About a minute" if minutes == 1 else f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)  # Go rounds the duration to the nearest hour here
    if hours == 1:
        return "About an hour"
    for limit, size, unit in ((48, 1, "hours"), (24 * 14, 24, "days"), (24 * 60, 24 * 7, "weeks"),
                              (24 * 365 * 2, 24 * 30, "months")):
        if hours < limit:
            return f"{hours // size} {unit}"
    return f"{int(seconds // 3600) // (24 * 365)} years"


def container_status(attrs: dict[str, Any], now: datetime | None = None) -> str:
    """'Up 5 minutes (healthy)', 'Exited (0) 2 minutes ago', 'Created' — as `docker ps` says it."""
    state = attrs.get("State") or {}
    now = now or datetime.now(timezone.utc)
    status = state.get("Status", "")
    if status == "running" or state.get("Running"):
        started = _parse_time(state.get("StartedAt"))
        text = "Up " + human_duration((now - started).total_seconds()) if started else "Up"
        if state.get("Paused"):
            text += " (Paused)"
        health = (state.get("Health") or {}).get("Status")
        if health:
            text += f" ({health})"
        return text
    if status == "exited":
        finished = _parse_time(state.get("FinishedAt"))
        ago = f" {human_duration((now - finished).total_seconds())} ago" if finished else ""
        return f"Exited ({state.get('ExitCode', 0)}){ago}"
    return status.capitalize() if status else "Unknown"


def published_ports(attrs: dict[str, Any]) -> list[str]:
    """The PORTS entries of `docker ps` (``127.0.0.1:5433->5432/tcp``) from an inspect dict's NetworkSettings.Ports."""
    listed = []
    for key, bindings in ((attrs.get("NetworkSettings") or {}).get("Ports") or {}).items():
        number, _, kind = key.partition("/")
        # The list endpoint's form: one entry per binding, an unbound port without IP and PublicPort.
        listed += [{"IP": b.get("HostIp") or "0.0.0.0", "PrivatePort": int(number), "PublicPort": int(b["HostPort"]),
                    "Type": kind or "tcp"} for b in bindings or [] if b.get("HostPort")]
        if not bindings:
            listed.append({"PrivatePort": int(number), "Type": kind or "tcp"})
    return displayable_ports(listed)


def displayable_ports(ports: list[dict[str, Any]] | None) -> list[str]:
    """The CLI's PORTS entries (docker/cli DisplayablePorts): a port published on the same number is
    grouped into ranges (``127.0.0.1:8100-8101->8100-8101/tcp``), then the other mappings in order."""
    groups: dict[str, list[int]] = {}  # "ip/type" or "type" -> [first, last] of the open range
    grouped, mappings = [], []
    for p in sorted(ports or [], key=lambda p: (p.get("PrivatePort", 0), p.get("IP", ""), p.get("PublicPort", 0),
                                                 p.get("Type", ""))):
        private, ip, kind = p.get("PrivatePort", 0), p.get("IP", ""), p.get("Type", "")
        if ip and p.get("PublicPort") != private:
            mappings.append(f"{_host_port(ip, p.get('PublicPort'))}->{private}/{kind}")
            continue
        key = f"{ip}/{kind}" if ip else kind
        group = groups.get(key)
        if group and private == group[1] + 1:
            group[1] = private
            continue
        if group:
            grouped.append(_port_group(key, *group))
        groups[key] = [private, private]
    return grouped + [_port_group(key, *g) for key, g in groups.items()] + mappings


def _host_port(ip: str, port) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _port_group(key: str, first: int, last: int) -> str:
    ip, _, kind = key.rpartition("/")
    span = str(first) if first == last else f"{first}-{last}"
    return f"{_host_port(ip, span)}->{span}/{kind}" if ip else f"{span}/{kind}"


def container_networks(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    """One dict per attached network: name, ip, gateway, mac, aliases."""
    nets = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
    out = []
    for name, n in sorted(nets.items()):
        aliases = [a for a in (n.get("Aliases") or []) if a and not attrs.get("Id", "").startswith(a)]
        out.append(
            {
                "network": name,
                "ip": n.get("IPAddress") or "",
                "prefix": n.get("IPPrefixLen") or 0,
                "gateway": n.get("Gateway") or "",
                "mac": n.get("MacAddress") or "",
                "aliases": aliases,
                "network_id": n.get("NetworkID") or "",
            }
        )
    return out


def container_row(attrs: dict[str, Any], image_labels: dict[str, str] | None = None) -> dict[str, Any]:
    """What `docker ps` shows for one container (from a full inspect dict), plus networks/IPs."""
    config = attrs.get("Config") or {}
    # The widgets see every container: learn its secrets before anything of it is shown.
    remember_env(config.get("Env"), public=[attrs.get("Name") or "", config.get("Image") or ""])
    cmd = " ".join(mask_argv((config.get("Entrypoint") or []) + (config.get("Cmd") or [])))
    nets = container_networks(attrs)
    # A container inherits its image's labels, so the stand-in label is usually already here.
    labels = image_labels or config.get("Labels") or {}
    return {
        "id": (attrs.get("Id") or "")[:12],
        "name": (attrs.get("Name") or "").lstrip("/"),
        "image": config.get("Image") or attrs.get("Image", ""),
        "command": cmd,
        "created": attrs.get("Created", ""),
        "state": (attrs.get("State") or {}).get("Status", ""),
        "status": container_status(attrs),
        "health": ((attrs.get("State") or {}).get("Health") or {}).get("Status", ""),
        "ports": published_ports(attrs),
        "networks": [n["network"] for n in nets],
        "ips": [n["ip"] for n in nets if n["ip"]],
        "network_details": nets,
        "stand_in": standin_mark(config.get("Image") or "", labels),
        "labels": mask_env_dict(config.get("Labels") or {}),
    }


def network_row(attrs: dict[str, Any]) -> dict[str, Any]:
    """What `docker network ls/inspect` shows: driver, subnet, gateway and attached containers."""
    ipam = ((attrs.get("IPAM") or {}).get("Config")) or [{}]
    options = attrs.get("Options") or {}
    containers = []
    for cid, c in sorted((attrs.get("Containers") or {}).items(), key=lambda kv: kv[1].get("Name", "")):
        containers.append(
            {
                "id": cid[:12],
                "name": c.get("Name", ""),
                "ipv4": (c.get("IPv4Address") or "").split("/")[0],
                "mac": c.get("MacAddress", ""),
            }
        )
    return {
        "id": (attrs.get("Id") or "")[:12],
        "name": attrs.get("Name", ""),
        "driver": attrs.get("Driver", ""),
        "scope": attrs.get("Scope", ""),
        "subnet": ipam[0].get("Subnet", "") if ipam else "",
        "gateway": ipam[0].get("Gateway", "") if ipam else "",
        "internal": bool(attrs.get("Internal")),
        "bridge": options.get("com.docker.network.bridge.name") or (f"br-{attrs.get('Id', '')[:12]}" if attrs.get("Driver") == "bridge" else ""),
        "containers": containers,
        "labels": mask_env_dict(attrs.get("Labels") or {}),
    }
