"""Postgres in a container in one call: start or reuse, wait until it really answers.

Similar to ``docker run -d --name ny-taxi-postgres -e POSTGRES_USER=root -e POSTGRES_PASSWORD=root
-e POSTGRES_DB=ny_taxi -p 127.0.0.1:5433:5432 postgres:13`` followed by retrying ``psql`` until it
connects, which is what the course does by hand.
"""

from __future__ import annotations

import errno
import html
import socket
import time
from dataclasses import dataclass, field, fields, replace
from typing import Callable
from urllib.parse import quote

import docker

from ..engine import imagekit
from .. import ownership
from ..client import default_labels, get_client, loopback_note, remote_host
from ..errors import PostgresError, from_docker_error
from ..engine.running import image_volume_mounts
from ..redaction import mask_text, mask_url

PGDATA = "/var/lib/postgresql/data"


@dataclass
class PostgresServer:
    """A running Postgres container and how to reach it from this host."""

    name: str
    user: str
    password: str = field(repr=False)
    db: str
    port: int
    image: str
    host: str = "127.0.0.1"
    reused: bool = False
    client: docker.DockerClient | None = field(default=None, repr=False, compare=False)

    @property
    def url(self) -> str:
        """SQLAlchemy URL; psycopg2 named explicitly (SQLAlchemy 2.1 defaults to psycopg v3)."""
        user, password = quote(self.user, safe=""), quote(self.password, safe="")
        return f"postgresql+psycopg2://{user}:{password}@{self.host}:{self.port}/{self.db}"

    def __repr__(self) -> str:
        how = "reused" if self.reused else "started"
        return f"PostgresServer(name={self.name!r}, url={mask_url(self.url)!r}, image={self.image!r}, {how})"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return (
            f"<b>Postgres</b> <code>{html.escape(self.name)}</code> ({html.escape(self.image)}) at "
            f"<code>{html.escape(mask_url(self.url))}</code>"
        )

    def connect(self, **kwargs):
        """A psycopg2 connection to the database."""
        import psycopg2

        return psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, dbname=self.db, **kwargs
        )

    def engine(self, **kwargs):
        """A SQLAlchemy engine for ``self.url`` (what ``pandas.to_sql`` wants)."""
        from sqlalchemy import create_engine

        return create_engine(self.url, **kwargs)

    def _container(self):
        return (self.client or get_client()).containers.get(self.name)

    def stop(self, timeout: int = 10) -> None:
        """Similar to ``docker stop NAME``; the data stays in the container's volume."""
        try:
            self._container().stop(timeout=timeout)
        except docker.errors.DockerException as exc:
            raise from_docker_error(exc, f"stop container {self.name}") from exc

    def remove(self, volumes: bool = True) -> None:
        """Similar to ``docker rm -f -v NAME``: the container and (by default) its anonymous volume."""
        try:
            self._container().remove(force=True, v=volumes)
        except docker.errors.NotFound:
            pass


def _port_holder(client: docker.DockerClient, port: int) -> str | None:
    """Name of the container publishing host ``port``, if any (from the list endpoint)."""
    for c in client.api.containers():
        for p in c.get("Ports") or []:
            if p.get("PublicPort") == port:
                return c["Names"][0].lstrip("/")
    return None


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # SO_REUSEADDR: sockets in TIME_WAIT from earlier connections do not count as taken
        # (the engine binds the same way); a listener still does.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def _port_taken_error(client, port: int) -> PostgresError:
    holder = _port_holder(client, port)
    who = f"the container {holder}" if holder else "another process"
    return PostgresError(f"Host port {port} is already taken by {who}; stop it or pass another port=.")


def _settings_of(attrs: dict) -> dict:
    env = dict(e.partition("=")[::2] for e in attrs["Config"].get("Env") or [])
    bindings = (attrs["HostConfig"].get("PortBindings") or {}).get("5432/tcp") or []
    mounts = [m for m in attrs.get("Mounts") or [] if m.get("Destination") == PGDATA]
    volume = None
    if mounts:
        volume = mounts[0].get("Name") if mounts[0].get("Type") == "volume" else mounts[0].get("Source")
    return {
        "image": imagekit.normalize(attrs["Config"].get("Image", "")),
        "user": env.get("POSTGRES_USER", "postgres"),
        "db": env.get("POSTGRES_DB") or env.get("POSTGRES_USER", "postgres"),
        "port": int(bindings[0]["HostPort"]) if bindings and bindings[0].get("HostPort") else None,
        "bind": bindings[0].get("HostIp") if bindings else None,
        "volume": volume,
    }


