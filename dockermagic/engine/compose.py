"""Drive the real Compose tool as argv: ``docker compose`` (v2 plugin) or ``docker-compose`` (v1).

Every subcommand and global option passes through. Output streams line by line as Compose writes
it, each line once: the last line is held back a moment, so that when Compose fails its own
message becomes the ComposeError (shown once, by the magic) instead of being printed and then
repeated. ``ps`` is answered from the engine (Compose's project label, under the project name
Compose resolves), ``ls`` and ``images`` from Compose's JSON, as tables. Before ``up``, ``run``,
``create`` and ``build``, the images the project needs come through the image kit
(``compose_project.py``); with no registry Compose is told ``--pull never``.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Callable

import yaml

from . import compose_labels, compose_project, containers, imagekit
from .. import ownership, redaction
from ..client import engine_env  # Compose talks to the engine the client does
from ..errors import ComposeError, Interrupted
from ..tables import Table

Say = Callable[[str], None]
PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
SUBCOMMANDS = ("attach", "build", "commit", "config", "cp", "create", "down", "events", "exec", "export",
               "images", "kill", "logs", "ls", "pause", "port", "ps", "publish", "pull", "push", "restart", "rm",
               "run", "scale", "start", "stats", "stop", "top", "unpause", "up", "version", "volumes", "wait",
               "watch")
_HOLD = 0.3  # seconds the last line waits: long enough for Compose to exit after its error


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
    """Parse compose YAML; raise ComposeError naming the line of the first error.

    The services' ``environment`` values with secret names are learned, so Compose's output
    never shows them later.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ComposeError(f"The compose file is not valid YAML{where}: {getattr(exc, 'problem', exc)}.") from None
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise ComposeError("The compose file needs a top-level 'services:' mapping.")
    for svc in data["services"].values():
        if isinstance(svc, dict) and isinstance(svc.get("environment"), (dict, list)):
            redaction.remember_env(svc.get("environment"))
    return data


@dataclass
class ComposeCall:
    """One Compose command line, split into Compose's global options and the subcommand."""

    subcommand: str
    args: list[str] = field(default_factory=list)
    file: str | None = None
    project: str | None = None
    project_dir: str | None = None
    files: list[str] = field(default_factory=list)  # more -f files, after ``file``
    options: list[str] = field(default_factory=list)  # other global options, as given (--env-file X)

    @property
    def all_files(self) -> list[str]:
        return ([self.file] if self.file else []) + self.files

    def argv(self, tool: tuple[str, ...] | list[str]) -> list[str]:
        """The argv to run, e.g. ``docker compose -f F -p P exec -T db psql``."""
        out = list(tool)
        for f in self.all_files:
            out += ["-f", f]
        if self.project:
            out += ["-p", self.project]
        if self.project_dir:
            out += ["--project-directory", self.project_dir]
        args = list(self.args)
        if self.subcommand in ("exec", "run") and "-T" not in args:
            args.insert(0, "-T")  # a notebook has no terminal for Compose to attach
        return out + self.options + [self.subcommand] + args


