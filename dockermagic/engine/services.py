"""``docker service …`` as plain functions taking ``client=``: create, ls, ps, inspect, logs, scale,
update, rm, and ``wait_converged`` (the CLI's ``--detach=false``), through the docker SDK.

Services carry ``default_labels()``, and so do their containers; env values with secret names are
learned before anything shows them. Measured here (no IPVS): services reach each other only with
``endpoint_mode="dnsrr"``, ports only when published with ``mode="host"`` — see ``swarm.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from docker.types import EndpointSpec, ServiceMode

from ..client import default_labels
from ..errors import CommandError, DockerMagicError
from ..redaction import mask_env_list
from ..tables import Table
from .inspecting import InspectResult
from .swarm import engine_call, node_names

SERVICE_COLUMNS = ["id", "name", "mode", "replicas", "image", "ports"]
TASK_COLUMNS = ["id", "name", "image", "node", "desired_state", "current_state", "error", "ports"]


@dataclass
class Port:
    """One published port: ``target`` in the container, ``published`` on the node(s), ``mode``
    ``ingress`` (the routing mesh: every node; needs IPVS) or ``host`` (only nodes running a task)."""

    target: int
    published: int | None = None
    protocol: str = "tcp"
    mode: str = "ingress"


@dataclass
class ServiceOptions:
    """``docker service create`` options (the ones dockermagic carries out)."""

    image: str
    command: list = field(default_factory=list)
    name: str | None = None
    replicas: int | None = None
    mode: str = "replicated"  # or global: one task on every node
    env: list = field(default_factory=list)  # "NAME=value"
    labels: dict = field(default_factory=dict)  # the service's; default_labels() are added, and go on its containers too
    ports: list = field(default_factory=list)  # Port
    constraints: list = field(default_factory=list)  # "node.role == worker"
    networks: list = field(default_factory=list)
    endpoint_mode: str | None = None  # vip (the engine's default) or dnsrr


def service_create(opts: ServiceOptions, *, client) -> str:
    """Create a service; returns its ID. Similar to ``docker service create [OPTIONS] IMAGE [COMMAND]``
    (detached: ``wait_converged`` waits for its tasks)."""
    if opts.mode not in ("replicated", "global"):
        raise CommandError(f"'docker service create --mode' takes replicated or global, not {opts.mode!r}.")
    mask_env_list(opts.env)  # learn the secrets before anything can show them
    labels = {**default_labels(), **opts.labels}
    ports = [{"TargetPort": p.target, "PublishedPort": p.published, "Protocol": p.protocol, "PublishMode": p.mode}
             for p in opts.ports]
    endpoint = EndpointSpec(mode=opts.endpoint_mode, ports=None) if opts.endpoint_mode or ports else None
    if endpoint is not None and ports:
        endpoint["Ports"] = [{k: v for k, v in p.items() if v is not None} for p in ports]
    mode = ServiceMode(opts.mode, replicas=opts.replicas if opts.mode == "replicated" else None)
    service = engine_call(f"create service {opts.name or opts.image}", client.services.create, opts.image,
                    command=list(opts.command) or None, name=opts.name, env=list(opts.env) or None,
                    labels=labels, container_labels=default_labels(), mode=mode, endpoint_spec=endpoint,
                    constraints=list(opts.constraints) or None, networks=list(opts.networks) or None)
    return service.id


def _image(spec: dict) -> str:
    return ((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Image", "").split("@")[0]


def _ports(endpoint: dict) -> str:
    return ", ".join(f"*:{p.get('PublishedPort')}->{p['TargetPort']}/{p.get('Protocol', 'tcp')}"
                     + (" (host)" if p.get("PublishMode") == "host" else "")
                     for p in (endpoint or {}).get("Ports") or [])


def service_ls(*, client, filters: dict | None = None) -> Table:
    """Services with running/desired replicas. Similar to ``docker service ls`` (two engine calls)."""
    services = engine_call("list services", client.api.services, filters=filters or None)
    tasks = engine_call("list tasks", client.api.tasks, filters={"desired-state": "running"})
    nodes = {n["ID"] for n in engine_call("list the swarm's nodes", client.api.nodes)
             if (n.get("Status") or {}).get("State") == "ready"}
    rows = []
    for s in services:
        spec = s.get("Spec") or {}
        mine = [t for t in tasks if t.get("ServiceID") == s["ID"]]
        running = sum((t.get("Status") or {}).get("State") == "running" for t in mine)
        if "Replicated" in (spec.get("Mode") or {}):
            desired, mode = spec["Mode"]["Replicated"].get("Replicas", 1), "replicated"
        else:
            desired, mode = len({t.get("NodeID") for t in mine} & nodes), "global"
        rows.append({"id": s["ID"][:12], "name": spec.get("Name", ""), "mode": mode,
                     "replicas": f"{running}/{desired}", "image": _image(spec),
                     "ports": _ports((s.get("Endpoint") or {}).get("Spec") or spec.get("EndpointSpec")),
                     "running": running, "desired": desired, "labels": spec.get("Labels") or {}})
    return Table(SERVICE_COLUMNS, sorted(rows, key=lambda r: r["name"]))


def _service(name: str, client) -> dict:
    return engine_call(f"find service {name}", client.api.inspect_service, name)


def service_inspect(names: list[str], *, client) -> InspectResult:
    """Similar to ``docker service inspect SERVICE...``; env values with secret names masked."""
    return InspectResult([_service(n, client) for n in names])


def _ago(stamp: str) -> str:
    try:
        then = datetime.fromisoformat(stamp[:26].rstrip("Z") + "+00:00")
    except ValueError:
        return ""
    seconds = int((datetime.now(timezone.utc) - then).total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n > 1 else ''} ago"
    return f"{max(seconds, 0)} seconds ago"


def task_rows(services: list[dict], tasks: list[dict], nodes: dict[str, str]) -> list[dict]:
    """``docker service ps`` rows (newest first per slot) from raw service, task and node dicts;
    ``nodes`` maps node ID → hostname. Shared with the cluster view."""
    names = {s["ID"]: (s.get("Spec") or {}).get("Name", "") for s in services}
    rows = []
    for t in tasks:
        status = t.get("Status") or {}
        slot = t.get("Slot") or (t.get("NodeID", "")[:12])
        ports = (status.get("PortStatus") or {}).get("Ports") or []
        rows.append({"id": t["ID"][:12], "name": f"{names.get(t.get('ServiceID'), '?')}.{slot}",
                     "service": names.get(t.get("ServiceID"), ""), "slot": slot,
                     "image": _image({"TaskTemplate": t.get("Spec") or {}}),
                     "node": nodes.get(t.get("NodeID", ""), ""), "desired_state": (t.get("DesiredState") or "").capitalize(),
                     "state": status.get("State", ""),
                     "current_state": f"{(status.get('State') or '').capitalize()} {_ago(status.get('Timestamp', ''))}".strip(),
                     "error": status.get("Err", ""), "created": t.get("CreatedAt", ""),
                     "ports": ", ".join(dict.fromkeys(f"*:{p.get('PublishedPort')}->{p['TargetPort']}/{p.get('Protocol', 'tcp')}"
                                                       for p in ports))})
    return sorted(rows, key=lambda r: (r["service"], str(r["slot"]), _reverse(r["created"])))


def _reverse(stamp: str) -> str:
    return "".join(chr(0x10FFFF - ord(c)) for c in stamp)  # newest first within a slot, in one sort



def service_ps(names: list[str], *, client, running_only: bool = False) -> Table:
    """The tasks of services (old ones too, unless ``running_only``). Similar to ``docker service ps
    SERVICE...`` (``-f desired-state=running``)."""
    services = [_service(n, client) for n in names]
    filters = {"service": [s["ID"] for s in services]}
    if running_only:
        filters["desired-state"] = ["running"]
    tasks = engine_call("list tasks", client.api.tasks, filters=filters) if services else []
    return Table(TASK_COLUMNS, task_rows(services, tasks, node_names(client)))


def service_logs(name: str, *, client, tail: int | None = None, timestamps: bool = False) -> list[str]:
    """The logs of every task of a service, each line led by ``service.slot@node |``, secrets masked.
    Similar to ``docker service logs SERVICE`` (tasks on other nodes included)."""
    from ..redaction import redact_lines

    service = _service(name, client)
    tasks = {t["ID"]: t for t in engine_call("list tasks", client.api.tasks, filters={"service": [service["ID"]]})}
    nodes = node_names(client)
    raw = engine_call(f"read the logs of service {name}", client.api.service_logs, service["ID"], stdout=True,
                stderr=True, details=True, timestamps=timestamps, tail="all" if tail is None else tail)
    lines = []
    for line in redact_lines([raw] if isinstance(raw, bytes) else raw):
        details, _, text = line.partition(" ")
        attrs = dict(p.split("=", 1) for p in details.split(",") if "=" in p)
        task = tasks.get(attrs.get("com.docker.swarm.task.id", ""), {})
        who = f"{service['Spec']['Name']}.{task.get('Slot') or task.get('NodeID', '')[:12]}@{nodes.get(task.get('NodeID', ''), '?')}"
        lines.append(f"{who} | {text}" if attrs else line)
    return lines


@dataclass
class ServiceUpdate:
    """What ``docker service update`` changes; None/empty leaves a setting as it is. ``force``
    restarts every task (and so spreads them again over the nodes available now)."""

    image: str | None = None
    replicas: int | None = None
    env_add: list = field(default_factory=list)
    env_rm: list = field(default_factory=list)
    constraints_add: list = field(default_factory=list)
    constraints_rm: list = field(default_factory=list)
    force: bool = False


def _env_after(env: list[str], change: ServiceUpdate) -> list[str]:
    names = {e.partition("=")[0] for e in change.env_add} | set(change.env_rm)
    return [e for e in env if e.partition("=")[0] not in names] + list(change.env_add)


def service_update(name: str, change: ServiceUpdate, *, client) -> None:
    """Change a service's image, replicas, env or placement, or restart its tasks (``force``).
    Similar to ``docker service update`` (detached)."""
    mask_env_list(change.env_add)
    service = _service(name, client)
    spec = service["Spec"]
    template = dict(spec.get("TaskTemplate") or {})
    container = dict(template.get("ContainerSpec") or {})
    # Only what changes is touched: any other difference in the task template (even Env [] for
    # none) makes the engine replace every task, and `scale` must not restart anything.
    if change.image:
        container["Image"] = change.image
    if change.env_add or change.env_rm:
        container["Env"] = _env_after(container.get("Env") or [], change)
    template["ContainerSpec"] = container
    if change.constraints_add or change.constraints_rm:
        placement = dict(template.get("Placement") or {})
        gone = set(change.constraints_rm)
        placement["Constraints"] = [c for c in placement.get("Constraints") or [] if c not in gone] + list(change.constraints_add)
        template["Placement"] = placement
    if change.force:
        template["ForceUpdate"] = int(template.get("ForceUpdate") or 0) + 1
    mode = spec.get("Mode")
    if change.replicas is not None:
        if "Replicated" not in (mode or {}):
            raise CommandError(f"Service {name} is global: it runs one task per node and cannot be scaled.")
        mode = {"Replicated": {"Replicas": change.replicas}}
    # The spec as read, not fetch_current_spec: that one reads it with the engine's defaults filled in,
    # which the engine then takes for a change of every task.
    engine_call(f"update service {name}", client.api.update_service, service["ID"], service["Version"]["Index"],
          task_template=template, mode=mode, name=spec.get("Name"), labels=spec.get("Labels"),
          update_config=spec.get("UpdateConfig"), rollback_config=spec.get("RollbackConfig"),
          endpoint_spec=spec.get("EndpointSpec"))


def service_scale(replicas: dict[str, int], *, client) -> list[str]:
    """Set the replicas of services. Similar to ``docker service scale NAME=N...``; returns the
    ``NAME scaled to N`` lines."""
    for name, n in replicas.items():
        service_update(name, ServiceUpdate(replicas=n), client=client)
    return [f"{name} scaled to {n}" for name, n in replicas.items()]


def service_rm(names: list[str], *, client) -> list[str]:
    """Remove services (their tasks stop). Similar to ``docker service rm``; returns the names."""
    for n in names:
        engine_call(f"remove service {n}", client.api.remove_service, _service(n, client)["ID"])
    return list(names)


def wait_converged(names: list[str], *, client, timeout: float = 120) -> Table:
    """Wait until every service named runs as many tasks as it wants (the CLI's ``--detach=false``),
    polling the tasks twice a second: the engine sends no events for tasks. Returns ``service ls``.

    Raises:
        DockerMagicError: the time ran out; the message names each service behind and its tasks' errors.
    """
    deadline = time.monotonic() + timeout
    while True:
        table = service_ls(client=client)
        rows = {r["name"]: r for r in table.rows}
        behind = [n for n in names if n not in rows or rows[n]["running"] < rows[n]["desired"]]
        if not behind:
            return table
        if time.monotonic() > deadline:
            errors = {r["error"] for r in service_ps(behind, client=client, running_only=True).rows
                      if r["error"]} if all(n in rows for n in behind) else set()
            raise DockerMagicError(f"After {timeout:.0f} s these services still lack tasks: {', '.join(behind)}"
                                   + (f" ({'; '.join(sorted(errors))})" if errors else "") + ".")
        time.sleep(0.5)

