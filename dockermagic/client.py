"""Find the Docker engine the way the docker CLI does, and say so clearly when none answers."""

from __future__ import annotations

import os
import threading
from urllib.parse import urlparse

import docker

from . import ownership
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
    ``tcp://`` with TLS, ``ssh://user@host:port`` (paramiko, ``~/.ssh/config`` and known_hosts)
    and ``unix://`` all work.

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
            client = engine_client(context[1], tls, timeout)
        else:
            params = docker.utils.kwargs_from_env()
            client = engine_client(params.get("base_url"), params.get("tls") or False, timeout)
        client.ping()
    except Exception as exc:  # docker raises DockerException, requests errors, FileNotFoundError...
        raise EngineUnavailable(f"No Docker engine answers at {where}: {START_HINT}.") from exc
    return client


def engine_client(base_url: str | None, tls, timeout: float = 60) -> docker.DockerClient:
    """A client for ``base_url`` (None: the local socket); with TLS, only the given CA is trusted.

    ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` in the environment would replace the CA the user
    configured (docker-py issues 2433, 2598), already in the API-version request the client makes
    when it is created: so the version is asked by a client that ignores the environment.
    """
    if not tls:
        return docker.DockerClient(base_url=base_url, use_ssh_client=False, timeout=timeout)
    probe = docker.DockerClient(base_url=base_url, tls=tls, version=docker.constants.MINIMUM_DOCKER_API_VERSION,
                                timeout=timeout)
    probe.api.trust_env = False
    try:
        version = probe.api.version(api_version=False)["ApiVersion"]
    finally:
        probe.close()
    client = docker.DockerClient(base_url=base_url, tls=tls, version=version, timeout=timeout)
    client.api.trust_env = False
    return client


def remote_host(client: docker.DockerClient) -> str | None:
    """The host of an engine on another machine (``tcp://``/``ssh://``), or None when it is this one.

    A port such an engine publishes is on that host: its ``127.0.0.1`` is the remote's loopback.
    """
    url = client.api.base_url
    if url.startswith("http+docker://ssh"):
        adapter = client.api.get_adapter(url)
        host = (getattr(adapter, "ssh_params", None) or {}).get("hostname")
        host = host or urlparse("ssh://" + getattr(adapter, "ssh_host", "")).hostname
    elif url.startswith(("http://", "https://", "tcp://")):
        host = urlparse(url).hostname
    else:  # unix socket or named pipe
        return None
    if not host or host == "localhost" or host == "::1" or host.startswith("127."):
        return None
    return host


def loopback_note(host: str) -> str:
    """One sentence on a port published on 127.0.0.1 of the remote engine ``host``."""
    return (f"127.0.0.1 there is the loopback of the engine's machine {host}, not of this one: "
            f"publish on 0.0.0.0 (or {host}) to reach the port from here.")


def engine_env() -> dict[str, str]:
    """The environment for the docker CLI and Compose: the engine ``connect()`` chooses, made explicit.

    DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH pass through as they are; a context chosen in
    ``config.json`` is named in DOCKER_CONTEXT, so a tool reading another config still agrees.
    """
    env = dict(os.environ)
    context = current_context()
    if context:
        env["DOCKER_CONTEXT"] = context[0]
    return env


def get_client() -> docker.DockerClient:
    """The shared client the magics and widgets use, made on first use."""
    global _client
    with _lock:
        if _client is None:
            _client = ownership.for_environment(connect())  # namespaced with DOCKERMAGIC_NAMESPACE
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


def image_labels(client=None) -> dict[str, str]:
    """Labels put on the images dockermagic builds: in which notebook, and who built them (the
    namespace of ``client`` when it has one), so ``reset`` finds them. Outside a notebook and
    without a namespace none at all: such a build stays the very image ``docker build`` (or
    ``docker compose build``) makes of the same files."""
    notebook = notebook_label()
    space = getattr(client, "space", None)  # an ownership.namespaced() client
    if space is not None:
        return {**notebook, **space.labels}
    if not notebook and not ownership.current_namespace():
        return {}
    return {**notebook, **ownership.owner_labels()}


def default_labels() -> dict[str, str]:
    """Labels put on every container, network and volume dockermagic creates.

    ``DOCKERMAGIC_LABELS="a=1,b=2"`` adds more: the test-suite uses it to find and remove
    everything a run made, whatever happens to the test that made it. ``notebook_label()``
    names the notebook, when one is known; ``ownership.owner_labels()`` the user and the
    namespace, so on a shared engine ``ps --mine`` and ``reset`` find what is whose.
    """
    labels = {"org.dockermagic.created-by": "dockermagic", **ownership.owner_labels()}
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
