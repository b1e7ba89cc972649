"""One learner's view of a shared engine: a docker client whose names live in a namespace.

With the namespace ``alice``, ``run --name pg-database`` makes ``alice-pg-database`` on the engine
and ``pg-database`` finds it again in every later call (stop, logs, exec, rm, inspect, network
connect, volume rm, the views…). The wrapping happens at docker-py's low-level ``client.api``:
every dockermagic module, and docker-py's own models (``client.containers.get(…).stop()``), reach
the engine through it, so one place covers them all and no command needs to know about namespaces.

A short name resolves to the prefixed object when it exists, else to the name as given, so shared
objects (the ``bridge`` network, an instructor's volume, ids) keep working. Namespaces keep
learners from colliding; they are not a security boundary.

A published host port that a container of someone else holds (or, on a local engine, any other
process) is moved into the learner's own range (see ``port_base``) and one line says so. Everything
the client creates carries the learner's owner and namespace labels, and its prunes take only that.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import inspect
import os
import re
import socket
import tempfile
import threading
import unicodedata
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import docker

from ..errors import CommandError

NAMESPACE_LABEL = "org.dockermagic.namespace"
OWNER_LABEL = "org.dockermagic.owner"
STANDIN_LABEL = "org.dockermagic.stand-in"  # shared by everyone: never owned (see imagekit)
# The ranges start below Linux's ephemeral ports (32768-60999), which outgoing connections and
# `-p ::80` (any free port) use: 12 ranges of 1000 ports from 20000.
PORT_RANGES_FROM, PORT_RANGE_SIZE, PORT_RANGES = 20000, 1000, 12
_SHARED_NETWORKS = ("bridge", "host", "none", "default")
_ID = re.compile(r"[0-9a-f]{12}|[0-9a-f]{64}")
# Check-and-create of published ports, so two learners never pick the same port: a lock for the
# threads of this process and a lock file for the kernels of this machine (one JupyterHub node).
_ports_lock = threading.Lock()
_PORTS_LOCK_FILE = os.path.join(tempfile.gettempdir(), "dockermagic-ports.lock")


@contextlib.contextmanager
def ports_guard() -> Iterator[None]:
    """Held while a learner's host ports are checked and its container is created."""
    with _ports_lock:
        try:
            fh = open(_PORTS_LOCK_FILE, "a")
        except OSError:  # an unwritable temp dir: the threads of this process are still kept apart
            yield
            return
        with fh:
            try:
                import fcntl

                fcntl.flock(fh, fcntl.LOCK_EX)
            except (ImportError, OSError):  # no flock (Windows): as above
                pass
            yield


