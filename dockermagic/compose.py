"""Drive the real Compose tool as argv: ``docker compose`` (v2 plugin) or ``docker-compose`` (v1).

Output streams line by line as Compose writes it; a non-zero exit raises ComposeError with
Compose's own last lines. YAML is checked with PyYAML first so a typo is reported with its line.
``ps`` is answered from the engine (Compose's project label), as a ``%docker ps`` table.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Callable

import yaml

from . import compose_labels, containers
from .errors import ComposeError
from .secrets import mask_text

Say = Callable[[str], None]
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
SUBCOMMANDS = ("up", "down", "ps", "logs", "config", "build", "restart", "exec", "stop", "start", "pull")
# Compose's own options that take a value; everything else before the subcommand is refused.
_GLOBAL_WITH_VALUE = {"-f": "file", "--file": "file", "-p": "project", "--project-name": "project",
                      "--project-directory": "project_dir", "--project-dir": "project_dir"}


@functools.lru_cache(maxsize=1)
def compose_tool() -> tuple[str, ...]:
    """The Compose tool to run: the v2 plugin when ``docker compose version`` works, else v1."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return (docker, "compose")
    v1 = shutil.which("docker-compose")
    if v1:
        return (v1,)
    raise ComposeError("No Compose tool found: run scripts/compose-up.sh or install Debian's docker-compose.")


def check_yaml(text: str) -> dict:
    """Parse compose YAML; raise ComposeError naming the line of the first error."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ComposeError(f"The compose file is not valid YAML{where}: {getattr(exc, 'problem', exc)}.") from None
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise ComposeError("The compose file needs a top-level 'services:' mapping.")
    return data


def write_project(text: str, *, project_dir: str, file: str = "docker-compose.yml") -> str:
    """Check and save the YAML in the project dir (so relative ``build:`` contexts resolve there)."""
    check_yaml(text)
    path = os.path.join(project_dir, file)
    try:
        os.makedirs(project_dir, exist_ok=True)
        with open(path, "w") as f:
            f.write(text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise ComposeError(f"Could not save the compose file as {path}: {exc.strerror}.") from None
    return path


@dataclass
class ComposeCall:
    """One Compose command line, split into Compose's global options and the subcommand."""

    subcommand: str
    args: list[str] = field(default_factory=list)
    file: str | None = None
    project: str | None = None
    project_dir: str | None = None
    files: list[str] = field(default_factory=list)  # more -f files, after ``file``

    def argv(self, tool: tuple[str, ...] | list[str]) -> list[str]:
        """The argv to run, e.g. ``docker compose -f F -p P exec -T db psql``."""
        out = list(tool)
        for f in ([self.file] if self.file else []) + self.files:
            out += ["-f", f]
        if self.project:
            out += ["-p", self.project]
        if self.project_dir:
            out += ["--project-directory", self.project_dir]
        args = list(self.args)
        if self.subcommand == "exec" and "-T" not in args:
            args.insert(0, "-T")  # a notebook has no terminal for Compose to attach
        return out + [self.subcommand] + args


def parse_define(argv: list[str], cwd: str) -> tuple[str | None, str, str]:
    """``%%compose`` options → (project name, project dir, file name)."""
    project, pdir, file = None, cwd, "docker-compose.yml"
    it = iter(argv)
    for a in it:
        opt, eq, val = a.partition("=")
        if opt not in ("-p", "--project-name", "--project-dir", "--project-directory", "-f", "--file"):
            raise ComposeError(f"%%compose: unknown option {a!r}; use -p NAME, --project-dir DIR, -f FILE.")
        value = val if eq else next(it, None)
        if not value:
            raise ComposeError(f"%%compose: {opt} needs a value.")
        if opt in ("-p", "--project-name"):
            project = value
        elif opt in ("-f", "--file"):
            file = value
        else:
            pdir = os.path.abspath(os.path.join(cwd, value))
    return project, pdir, file


