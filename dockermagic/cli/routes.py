"""Carry out docker CLI command lines through the engine API, without IPython.

``run_command("ps -a", client=...)`` is what ``%docker ps -a`` does; ``run_cell(text)`` is
``%%docker``. The words (``words.py``) are matched to a Command of the grammar table
(``grammar.find``), read against it (``grammar.read``: flags, arguments, ``--help``), and handed
to that Command's handler (``handlers.py``, like JupySQL's router dict), which calls the plain
function in ``dockermagic.engine``. The magic in ``magics/docker.py`` only passes the notebook's
variables and its live views, and displays the result.

Another module adds Commands with ``grammar.register`` and their handlers with ``add_route``;
``grammar.EXTENSIONS`` lists the modules loaded with the table (each only if it is there).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

from . import grammar
from .grammar import Help
from .handlers import HANDLERS
from .words import split_commands
from ..errors import CommandError, Interrupted, engine_errors
from ..redaction import redact

ROUTES: dict[str, Callable] = dict(HANDLERS)
# What only the notebook can show, and where the plain API finds it instead.
LIVE = {"ps --watch": "ContainersView(client=..., filters=[...])", "network ls --watch": "NetworksView(client=...)",
        "dashboard": "Dashboard(client=...)"}


def add_route(name: str, handler: Callable) -> None:
    """Carry out the Command called ``name`` (registered with ``grammar.register``) with
    ``handler(parsed, ctx)``."""
    ROUTES[name] = handler


@dataclass
class Context:
    """What a route needs besides its words: the client (made on first use), cwd, ``out``, and the
    magic's live views (``live``: ``"ps --watch"`` → ``f(parsed, ctx)``)."""

    cwd: str
    out: Callable[[str], None] = print
    given: Any = field(default=None, repr=False)
    live: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        shown = self.out
        self.out = lambda line: shown(redact(line))  # every streamed line, whoever produced it

    @property
    def client(self):
        if self.given is None:
            from ..client import get_client

            self.given = get_client()  # EngineUnavailable says how to start the engine
        return self.given

    def live_view(self, key: str, parsed):
        """The magic's live view ``key`` (``"ps --watch"``); from plain code, a sentence saying where it is."""
        if key not in self.live:
            raise CommandError(f"'docker {key}' is a live view for notebooks: use %docker {key} there, or "
                               f"dockermagic.widgets.{LIVE[key]} from code.")
        return self.live[key](parsed, self)


def usage() -> str:
    """The ``%docker?`` text: how a cell is read, what is expanded, and every subcommand with its summary."""
    listed = [c for c in grammar.commands() if not c.name.startswith("%")]
    width = max(len(c.name) for c in listed) + 3
    rows = "\n".join(f"  {c.name:<{width}}{c.summary}" for c in listed)
    aliases = ", ".join(a for c in listed for a in c.aliases if not a.startswith("%"))
    return (
        "Run docker CLI commands through the engine API (never a shell), e.g. ``%docker ps -a``.\n\n"
        "A %%docker cell takes one command per line: ``\\`` continues a line, ``#`` at the start of a\n"
        "word starts a comment (``-e PW=abc#123`` keeps its #), a newline inside quotes stays in the word,\n"
        "a leading ``docker`` is optional, quoting is a POSIX shell's. ``docker compose …`` and\n"
        "``docker-compose …`` lines run Compose.\n\n"
        "Expanded, and nothing else:\n"
        "  {name} / {obj.attr} / $name  the value of a Python variable of the notebook ($name only\n"
        "                               when that variable exists; Go templates {{.Names}} and\n"
        "                               shell-style ${X} are left alone);\n"
        "  $(pwd), ${PWD}, $PWD         the notebook's directory; a leading ~ is the home directory;\n"
        "                               relative -v/--mount host paths count from the notebook.\n"
        "As in a shell, nothing inside '...' or after a # comment is expanded (not ~, $PWD, $(pwd)).\n"
        "A variable's value is always one word: never split at spaces, never expanded again, and a\n"
        "word that starts with a value is never read as a flag.\n"
        "Any other $(...) or `...` is refused: there is no command substitution.\n"
        "The first lines of %%dockerfile and %%compose, and %compose, are read the same way.\n\n"
        "Results bind: ``x = %docker ps`` (HTML table, text, x.to_frame()); likewise logs, inspect,\n"
        "top, stats, images, version, info, network/volume ls; exec gives x.exit_code.\n\n"
        "-i/-t: a notebook has no terminal; `run -it` runs attached and streams the output.\n"
        "Interrupting (Ctrl-C, the stop button) an attached `run`, `logs -f` or `exec` detaches: the\n"
        "container keeps running, one line says how to stop it, and the rest of the cell does not run.\n\n"
        f"Commands (``%docker help COMMAND`` or ``%docker COMMAND --help`` for its options):\n{rows}\n"
        f"Also spelled: {aliases}.\n"
        "From code: dockermagic.cli.routes.run_command('ps -a', client=...).\n")


def _help(p, ctx):
    if not p.args:
        return Help(usage())
    command, n = grammar.find(p.args)
    if command is not None and n == len(p.args):
        return Help(grammar.help_text(command))
    if len(p.args) == 1 and p.args[0] in grammar.groups():
        return Help(grammar.group_help(p.args[0]))
    raise CommandError(f"'docker {' '.join(p.args)}' is not a command %docker knows ('%docker help' lists them).")