def run_compose(call: ComposeCall, *, cwd: str | None = None, say: Say = print) -> list[str]:
    """Run Compose, streaming its output. Similar to ``docker compose -f FILE -p PROJECT SUB ARGS``.

    Returns: the output lines (redacted). Raises: ComposeError with Compose's own last line on a
    non-zero exit (that line is not also streamed); Interrupted on Ctrl-C, after stopping Compose.
    """
    argv = call.argv(compose_tool())
    lines: list[str] = []
    try:
        # No COMPOSE_BAKE=false here: Compose 2.40 calls it deprecated and warns about it; without
        # buildx it falls back to its own builder after one warning line, which is what we want.
        proc = subprocess.Popen(argv, cwd=cwd or os.getcwd(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace", env=engine_env())
    except OSError as exc:
        raise ComposeError(f"Could not start Compose ({argv[0]}): {exc}.") from None
    pending: queue.Queue = queue.Queue()
    pump = threading.Thread(target=lambda: [*map(pending.put, proc.stdout), pending.put(None)],
                            name="dockermagic-compose-output", daemon=True)
    pump.start()
    held = None
    try:
        while True:
            try:
                item = pending.get(timeout=_HOLD)
            except queue.Empty:
                if held is not None:
                    say(held)
                    held = None
                continue
            if item is None:
                break
            if held is not None:
                say(held)
            # `config` prints the environment, and a failing service may echo it.
            held = redaction.redact(item.rstrip("\n"))
            lines.append(held)
    except KeyboardInterrupt as exc:  # `logs -f` and an attached `up` run until interrupted
        proc.terminate()
        proc.wait()
        # Raised, not returned: in a %%docker cell the lines after this one must not run.
        raise Interrupted(f"Interrupted: Compose {call.subcommand} stopped; what it started may still run "
                          "(%compose ps shows it, %compose down stops it).", partial=lines) from exc
    finally:
        rc = proc.wait()
        pump.join(5)
        proc.stdout.close()
    if rc != 0:
        reason = held.strip() if held and held.strip() else f"exit status {rc} (its output is above)"
        raise ComposeError(f"Compose {call.subcommand} failed: {reason}")
    if held is not None:
        say(held)
    return lines


def _captured(call: ComposeCall, cwd: str) -> str:
    done = subprocess.run(call.argv(compose_tool()), cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, errors="replace", env=engine_env())
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise ComposeError(f"Compose {call.subcommand} failed: {redaction.redact(last)}")
    return done.stdout


def project_name(cwd: str, call: ComposeCall) -> str:
    """The project name Compose falls back to: -p, else the project directory's name, normalised like Compose."""
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


_TABLES = {"ls": ["name", "status", "config_files"],
           "images": ["container", "repository", "tag", "id", "size"]}


def _json_table(call: ComposeCall, cwd: str) -> Table:
    """``ls`` / ``images`` as a table, from Compose's ``--format json``."""
    rows = json.loads(_captured(ComposeCall(**{**call.__dict__, "args": [*call.args, "--format", "json"]}), cwd)
                      or "[]") or []
    rows = [{k.lower().replace("containername", "container").replace("configfiles", "config_files"): v
             for k, v in r.items()} for r in rows]
    for r in rows:
        if isinstance(r.get("size"), int):
            r["size"] = f"{r['size'] / 1e6:.1f} MB"
        r["id"] = str(r.get("id", "")).removeprefix("sha256:")[:12]
    return Table(_TABLES[call.subcommand], rows)


def compose_command(call: ComposeCall, *, cwd: str | None = None, client=None, say: Say = print):
    """Carry out a Compose command line (``dockermagic.cli.options.parse_compose`` makes ``call`` from
    argv); ``ps``, ``ls`` and ``images`` return tables, the rest streams.

    Returns: a ContainerList for ``ps``, a Table for ``ls``/``images``, else Compose's output lines.
    Raises: ComposeError (missing tool, a missing image, or Compose's own failure).
    """
    cwd = cwd or os.getcwd()
    call = ownership.namespaced_compose_call(call, cwd, client=client)  # -p web → -p alice-web
    v2 = compose_tool()[-1] == "compose"
    if client is None and call.subcommand in ("ps", "up", "build", "run", "create", "pull"):
        from ..client import get_client

        client = get_client()
    if call.subcommand == "ps" and all(a in ("-a", "--all") or not a.startswith("-") for a in call.args):
        name = compose_project.resolved_name(call, cwd) or project_name(cwd, call)
        return ps(name, client=client, all=bool({"-a", "--all"} & set(call.args)),
                  services=[a for a in call.args if not a.startswith("-")])
    if call.subcommand in _TABLES and v2 and not any(a in ("-q", "--quiet", "--format") for a in call.args):
        return _json_table(call, cwd)
    if call.subcommand == "pull" and imagekit.pulls_allowed():
        return run_compose(call, cwd=cwd, say=say)  # asked for: Compose pulls from the registry
    if call.subcommand in ("up", "run", "create", "build", "pull"):
        config = compose_project.resolved_config(call, cwd)
        provided = compose_project.provide_images(config, client=client, cwd=cwd, say=say,
                                                  builds_only=call.subcommand == "build")
        if call.subcommand == "pull":  # no registry, or DOCKERMAGIC_NO_PULL: the image kit answers
            lines = [f"{ref}: {how}" for ref, how in provided.items()]
            for line in lines:
                say(line)
            return lines
        call = compose_project.without_pulls(call, v2=v2)
        name = (config or {}).get("name") or project_name(cwd, call)
        existing = compose_labels.project_volumes(name, client=client)
        # what makes containers, networks, volumes and images gets our labels
        with compose_labels.labelled(call, cwd, existing) as call:
            return run_compose(call, cwd=cwd, say=say)
    return run_compose(call, cwd=cwd, say=say)
