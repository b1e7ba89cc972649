"""The docker CLI's grammar as data: one ``Command`` per subcommand, read by one parser.

A ``Command`` lists its ``Flag``s (spellings, value or not, repeatable, choices, help) and its
positional ``Arg``s (with the kind of thing each names: container, image, network, …). The same
table parses a line (``read``), writes its ``--help`` (``help_text``) and feeds Tab completion
(``cli/completion.py``), so the three cannot drift apart.

The parser reads argv as the docker CLI does: short and long forms, ``--flag=value`` and
``--flag value``, ``-pVALUE``, repeatable flags (collected in a list), combined short booleans
(``-it``, ``-dit``), ``--`` ends the flags, and a command that takes a trailing command
(``run IMAGE CMD...``) stops at its first positional word. A word that began with a notebook
variable's value (``Literal``) is never a flag. Unknown flags raise CommandError naming them.

This module imports nothing of the engine: the tables live in ``cli/commands.py`` (and modules
that add their own, see ``register``).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field

from ..errors import CommandError
from ..values import parse_filters, whole_number  # noqa: F401  (their old home; routes import them here)

KINDS = ("container", "image", "network", "volume", "path", "service", "command", "text", "subcommand")


class Literal(str):
    """A word that began with the value of a Python variable: always an argument, never a flag."""


@dataclass(frozen=True)
class Flag:
    """One flag: ``dest`` name, its spellings, whether it takes a value, whether it repeats.

    ``kind`` says what a value names (one of KINDS, for completion); ``magic_only`` marks a flag
    only the notebook magic carries out (``--watch``: a live widget).
    """

    dest: str
    names: tuple[str, ...]
    takes_value: bool = False
    repeat: bool = False
    help: str = ""
    metavar: str = ""
    choices: tuple[str, ...] = ()
    kind: str = "text"
    magic_only: bool = False

    @property
    def shown_metavar(self) -> str:
        if not self.takes_value:
            return ""
        if self.metavar:
            return self.metavar
        if self.choices:
            return "{" + "|".join(self.choices) + "}"
        return "list" if self.repeat else "string"


@dataclass(frozen=True)
class Arg:
    """A positional argument: ``name`` as usage shows it (``IMAGE``), ``kind`` one of KINDS."""

    name: str
    kind: str = "text"
    repeat: bool = False
    optional: bool = False
    choices: tuple[str, ...] = ()

    @property
    def usage(self) -> str:
        text = self.name + ("..." if self.repeat else "")
        return f"[{text}]" if self.optional else text


@dataclass(frozen=True)
class Command:
    """One subcommand's grammar. ``name`` is how it is called (``"run"``, ``"network connect"``,
    ``"%%dockerfile"``); ``aliases`` are other spellings (``"container run"``)."""

    name: str
    summary: str
    flags: tuple[Flag, ...] = ()
    args: tuple[Arg, ...] = ()
    aliases: tuple[str, ...] = ()
    stops_at_positional: bool = False
    magic_only: bool = False
    usage: str = ""  # only where the generated one would mislead (``top CONTAINER [ps OPTIONS]``)
    notes: str = ""  # prose after the options in --help

    @property
    def spelled(self) -> str:
        """How messages name it: ``docker run``, ``%%dockerfile``."""
        return self.name if self.name.startswith("%") else f"docker {self.name}"

    def flag(self, dest: str) -> Flag:
        return next(f for f in self.flags if f.dest == dest)


@dataclass
class Parsed:
    """Flags by ``dest`` (only those given), the positional words in order, and ``help`` when
    ``--help`` was asked for (then nothing else was checked)."""

    flags: dict = field(default_factory=dict)
    args: list = field(default_factory=list)
    help: bool = False

    def get(self, dest: str, default=None):
        return self.flags.get(dest, default)


def flag(dest: str, *names: str, value: bool = False, repeat: bool = False, help: str = "", **more) -> Flag:
    """A Flag; ``repeat`` and ``choices`` imply a value; ``more``: metavar, choices, kind, magic_only."""
    more["choices"] = tuple(more.get("choices", ()))
    return Flag(dest, names, value or repeat or bool(more["choices"]), repeat, help, **more)


HELP_FLAG = "--help"


class _Reader:
    """One pass over argv for one Command."""

    def __init__(self, command: Command, argv: list[str]):
        self.command, self.argv = command, argv
        self.by_name = {n: f for f in command.flags for n in f.names}
        self.out = Parsed()
        self.i = 0

    def store(self, f: Flag, val) -> None:
        if f.choices and val not in f.choices:
            raise CommandError(f"'{self.command.spelled}' {f.names[-1]} takes {' or '.join(f.choices)}, "
                               f"not {str(val)[:40]!r}.")
        if f.repeat:
            self.out.flags.setdefault(f.dest, []).append(val)
        else:
            self.out.flags[f.dest] = val

    def value(self, spelled: str) -> str:
        self.i += 1
        if self.i >= len(self.argv):
            raise CommandError(f"'{self.command.spelled}': flag {spelled} needs a value.")
        return self.argv[self.i]

    def unknown(self, name: str, word: str) -> CommandError:
        where = f" (in {word})" if word != name else ""
        return CommandError(f"'{self.command.spelled}' does not support the flag {name}{where}.")

    def long(self, word: str) -> None:
        name, eq, val = word.partition("=")
        f = self.by_name.get(name)
        if f is None:
            if name == HELP_FLAG:
                self.out.help = True
                return
            raise self.unknown(name, name)
        if f.takes_value:
            self.store(f, val if eq else self.value(name))
        else:
            self.store(f, val.lower() not in ("false", "0") if eq else True)

    def shorts(self, word: str) -> None:
        for j in range(1, len(word)):
            name = "-" + word[j]
            f = self.by_name.get(name)
            if f is None:
                raise self.unknown(name, word)
            if f.takes_value:
                rest = word[j + 1:].removeprefix("=")
                self.store(f, rest if rest else self.value(name))
                return
            self.store(f, True)

    def read(self) -> Parsed:
        argv, out = self.argv, self.out
        while self.i < len(argv):
            word = argv[self.i]
            if word == "--" and not isinstance(word, Literal):
                out.args.extend(argv[self.i + 1:])
                break
            if isinstance(word, Literal) or not word.startswith("-") or word == "-" or word[1].isdigit():
                out.args.append(word)
                if self.command.stops_at_positional:
                    out.args.extend(argv[self.i + 1:])
                    break
            elif word.startswith("--"):
                self.long(word)
            else:
                self.shorts(word)
            self.i += 1
        return out


def _wanted(command: Command, missing: list[Arg]) -> str:
    """``exactly one container``, ``a container and a command``: the arguments still missing."""
    if len(command.args) == 1 and not missing[0].repeat:
        return f"exactly one {missing[0].kind}"
    said = []
    for a in missing:
        if a.kind == "text":
            said.append(a.name)
        elif a.repeat:
            said.append(f"at least one {a.kind}")
        else:
            said.append(f"{'an' if a.kind[0] in 'aeiou' else 'a'} {a.kind}")
    return " and ".join(said)


def check_args(command: Command, args: list[str]) -> None:
    """Raise one sentence when ``args`` do not fit ``command.args`` (too few, too many, a bad choice)."""
    usage = usage_line(command)
    required = [a for a in command.args if not a.optional]
    if len(args) < len(required):
        got = f", got only {' '.join(args)}" if args else ""
        raise CommandError(f"'{command.spelled}' needs {_wanted(command, required)}{got} ({usage}).")
    if not any(a.repeat for a in command.args) and len(args) > len(command.args):
        extra = " ".join(args[len(command.args):])
        if not command.args:
            raise CommandError(f"'{command.spelled}' takes no arguments, got {extra}.")
        raise CommandError(f"'{command.spelled}' takes at most {len(command.args)} argument"
                           f"{'s' if len(command.args) > 1 else ''}, got also {extra} ({usage}).")
    for a, word in zip(command.args, args):
        if a.choices and word not in a.choices:
            raise CommandError(f"'{command.spelled}': {word!r} is not a {a.kind}; "
                               f"expected one of {', '.join(a.choices)}.")


def read(command: Command, argv: list[str], *, check: bool = True) -> Parsed:
    """Parse ``argv`` (the words after the command's name) against ``command``.

    ``--help`` anywhere among the flags gives ``Parsed(help=True)``; ``check`` also checks the
    positional arguments against ``command.args``.

    Raises:
        CommandError: an unknown flag, a flag missing its value, a value not among its choices,
            too few or too many arguments.
    """
    parsed = _Reader(command, list(argv)).read()
    if check and not parsed.help:
        check_args(command, parsed.args)
    return parsed


def parse(command: str, argv: list[str], specs: list[Flag], *, stop_at_positional: bool = False) -> Parsed:
    """Parse ``argv`` against a bare list of flags (no positional checks); ``command`` names it in errors."""
    return read(Command(command, "", tuple(specs), stops_at_positional=stop_at_positional), argv, check=False)


# ---- the registry: every Command, by name and alias -------------------------------------------

# Modules that register more Commands (and their handlers, with routes.add_route).
EXTENSIONS = ("dockermagic.cli.swarm_commands", "dockermagic.cli.ownership_commands")
_COMMANDS: dict[str, Command] = {}
_LOADED: list[bool] = []


def register(*commands: Command) -> None:
    """Add Commands to the table (``cli/commands.py`` does, and so may another module; see routes)."""
    for c in commands:
        for key in (c.name, *c.aliases):
            _COMMANDS[key] = c


def commands() -> list[Command]:
    """Every registered Command once, in the order registered."""
    _load()
    return list(dict.fromkeys(_COMMANDS.values()))


def find(argv: list[str]) -> tuple[Command | None, int]:
    """The Command ``argv`` starts with (two words before one: ``network ls``), and how many
    words named it; ``(None, 0)`` when none does."""
    _load()
    for n in (2, 1):
        c = _COMMANDS.get(" ".join(argv[:n])) if len(argv) >= n else None
        if c is not None:
            return c, n
    return None, 0


def subcommands(group: str) -> list[Command]:
    """The Commands spelled ``GROUP SUB`` (``network`` → create, ls, …), each once."""
    _load()
    return list(dict.fromkeys(c for key, c in _COMMANDS.items() if key.startswith(group + " ")
                              and c.name.startswith(group + " ")))


def groups() -> list[str]:
    """Words that only start two-word commands (``network``, ``volume``; not ``container``, whose
    forms are aliases)."""
    _load()
    return list(dict.fromkeys(c.name.split()[0] for c in _COMMANDS.values() if " " in c.name))


def _load() -> None:
    """The docker CLI's table, then the modules that add to it (each only if it is there), whoever asks first."""
    if not _LOADED:
        _LOADED.append(True)
        from . import commands as _tables  # noqa: F401  (registers the docker CLI's commands)

        for name in EXTENSIONS:
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)