ROUTES["help"] = _help


def _unknown(argv: list[str]) -> CommandError | Help:
    """What a line naming no Command gets: a group's help or sentence, else 'not supported'."""
    word = argv[0]
    if word in grammar.groups():
        subs = ", ".join(c.name.split(" ", 1)[1] for c in grammar.subcommands(word))
        if len(argv) == 1:
            return CommandError(f"'docker {word}' needs a subcommand: {subs}.")
        if argv[1] == "--help":
            return Help(grammar.group_help(word))
        return CommandError(f"'docker {word} {argv[1]}' is not supported; 'docker {word}' has {subs}.")
    what = " ".join(argv[:2]) if word in ("container", "image") else word
    return CommandError(f"'docker {what}' is not supported by %docker ('%docker?' lists what is).")


_NOTHING = "No docker command given: write one such as 'ps -a' ('%docker?' lists them)."


def _route(argv: list[str], ctx: Context):
    if argv[0] == "docker-compose":  # as older tutorials write it: the same Compose route
        argv = ["compose", *argv[1:]]
    command, n = grammar.find(argv)
    if command is None or command.name not in ROUTES:
        problem = _unknown(argv)
        if isinstance(problem, Help):
            return problem
        raise problem
    p = grammar.read(command, argv[n:])
    if p.help:
        return Help(grammar.help_text(command))
    key = command.name
    try:
        # What a route did not turn into a sentence itself (the engine vanished, the SDK refused).
        with engine_errors(f"carry out 'docker {key}'"):
            return ROUTES[key](p, ctx)
    except Interrupted:
        raise
    except KeyboardInterrupt as exc:
        # A call that has no Ctrl-C story of its own (stop, stats, a stand-in build, …) was cut.
        raise Interrupted(f"Interrupted 'docker {key}' before it finished; nothing of it runs here, though the "
                          "engine may still complete that request.") from exc


def run_command(command: str | list[str], *, client=None, cwd: str | None = None,
                out: Callable[[str], None] = print, namespace: dict | None = None, live: dict | None = None):
    """Carry out one docker command line; similar to typing ``docker <command>`` in a terminal.

    Args:
        command: the words after ``docker`` as one string (``"ps -a"``, ``$(pwd)`` and ``~``
            expanded as in the magic) or as an argv list (used as given).
        client: a docker client; by default the shared one (``client.get_client()``).
        cwd: where relative host paths and ``$(pwd)`` point; default the current directory.
        out: receives streamed output lines (attached ``run``, ``logs -f``, ``exec``, ``pull``).
        namespace: variables for ``{name}``/``$name`` (the magic passes the notebook's).
        live: the magic's live views by key (``"ps --watch"``); without them those lines say
            where the view is in ``dockermagic.widgets``.

    Returns:
        The subcommand's result object (e.g. ContainerList for ``ps``; see each module).

    Raises:
        CommandError: unknown subcommand or flag, bad arguments, more than one command.
        EngineUnavailable: no engine answers (the message says how to start one).
        DockerMagicError: the engine refused (one sentence).
    """
    cwd = cwd or os.getcwd()
    if isinstance(command, str):
        commands = split_commands(command, cwd=cwd, namespace=namespace)
        if not commands:
            raise CommandError(_NOTHING)
        if len(commands) != 1:
            raise CommandError(f"run_command takes one command, got {len(commands)}; use run_cell for several.")
        argv = commands[0]
    else:
        argv = list(command)
        if argv[:1] == ["docker"]:
            argv = argv[1:]
        if not argv:
            raise CommandError(_NOTHING)
    return _route(argv, Context(cwd, out, client, live or {}))


def run_cell(text: str, *, client=None, cwd: str | None = None, out: Callable[[str], None] = print,
             show: Callable[[Any], None] | None = None, namespace: dict | None = None, live: dict | None = None):
    """Carry out every command of a ``%%docker`` cell in order; returns the last one's result.

    ``show`` receives the results before the last (the magic displays them), so a cell with
    ``network ls`` and ``ps`` shows both. Stops at the first error.

    Raises:
        Interrupted: Ctrl-C at any command; the commands after it do not run, and the message says
            what is still running, how to stop it and how many commands were skipped.
        The first error of any command, as ``run_command`` does.
    """
    cwd = cwd or os.getcwd()
    ctx = Context(cwd, out, client, live or {})
    result = None
    commands = split_commands(text, cwd=cwd, namespace=namespace)
    if not commands:
        raise CommandError(_NOTHING)
    for number, argv in enumerate(commands, 1):
        try:
            if result is not None and show is not None:
                show(result)
            result = _route(argv, ctx)
        except KeyboardInterrupt as exc:
            raise _cell_stopped(exc, number, len(commands)) from exc
    return result


def _cell_stopped(exc: KeyboardInterrupt, number: int, total: int) -> Interrupted:
    """The interrupt of one command, saying also that the cell stopped there."""
    said = str(exc).rstrip(".") if isinstance(exc, Interrupted) else "Interrupted"
    skipped = total - number
    if skipped:
        said += (f"; the cell stopped at command {number} of {total}, "
                 f"the {'one' if skipped == 1 else skipped} after it did not run")
    return Interrupted(said + ".", partial=getattr(exc, "partial", None))


grammar.commands()  # the table and the modules that add to it, with their handlers
