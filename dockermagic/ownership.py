"""Who made what on a shared engine: owner labels, a learner's namespace, and ``reset``.

Everything dockermagic creates carries who made it: ``org.dockermagic.owner`` (``JUPYTERHUB_USER``
when set, else the OS user), ``org.dockermagic.namespace`` (when there is one) and
``org.dockermagic.notebook`` (the notebook's path, when known). "Mine" is what carries my owner and
namespace labels; "this notebook's" is mine that also carries this notebook's label. Labels, not
names, decide: a learner's ``ps --mine`` and ``reset`` never see another learner's objects, whatever
they are called.

The namespace is ``DOCKERMAGIC_NAMESPACE``, else ``JUPYTERHUB_USER`` (set ``DOCKERMAGIC_NAMESPACE``
empty to have none under JupyterHub). With one, ``client.get_client()`` returns a client whose names
live in it (``engine/namespaced.py``): ``pg-database`` is ``alice-pg-database`` on the engine.
For several learners in one process (a benchmark, a grader), ``namespaced(client, "alice")`` makes
such a client explicitly, whatever the environment says.
"""

from __future__ import annotations

import getpass
import os
from typing import Callable

import docker

from .engine.namespaced import (NAMESPACE_LABEL, OWNER_LABEL, PORT_RANGE_SIZE, NamespacedClient, Space,
                               normalize_namespace, port_base)
from .errors import CommandError
from .tables import Table

__all__ = ["OWNER_LABEL", "NAMESPACE_LABEL", "current_user", "current_namespace", "owner_labels", "namespaced",
           "for_environment", "is_namespaced", "namespace_of", "mine_filters", "reset", "published_port", "host_port"]


def current_user() -> str:
    """``JUPYTERHUB_USER``, else the OS user (the uid when the system has no name for it)."""
    user = os.environ.get("JUPYTERHUB_USER", "").strip()
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's uid without a passwd entry
        return f"uid-{os.getuid()}"


def current_namespace() -> str | None:
    """``DOCKERMAGIC_NAMESPACE`` (empty: none), else ``JUPYTERHUB_USER``, normalised; None without one.

    Raises: CommandError when the value has no letters or digits.
    """
    if "DOCKERMAGIC_NAMESPACE" in os.environ:
        text = os.environ["DOCKERMAGIC_NAMESPACE"]
    else:
        text = os.environ.get("JUPYTERHUB_USER", "")
    return normalize_namespace(text) if text.strip() else None


def owner_labels() -> dict[str, str]:
    """The owner label, and the namespace label when a namespace is set (``client.default_labels()`` adds them)."""
    labels = {OWNER_LABEL: current_user()}
    namespace = current_namespace()
    if namespace:
        labels[NAMESPACE_LABEL] = namespace
    return labels


def namespaced(client: docker.DockerClient, namespace: str, *, say: Callable[[str], None] = print,
               owner: str | None = None) -> NamespacedClient:
    """``client`` seen by the learner ``namespace``: names prefixed on create and resolved on lookup,
    taken host ports moved to the learner's range (one line to ``say``), owner labels on all it makes.

    Shares ``client``'s connection (closing either closes both). Pass it as ``client=`` to any
    dockermagic function: ``start_postgres(client=namespaced(c, "alice"))``.
    """
    name = normalize_namespace(namespace)
    space = Space(name=name, owner=owner or current_user(), port_base=port_base(name), say=say)
    return NamespacedClient(client, space)


def for_environment(client: docker.DockerClient) -> docker.DockerClient:
    """``client`` namespaced when the environment sets a namespace, else ``client`` itself."""
    namespace = current_namespace()
    return namespaced(client, namespace) if namespace else client


def is_namespaced(client) -> bool:
    """Whether ``client`` is a learner's (``namespaced()``): its names and ports live in a namespace."""
    return isinstance(client, NamespacedClient)


def namespace_of(client) -> str | None:
    """The namespace ``client`` works in: its own (a namespaced client), else the environment's."""
    return client.namespace if isinstance(client, NamespacedClient) else current_namespace()


def _owner_of(client) -> str:
    return client.owner if isinstance(client, NamespacedClient) else current_user()


def mine_filters(client) -> list[str]:
    """``label=…`` values (AND-ed by the engine) that select what the user of ``client`` made."""
    labels = [f"{OWNER_LABEL}={_owner_of(client)}"]
    namespace = namespace_of(client)
    if namespace:
        labels.append(f"{NAMESPACE_LABEL}={namespace}")
    return labels


def is_mine(labels: dict | None, client) -> bool:
    """Whether an object with these labels was made by the user (and namespace) of ``client``."""
    labels = labels or {}
    return all(labels.get(k) == v for k, _, v in (f.partition("=") for f in mine_filters(client)))


def short_name(name: str, client) -> str:
    """The name the learner gave (``pg-database`` for ``alice-pg-database``); others unchanged."""
    return client.space.short_name(name) if isinstance(client, NamespacedClient) else name.lstrip("/")


