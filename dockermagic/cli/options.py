"""Parsed words → the plain API's option dataclasses (RunOptions, BuildOptions, ComposeCall).

The grammar (``commands.py``) names each flag's ``dest`` after the field it fills, so most of this
is handing values over; what is left is the CLI's own value forms (``KEY=VALUE`` pairs).
"""

from __future__ import annotations

import dataclasses
import os

from ..engine.build import BuildOptions
from ..engine.compose import ComposeCall
from ..engine.running import RunOptions
from ..errors import ComposeError, CommandError
from ..values import key_values
from . import commands, grammar
from .grammar import Parsed


def _fields(cls, p: Parsed) -> dict:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in p.flags.items() if k in names}


def run_options(p: Parsed) -> RunOptions:
    """``docker run``'s flags as RunOptions (-i/-t have no field: a notebook has no terminal)."""
    return RunOptions(**_fields(RunOptions, p))


def build_options(p: Parsed) -> BuildOptions:
    """``docker build`` / ``%%dockerfile`` flags as BuildOptions; ``--build-arg KEY`` reads KEY from
    the environment, as the CLI does."""
    o = BuildOptions(**_fields(BuildOptions, p))
    o.buildargs = key_values(p.get("build_args"), "--build-arg", from_env=True)
    o.labels = key_values(p.get("labels"), "--label")
    return o


def build_line(argv: list[str]) -> tuple[str, BuildOptions, bool]:
    """A ``docker build`` argv → (context path, BuildOptions, quiet).

    Raises:
        CommandError: an unknown flag, a missing value, no or several context paths.
    """
    p = grammar.read(commands.BUILD, argv)
    return p.args[0], build_options(p), bool(p.get("quiet"))


_NAMED = ("files", "project", "project_dir")


def compose_call(p: Parsed) -> ComposeCall:
    """A parsed ``compose`` line → ComposeCall; global options other than -f/-p/--project-directory
    are passed on to Compose in their long spelling."""
    options = []
    for dest, value in p.flags.items():
        if dest in _NAMED:
            continue
        spelled = commands.COMPOSE.flag(dest).names[-1]
        for v in value if isinstance(value, list) else [value]:
            options += [spelled] if v is True else [] if v is False else [spelled, v]
    files = p.get("files", [])
    call = ComposeCall(p.args[0], list(p.args[1:]), files[0] if files else None, p.get("project"),
                       p.get("project_dir"), files[1:], options)
    if call.subcommand == "exec" and len([x for x in call.args if not x.startswith("-")]) < 2:
        raise ComposeError("compose exec needs a service and a command, e.g. exec db psql -U root.")
    return call


def _compose_read(command, argv: list[str]) -> Parsed:
    try:
        return grammar.read(command, argv)
    except CommandError as exc:  # Compose's errors are ComposeErrors, whichever layer found them
        raise ComposeError(str(exc)) from None


def parse_compose(argv: list[str]) -> ComposeCall:
    """``["-p", "shop", "up", "-d"]`` → ComposeCall. Raises ComposeError for a line Compose can't take."""
    return compose_call(_compose_read(commands.COMPOSE, argv))


def parse_define(argv: list[str], cwd: str) -> tuple[str | None, str, str | None]:
    """``%%compose`` options → (project name, project dir, file name or None to let Compose's rule choose)."""
    p = _compose_read(commands.COMPOSE_DEFINE, argv)
    pdir = os.path.abspath(os.path.join(cwd, p.get("project_dir"))) if p.get("project_dir") else cwd
    return p.get("project"), pdir, p.get("file")
