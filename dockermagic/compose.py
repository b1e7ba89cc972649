"""Drive the real Compose tool as argv: ``docker compose`` (v2 plugin) or ``docker-compose`` (v1).

Output streams line by line as Compose writes it; a non-zero exit raises ComposeError with
Compose's own last lines. YAML is checked with PyYAML first so a typo is reported with its line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Callable

import yaml

from . import containers
from .errors import ComposeError

Say = Callable[[str], None]
PROJECT_LABEL = "com.docker.compose.project"


def compose_argv() -> list[str]:
    """The Compose tool to run: the v2 plugin when ``docker compose version`` works, else v1."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    v1 = shutil.which("docker-compose")
    if v1:
        return [v1]
    raise ComposeError("No Compose tool found: run scripts/compose-up.sh or install Debian's docker-compose.")


def check_yaml(text: str) -> dict:
    """Parse compose YAML; raise ComposeError naming the line of the first error."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ComposeError(f"The compose file is not valid YAML{where}: {getattr(exc, 'problem', exc)}.") from None
    if not isinstance(data, dict) or "services" not in data:
        raise ComposeError("The compose file needs a top-level 'services:' mapping.")
    return data


def write_project(text: str, *, project_dir: str, file: str = "docker-compose.yml") -> str:
    """Check and save the YAML in the project dir (so relative ``build:`` contexts resolve there)."""
    check_yaml(text)
    os.makedirs(project_dir, exist_ok=True)
    path = os.path.join(project_dir, file)
    with open(path, "w") as f:
        f.write(text)
    return path


def run_compose(args: list[str], *, cwd: str | None = None, file: str | None = None,
                project: str | None = None, say: Say = print) -> list[str]:
    """Run Compose with ``args`` (e.g. ``["up", "-d", "--build"]``), streaming its output.

    Similar to ``docker compose -f FILE -p PROJECT ARGS``. Returns the output lines.
    Raises: ComposeError with Compose's own message on a non-zero exit.
    """
    argv = compose_argv()
    if file:
        argv += ["-f", file]
    if project:
        argv += ["-p", project]
    argv += list(args)
    lines: list[str] = []
    proc = subprocess.Popen(argv, cwd=cwd or os.getcwd(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, errors="replace")
    try:
        for line in proc.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            say(line)
    except KeyboardInterrupt:
        proc.terminate()
        raise
    finally:
        rc = proc.wait()
    if rc != 0:
        tail = " ".join(l.strip() for l in lines[-3:] if l.strip()) or f"exit status {rc}"
        raise ComposeError(f"Compose {' '.join(args[:1])} failed: {tail}")
    return lines


def project_name(cwd: str, file: str | None = None, project: str | None = None) -> str:
    """The project name Compose uses: -p, else the project directory's name (lower-case)."""
    name = project or os.path.basename(os.path.abspath(cwd))
    return "".join(ch for ch in name.lower() if ch.isalnum() or ch in "-_")


def ps(project: str, *, client, all: bool = True):
    """The project's containers as a ``%docker ps`` table, found by Compose's project label."""
    return containers.ps(client=client, all=all, filters=[f"label={PROJECT_LABEL}={project}"])


def compose_command(args: list[str], *, cwd: str | None = None, client=None, say: Say = print):
    """Carry out a ``docker compose`` argv; ``ps`` returns a table, everything else streams."""
    file = project = None
    rest: list[str] = []
    it = iter(args)
    for a in it:
        if a in ("-f", "--file"):
            file = next(it, None)
        elif a in ("-p", "--project-name"):
            project = next(it, None)
        elif a.startswith("--project-name="):
            project = a.split("=", 1)[1]
        else:
            rest.append(a)
    cwd = cwd or os.getcwd()
    if rest[:1] == ["ps"] and client is not None:
        return ps(project_name(cwd, file, project), client=client)
    return run_compose(rest, cwd=cwd, file=file, project=project, say=say)