def normalize_namespace(text: str) -> str:
    """``"Alice.Smith@uni"`` → ``"alice-smith-uni"``: what Docker names and Compose projects accept."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()  # "Ä" → "A"
    name = re.sub(r"[^a-z0-9_-]+", "-", ascii_text.strip().lower()).strip("-_")[:40]
    if not name:
        raise CommandError(f"The namespace {text!r} has no letters or digits; set DOCKERMAGIC_NAMESPACE "
                           "to a short name such as alice.")
    return name


def port_base(namespace: str) -> int:
    """First port of the namespace's range of 1000: ``DOCKERMAGIC_PORT_BASE`` when set, else
    20000 + 1000 × (crc32(namespace) mod 12), the same on every run and every machine."""
    text = os.environ.get("DOCKERMAGIC_PORT_BASE", "").strip()
    if text:
        if not text.isdigit() or not 1024 <= int(text) <= 65535 - PORT_RANGE_SIZE:
            raise CommandError(f"DOCKERMAGIC_PORT_BASE={text!r} is not a port from 1024 to "
                               f"{65535 - PORT_RANGE_SIZE}.")
        return int(text)
    return PORT_RANGES_FROM + PORT_RANGE_SIZE * (zlib.crc32(namespace.encode()) % PORT_RANGES)


@dataclass
class Space:
    """A namespace: its name, whose it is, where its moved ports go and who hears about it."""

    name: str
    owner: str
    port_base: int
    say: Callable[[str], None] = field(default=print, repr=False)

    @property
    def prefix(self) -> str:
        return f"{self.name}-"

    @property
    def labels(self) -> dict[str, str]:
        return {OWNER_LABEL: self.owner, NAMESPACE_LABEL: self.name}

    def engine_name(self, short: str) -> str:
        """``pg-database`` → ``alice-pg-database``; a name already prefixed stays as it is."""
        return short if short.startswith(self.prefix) else self.prefix + short

    def short_name(self, name: str) -> str:
        """``alice-pg-database`` → ``pg-database``; other names unchanged."""
        name = name.lstrip("/")
        return name[len(self.prefix):] if name.startswith(self.prefix) else name


class NamespacedClient(docker.DockerClient):
    """A ``docker.DockerClient`` sharing ``client``'s connection, with names in ``space``.

    Closing it closes ``client``'s connection too.
    """

    def __init__(self, client: docker.DockerClient, space: Space):
        # No super().__init__(): that would open a second connection to the engine.
        self.api = NamespacedAPI(getattr(client, "wrapped", client).api, space)
        self.space = space
        self.wrapped = getattr(client, "wrapped", client)

    @property
    def namespace(self) -> str:
        return self.space.name

    @property
    def owner(self) -> str:
        return self.space.owner

    def __repr__(self) -> str:
        return f"<NamespacedClient {self.space.name!r} on {self.api.base_url}>"


# The low-level calls whose first argument names an object, by the kind of object.
_FIRST_ARGUMENT = {
    **dict.fromkeys(("attach", "attach_socket", "commit", "diff", "export", "get_archive", "inspect_container",
                     "kill", "logs", "pause", "port", "put_archive", "remove_container", "resize", "restart",
                     "start", "stats", "stop", "top", "unpause", "update_container", "wait", "exec_create"),
                    "container"),
    "inspect_network": "network", "remove_network": "network",
    "inspect_volume": "volume", "remove_volume": "volume",
}
_SIGNATURES = {name: inspect.signature(getattr(docker.APIClient, name))
               for name in ("create_container", "create_network", "create_volume", "build")}


def _bind(method: str, args, kwargs) -> inspect.BoundArguments:
    return _SIGNATURES[method].bind(None, *args, **kwargs)


class NamespacedAPI:
    """docker-py's ``APIClient`` with names prefixed on create and resolved on lookup; everything
    else passes straight through to the wrapped client."""

    def __init__(self, api: docker.APIClient, space: Space):
        self._api = api
        self.space = space

    def __getattr__(self, attr: str):
        real = getattr(self._api, attr)
        kind = _FIRST_ARGUMENT.get(attr)
        return functools.partial(self._resolved_call, real, kind) if kind else real

    def _resolved_call(self, real, kind: str, *args, **kwargs):
        if args:
            args = (self.resolve(kind, args[0]), *args[1:])
        return real(*args, **kwargs)

    def resolve(self, kind: str, name: Any) -> Any:
        """The engine's name for what the learner calls ``name``: the prefixed object when it
        exists, else ``name`` itself (an id, a shared object, or one that does not exist)."""
        if not isinstance(name, str) or not name or name.startswith(self.space.prefix) or _ID.fullmatch(name):
            return name
        if kind == "network" and name in _SHARED_NETWORKS:
            return name
        look = {"container": self._api.inspect_container, "network": self._api.inspect_network,
                "volume": self._api.inspect_volume}[kind]
        try:
            look(self.space.engine_name(name))
        except docker.errors.NotFound:
            return name
        return self.space.engine_name(name)

    def _for_create(self, kind: str, name: str) -> str:
        """A name a new object uses: an existing one of ours, else an existing shared one, else ours."""
        found = self.resolve(kind, name)
        if found != name or name.startswith(self.space.prefix):
            return found
        try:
            {"network": self._api.inspect_network, "volume": self._api.inspect_volume}[kind](name)
            return name
        except docker.errors.NotFound:
            return self.space.engine_name(name)

    def _labels(self, labels) -> dict[str, str]:
        labels = dict.fromkeys(labels, "") if isinstance(labels, (list, tuple)) else dict(labels or {})
        return {**labels, **self.space.labels}

    def create_container(self, *args, **kwargs):
        bound = _bind("create_container", args, kwargs)
        a = bound.arguments
        if a.get("name"):
            a["name"] = self.space.engine_name(a["name"])
        a["labels"] = self._labels(a.get("labels"))
        config = a.get("networking_config") or {}
        if config.get("EndpointsConfig"):
            config["EndpointsConfig"] = {self.resolve("network", k): v for k, v in config["EndpointsConfig"].items()}
        host_config = a.get("host_config")
        if host_config:
            self._host_config(host_config)
            with ports_guard():
                move_taken_ports(self, host_config, a.get("name") or a["image"])
                return self._api.create_container(*bound.args[1:], **bound.kwargs)
        return self._api.create_container(*bound.args[1:], **bound.kwargs)

    def _host_config(self, hc: dict) -> None:
        mode = hc.get("NetworkMode") or ""
        if mode.startswith("container:"):
            hc["NetworkMode"] = "container:" + self.resolve("container", mode.partition(":")[2])
        elif mode:
            hc["NetworkMode"] = self.resolve("network", mode)
        binds = []
        for bind in hc.get("Binds") or []:
            src, sep, rest = bind.partition(":")
            binds.append(bind if src.startswith(("/", ".", "~")) else self._for_create("volume", src) + sep + rest)
        if binds:
            hc["Binds"] = binds
        for mount in hc.get("Mounts") or []:
            if mount.get("Type", "volume") == "volume":
                if mount.get("Source"):
                    mount["Source"] = self._for_create("volume", mount["Source"])
                options = mount.setdefault("VolumeOptions", {})
                options["Labels"] = self._labels(options.get("Labels"))
        if hc.get("VolumesFrom"):
            hc["VolumesFrom"] = [self._volumes_from(v) for v in hc["VolumesFrom"]]

    def _volumes_from(self, spec: str) -> str:
        name, sep, mode = spec.partition(":")
        return self.resolve("container", name) + sep + mode

    def create_network(self, *args, **kwargs):
        bound = _bind("create_network", args, kwargs)
        bound.arguments["name"] = self.space.engine_name(bound.arguments["name"])
        bound.arguments["labels"] = self._labels(bound.arguments.get("labels"))
        return self._api.create_network(*bound.args[1:], **bound.kwargs)

    def create_volume(self, *args, **kwargs):
        bound = _bind("create_volume", args, kwargs)
        if bound.arguments.get("name"):
            bound.arguments["name"] = self.space.engine_name(bound.arguments["name"])
        bound.arguments["labels"] = self._labels(bound.arguments.get("labels"))
        return self._api.create_volume(*bound.args[1:], **bound.kwargs)

    def build(self, *args, **kwargs):
        bound = _bind("build", args, kwargs)
        labels = bound.arguments.get("labels") or {}
        if STANDIN_LABEL not in labels:  # a stand-in serves the whole class: nobody's to reset
            bound.arguments["labels"] = self._labels(labels)
        return self._api.build(*bound.args[1:], **bound.kwargs)

    def rename(self, container, name):
        return self._api.rename(self.resolve("container", container), self.space.engine_name(name))

    def connect_container_to_network(self, container, net_id, *args, **kwargs):
        return self._api.connect_container_to_network(self.resolve("container", container),
                                                      self.resolve("network", net_id), *args, **kwargs)

    def disconnect_container_from_network(self, container, net_id, *args, **kwargs):
        return self._api.disconnect_container_from_network(self.resolve("container", container),
                                                           self.resolve("network", net_id), *args, **kwargs)

    def _only_ours(self, filters: dict | None) -> dict:
        # On a shared engine a learner's prune must not take another learner's stopped containers,
        # unused networks or volumes: only what carries the learner's labels.
        filters = dict(filters or {})
        labels = filters.get("label") or []
        labels = [labels] if isinstance(labels, str) else list(labels)
        filters["label"] = labels + [f"{k}={v}" for k, v in self.space.labels.items()]
        return filters

    def prune_containers(self, filters=None):
        return self._api.prune_containers(filters=self._only_ours(filters))

    def prune_networks(self, filters=None):
        return self._api.prune_networks(filters=self._only_ours(filters))

    def prune_volumes(self, filters=None):
        return self._api.prune_volumes(filters=self._only_ours(filters))

    def prune_images(self, filters=None):
        return self._api.prune_images(filters=self._only_ours(filters))

    def containers(self, *args, filters=None, **kwargs):
        if filters and filters.get("network"):  # `ps --filter network=NAME` means the learner's NAME
            nets = filters["network"]
            filters = {**filters, "network": [self.resolve("network", n) for n in
                                              (nets if isinstance(nets, list) else [nets])]}
        return self._api.containers(*args, filters=filters, **kwargs)


def move_taken_ports(api: NamespacedAPI, hc: dict, name: str) -> None:
    """Rewrite PortBindings whose host port someone else holds to a free port of the learner's range."""
    bindings = hc.get("PortBindings") or {}
    wanted = [b for spec in bindings.values() for b in (spec or []) if str(b.get("HostPort") or "").isdigit()]
    if not wanted:
        return
    holders = port_holders(api._api)
    local = _engine_is_local(api._api)
    for binding in wanted:
        port = int(binding["HostPort"])
        owners = holders.get(port)
        mine = owners is not None and owners <= {api.space.name}
        if mine or (owners is None and (not local or _bindable(binding.get("HostIp") or "", port))):
            continue
        new = _free_port(api.space, port, holders, local, binding.get("HostIp") or "")
        binding["HostPort"] = str(new)
        holders[new] = {api.space.name}
        api.space.say(f"Port {port} is taken on this shared engine, so {api.space.short_name(name)} publishes "
                      f"it on {new} instead ({port} → {new}).")


