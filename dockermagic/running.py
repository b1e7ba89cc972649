"""``docker run`` and ``docker stop`` as plain functions taking ``client=``."""

from __future__ import annotations

import os
from typing import Any, Callable

from . import imagekit
from .client import default_labels
from .errors import CommandError, from_docker_error


def publish_ports(specs: list[str]) -> dict[str, Any]:
    """``-p`` strings (``[ip:]host:container[/proto]``, ``container``) → SDK ``ports=``."""
    ports: dict[str, Any] = {}
    for spec in specs:
        spec_main, _, proto = spec.partition("/")
        parts = spec_main.rsplit(":", 2) if spec_main.count(":") <= 2 else None
        if not parts or not parts[-1].isdigit():
            raise CommandError(f"The port mapping {spec!r} is not [ip:]host:container[/proto].")
        key = f"{parts[-1]}/{proto or 'tcp'}"
        if len(parts) == 1:
            ports[key] = None
        elif len(parts) == 2:
            ports[key] = int(parts[0]) if parts[0] else None
        else:
            ports[key] = (parts[0], int(parts[1])) if parts[1] else (parts[0],)
    return ports


def bind_volumes(specs: list[str], *, cwd: str) -> dict[str, dict[str, str]]:
    """``-v src:dst[:ro]`` → SDK ``volumes=``; host paths made absolute against ``cwd``."""
    out = {}
    for spec in specs:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise CommandError(f"The volume {spec!r} is not src:dst[:ro|rw].")
        src, dst = parts[0], parts[1]
        if src.startswith((".", "/", "~")):
            src = os.path.abspath(os.path.join(cwd, os.path.expanduser(src)))
        out[src] = {"bind": dst, "mode": parts[2] if len(parts) == 3 else "rw"}
    return out


def run(image: str, command: list[str] | None = None, *, client, detach: bool = False,
        name: str | None = None, env: list[str] | None = None, publish: list[str] | None = None,
        volume: list[str] | None = None, network: str | None = None, label: list[str] | None = None,
        rm: bool = False, workdir: str | None = None, user: str | None = None,
        hostname: str | None = None, cwd: str | None = None,
        say: Callable[[str], None] = print):
    """Create and start a container. Similar to ``docker run``.

    Without ``detach`` the container's output is passed to ``say`` as it arrives; on
    KeyboardInterrupt the container keeps running and ``say`` explains how to stop it.

    Returns:
        The docker SDK Container.
    """
    imagekit.ensure_image(image, client=client)
    notice = imagekit.standin_notice(image, client=client)
    if notice:
        say(notice)
    environment = [e if "=" in e else f"{e}={os.environ.get(e, '')}" for e in env or []]
    labels = dict(default_labels())
    for item in label or []:
        k, _, v = item.partition("=")
        labels[k] = v
    try:
        container = client.containers.run(
            image, command or None, detach=True, name=name, environment=environment,
            ports=publish_ports(publish or []), volumes=bind_volumes(volume or [], cwd=cwd or os.getcwd()),
            network=network, labels=labels, auto_remove=rm, working_dir=workdir, user=user,
            hostname=hostname)
    except Exception as exc:
        raise from_docker_error(exc, f"run {image}") from None
    if not detach:
        try:
            for chunk in container.logs(stream=True, follow=True):
                say(chunk.decode(errors="replace").rstrip("\n"))
        except KeyboardInterrupt:
            say(f"Detached: container {container.name} keeps running; stop it with %docker stop {container.name}")
    return container


def stop(names: list[str], *, client, timeout: int | None = None) -> list[str]:
    """Stop containers. Similar to ``docker stop``. Returns the names given."""
    for n in names:
        try:
            c = client.containers.get(n)
            c.stop(**({"timeout": timeout} if timeout is not None else {}))
        except Exception as exc:
            raise from_docker_error(exc, f"stop {n}") from None
    return names
