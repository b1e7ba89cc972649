"""Docker CLI flag grammar: per-subcommand flag specs and a parser that reads argv like the CLI.

Supports short and long forms, ``--flag=value`` and ``--flag value``, ``-pVALUE``,
repeatable flags (collected in a list), combined short booleans (``-it``, ``-dit``) and
stops at the first positional argument for commands that take a trailing command
(``run IMAGE CMD...``, ``exec CONTAINER CMD...``). Unknown flags raise CommandError naming them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import CommandError


class Literal(str):
    """A word that began with the value of a Python variable: always an argument, never a flag."""


@dataclass(frozen=True)
class Flag:
    """One flag: ``dest`` name, its spellings, whether it takes a value, whether it repeats."""

    dest: str
    names: tuple[str, ...]
    takes_value: bool = False
    repeat: bool = False


@dataclass
class Parsed:
    """Flags by ``dest`` and the positional words, in order."""

    flags: dict = field(default_factory=dict)
    args: list = field(default_factory=list)


def flag(dest: str, *names: str, value: bool = False, repeat: bool = False) -> Flag:
    return Flag(dest, names, value or repeat, repeat)


def parse(command: str, argv: list[str], specs: list[Flag], *, stop_at_positional: bool = False) -> Parsed:
    """Parse ``argv`` (words after the subcommand) against ``specs``.

    Raises:
        CommandError: an unknown flag, or a flag missing its value.
    """
    by_name = {n: f for f in specs for n in f.names}
    out = Parsed()
    i = 0

    def store(f: Flag, val):
        if f.repeat:
            out.flags.setdefault(f.dest, []).append(val)
        else:
            out.flags[f.dest] = val

    def need_value(f: Flag, spelled: str):
        nonlocal i
        i += 1
        if i >= len(argv):
            raise CommandError(f"'docker {command}': flag {spelled} needs a value.")
        return argv[i]

    while i < len(argv):
        word = argv[i]
        if isinstance(word, Literal):
            out.args.append(word)
            if stop_at_positional:
                out.args.extend(argv[i + 1:])
                break
        elif word == "--":
            out.args.extend(argv[i + 1:])
            break
        if word.startswith("--") and len(word) > 2:
            name, eq, val = word.partition("=")
            f = by_name.get(name)
            if f is None:
                raise CommandError(f"'docker {command}' does not support the flag {name}.")
            if f.takes_value:
                store(f, val if eq else need_value(f, name))
            elif eq:
                store(f, val.lower() not in ("false", "0"))
            else:
                store(f, True)
        elif word.startswith("-") and len(word) > 1 and not word[1].isdigit():
            j = 1
            while j < len(word):
                name = "-" + word[j]
                f = by_name.get(name)
                if f is None:
                    raise CommandError(f"'docker {command}' does not support the flag {name} (in {word}).")
                if f.takes_value:
                    rest = word[j + 1:].removeprefix("=")
                    store(f, rest if rest else need_value(f, name))
                    break
                store(f, True)
                j += 1
        else:
            out.args.append(word)
            if stop_at_positional:
                out.args.extend(argv[i + 1:])
                break
        i += 1
    return out


RUN_FLAGS = [
    flag("detach", "-d", "--detach"), flag("name", "--name", value=True),
    flag("env", "-e", "--env", repeat=True), flag("env_file", "--env-file", repeat=True),
    flag("publish", "-p", "--publish", repeat=True), flag("publish_all", "-P", "--publish-all"),
    flag("volume", "-v", "--volume", repeat=True), flag("mount", "--mount", repeat=True),
    flag("network", "--network", "--net", value=True),
    flag("network_alias", "--network-alias", repeat=True), flag("rm", "--rm"),
    flag("workdir", "-w", "--workdir", value=True), flag("entrypoint", "--entrypoint", value=True),
    flag("user", "-u", "--user", value=True), flag("hostname", "-h", "--hostname", value=True),
    flag("label", "-l", "--label", repeat=True), flag("restart", "--restart", value=True),
    flag("init", "--init"), flag("interactive", "-i", "--interactive"), flag("tty", "-t", "--tty"),
]

PS_FLAGS = [
    flag("all", "-a", "--all"), flag("quiet", "-q", "--quiet"), flag("last", "-n", "--last", value=True),
    flag("filter", "-f", "--filter", repeat=True), flag("format", "--format", value=True),
    flag("no_trunc", "--no-trunc"), flag("watch", "--watch"),
]


def whole_number(what: str, value, *, low: int = 0, high: int = 2**31 - 1) -> int:
    """``value`` as an int in ``low..high``, read as the CLI reads numbers (ASCII digits, an
    optional leading ``-``); ``what`` names the flag in the error (``"ps -n"``).

    Raises:
        CommandError: not a whole number, or out of range.
    """
    text = str(value).strip()
    if not re.fullmatch(r"-?[0-9]{1,19}", text):
        raise CommandError(f"'docker {what}' needs a whole number, got {str(value)[:40]!r}.")
    number = int(text)
    if not low <= number <= high:
        raise CommandError(f"'docker {what}' must be between {low} and {high}, got {text}.")
    return number


def parse_filters(filters: list[str] | None) -> dict[str, list[str]]:
    """``--filter key=value`` strings → the engine's filter dict (``label=a=b`` keeps ``a=b``).

    Similar to how the docker CLI reads repeated ``--filter`` flags: one key may repeat.

    Raises:
        CommandError: a filter without ``=`` or with nothing after it.
    """
    out: dict[str, list[str]] = {}
    for f in filters or []:
        key, eq, value = f.partition("=")
        if not eq or not value:
            raise CommandError(f"The filter {f!r} must look like key=value.")
        out.setdefault(key, []).append(value)
    return out


def parse_prune(command: str, argv: list[str]) -> list[str] | None:
    """Parse ``docker network|volume prune``; returns its ``--filter`` values.

    The CLI asks for confirmation without -f, and a notebook cannot answer, so -f is required.
    """
    p = parse(command, argv, [flag("force", "-f", "--force"), flag("filters", "--filter", repeat=True)])
    if not p.flags.get("force"):
        raise CommandError(f"'docker {command}' asks for confirmation, and a notebook cannot answer: "
                           "add -f (and --filter label=… to limit what goes).")
    return p.flags.get("filters")