def reset(*, mine: bool = False, dry_run: bool = False, client=None, say: Callable[[str], None] = print) -> Table:
    """Remove what this notebook made (or, ``mine=True``, what this user made in this namespace):
    containers, networks, volumes and the images it built. Similar to ``docker rm -f -v`` +
    ``network rm`` + ``volume rm`` + ``rmi`` of everything carrying the owner labels.

    Lists what it is about to remove (one line to ``say``), then removes it; ``dry_run`` only lists.

    Returns: a Table (kind, name, result): ``removed``, ``would be removed`` or why it could not go.
    Raises: CommandError when no notebook is known here and ``mine`` is not given.
    """
    from .client import get_client, notebook_label
    from .engine.cleanup import labelled, remove_labelled

    client = client or get_client()
    labels = mine_filters(client)
    whose = f"by {_owner_of(client)}" + (f" in namespace {namespace_of(client)}" if namespace_of(client) else "")
    if not mine:
        notebook = notebook_label()
        if not notebook:
            raise CommandError("No notebook is known here (Jupyter sets JPY_SESSION_NAME; or set "
                               "DOCKERMAGIC_NOTEBOOK): use reset --mine to remove all you made.")
        (key, path), = notebook.items()
        labels.append(f"{key}={path}")
        whose = f"in notebook {path} {whose}"
    found = labelled(labels, client=client)
    verb = "Would remove" if dry_run else "Removing"
    say(f"{verb} {len(found)} object{'s' if len(found) != 1 else ''} made {whose}"
        + (": " + ", ".join(f"{o.kind} {short_name(o.name, client)}" for o in found) if found else "."))
    if dry_run:
        rows = [_row(f"{o.kind} {o.name}", "would be removed", client) for o in found]
        return Table(["kind", "name", "result"], rows)
    removal = remove_labelled(labels, client=client)
    rows = [_row(what, "removed", client) for what in removal.removed]
    rows += [_row(what, "not removed", client) for what in removal.failed]
    return Table(["kind", "name", "result"], rows)


def _row(what: str, result: str, client) -> dict[str, str]:
    """``"container alice-db (why)"`` → a row: kind, the short name, the result and why."""
    kind, _, rest = what.partition(" ")
    name, _, why = rest.partition(" (")
    return {"kind": kind, "name": short_name(name, client), "result": f"{result}: {why[:-1]}" if why else result}


def published_port(container, port: str = "5432/tcp") -> int | None:
    """The host port ``container`` publishes ``port`` on (as created, so also before it started)."""
    spec = ((container.attrs.get("HostConfig") or {}).get("PortBindings") or {}).get(port) or []
    host = spec[0].get("HostPort") if spec else None
    return int(host) if host and str(host).isdigit() else None


def host_port(client, port: int, *, name: str = "the new container", ip: str = "127.0.0.1") -> int:
    """The host port a new container ``name`` of ``client``'s learner gets for ``port``: ``port``
    itself, or, when someone else holds it on a shared engine, a free one of the learner's range
    (and one line says so). Without a namespace: ``port``, and no engine call.
    """
    if not isinstance(client, NamespacedClient):
        return port
    from .engine.namespaced import move_taken_ports, ports_guard

    hc = {"PortBindings": {"port": [{"HostIp": ip, "HostPort": str(port)}]}}
    with ports_guard():
        move_taken_ports(client.api, hc, name)
    return int(hc["PortBindings"]["port"][0]["HostPort"])


def as_given(settings: dict, port: int, *, client) -> dict:
    """An existing container's settings (``port``, ``volume``) as the learner gave them: a port moved
    into the learner's range counts as ``port``, a volume by its short name."""
    if not isinstance(client, NamespacedClient):
        return settings
    out = dict(settings)
    base = client.space.port_base
    if out.get("port") and base <= out["port"] < base + PORT_RANGE_SIZE:
        out["port"] = port
    if out.get("volume") and not str(out["volume"]).startswith("/"):
        out["volume"] = client.space.short_name(out["volume"])
    return out


def namespaced_compose_call(call, cwd: str, *, client=None):
    """A Compose call whose project lives in the learner's namespace: ``-p web`` (or the ``name:``,
    or the folder's name) runs as ``-p alice-web``, so two learners' projects never meet.
    Without a namespace: ``call`` itself."""
    namespace = namespace_of(client) if client is not None else current_namespace()
    if not namespace:
        return call
    import dataclasses

    from .engine import compose, compose_project

    name = call.project or compose_project.resolved_name(call, cwd) or compose.project_name(cwd, call)
    prefix = f"{namespace}-"
    return dataclasses.replace(call, project=name if name.startswith(prefix) else prefix + name)


def with_mine(filters: dict, client, mine: bool | None = None) -> dict:
    """``filters`` (the engine's dict form) narrowed to what the user of ``client`` made when ``mine``;
    ``mine=None``: when a namespace is set (a shared engine), else not."""
    if mine is None:
        mine = namespace_of(client) is not None
    if not mine:
        return filters
    labels = filters.get("label") or []
    labels = [labels] if isinstance(labels, str) else list(labels)
    return {**filters, "label": list(dict.fromkeys(labels + mine_filters(client)))}
