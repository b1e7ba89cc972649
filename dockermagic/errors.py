"""Every error dockermagic raises on purpose.

    DockerMagicError                 base class; its message is one sentence meant for a person
    ├── EngineUnavailable            no Docker engine answers
    ├── ImageKitError                an image could be neither found, pulled nor built as a stand-in
    ├── CommandError                 a docker command was given wrong or unsupported arguments
    ├── BuildFailed                  an image build stopped at a step (number, instruction, last output)
    ├── ComposeError                 the Compose tool is missing, the YAML is invalid or cannot be saved, or Compose exited non-zero
    ├── PostgresError                a Postgres container could not be started, reused or reached
    ├── LoadError                    a file could not be loaded into Postgres
    ├── DatasetError                 a NYC TLC colour or month that has no published file
    └── DownloadError                a file could not be downloaded (offline, unreachable, 404, wrong size)

The magics turn any DockerMagicError into an IPython ``UsageError`` so the user sees the
sentence, not a traceback. Other modules add their own subclasses here, so there is one
place to read the whole tree.
"""

from __future__ import annotations


class DockerMagicError(Exception):
    """Base class: ``str(error)`` is a complete sentence for the user."""


class EngineUnavailable(DockerMagicError):
    """No Docker engine answers at the configured address."""


class ImageKitError(DockerMagicError):
    """An image could not be made available."""


class CommandError(DockerMagicError):
    """A docker command line that dockermagic cannot carry out as written."""


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


def from_docker_error(exc: Exception, doing: str) -> DockerMagicError:
    """Turn a docker SDK exception into one sentence saying what failed.

    ``doing`` completes "Docker could not ...", e.g. ``"start container web"``.
    """
    import docker.errors

    from .secrets import mask_text  # an engine message can quote a command line or an env value

    if isinstance(exc, docker.errors.APIError):
        detail = exc.explanation or str(exc)
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        return DockerMagicError(mask_text(f"Docker could not {doing}: {str(detail).strip()}."))
    if isinstance(exc, docker.errors.DockerException):
        return DockerMagicError(mask_text(f"Docker could not {doing}: {exc}."))
    return DockerMagicError(mask_text(f"Could not {doing}: {exc}."))