def parse_compose(argv: list[str]) -> ComposeCall:
    """``["-p", "shop", "up", "-d"]`` → ComposeCall. Raises ComposeError for a line Compose can't take."""
    found: dict[str, str] = {}
    it = iter(argv)
    for a in it:
        opt, eq, val = a.partition("=")
        if opt in _GLOBAL_WITH_VALUE:
            value = val if eq else next(it, None)
            if not value:
                raise ComposeError(f"compose: {opt} needs a value.")
            found[_GLOBAL_WITH_VALUE[opt]] = value
        elif a.startswith("-"):
            raise ComposeError(f"compose: unknown option {a} before the subcommand.")
        elif a not in SUBCOMMANDS:
            raise ComposeError(f"compose: {a!r} is not a subcommand; expected one of {', '.join(SUBCOMMANDS)}.")
        else:
            call = ComposeCall(a, list(it), **found)
            if a == "exec" and len([x for x in call.args if not x.startswith("-")]) < 2:
                raise ComposeError("compose exec needs a service and a command, e.g. exec db psql -U root.")
            return call
    raise ComposeError(f"compose: which subcommand? Expected one of {', '.join(SUBCOMMANDS)}.")


def run_compose(call: ComposeCall, *, cwd: str | None = None, say: Say = print) -> list[str]:
    """Run Compose, streaming its output. Similar to ``docker compose -f FILE -p PROJECT SUB ARGS``.

    Returns: the output lines. Raises: ComposeError with Compose's own message on a non-zero exit.
    """
    argv = call.argv(compose_tool())
    lines: list[str] = []
    try:
        # No COMPOSE_BAKE=false here: Compose 2.40 calls it deprecated and warns about it; without
        # buildx it falls back to its own builder after one warning line, which is what we want.
        proc = subprocess.Popen(argv, cwd=cwd or os.getcwd(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace")
    except OSError as exc:
        raise ComposeError(f"Could not start Compose ({argv[0]}): {exc}.") from None
    try:
        for line in proc.stdout:
            # `config` prints the environment, and a failing service may echo it.
            line = mask_text(line.rstrip("\n"))
            lines.append(line)
            say(line)
    except KeyboardInterrupt:  # `logs -f` runs until interrupted
        proc.terminate()
        proc.wait()
        return lines
    finally:
        rc = proc.wait()
    if rc != 0:
        tail = " ".join(l.strip() for l in lines[-3:] if l.strip()) or f"exit status {rc}"
        raise ComposeError(f"Compose {call.subcommand} failed: {tail}")
    return lines


def project_name(cwd: str, call: ComposeCall) -> str:
    """The project name Compose uses: -p, else the project directory's name, normalised like Compose."""
    if call.project:
        name = call.project
    else:
        base = call.project_dir or (os.path.dirname(os.path.join(cwd, call.file)) if call.file else cwd)
        name = os.path.basename(os.path.abspath(base))
    return "".join(ch for ch in name.lower() if ch.isalnum() or ch in "-_")


def ps(project: str, *, client, all: bool = False, services: list[str] | None = None):
    """The project's containers as a ``%docker ps`` table (``.to_frame()`` for a DataFrame).

    Similar to ``docker compose ps [-a] [SERVICE…]``; found by Compose's project label.
    """
    filters = [f"label={PROJECT_LABEL}={project}"] + [f"label={SERVICE_LABEL}={s}" for s in services or []]
    if len(services or []) > 1:  # label filters are AND-ed by the engine: one query per service
        rows = [r for s in services for r in ps(project, client=client, all=all, services=[s]).rows]
        return containers.ContainerList(rows)
    return containers.ps(client=client, all=all, filters=filters)


def compose_command(args: list[str], *, cwd: str | None = None, client=None, say: Say = print):
    """Carry out a ``docker compose`` argv; ``ps`` returns a table, everything else streams.

    Returns: a ContainerList for ``ps``, else Compose's output lines.
    Raises: ComposeError (bad line, missing tool, or Compose's own failure).
    """
    call = parse_compose(args)
    cwd = cwd or os.getcwd()
    if client is None and call.subcommand in ("ps", "up", "build"):
        from .client import get_client

        client = get_client()
    if call.subcommand == "ps" and all(a in ("-a", "--all") or not a.startswith("-") for a in call.args):
        return ps(project_name(cwd, call), client=client, all=bool({"-a", "--all"} & set(call.args)),
                  services=[a for a in call.args if not a.startswith("-")])
    if call.subcommand in ("up", "build"):  # what makes containers, networks, volumes and images
        existing = compose_labels.project_volumes(project_name(cwd, call), client=client)
        with compose_labels.labelled(call, cwd, existing) as call:
            return run_compose(call, cwd=cwd, say=say)
    return run_compose(call, cwd=cwd, say=say)
