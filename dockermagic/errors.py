"""Every error dockermagic raises on purpose.

    DockerMagicError                 base class; its message is one sentence meant for a person
    ├── EngineUnavailable            no Docker engine answers (also when it vanishes mid-session)
    ├── EngineError                  the engine refused a request: .status_code, .explanation
    │   ├── NotFound                 404: no such container, image, network, volume
    │   │   └── NotInRegistry        a registry answered that it has no such repository or tag
    │   ├── Conflict                 409: a name in use, a running container removed without -f
    │   └── InvalidRequest           400: the engine rejected the arguments
    ├── ImageKitError                an image could be neither found, pulled nor built as a stand-in
    ├── BundleError                  an image bundle file is cut short, foreign, or its images did not load as recorded
    ├── CommandError                 a docker command was given wrong or unsupported arguments
    ├── Interrupted                  Ctrl-C stopped a call: what still runs and how to stop it (also a KeyboardInterrupt)
    ├── BuildFailed                  an image build stopped at a step (number, instruction, last output)
    ├── ComposeError                 the Compose tool is missing, the YAML is invalid or cannot be saved, or Compose exited non-zero
    ├── PostgresError                a Postgres container could not be started, reused or reached
    ├── LoadError                    a file could not be loaded into Postgres
    ├── DatasetError                 a NYC TLC colour or month that has no published file
    └── DownloadError                a file could not be downloaded (offline, unreachable, 404, wrong size)

``from_docker_error`` turns what the docker SDK (or requests/urllib3 under it) raised into the
right class here; callers raise it ``from`` the original, so plain-API code keeps the kind, the
engine's status and the cause. Only the magics turn a DockerMagicError into an IPython
``UsageError`` (the sentence, no traceback). Every message passes through ``secrets.redact``.
Other modules add their own subclasses here, so there is one place to read the whole tree.
"""

from __future__ import annotations

import contextlib
import re


class DockerMagicError(Exception):
    """Base class: ``str(error)`` is a complete sentence for the user, with secrets masked."""

    def __init__(self, *args):
        from .redaction import redact  # errors are displays too: no secret in any message

        super().__init__(*(redact(a) if isinstance(a, str) else a for a in args))


class EngineUnavailable(DockerMagicError):
    """No Docker engine answers at the configured address."""


class EngineError(DockerMagicError):
    """The engine answered with an error: ``status_code`` (e.g. 500) and its own ``explanation``."""

    def __init__(self, message: str, *, status_code: int | None = None, explanation: str = ""):
        super().__init__(message)
        from .redaction import redact

        self.status_code = status_code
        self.explanation = redact(explanation)


class NotFound(EngineError):
    """404: the engine has no object by that name (container, image, network, volume)."""


class NotInRegistry(NotFound):
    """A registry answered that it has no such repository or tag (nothing is made up in its place)."""


class Conflict(EngineError):
    """409: the name is taken, or the object is in a state that forbids the request."""


class InvalidRequest(EngineError):
    """400: the engine rejected the request's arguments."""


class ImageKitError(DockerMagicError):
    """An image could not be made available."""


class BundleError(DockerMagicError):
    """An image bundle (``dockermagic-images save/load``) is truncated, not a bundle, or did not load as recorded."""


class CommandError(DockerMagicError):
    """A docker command line that dockermagic cannot carry out as written."""


class Interrupted(DockerMagicError, KeyboardInterrupt):
    """Ctrl-C (the notebook's stop button) stopped a call; the message says what is still running
    and how to stop it. ``partial`` is what the call had by then (the container of an attached run,
    the lines followed so far, …) or None.

    Also a KeyboardInterrupt, so code that stops its own loops on ``except KeyboardInterrupt`` still
    sees the Ctrl-C; ``except DockerMagicError`` catches it as well.
    """

    def __init__(self, message: str, *, partial=None):
        super().__init__(message)
        self.partial = partial


class BuildFailed(DockerMagicError):
    """A build failed: ``step``, ``instruction`` and ``last_lines`` say where and why."""

    def __init__(self, message: str, *, step: int | None = None, instruction: str = "", last_lines: list[str] | None = None):
        super().__init__(message)
        self.step = step
        self.instruction = instruction
        self.last_lines = list(last_lines or [])