def _container_logs(container, n: int = 10) -> str:
    try:
        return mask_text(container.logs(tail=n).decode(errors="replace").strip())
    except docker.errors.APIError:
        return "(no logs)"


def wait_ready(server: PostgresServer, container, timeout: float = 60) -> None:
    """Retry a real psycopg2 connection until it works (an open port is not enough)."""
    import psycopg2

    deadline = time.monotonic() + timeout
    last = ""
    while True:
        try:
            server.connect(connect_timeout=2).close()
            return
        except psycopg2.OperationalError as exc:
            last = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            if "password authentication failed" in last:
                raise PostgresError(
                    f"Postgres in {server.name} refused the password for {server.user} "
                    "(the data directory was initialised with another one)."
                ) from exc
        container.reload()
        if container.status in ("exited", "dead") or time.monotonic() > deadline:
            why = "exited" if container.status in ("exited", "dead") else f"did not accept connections within {timeout:g} s"
            raise PostgresError(
                f"Postgres in {server.name} {why} ({last}); its last log lines:\n{_container_logs(container)}"
            )
        time.sleep(0.2)


@dataclass
class PostgresOptions:
    """What ``start_postgres`` starts: the settings of ``docker run -e POSTGRES_… -p BIND:PORT:5432 IMAGE``."""

    user: str = "root"
    password: str = field(default="root", repr=False)
    db: str = "ny_taxi"
    port: int = 5433
    volume: str | None = None  # a host directory (absolute path) or a named volume for the data directory
    image: str = "postgres:13"
    timeout: float = 60
    bind: str | None = None  # where the port is published: 127.0.0.1 here, 0.0.0.0 on a remote engine
    say: Callable[[str], None] = print


def start_postgres(name: str = "ny-taxi-postgres", *, client: docker.DockerClient | None = None,
                   options: PostgresOptions | None = None, **settings) -> PostgresServer:
    """Start (or reuse) a Postgres container and return once it accepts connections.

    Similar to ``docker run -d --name NAME -e POSTGRES_USER=… -p 127.0.0.1:PORT:5432 [-v VOLUME:PGDATA]
    IMAGE``; when a container called NAME already exists with the same settings it is started if
    needed and reused. ``settings`` are :class:`PostgresOptions` fields (``user``, ``password``,
    ``db``, ``port``, ``volume``, ``image``, ``timeout``, ``bind``, ``say``), or pass ``options=``.

    On a remote engine (``DOCKER_HOST=tcp://…``/``ssh://…``, a context) the port is published on
    that engine's addresses and the URL names its host, not 127.0.0.1; one line says so.

    Returns:
        A :class:`PostgresServer` (``.url``, ``.connect()``, ``.engine()``, ``.stop()``, ``.remove()``).

    Raises:
        PostgresError: an unknown setting, the port is not a port number or is taken, a container
            NAME exists with other settings, or Postgres did not become ready within ``timeout`` s.
        DockerMagicError: the engine refused (an invalid container or volume name, …).
    """
    opts = _options(options, settings)
    client = client or get_client()
    remote = remote_host(client)
    opts.image = imagekit.normalize(opts.image)
    bind = opts.bind or ("0.0.0.0" if remote else "127.0.0.1")
    server = PostgresServer(name=name, user=opts.user, password=opts.password, db=opts.db, port=opts.port,
                            image=opts.image, host=remote or "127.0.0.1", client=client)
    try:
        container = client.containers.get(name)
    except docker.errors.NotFound:
        container = None
    if container is not None:
        _reuse(server, container, opts, remote)
    else:
        _create(server, opts, bind, remote)
    if remote:
        opts.say(f"Postgres {name} runs on the remote engine {remote}: its URL uses {remote}:{server.port}, "
                 f"not 127.0.0.1 (the port is published on {bind} of that engine).")
    return server


