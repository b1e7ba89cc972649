"""What Compose makes of a project, asked from Compose itself, and the files it reads.

The project name (YAML ``name:``, ``COMPOSE_PROJECT_NAME`` in ``.env``, ``-p``, the folder) and the
services (profiles applied, ``.env`` interpolated) are Compose's to resolve: ``config`` answers
them, so ``ps`` and the image kit see the project exactly as ``up`` will. The images a project
needs come through the image kit before Compose runs, so Compose never pulls behind our back.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile

import yaml

from . import build, buildkit, imagekit
from .compose_labels import DEFAULT_FILES
from ..errors import ComposeError, DockerMagicError


def compose_file_for(project_dir: str, file: str | None = None) -> str:
    """The file ``%%compose`` saves: ``file`` when given, else the one Compose reads in that folder
    (``compose.yaml``, ``compose.yml``, ``docker-compose.yml``, ``docker-compose.yaml``, in Compose's
    order), else ``compose.yaml``."""
    if file:
        return os.path.join(project_dir, file)
    found = [n for n in DEFAULT_FILES if os.path.isfile(os.path.join(project_dir, n))]
    return os.path.join(project_dir, found[0] if found else DEFAULT_FILES[0])


def write_project(text: str, *, project_dir: str, file: str | None = None, project: str | None = None) -> str:
    """Check the YAML, have Compose validate it (``config -q``), then save it over the project's file.

    The text is checked in a temporary file beside the real one (relative ``build:`` and
    ``env_file:`` paths resolve the same); a file Compose rejects never replaces the last good one,
    so ``down`` keeps working. Returns the saved path.
    """
    from .compose import ComposeCall, _captured, check_yaml, compose_tool

    check_yaml(text)
    path = compose_file_for(project_dir, file)
    body = text if text.endswith("\n") else text + "\n"
    try:
        with open(path) as f:
            if f.read() == body:
                return path  # as it is: nothing to check or touch
    except (OSError, UnicodeDecodeError):
        pass
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, trial = tempfile.mkstemp(prefix=".dockermagic-check-", suffix=".yaml", dir=os.path.dirname(path))
        with os.fdopen(fd, "w") as f:
            f.write(body)
        # mkstemp's file is private (0600): keep the mode the saved file has, or a new file's usual one
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(trial, os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o666 & ~umask)
    except OSError as exc:
        raise ComposeError(f"Could not save the compose file as {path}: {exc.strerror}.") from None
    try:
        try:
            compose_tool()
        except ComposeError:
            pass  # no tool to ask: saved as checked by PyYAML; the first %compose says what is missing
        else:
            _captured(ComposeCall("config", ["-q"], trial, project, project_dir), project_dir)
        os.replace(trial, path)
    except ComposeError as exc:
        raise ComposeError(f"{exc} The saved file was not changed.".replace("Compose config failed",
                                                                             "Compose rejects the file")) from None
    finally:
        if os.path.exists(trial):
            os.remove(trial)
    return path


def resolved_config(call, cwd: str) -> dict | None:
    """The project as Compose resolves it (``config``), or None when Compose cannot say.

    ``config`` prints YAML in v1 and v2 (v2 adds the project ``name``).
    """
    from .compose import ComposeCall, _captured

    try:
        out = _captured(dataclasses.replace(call, subcommand="config", args=[]), cwd)
        data = yaml.safe_load(out)
    except (ComposeError, yaml.YAMLError):
        return None  # the real command reports the problem in Compose's words
    return data if isinstance(data, dict) else None


def resolved_name(call, cwd: str) -> str | None:
    """The project name Compose uses: ``-p``, else ``COMPOSE_PROJECT_NAME``, the YAML's ``name:``, the folder."""
    return (resolved_config(call, cwd) or {}).get("name")


def _dockerfile_of(spec: dict, project_dir: str) -> str | None:
    if isinstance(spec, str):
        spec = {"context": spec}
    context = os.path.join(project_dir, spec.get("context") or ".")
    dockerfile = os.path.join(context, spec.get("dockerfile") or "Dockerfile")
    return dockerfile if os.path.isfile(dockerfile) else None


def provide_images(config: dict | None, *, client, cwd: str, builds_only: bool = False, say=print) -> dict[str, str]:
    """Every image the project needs — services' ``image:`` and the ``FROM``s of their builds —
    made available through the image kit (present, pulled where a registry answers, or a stand-in).

    ``builds_only``: only the ``FROM``s (``compose build`` needs no service image).
    Returns: ``{image: how}``. Raises: ComposeError naming the service whose image cannot be had,
    or whose Dockerfile this engine's BuildKit cannot read without a registry.
    """
    provided: dict[str, str] = {}
    project_dir = cwd
    for name, svc in ((config or {}).get("services") or {}).items():
        svc = svc or {}
        if svc.get("build") is not None:
            path = _dockerfile_of(svc["build"], project_dir)
            if not path:
                continue  # Compose says which file is missing
            with open(path) as f:
                text = f.read()
            problem = buildkit.frontend_problem(text, registry=imagekit.pulls_allowed())
            if problem:
                raise ComposeError(f"Service {name}: {problem}")
            refs = build.from_images(text)
        else:
            refs = [svc["image"]] if svc.get("image") and not builds_only else []
        for ref in refs:
            try:
                provided[ref] = imagekit.ensure_image(ref, client=client, say=say)
            except DockerMagicError as exc:
                raise ComposeError(f"Service {name} needs the image {ref}: {exc}") from exc
    return provided


def without_pulls(call, *, v2: bool):
    """``call`` told not to pull when no registry is reachable or ``DOCKERMAGIC_NO_PULL`` is set."""
    if imagekit.pulls_allowed() or not v2 or call.subcommand not in ("up", "run", "create"):
        return call
    if any(a == "--pull" or a.startswith("--pull=") for a in call.args):
        return call
    return dataclasses.replace(call, args=["--pull", "never", *call.args])