# ---- help -------------------------------------------------------------------------------------

def usage_line(command: Command) -> str:
    """``Usage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]`` without the ``Usage:`` word."""
    if command.usage:
        return f"{command.spelled} {command.usage}".strip()
    parts = [command.spelled] + (["[OPTIONS]"] if command.flags else []) + [a.usage for a in command.args]
    return " ".join(parts)


def flag_lines(flags: tuple[Flag, ...] | list[Flag]) -> list[str]:
    """``  -e, --env list         Set environment variables`` for each flag, as the CLI aligns them."""
    rows = []
    for f in flags:
        shorts = [n for n in f.names if not n.startswith("--")]
        longs = [n for n in f.names if n.startswith("--")]
        spelled = ", ".join(shorts + longs) if shorts else "    " + ", ".join(longs)
        rows.append((f"{spelled} {f.shown_metavar}".rstrip(), f.help + (" (notebook only)" if f.magic_only else "")))
    rows.append(("    --help", "Print usage"))
    width = max(len(left) for left, _ in rows) + 3
    return [f"  {left:<{width}}{right}".rstrip() for left, right in rows]


def help_text(command: Command) -> str:
    """The ``--help`` text for ``command``, laid out like the docker CLI's."""
    lines = [f"Usage:  {usage_line(command)}", "", command.summary]
    others = [a for a in (command.name, *command.aliases) if a != command.name]
    if others:
        lines += ["", "Aliases:", "  " + ", ".join(Command(a, "").spelled for a in (command.name, *others))]
    lines += ["", "Options:", *flag_lines(command.flags)]
    if command.notes:
        lines += ["", command.notes]
    return "\n".join(lines) + "\n"


def group_help(group: str) -> str:
    """``docker network --help``: the group's subcommands with their summaries."""
    subs = subcommands(group)
    width = max(len(c.name) for c in subs) - len(group) + 3
    rows = [f"  {c.name[len(group) + 1:]:<{width}}{c.summary}" for c in subs]
    return f"Usage:  docker {group} COMMAND\n\nCommands:\n" + "\n".join(rows) + "\n"


class Help:
    """Help text as a result: shows as plain text (never quoted), ``str()`` gives the text."""

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text.rstrip("\n")

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(repr(self))

    def __eq__(self, other) -> bool:
        return str(other) == self.text

    __hash__ = None