def _options(options: PostgresOptions | None, settings: dict) -> PostgresOptions:
    known = {f.name for f in fields(PostgresOptions)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise PostgresError(f"start_postgres() has no setting {unknown[0]!r}; it takes {', '.join(sorted(known))}.")
    opts = replace(options or PostgresOptions(), **settings)
    port = opts.port
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise PostgresError(f"port must be a host port number (1-65535), not {port!r}.")
    return opts


def _reuse(server: PostgresServer, container, opts: PostgresOptions, remote: str | None) -> None:
    """Start (if needed) and wait for an existing container NAME, when its settings are the ones asked."""
    client, name, port = server.client, server.name, opts.port
    have = ownership.as_given(_settings_of(container.attrs), port, client=client)  # moved port, short names
    want = {"image": opts.image, "user": opts.user, "db": opts.db, "port": port}
    if opts.volume is not None:
        want["volume"] = opts.volume
    diff = [f"{k} {have[k]!r} (wanted {v!r})" for k, v in want.items() if have[k] != v]
    if diff:
        raise PostgresError(f"A container named {name} already exists with other settings: {', '.join(diff)}; "
                            "remove it or choose another name.")
    if remote and (have["bind"] or "").startswith("127."):
        raise PostgresError(f"The container {name} publishes {port} on {have['bind']} of the remote engine: "
                            f"{loopback_note(remote)} Remove it and call start_postgres again.")
    server.reused = True
    port = server.port = ownership.published_port(container) or port
    if container.status != "running":
        if _port_holder(client, port) or (not remote and not _port_free("127.0.0.1", port)):
            raise _port_taken_error(client, port)
        try:
            container.start()
        except docker.errors.APIError as exc:
            raise from_docker_error(exc, f"start container {name}") from exc
    wait_ready(server, container, opts.timeout)


def _create(server: PostgresServer, opts: PostgresOptions, bind: str, remote: str | None) -> None:
    """``docker run`` a new Postgres container publishing ``bind:port``, and wait until it answers."""
    client, name, port = server.client, server.name, opts.port
    port = server.port = ownership.host_port(client, port, name=name, ip=bind)  # another learner's: moved
    # On a remote engine this machine's ports do not matter: the engine's own list says what is taken.
    # A learner's client checks again as it creates the container (another may have taken it since).
    if not ownership.is_namespaced(client) and (
            _port_holder(client, port) or (not remote and not _port_free("127.0.0.1", port))):
        raise _port_taken_error(client, port)
    imagekit.ensure_image(opts.image, client=client, say=lambda line: None)
    _ensure_volume(client, opts.volume)
    try:
        container = client.containers.run(
            opts.image,
            detach=True,
            name=name,
            environment={"POSTGRES_USER": opts.user, "POSTGRES_PASSWORD": opts.password, "POSTGRES_DB": opts.db},
            ports={"5432/tcp": (bind, port)},
            volumes={opts.volume: {"bind": PGDATA, "mode": "rw"}} if opts.volume else None,
            mounts=image_volume_mounts(opts.image, [PGDATA] if opts.volume else [], client=client),
            labels=default_labels(),
        )
    except docker.errors.APIError as exc:
        text = str(exc.explanation or exc)
        if "port is already allocated" in text or "address already in use" in text:
            # Created but not started: leave nothing behind.
            try:
                client.api.remove_container(name, force=True, v=True)
            except docker.errors.NotFound:
                pass
            raise _port_taken_error(client, port) from exc
        raise from_docker_error(exc, f"start Postgres container {name}") from exc
    server.port = ownership.published_port(container) or port  # a learner racing us may have moved it
    wait_ready(server, container, opts.timeout)


def _ensure_volume(client: docker.DockerClient, volume: str | None) -> None:
    """A named volume we create carries our labels, so cleanup can find it; a host path is left as is."""
    if not volume or volume.startswith("/"):
        return
    try:
        client.volumes.get(volume)
    except docker.errors.NotFound:
        try:
            client.volumes.create(volume, labels=default_labels())
        except docker.errors.APIError as exc:
            raise from_docker_error(exc, f"create volume {volume}") from exc