def port_holders(api) -> dict[int, set[str]]:
    """Host ports that containers publish, with the namespaces holding each ("" for none).

    Running containers from the list endpoint; created ones (not started yet, but about to bind)
    from their host config, so a port handed out a moment ago counts as taken.
    """
    held: dict[int, set[str]] = {}
    for c in api.containers(all=True):
        space = (c.get("Labels") or {}).get(NAMESPACE_LABEL, "")
        if c.get("State") != "created":  # running, paused, restarting: the list has their ports
            ports = [p.get("PublicPort") for p in c.get("Ports") or []]
        else:
            try:
                pb = api.inspect_container(c["Id"])["HostConfig"].get("PortBindings") or {}
            except docker.errors.NotFound:
                continue
            ports = [int(b["HostPort"]) for spec in pb.values() for b in spec or []
                     if str(b.get("HostPort") or "").isdigit()]
        for p in ports:
            if p:
                held.setdefault(int(p), set()).add(space)
    return held


def _free_port(space: Space, port: int, holders: dict, local: bool, ip: str) -> int:
    base = space.port_base
    for step in range(PORT_RANGE_SIZE):
        candidate = base + (port % PORT_RANGE_SIZE + step) % PORT_RANGE_SIZE
        if candidate not in holders and (not local or _bindable(ip, candidate)):
            return candidate
    raise CommandError(f"No free host port is left in {space.name}'s range {base}-{base + PORT_RANGE_SIZE - 1}; "
                       "remove containers you no longer need (%docker reset --mine).")


def _engine_is_local(api) -> bool:
    from types import SimpleNamespace

    from ..client import remote_host  # client imports this module (through ownership)

    return remote_host(SimpleNamespace(api=api)) is None


def _bindable(ip: str, port: int) -> bool:
    """Whether this host could listen on ``ip:port`` (a local engine binds there too)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT leftovers are not holders
        try:
            s.bind((ip or ("::" if family == socket.AF_INET6 else "0.0.0.0"), port))
        except OSError as exc:
            return exc.errno not in (errno.EADDRINUSE, errno.EACCES)
    return True