class ComposeError(DockerMagicError):
    """Compose failed; the message carries Compose's own words (or the YAML line at fault)."""


class PostgresError(DockerMagicError):
    """A Postgres container: port taken, existing one with other settings, or never ready."""


class LoadError(DockerMagicError):
    """A file could not be loaded into a table (missing file, bad header, target exists)."""


class DatasetError(DockerMagicError):
    """A NYC TLC request that names no published file (unknown colour, month out of range)."""


class DownloadError(DockerMagicError):
    """A download failed: offline, server unreachable, HTTP error, or the size does not match."""


_BY_STATUS = {404: NotFound, 409: Conflict, 400: InvalidRequest}


def is_connection_error(exc: BaseException) -> bool:
    """True when ``exc`` (or what it wraps) means the engine could not be reached at all: a refused
    or vanished socket, a dropped connection, a timeout (requests/urllib3 errors, ConnectionError).
    A bare FileNotFoundError is not one: only inside those does it mean a missing socket."""
    import requests
    import urllib3

    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                            urllib3.exceptions.HTTPError, ConnectionError)):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def engine_unavailable(doing: str = "") -> EngineUnavailable:
    """The how-to-start sentence, naming what was being done when the engine stopped answering."""
    from .client import START_HINT

    what = f" (while trying to {doing})" if doing else ""
    return EngineUnavailable(f"The Docker engine does not answer{what}: {START_HINT}.")


# What the engine says when a registry answered but has no such repository or tag (the engine
# answers 404 for these; a registry it cannot reach is a 500 naming the network error).
_MISSING = re.compile(r"manifest unknown|manifest for \S+ not found|repository does not exist|"
                      r"pull access denied|no such manifest|not found: does not exist", re.IGNORECASE)


def registry_answered_missing(failure) -> bool:
    """True when a pull failure (an SDK exception or the error text of a pull event) means the
    registry answered "no such image" (a mistyped tag), False when no registry could be asked."""
    status = getattr(failure, "status_code", None)
    text = str(getattr(failure, "explanation", None) or failure)
    return status == 404 or bool(_MISSING.search(text))


def not_in_registry(ref: str, failure) -> NotInRegistry:
    reason = str(getattr(failure, "explanation", None) or failure).strip().splitlines()[0][:160].rstrip(".")
    return NotInRegistry(f"The registry has no image {ref} ({reason}); check the name and the tag.",
                         status_code=404, explanation=reason)


@contextlib.contextmanager
def engine_errors(doing: str):
    """Around calls that reach the engine through other code (the image kit, a route): what the SDK
    or requests/urllib3 raise becomes the matching class here, ``from`` the original; our own
    errors pass; anything else is a bug and keeps its traceback."""
    import docker.errors

    try:
        yield
    except DockerMagicError:
        raise
    except Exception as exc:
        if is_connection_error(exc) or isinstance(exc, docker.errors.DockerException):
            raise from_docker_error(exc, doing) from exc
        raise


def from_docker_error(exc: Exception, doing: str) -> DockerMagicError:
    """Turn a docker SDK exception into the matching class above, with one sentence saying what failed.

    ``doing`` completes "Docker could not ...", e.g. ``"start container web"``. An ``APIError``
    becomes ``NotFound``/``Conflict``/``InvalidRequest``/``EngineError`` carrying the engine's
    status; a connection error from requests/urllib3 becomes ``EngineUnavailable``. Raise the
    result ``from exc`` so the original stays the ``__cause__``.
    """
    import docker.errors

    if isinstance(exc, DockerMagicError):
        return exc
    if isinstance(exc, docker.errors.APIError):
        detail = exc.explanation or str(exc)
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        detail = str(detail).strip().rstrip(".")
        status = exc.status_code or (404 if isinstance(exc, docker.errors.NotFound) else None)
        cls = _BY_STATUS.get(status, EngineError)
        return cls(f"Docker could not {doing}: {detail}.", status_code=status, explanation=detail)
    if is_connection_error(exc):
        return engine_unavailable(doing)
    if isinstance(exc, docker.errors.DockerException):
        return DockerMagicError(f"Docker could not {doing}: {exc}.")
    return DockerMagicError(f"Could not {doing}: {exc}.")
