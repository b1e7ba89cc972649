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


def _context_client() -> docker.DockerClient | None:
    """A client for the docker CLI's current context, when one other than default is chosen.

    docker-py reads contexts but ``docker.from_env()`` ignores them and DOCKER_CONTEXT.
    """
    if os.environ.get("DOCKER_HOST"):
        return None  # the CLI, too, lets DOCKER_HOST win over the context
    try:
        from docker.context import ContextAPI

        name = os.environ.get("DOCKER_CONTEXT") or ContextAPI.get_current_context_name()
        if not name or name == "default":
            return None
        ctx = ContextAPI.get_context(name)
    except Exception:
        return None
    if ctx is None or not ctx.Host:
        return None
    return docker.DockerClient(base_url=ctx.Host, tls=ctx.TLSConfig or False, use_ssh_client=False)


def connect(timeout: float = 60) -> docker.DockerClient:
    """Return a new client for the engine the docker CLI would talk to, checked with a ping.

    Similar to what ``docker`` does before every command: DOCKER_HOST / DOCKER_TLS_VERIFY /
    DOCKER_CERT_PATH, else the current CLI context, else the local socket.

    Raises:
        EngineUnavailable: nothing answers there.
    """
    try:
        client = _context_client() or docker.from_env(timeout=timeout)
        if client.api.base_url.startswith("https"):
            # REQUESTS_CA_BUNDLE in the environment would otherwise replace the TLS CA
            # the user configured (docker-py issues 2433, 2598).
            client.api.trust_env = False
        client.ping()
    except Exception as exc:  # docker raises DockerException, requests errors, FileNotFoundError...
        where = os.environ.get("DOCKER_HOST") or "the local socket"
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


def default_labels() -> dict[str, str]:
    """Labels put on every container, network and volume dockermagic creates.

    ``DOCKERMAGIC_LABELS="a=1,b=2"`` adds more: the test-suite uses it to find and remove
    everything a run made, whatever happens to the test that made it.
    """
    labels = {"org.dockermagic.created-by": "dockermagic"}
    for item in os.environ.get("DOCKERMAGIC_LABELS", "").split(","):
        key, sep, value = item.strip().partition("=")
        if key and sep:
            labels[key] = value
    return labels
