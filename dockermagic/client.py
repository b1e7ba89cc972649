"""Find the Docker engine the way the docker CLI does, and say so clearly when none answers."""

from __future__ import annotations

import os
import threading

import docker

from .errors import EngineUnavailable

START_HINT = (
    "start Docker (Docker Desktop, or `dockerd` / `sudo systemctl start docker`; "
    "in this project `bash scripts/engine-up.sh`) or set DOCKER_HOST"
)

_lock = threading.Lock()
_client: docker.DockerClient | None = None


def current_context() -> tuple[str, str | None] | None:
    """The docker CLI context in force and its engine endpoint, or None for the default.

    Like the CLI: ``DOCKER_HOST`` wins, then ``DOCKER_CONTEXT``, then ``currentContext`` in
    ``~/.docker/config.json`` (``DOCKER_CONFIG`` moves that directory); the endpoint is read
    from ``contexts/meta/<sha256(name)>/meta.json``. docker-py reads contexts, but
    ``docker.from_env()`` ignores them.

    Raises:
        EngineUnavailable: the chosen context does not exist or cannot be read.
    """
    if os.environ.get("DOCKER_HOST"):
        return None
    from docker.context import ContextAPI
    from docker.context.config import get_current_context_name

    name = os.environ.get("DOCKER_CONTEXT")
    try:
        name = name or get_current_context_name()
        if not name or name == "default":
            return None
        ctx = ContextAPI.get_context(name)
    except Exception as exc:
        raise EngineUnavailable(f"The docker CLI context {name!r} cannot be read ({exc}); "
                                "choose another with `docker context use default` or set DOCKER_HOST.") from None
    if ctx is None:
        raise EngineUnavailable(f"The docker CLI context {name!r} (chosen in ~/.docker/config.json or "
                                "DOCKER_CONTEXT) does not exist; run `docker context use default` or set DOCKER_HOST.")
    return name, ctx.Host


def connect(timeout: float = 60) -> docker.DockerClient:
    """Return a new client for the engine the docker CLI would talk to, checked with a ping.

    Similar to what ``docker`` does before every command: DOCKER_HOST / DOCKER_TLS_VERIFY /
    DOCKER_CERT_PATH, else the current CLI context (``current_context()``), else the local socket.

    Raises:
        EngineUnavailable: nothing answers there (the message says how to start an engine).
    """
    context = current_context()
    where = (f"{context[1]} (docker context {context[0]})" if context
             else os.environ.get("DOCKER_HOST") or "the local socket")
    try:
        if context:
            from docker.context import ContextAPI

            tls = ContextAPI.get_context(context[0]).TLSConfig or False
            client = docker.DockerClient(base_url=context[1], tls=tls, use_ssh_client=False, timeout=timeout)
        else:
            client = docker.from_env(timeout=timeout)
        if client.api.base_url.startswith("https"):
            # REQUESTS_CA_BUNDLE in the environment would otherwise replace the TLS CA
            # the user configured (docker-py issues 2433, 2598).
            client.api.trust_env = False
        client.ping()
    except Exception as exc:  # docker raises DockerException, requests errors, FileNotFoundError...
        raise EngineUnavailable(f"No Docker engine answers at {where}: {START_HINT}.") from exc
    return client


def get_client() -> docker.DockerClient:
    """The shared client the magics and widgets use, made on first use."""
    global _client
    with _lock:
        if _client is None:
            _client = connect()
        return _client


def reset_client() -> None:
    """Forget the shared client (after the engine restarted, or DOCKER_HOST changed)."""
    global _client
    with _lock:
        if _client is not None:
            try:
                _client.close()
            except Exception:
                pass
        _client = None


NOTEBOOK_LABEL = "org.dockermagic.notebook"


def notebook_label() -> dict[str, str]:
    """``{NOTEBOOK_LABEL: path}`` for the notebook this kernel runs, or ``{}`` when none is known.

    ``DOCKERMAGIC_NOTEBOOK`` names it explicitly (``scripts/run_pack.py`` sets it for each
    notebook's kernel); else ``JPY_SESSION_NAME``, the notebook's path that Jupyter Server gives
    the kernels it starts. With it, whatever a notebook made can be found and removed by label
    after the notebook ends, even when it failed before its tidy-up cell.
    """
    name = os.environ.get("DOCKERMAGIC_NOTEBOOK") or os.environ.get("JPY_SESSION_NAME")
    return {NOTEBOOK_LABEL: name} if name else {}


def default_labels() -> dict[str, str]:
    """Labels put on every container, network and volume dockermagic creates.

    ``DOCKERMAGIC_LABELS="a=1,b=2"`` adds more: the test-suite uses it to find and remove
    everything a run made, whatever happens to the test that made it. ``notebook_label()``
    names the notebook, when one is known.
    """
    labels = {"org.dockermagic.created-by": "dockermagic"}
    for item in os.environ.get("DOCKERMAGIC_LABELS", "").split(","):
        key, sep, value = item.strip().partition("=")
        if key and sep:
            labels[key] = value
    labels.update(notebook_label())
    return labels


def labels_with_defaults(items: list[str] | None) -> dict[str, str]:
    """``default_labels()`` plus the user's ``--label KEY=VALUE`` strings (a bare KEY gets "")."""
    labels = default_labels()
    for item in items or []:
        key, _, value = item.partition("=")
        labels[key] = value
    return labels
