"""``docker stack …`` as plain functions taking ``client=``: a Compose file deployed to a swarm.

Only the docker CLI reads a Compose file into services (``stack deploy``), so ``deploy`` runs it as an
argv list, pointed with ``DOCKER_HOST`` at the engine ``client`` talks to, with ``--resolve-image
never`` (resolving a tag asks a registry; here images are local, and each node must have them). The
file goes to the CLI on stdin after dockermagic adds ``default_labels()`` to every service and its
containers, so a notebook's stack is found by its label like everything else it makes. ``ls``,
``services``, ``ps`` and ``rm`` read the stack's label (``com.docker.stack.namespace``) through the
SDK, as the CLI itself does.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable

import yaml

from ..client import default_labels
from ..errors import ComposeError, DockerMagicError, from_docker_error
from ..redaction import LineRedactor
from ..tables import Table
from .services import service_ls, service_ps, wait_converged
from .compose import check_yaml

STACK_LABEL = "com.docker.stack.namespace"


def engine_host(client) -> str:
    """The ``DOCKER_HOST`` value for the engine ``client`` talks to (``unix:///run/x.sock``, ``tcp://h:2376``)."""
    api = client.api
    base = api.base_url
    if base.startswith("http+docker://"):
        return "unix://" + getattr(getattr(api, "_custom_adapter", None), "socket_path", "/var/run/docker.sock")
    if base.startswith(("http://", "https://")):
        return "tcp://" + base.split("://", 1)[1]
    return base  # ssh://, npipe://: the CLI takes them as they are


@functools.lru_cache(maxsize=4)
def _cli_has_detach(docker: str) -> bool:
    """CLIs before 26 always return at once and have no ``--detach`` for stack deploy."""
    run = subprocess.run([docker, "stack", "deploy", "--help"], capture_output=True, text=True)
    return "--detach" in run.stdout


def docker_cli() -> str:
    docker = shutil.which("docker")
    if not docker:
        raise DockerMagicError("The docker command-line tool is not on PATH; `stack deploy` needs it to read "
                               "the Compose file (install docker-ce-cli or Debian's docker.io).")
    return docker


def labelled(text: str) -> str:
    """The Compose YAML with ``default_labels()`` on every service (``deploy.labels``) and on its
    containers (``labels``); a label the file sets itself wins. Secrets in ``environment`` are learned."""
    data = check_yaml(text)
    extra = default_labels()
    for svc in data["services"].values():
        if not isinstance(svc, dict):
            continue
        deploy = svc.setdefault("deploy", {}) or {}
        svc["deploy"] = deploy
        for holder, key in ((svc, "labels"), (deploy, "labels")):
            given = holder.get(key) or {}
            if isinstance(given, list):  # ["a=b", "c"]
                given = dict((item.split("=", 1) + [""])[:2] for item in given)
            holder[key] = {**extra, **given}
    # the stack's volumes and networks too (a volume outlives `stack rm`: its label finds it)
    data.setdefault("networks", {}).setdefault("default", None)
    for kind in ("volumes", "networks"):
        for key, spec in list((data.get(kind) or {}).items()):
            spec = spec if isinstance(spec, dict) else {}
            if not spec.get("external"):
                given = spec.get("labels") or {}
                if isinstance(given, list):
                    given = dict((item.split("=", 1) + [""])[:2] for item in given)
                data[kind][key] = {**spec, "labels": {**extra, **given}}
    return yaml.safe_dump(data, sort_keys=False)


def deploy(file: str | os.PathLike, name: str, *, client, say: Callable[[str], None] = print,
           cwd: str | os.PathLike | None = None) -> list[str]:
    """Create or update the stack ``name`` from a Compose file. Similar to ``docker stack deploy -c FILE
    --resolve-image never NAME`` (detached: ``wait`` waits for its tasks). Relative paths in the file
    are read from the file's folder. Returns the CLI's lines (secrets masked), also passed to ``say``.

    Raises:
        ComposeError: the file is missing or invalid, or the CLI refused it (its own words).
    """
    path = Path(cwd or ".") / file
    try:
        text = path.read_text()
    except OSError as exc:
        raise ComposeError(f"Cannot read the stack file {path}: {exc.strerror or exc}.") from None
    docker = docker_cli()
    argv = [docker, "stack", "deploy", "-c", "-", "--resolve-image", "never"]
    argv += ["--detach=true"] if _cli_has_detach(docker) else []
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_CONTEXT"}
    env["DOCKER_HOST"] = engine_host(client)
    run = subprocess.run(argv + [name], input=labelled(text), capture_output=True, text=True,
                         cwd=str(path.parent.resolve()), env=env)
    lines = _masked(run.stdout) + _masked(run.stderr)
    lines = [ln for ln in lines if ln.strip()]
    if run.returncode != 0:
        raise ComposeError(f"docker stack deploy {name} failed: {lines[-1] if lines else f'exit {run.returncode}'}.")
    for line in lines:
        say(line)
    return lines


def _masked(text: str) -> list[str]:
    redactor = LineRedactor()
    return redactor.feed(text) + redactor.flush()


def _stack_filter(name: str) -> dict:
    return {"label": [f"{STACK_LABEL}={name}"]}


def ls(*, client) -> Table:
    """Stacks and how many services each has. Similar to ``docker stack ls``."""
    try:
        services = client.api.services(filters={"label": [STACK_LABEL]})
    except Exception as exc:
        raise from_docker_error(exc, "list stacks") from exc
    counts: dict[str, int] = {}
    for s in services:
        stack = (s["Spec"].get("Labels") or {}).get(STACK_LABEL, "")
        counts[stack] = counts.get(stack, 0) + 1
    return Table(["name", "services"], [{"name": n, "services": c} for n, c in sorted(counts.items())])


def services(name: str, *, client) -> Table:
    """The stack's services. Similar to ``docker stack services NAME``."""
    return service_ls(client=client, filters=_stack_filter(name))


def _service_names(name: str, client) -> list[str]:
    return [r["name"] for r in services(name, client=client).rows]


def ps(name: str, *, client, running_only: bool = False) -> Table:
    """The stack's tasks. Similar to ``docker stack ps NAME``."""
    names = _service_names(name, client)
    if not names:
        raise ComposeError(f"Nothing found in stack {name}.")
    return service_ps(names, client=client, running_only=running_only)


def wait(name: str, *, client, timeout: float = 180) -> Table:
    """Wait until every service of the stack runs all its tasks; returns ``stack services``."""
    wait_converged(_service_names(name, client), client=client, timeout=timeout)
    return services(name, client=client)


def rm(names: list[str], *, client) -> list[str]:
    """Remove stacks: their services, then their networks, secrets and configs. Similar to ``docker
    stack rm``; returns the ``Removing …`` lines."""
    lines = []
    for name in names:
        flt = _stack_filter(name)
        try:
            for s in client.api.services(filters=flt):
                lines.append(f"Removing service {s['Spec']['Name']}")
                client.api.remove_service(s["ID"])
            for n in client.api.networks(filters=flt):
                lines.append(f"Removing network {n['Name']}")
                _remove_network(client, n["Id"])
            for kind in ("secrets", "configs"):
                for item in getattr(client.api, kind)(filters=flt):
                    lines.append(f"Removing {kind[:-1]} {item['Spec']['Name']}")
                    getattr(client.api, f"remove_{kind[:-1]}")(item["ID"])
        except Exception as exc:
            raise from_docker_error(exc, f"remove stack {name}") from exc
        if len(lines) == 0:
            lines.append(f"Nothing found in stack: {name}")
    return lines


def _remove_network(client, nid: str) -> None:
    import time

    import docker.errors

    for attempt in range(40):  # the tasks that just lost their service still hold it for a moment
        try:
            client.api.remove_network(nid)
            return
        except docker.errors.NotFound:
            return
        except docker.errors.APIError:
            if attempt == 39:
                raise
            time.sleep(0.25)
