"""Swarm mode as plain functions taking ``client=``: ``swarm init/join/leave`` and ``node ls/inspect/update``,
through the docker SDK (services: ``services.py``; stacks: ``stacks.py``).

Results are ``Table``s (text in a terminal, HTML in a notebook, ``.to_frame()``) or ``InspectResult``s,
with environment values and labels masked. A join token is a password for the cluster: it is learned by
``redaction`` the moment dockermagic sees it, so no display shows it; ``join_token`` hands it to code.

Measured on this project's machines (dockerd 20.10, no IPVS in the kernel): services reach each other
only with ``endpoint_mode="dnsrr"``, and a port is reachable only when published with ``mode="host"``
(the ingress routing mesh needs IPVS). The CLI's defaults (VIP, ingress) are kept here, as the CLI
keeps them; the notebook and the tests ask for dnsrr and host ports.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..errors import CommandError, from_docker_error
from ..redaction import remember
from ..tables import Table
from .inspecting import InspectResult

SWARM_BRIDGE = "docker_gwbridge"  # made by the engine for the first task on a node; `swarm leave` keeps it
NODE_COLUMNS = ["id", "hostname", "status", "availability", "manager_status", "engine_version", "address"]


def engine_call(doing: str, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``; what the SDK raises becomes one sentence: "Docker could not {doing}: …"."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # the SDK raises several classes; one sentence for all
        raise from_docker_error(exc, doing) from exc


# -- swarm -------------------------------------------------------------------------------------------

def state(*, client) -> str:
    """This engine's swarm state: ``inactive``, ``active``, ``pending``, ``error`` or ``locked``."""
    return (engine_call("read the engine's swarm state", client.info).get("Swarm") or {}).get("LocalNodeState", "inactive")


def init(*, client, advertise_addr: str | None = None, listen_addr: str = "0.0.0.0:2377") -> str:
    """Make this engine the first manager of a new swarm. Similar to ``docker swarm init``.

    Returns: this node's ID. The join tokens are kept out of every display; ``join_token`` returns them.
    """
    engine_call("initialise a swarm", client.swarm.init, advertise_addr=advertise_addr, listen_addr=listen_addr)
    _learn_tokens(client)
    return client.info()["Swarm"]["NodeID"]


def _learn_tokens(client) -> dict:
    client.swarm.reload()
    tokens = client.swarm.attrs.get("JoinTokens") or {}
    for token in tokens.values():
        remember(token)
    return tokens


def join_token(role: str = "worker", *, client) -> str:
    """The token another engine joins with as ``role`` (worker or manager). Similar to ``docker swarm
    join-token -q ROLE``; the value is for code (``join(..., token=...)``): displays mask it."""
    if role not in ("worker", "manager"):
        raise CommandError(f"'docker swarm join-token' takes worker or manager, not {role!r}.")
    return engine_call("read the swarm's join tokens", _learn_tokens, client)[role.capitalize()]


def manager_address(*, client) -> str:
    """``host:port`` where workers join this manager (the address it advertises)."""
    info = engine_call("read the engine's swarm state", client.info)
    managers = (info.get("Swarm") or {}).get("RemoteManagers") or []
    node = info["Swarm"].get("NodeID")
    return next((m["Addr"] for m in managers if m.get("NodeID") == node), managers[0]["Addr"] if managers else "")


def join(remote: str, token: str, *, client, advertise_addr: str | None = None,
         listen_addr: str = "0.0.0.0:2377") -> None:
    """Join the swarm whose manager answers at ``remote`` (``host:2377``). Similar to ``docker swarm join``."""
    remember(token)
    engine_call(f"join the swarm at {remote}", client.swarm.join, remote_addrs=[remote], join_token=token,
          listen_addr=listen_addr, advertise_addr=advertise_addr)


