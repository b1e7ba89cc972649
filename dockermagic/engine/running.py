"""``docker run`` and ``docker stop`` as plain functions taking ``client=``."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import docker

from . import imagekit
from ..client import default_labels, labels_with_defaults
from ..errors import CommandError, Interrupted, engine_errors, from_docker_error
from .following import follow_lines
from ..redaction import remember_env
from ..values import whole_number


def _port_range(text: str, spec: str, *, low: int) -> list[int]:
    """``80`` or ``8000-8010`` as the CLI reads it: ASCII digits, ports ``low``..65535, start <= end."""
    m = re.fullmatch(r"([0-9]{1,5})(?:-([0-9]{1,5}))?", text)
    first, last = (int(m.group(1)), int(m.group(2) or m.group(1))) if m else (-1, -1)
    if not m or not low <= first <= last <= 65535:
        raise CommandError(f"The port mapping {spec!r} is not [ip:][host[-end]:]container[-end][/proto] "
                           f"with ports {low}-65535.")
    return list(range(first, last + 1))


def _host_ip(ip: str, spec: str) -> str:
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        raise CommandError(f"The port mapping {spec!r} names {ip!r}, which is not an IP address "
                           "(write ip:host:container, e.g. 127.0.0.1:8080:80).") from None
    return ip


def publish_ports(specs: list[str]) -> dict[str, Any]:
    """``-p`` strings → SDK ``ports=``, in every form the CLI takes.

    ``container``, ``host:container``, ``ip:host:container``, ``ip::container`` (any free host
    port), ``[::1]:host:container`` (IPv6), ranges ``8000-8002:8000-8002`` and a host range for one
    container port (``8000-8010:80``), each with an optional ``/tcp|/udp|/sctp``; a container
    port published twice gets both bindings.
    """
    ports: dict[str, Any] = {}

    def add(key: str, binding) -> None:
        if key in ports and ports[key] is not None:
            old = ports[key] if isinstance(ports[key], list) else [ports[key]]
            ports[key] = old + [binding]
        else:
            ports[key] = binding

    for spec in specs:
        main, _, proto = spec.partition("/")
        if proto not in ("", "tcp", "udp", "sctp"):
            raise CommandError(f"The port mapping {spec!r} has protocol {proto!r}; use tcp, udp or sctp.")
        ip = None
        if main.startswith("["):  # [v6-address]:host:container
            ip, _, main = main[1:].partition("]")
            main = main.removeprefix(":")
        parts = main.split(":")
        if ip is None and len(parts) == 3:
            ip = parts.pop(0)
        if len(parts) > 2 or (ip is not None and len(parts) != 2):
            raise CommandError(f"The port mapping {spec!r} is not [ip:][host:]container[/proto].")
        if ip:
            _host_ip(ip, spec)
        container = _port_range(parts[-1], spec, low=1)
        host = parts[0] if len(parts) == 2 else ""
        hosts = _port_range(host, spec, low=0) if host else []
        if hosts and len(hosts) != len(container):
            if len(container) != 1:
                raise CommandError(f"The port mapping {spec!r} maps {len(hosts)} host ports to "
                                   f"{len(container)} container ports.")
            hosts = [host]  # the engine picks one free port of the host range
        for i, port in enumerate(container):
            key = f"{port}/{proto or 'tcp'}"
            hp = hosts[i] if hosts else None
            if ip is None:
                add(key, hp)
            else:
                add(key, (ip, hp) if hp is not None else (ip,))
    return ports


def _is_host_path(src: str) -> bool:
    # As the CLI reads -v: a path (absolute, ./relative, ~) binds a host directory; a bare word names a volume.
    return src.startswith((".", "/", "~"))


def bind_volumes(specs: list[str], *, cwd: str) -> dict[str, dict[str, str]]:
    """``-v src:dst[:ro]`` → SDK ``volumes=``; host paths made absolute against ``cwd``.

    A ``src`` that is not a path is a named volume (see ``volume_names``); a lone ``/dst`` is an
    anonymous volume and is left to ``anonymous_volumes``.
    """
    out = {}
    for spec in specs:
        parts = spec.split(":")
        if len(parts) == 1 and spec.startswith("/"):
            continue
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise CommandError(f"The volume {spec!r} is not src:dst[:ro|rw] or /dst.")
        if len(parts) == 3 and parts[2] not in ("ro", "rw", "z", "Z"):
            raise CommandError(f"The volume option {parts[2]!r} in {spec!r} is not ro or rw.")
        src, dst = parts[0], parts[1]
        if _is_host_path(src):
            src = os.path.abspath(os.path.join(cwd, os.path.expanduser(src)))
        out[src] = {"bind": dst, "mode": parts[2] if len(parts) == 3 else "rw"}
    return out


def volume_names(specs: list[str], mounts: list | None = None) -> list[str]:
    """Named volumes a run uses: ``-v name:/dst`` and ``--mount type=volume,source=name``."""
    names = [s.split(":")[0] for s in specs if ":" in s and not _is_host_path(s.split(":")[0])]
    names += [m["Source"] for m in mounts or [] if m.get("Type") == "volume" and m.get("Source")]
    return list(dict.fromkeys(names))


def anonymous_volumes(specs: list[str]):
    """``-v /dst`` → volume Mounts carrying default_labels(), so the engine creates them labelled."""
    from docker.types import Mount

    return [Mount(s, None, type="volume", labels=default_labels()) for s in specs if ":" not in s and s.startswith("/")]


def image_volume_mounts(image: str, taken, *, client) -> list:
    """The image's ``VOLUME`` paths that no ``-v``/``--mount`` covers, as labelled anonymous volumes.

    Left to itself the engine makes these volumes without labels, so cleaning up by
    default_labels() would never find them.
    """
    from docker.types import Mount

    try:
        paths = (client.api.inspect_image(image).get("Config") or {}).get("Volumes") or {}
    except docker.errors.DockerException:
        return []  # the run itself will say what is wrong with the image
    covered = {str(t).rstrip("/") for t in taken}
    return [Mount(p, None, type="volume", labels=default_labels()) for p in paths if p.rstrip("/") not in covered]


def ensure_volumes(names: list[str], *, client) -> list[str]:
    """Create the named volumes that do not exist yet, with default_labels(), as ``docker run``
    would (but labelled, so whoever cleans up by label finds them). Returns the names created."""
    import docker.errors

    made = []
    for n in names:
        try:
            client.volumes.get(n)
        except docker.errors.NotFound:
            try:
                client.volumes.create(n, labels=default_labels())
            except Exception as exc:
                raise from_docker_error(exc, f"create volume {n}") from exc
            made.append(n)
        except Exception as exc:
            raise from_docker_error(exc, f"find volume {n}") from exc
    return made


def read_env_files(paths: list[str], *, cwd: str) -> list[str]:
    """``--env-file`` contents: ``NAME=value`` lines, ``#`` comments and blanks skipped, bare names from os.environ."""
    out = []
    for path in paths:
        full = os.path.join(cwd, os.path.expanduser(path))
        try:
            with open(full, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except OSError as exc:
            raise CommandError(f"The env file {path!r} cannot be read: {exc.strerror or exc}.") from exc
        except (UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"The env file {path!r} is not UTF-8 text (as the docker CLI requires).") from exc
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                out.append(line if "=" in line else f"{line}={os.environ.get(line, '')}")
    return out


def parse_mount(spec: str, *, cwd: str):
    """``--mount type=bind|volume|tmpfs,source=…,target=…[,readonly]`` → docker.types.Mount."""
    from docker.types import Mount

    fields = {}
    for part in spec.split(","):
        k, eq, v = part.partition("=")
        fields[k.strip()] = v if eq else "true"
    target = fields.get("target") or fields.get("destination") or fields.get("dst")
    if not target:
        raise CommandError(f"The mount {spec!r} needs target=PATH.")
    kind = fields.get("type", "volume")
    if kind not in ("bind", "volume", "tmpfs"):
        raise CommandError(f"The mount type {kind!r} is not one of bind, volume, tmpfs.")
    source = fields.get("source") or fields.get("src")
    if kind == "bind":
        if not source:
            raise CommandError(f"The bind mount {spec!r} needs source=PATH.")
        source = os.path.abspath(os.path.join(cwd, os.path.expanduser(source)))
    readonly = fields.get("readonly", fields.get("ro", "false")).lower() in ("true", "1")
    labels = default_labels() if kind == "volume" else None  # applied when the engine creates it
    return Mount(target, source, type=kind, read_only=readonly, labels=labels)


def parse_restart(policy: str) -> dict:
    """``--restart no|always|unless-stopped|on-failure[:N]`` → SDK ``restart_policy``."""
    name, _, count = policy.partition(":")
    if name not in ("no", "always", "unless-stopped", "on-failure") or (count and name != "on-failure"):
        raise CommandError(f"The restart policy {policy!r} is not no, always, unless-stopped or on-failure[:N].")
    out = {"Name": "" if name == "no" else name}
    if count:
        out["MaximumRetryCount"] = whole_number("run --restart on-failure:N", count)
    return out


@dataclass
class RunOptions:
    """What a ``docker run`` line asks for besides the image and command; field names follow the
    CLI's long flags (``--env-file`` is ``env_file``), lists for the flags that repeat."""

    detach: bool = False
    name: str | None = None
    env: list[str] = field(default_factory=list)
    env_file: list[str] = field(default_factory=list)
    publish: list[str] = field(default_factory=list)
    publish_all: bool = False
    volume: list[str] = field(default_factory=list)
    mount: list[str] = field(default_factory=list)
    network: str | None = None
    network_alias: list[str] = field(default_factory=list)
    rm: bool = False
    workdir: str | None = None
    entrypoint: str | None = None
    user: str | None = None
    hostname: str | None = None
    label: list[str] = field(default_factory=list)
    restart: str | None = None
    init: bool = False


def _environment(image: str, o: RunOptions, cwd: str) -> list[str]:
    environment = read_env_files(o.env_file, cwd=cwd)
    environment += [e if "=" in e else f"{e}={os.environ.get(e, '')}" for e in o.env]
    remember_env(environment, public=[image, o.name or ""])  # from now on masked wherever they appear
    return environment


def _create_options(image: str, o: RunOptions, cwd: str, client) -> dict:
    """The SDK's ``containers.create`` keywords for ``o``, every word checked before the engine is asked."""
    if o.network_alias and not o.network:
        raise CommandError("'docker run --network-alias' needs --network (a user-defined network).")
    kw = dict(name=o.name, environment=_environment(image, o, cwd), ports=publish_ports(o.publish),
              volumes=bind_volumes(o.volume, cwd=cwd), network=o.network, labels=labels_with_defaults(o.label),
              auto_remove=o.rm, working_dir=o.workdir, user=o.user, hostname=o.hostname)
    if o.restart:
        kw["restart_policy"] = parse_restart(o.restart)
    if o.entrypoint is not None:
        kw["entrypoint"] = o.entrypoint
    if o.init:
        kw["init"] = True
    if o.publish_all:
        kw["publish_all_ports"] = True
    if o.network_alias:
        # Aliases live in the endpoint config of that one network (what the CLI sends too).
        kw["networking_config"] = {o.network: client.api.create_endpoint_config(aliases=o.network_alias)}
    kw["mounts"] = [parse_mount(m, cwd=cwd) for m in o.mount] + anonymous_volumes(o.volume)
    return kw


def _prepare(image: str, o: RunOptions, kw: dict, *, client, say) -> None:
    """The image (pulled or a stand-in) and the volumes the run needs, as the CLI makes them before create."""
    with engine_errors(f"prepare to run {image}"):
        imagekit.ensure_image(image, client=client)
        notice = imagekit.standin_notice(image, client=client)
        if notice:
            say(notice)
        ensure_volumes(volume_names(o.volume, kw["mounts"]), client=client)
        taken = [m["Target"] for m in kw["mounts"]] + [b["bind"] for b in kw["volumes"].values()]
        kw["mounts"] += image_volume_mounts(image, taken, client=client)
    if not kw["mounts"]:
        del kw["mounts"]


def run(image: str, command: list[str] | None = None, options: RunOptions | None = None, *, client,
        cwd: str | None = None, say: Callable[[str], None] = print, **fields):
    """Create and start a container. Similar to ``docker run``.

    Args:
        options: the run's flags as a RunOptions; ``fields`` set or override single ones
            (``run("redis", client=c, detach=True, name="cache")``).
        say: receives the container's output lines while attached (without ``detach``).

    Returns:
        The docker SDK Container; None after an attached ``rm`` run (the container is gone).

    Raises:
        Interrupted: Ctrl-C while attached; the container keeps running (``partial`` is it) and
            the message says how to stop it.
    """
    o = replace(options or RunOptions(), **fields)
    cwd = cwd or os.getcwd()
    kw = _create_options(image, o, cwd, client)
    # The words are all understood; only now ask the engine for anything.
    _prepare(image, o, kw, client=client, say=say)
    try:
        container = client.containers.create(image, command or None, **kw)
        if o.detach:
            container.start()
            return container
        output, exit_code = _attach(container, client, removed=o.rm)
    except Exception as exc:
        raise from_docker_error(exc, f"run {image}") from exc
    try:
        gone = _follow_attached(container, output, exit_code, say=say)
    except KeyboardInterrupt as exc:
        # Ctrl-C / the stop button ends our following only, as `docker run` with --sig-proxy=false.
        raise _detached(container) from exc
    finally:
        exit_code.close()
    return None if gone else container


def _attach(container, client, *, removed: bool):
    """Attach and wait before start, as the CLI does, so a container that exits (and with --rm is
    removed) at once still gives its output and its exit code."""
    output = client.api.attach(container.id, stdout=True, stderr=True, stream=True, logs=True)
    exit_code = ExitCode(client, container.id, "removed" if removed else "next-exit")
    try:
        container.start()
    except BaseException:
        output.close()
        exit_code.close()
        raise
    return output, exit_code


class ExitCode:
    """``docker wait --condition`` registered now, its answer read once the output has ended.

    dockerd sends a wait request's headers only once the wait is in place, so after the
    constructor returns, an exit right after start (and with --rm the removal) cannot be missed.
    """

    def __init__(self, client, cid: str, condition: str):
        api = client.api
        # docker-py's wait() blocks for the whole answer; the headers alone are what we need now.
        self._response = api._post(api._url("/containers/{0}/wait", cid), params={"condition": condition},
                                   stream=True, timeout=None)
        api._raise_for_status(self._response)

    def get(self) -> int | None:
        """The exit code (None when the engine gave none): waits until the condition holds."""
        try:
            return self._response.json().get("StatusCode", 0)
        except ValueError:
            return None

    def close(self) -> None:
        self._response.close()


def _follow_attached(container, output, exit_code: ExitCode, *, say: Callable[[str], None]) -> bool:
    """Stream the output until the container has stopped; True when it is gone (``--rm``)."""
    follow_lines(output, say)
    # The output can end a moment before the engine records the exit; like the CLI, return
    # only once the container has really stopped (with --rm: is removed).
    code = exit_code.get()
    gone = False
    try:
        container.reload()
    except docker.errors.NotFound:
        gone = True
    if code:
        say(f"(container {container.name} exited with code {code})")
    return gone


def _detached(container) -> Interrupted:
    """What Ctrl-C during an attached run leaves: as `docker run` with --sig-proxy=false, only the
    following ends; the container runs on unless it had already exited."""
    name = container.name
    try:
        container.reload()
    except docker.errors.NotFound:  # --rm, and it had exited
        return Interrupted(f"Interrupted: container {name} had already exited and was removed; nothing is left "
                           "running.", partial=container)
    except Exception:  # state unknown (the engine went away?): say how to stop it, as if it ran
        pass
    if container.status not in ("running", "restarting", "paused"):
        return Interrupted(f"Interrupted: container {name} had already exited; nothing is left running.",
                           partial=container)
    return Interrupted(f"Interrupted: container {name} keeps running (only the cell stopped following it); "
                       f"stop it with %docker stop {name}.", partial=container)


def stop(names: list[str], *, client, timeout: int | None = None) -> list[str]:
    """Stop containers. Similar to ``docker stop``. Returns the names given."""
    for n in names:
        try:
            c = client.containers.get(n)
            c.stop(**({"timeout": timeout} if timeout is not None else {}))
        except Exception as exc:
            raise from_docker_error(exc, f"stop {n}") from exc
    return names