def leave(*, client, force: bool = False) -> bool:
    """Leave the swarm (a manager needs ``force``). Similar to ``docker swarm leave``; then removes the
    swarm's gateway bridge (``docker_gwbridge``) when no container uses it, so the engine is as before
    the swarm. Returns False when the engine was in no swarm."""
    if state(client=client) == "inactive":
        _remove_gateway_bridge(client)
        return False
    engine_call("leave the swarm", client.swarm.leave, force=force)
    _remove_gateway_bridge(client)
    return True


def _remove_gateway_bridge(client) -> None:
    import docker.errors

    for _ in range(20):  # a task's sandbox still holds it for a moment after leaving
        try:
            client.api.remove_network(SWARM_BRIDGE)
        except docker.errors.NotFound:
            return
        except docker.errors.APIError:
            time.sleep(0.25)
            continue
        return


# -- nodes -------------------------------------------------------------------------------------------

def _node_row(n: dict, me: str) -> dict:
    spec, status, mgr = n.get("Spec") or {}, n.get("Status") or {}, n.get("ManagerStatus") or {}
    leader = "Leader" if mgr.get("Leader") else (mgr.get("Reachability") or "").capitalize()
    return {"id": n["ID"] + (" *" if n["ID"] == me else ""), "hostname": (n.get("Description") or {}).get("Hostname", ""),
            "status": (status.get("State") or "").capitalize(), "availability": (spec.get("Availability") or "").capitalize(),
            "manager_status": leader, "engine_version": ((n.get("Description") or {}).get("Engine") or {}).get("EngineVersion", ""),
            "address": status.get("Addr", ""), "role": spec.get("Role", "")}


def node_ls(*, client, filters: dict | None = None) -> Table:
    """The swarm's nodes (``*`` marks this one). Similar to ``docker node ls``."""
    me = engine_call("read the engine's swarm state", client.info)["Swarm"].get("NodeID", "")
    nodes = engine_call("list the swarm's nodes", client.api.nodes, filters=filters or None)
    rows = sorted((_node_row(n, me) for n in nodes), key=lambda r: (r["role"] != "manager", r["hostname"]))
    return Table(NODE_COLUMNS, rows)


def _node(name: str, client) -> dict:
    return engine_call(f"find node {name}", client.api.inspect_node, name)


def node_inspect(names: list[str], *, client) -> InspectResult:
    """Similar to ``docker node inspect NODE...`` (``self`` is this node); labels with secret names masked."""
    return InspectResult([_node(n, client) for n in names])


@dataclass
class NodeUpdate:
    """What ``docker node update`` changes: ``availability`` (active, pause, drain), ``role``
    (worker, manager), labels to add (``{"zone": "a"}``) and to remove (names)."""

    availability: str | None = None
    role: str | None = None
    labels_add: dict = field(default_factory=dict)
    labels_rm: list = field(default_factory=list)


def node_update(name: str, change: NodeUpdate, *, client) -> None:
    """Change a node's availability, role or labels. Similar to ``docker node update``.

    ``drain`` moves the node's tasks to other nodes; ``active`` lets the scheduler use it again (tasks
    already moved stay where they are until the service is updated).
    """
    if change.availability not in (None, "active", "pause", "drain"):
        raise CommandError(f"'docker node update --availability' takes active, pause or drain, not {change.availability!r}.")
    if change.role not in (None, "worker", "manager"):
        raise CommandError(f"'docker node update --role' takes worker or manager, not {change.role!r}.")
    node = _node(name, client)
    spec = dict(node.get("Spec") or {})
    spec["Availability"] = change.availability or spec.get("Availability")
    spec["Role"] = change.role or spec.get("Role")
    labels = {**(spec.get("Labels") or {}), **change.labels_add}
    for key in change.labels_rm:
        labels.pop(key, None)
    spec["Labels"] = labels
    engine_call(f"update node {name}", client.api.update_node, node["ID"], node["Version"]["Index"], spec)


def node_names(client) -> dict[str, str]:
    return {n["ID"]: (n.get("Description") or {}).get("Hostname", "")
            for n in engine_call("list the swarm's nodes", client.api.nodes)}
