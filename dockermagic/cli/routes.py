"""Carry out docker CLI command lines through the engine API, without IPython.

``run_command("ps -a", client=...)`` is what ``%docker ps -a`` does; ``run_cell(text)`` is
``%%docker``. Each subcommand word routes (through ``ROUTES``, like JupySQL's router dict) to a
small function that parses its flags with ``grammar.parse`` and calls the plain function in
containers/running/lifecycle/inspecting/networks/volumes/system/pulling. The magic in
``magics/docker.py`` only expands the line, calls this module and displays the result.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Any, Callable

from ..engine import containers
from . import formatting
from ..engine import inspecting, lifecycle, networks, pulling, running, system, volumes
from .words import split_commands
from ..errors import CommandError, Interrupted, engine_errors
from .grammar import PS_FLAGS, RUN_FLAGS, flag, parse, whole_number
from ..redaction import redact


@dataclass
class Context:
    """What a route needs besides its words: the client (made on first use), cwd, and ``out``."""

    cwd: str
    out: Callable[[str], None] = print
    given: Any = field(default=None, repr=False)

    def __post_init__(self):
        shown = self.out
        self.out = lambda line: shown(redact(line))  # every streamed line, whoever produced it

    @property
    def client(self):
        if self.given is None:
            from ..client import get_client

            self.given = get_client()  # EngineUnavailable says how to start the engine
        return self.given


def _ps(argv, ctx):
    p = parse("ps", argv, PS_FLAGS)
    if p.args:
        raise CommandError(f"'docker ps' takes no arguments, got {' '.join(p.args)}.")
    if p.flags.get("watch"):
        return _lazy("widgets", "ContainersView", "docker ps --watch")(client=ctx.client, filters=p.flags.get("filter"))
    last = whole_number("ps -n", p.flags["last"], low=-1) if "last" in p.flags else None
    result = containers.ps(client=ctx.client, all=p.flags.get("all", False), filters=p.flags.get("filter"),
                           last=last)
    no_trunc = p.flags.get("no_trunc", False)
    if p.flags.get("quiet"):
        return formatting.Lines([r["full_id"] if no_trunc else r["id"] for r in result.rows])
    if "format" in p.flags:
        return formatting.render(p.flags["format"],
                                 [containers.template_fields(r, no_trunc=no_trunc) for r in result.rows])
    return result


def _run(argv, ctx):
    p = parse("run", argv, RUN_FLAGS, stop_at_positional=True)
    if not p.args:
        raise CommandError("'docker run' needs an image.")
    # -i/-t: a notebook has no terminal; the container runs attached and its output streams
    # into the cell until it exits or the user interrupts (then it keeps running).
    kw = {k: v for k, v in p.flags.items() if k not in ("interactive", "tty")}
    if not kw.get("detach") and (p.flags.get("interactive") or p.flags.get("tty")):
        ctx.out("(-i/-t: a notebook has no terminal, so no input reaches the container; its output "
                "streams here — interrupt the cell to detach, or use -d.)")
    return running.run(p.args[0], p.args[1:], client=ctx.client, cwd=ctx.cwd, say=ctx.out, **kw)


def _stop(argv, ctx):
    p = parse("stop", argv, [flag("time", "-t", "--time", value=True)])
    if not p.args:
        raise CommandError("'docker stop' needs at least one container.")
    t = _int("stop -t", p.flags["time"]) if "time" in p.flags else None
    return formatting.Lines(running.stop(p.args, client=ctx.client, timeout=t))


def _int(what: str, value: str) -> int:
    return whole_number(what, value)


def _names(cmd, specs, fn, **conv):
    def route(argv, ctx):
        p = parse(cmd, argv, specs)
        kw = {k: conv[k](f"{cmd} {k}", v) if k in conv else v for k, v in p.flags.items()}
        return formatting.Lines(fn(p.args, client=ctx.client, **kw))
    return route


def _logs(argv, ctx):
    p = parse("logs", argv, [flag("tail", "-n", "--tail", value=True), flag("timestamps", "-t", "--timestamps"),
                             flag("follow", "-f", "--follow"), flag("since", "--since", value=True)])
    if len(p.args) != 1:
        raise CommandError("'docker logs' needs exactly one container.")
    return lifecycle.logs(p.args[0], client=ctx.client, say=ctx.out, **p.flags)


def _exec(argv, ctx):
    p = parse("exec", argv, [flag("env", "-e", "--env", repeat=True), flag("workdir", "-w", "--workdir", value=True),
                             flag("user", "-u", "--user", value=True), flag("detach", "-d", "--detach"),
                             flag("interactive", "-i", "--interactive"), flag("tty", "-t", "--tty")],
              stop_at_positional=True)
    if len(p.args) < 2:
        raise CommandError("'docker exec' needs a container and a command.")
    # -i/-t: no terminal or stdin in a notebook; the command runs with its output streamed.
    kw = {k: v for k, v in p.flags.items() if k not in ("interactive", "tty")}
    return lifecycle.exec_(p.args[0], p.args[1:], client=ctx.client, say=ctx.out, **kw)


def _inspect(kind=None):
    def route(argv, ctx):
        specs = [flag("format", "-f", "--format", value=True)]
        if kind is None:
            specs.append(flag("type", "--type", value=True))
        p = parse(f"{kind} inspect" if kind else "inspect", argv, specs)
        fmt = p.flags.pop("format", None)
        result = inspecting.inspect(p.args, client=ctx.client, type=kind or p.flags.get("type"))
        return formatting.render(fmt, result.data) if fmt else result
    return route


def _images(argv, ctx):
    p = parse("images", argv, [flag("all", "-a", "--all"), flag("quiet", "-q", "--quiet"),
                               flag("format", "--format", value=True)])
    if len(p.args) > 1:
        raise CommandError("'docker images' takes at most one REPOSITORY[:TAG].")
    t = system.images(client=ctx.client, all=p.flags.get("all", False), name=p.args[0] if p.args else None)
    if p.flags.get("quiet"):
        return formatting.Lines(list(dict.fromkeys(r["image_id"] for r in t.rows)))
    if "format" in p.flags:
        return formatting.render(p.flags["format"], [
            {"Repository": r["repository"], "Tag": r["tag"], "ID": r["image_id"], "CreatedAt": r["created"],
             "Size": r["size"]} for r in t.rows])
    return t


def _port(argv, ctx):
    p = parse("port", argv, [])
    if len(p.args) not in (1, 2):
        raise CommandError("'docker port' needs CONTAINER [PRIVATE_PORT[/PROTO]].")
    private = p.args[1] if len(p.args) == 2 else None
    return formatting.Lines(containers.port(p.args[0], client=ctx.client, private=private))


def _top(argv, ctx):
    # Like the CLI: `docker top CONTAINER [ps OPTIONS]`; everything after the container goes to ps.
    if not argv or argv[0].startswith("-"):
        raise CommandError("'docker top' needs CONTAINER [ps OPTIONS], e.g. 'top web -o pid,comm'.")
    return containers.top(argv[0], client=ctx.client, ps_args=" ".join(argv[1:]) or None)


def _stats(argv, ctx):
    p = parse("stats", argv, [flag("no_stream", "--no-stream"), flag("all", "-a", "--all")])
    if not p.flags.get("no_stream"):
        raise CommandError("'docker stats' streams forever; use 'docker stats --no-stream' in a notebook.")
    names = p.args or [r["full_id"] for r in containers.ps(client=ctx.client, all=p.flags.get("all", False)).rows]
    return containers.stats(names, client=ctx.client)


def _tag(argv, ctx):
    p = parse("tag", argv, [])
    if len(p.args) != 2:
        raise CommandError("'docker tag' needs SOURCE_IMAGE TARGET_IMAGE.")
    return system.tag(*p.args, client=ctx.client)


def _pull(argv, ctx):
    p = parse("pull", argv, [flag("quiet", "-q", "--quiet")])
    if len(p.args) != 1:
        raise CommandError("'docker pull' needs exactly one image.")
    return pulling.pull(p.args[0], client=ctx.client, say=(lambda _l: None) if p.flags.get("quiet") else ctx.out)


def _bare(cmd, fn):
    def route(argv, ctx):
        p = parse(cmd, argv, [])
        if p.args:
            raise CommandError(f"'docker {cmd}' takes no arguments.")
        return fn(client=ctx.client)
    return route


def _network(argv, ctx):
    # --watch is dockermagic's own: the live NetworksView instead of a one-off table.
    if argv[:1] in (["ls"], ["list"]) and "--watch" in argv:
        extra = [a for a in argv[1:] if a != "--watch"]
        if extra:
            raise CommandError(f"'docker network ls --watch' takes no other flags, got {' '.join(extra)}.")
        return _lazy("widgets", "NetworksView", "docker network ls --watch")(client=ctx.client)
    return networks.network_command(argv, client=ctx.client)


def _lazy(module: str, attr: str, what: str):
    """A function another part of dockermagic owns, imported on first use."""
    try:
        return getattr(importlib.import_module(f"dockermagic.{module}"), attr)
    except (ImportError, AttributeError):
        raise CommandError(f"'{what}' is not available yet: dockermagic.{module}.{attr} is missing.") from None


ROUTES: dict[str, Callable] = {
    "ps": _ps, "container ls": _ps, "container list": _ps, "run": _run, "container run": _run,
    "stop": _stop, "container stop": _stop,
    "rm": _names("rm", [flag("force", "-f", "--force"), flag("volumes", "-v", "--volumes")], lifecycle.rm),
    "start": _names("start", [], lifecycle.start),
    "restart": _names("restart", [flag("timeout", "-t", "--time", value=True)], lifecycle.restart, timeout=_int),
    "kill": _names("kill", [flag("signal", "-s", "--signal", value=True)], lifecycle.kill),
    "logs": _logs, "exec": _exec, "inspect": _inspect(), "port": _port, "top": _top, "stats": _stats,
    "container inspect": _inspect("container"), "image inspect": _inspect("image"),
    "images": _images, "image ls": _images, "image list": _images, "tag": _tag, "image tag": _tag,
    "rmi": _names("rmi", [flag("force", "-f", "--force")], system.rmi), "pull": _pull, "image pull": _pull,
    "network": _network, "volume": lambda argv, ctx: volumes.volume_command(argv, client=ctx.client),
    "version": _bare("version", system.version), "info": _bare("info", system.info),
    "build": lambda argv, ctx: _lazy("engine.build", "build_command", "docker build")(argv, client=ctx.client, cwd=ctx.cwd,
                                                                                 say=ctx.out),
    # ctx.given, not ctx.client: only `compose ps` asks the engine, and then the caller's client.
    "compose": lambda argv, ctx: _lazy("engine.compose", "compose_command", "docker compose")(argv, cwd=ctx.cwd,
                                                                                       client=ctx.given, say=ctx.out),
    "dashboard": lambda argv, ctx: _lazy("widgets", "Dashboard", "docker dashboard")(client=ctx.client),
}
for _sub in ("rm", "start", "restart", "kill", "logs", "exec", "port", "top", "stats"):
    ROUTES[f"container {_sub}"] = ROUTES[_sub]
ROUTES["image rm"] = ROUTES["rmi"]


def usage() -> str:
    """The ``%docker?`` text: how a cell is read, what is expanded, and the subcommands in ROUTES."""
    single = sorted(k for k in ROUTES if " " not in k)
    managed = sorted(k for k in ROUTES if " " in k)
    return (
        "Run docker CLI commands through the engine API (never a shell), e.g. ``%docker ps -a``.\n\n"
        "A %%docker cell takes one command per line: ``\\`` continues a line, ``#`` at the start of a\n"
        "word starts a comment (``-e PW=abc#123`` keeps its #), a newline inside quotes stays in the word,\n"
        "a leading ``docker`` is optional, quoting is a POSIX shell's.\n\n"
        "Expanded, and nothing else:\n"
        "  {name} / {obj.attr} / $name  the value of a Python variable of the notebook ($name only\n"
        "                               when that variable exists; Go templates {{.Names}} and\n"
        "                               shell-style ${X} are left alone);\n"
        "  $(pwd), ${PWD}, $PWD         the notebook's directory; a leading ~ is the home directory;\n"
        "                               relative -v/--mount host paths count from the notebook.\n"
        "As in a shell, nothing inside '...' or after a # comment is expanded (not ~, $PWD, $(pwd)).\n"
        "A variable's value is always one word: never split at spaces, never expanded again, and a\n"
        "word that starts with a value is never read as a flag.\n"
        "Any other $(...) or `...` is refused: there is no command substitution.\n\n"
        "Results bind: ``x = %docker ps`` (HTML table, text, x.to_frame()); likewise logs, inspect,\n"
        "top, stats, images, version, info, network/volume ls; exec gives x.exit_code.\n\n"
        "-i/-t: a notebook has no terminal; `run -it` runs attached and streams the output.\n"
        "Interrupting (Ctrl-C, the stop button) an attached `run`, `logs -f` or `exec` detaches: the\n"
        "container keeps running, one line says how to stop it, and the rest of the cell does not run.\n\n"
        f"Subcommands: {', '.join(single)}.\nManagement forms: {', '.join(managed)}.\n"
        "network: create, ls, inspect, connect, disconnect, rm, prune. "
        "volume: create, ls, inspect, rm, prune.\n"
        "From code: dockermagic.cli.routes.run_command('ps -a', client=...).\n")


_NOTHING = "No docker command given: write one such as 'ps -a' ('%docker?' lists them)."


def _route(argv: list[str], ctx: Context):
    key = " ".join(argv[:2])
    if key not in ROUTES:
        key = argv[0]
    route = ROUTES.get(key)
    if route is None:
        what = " ".join(argv[:2]) if argv[0] in ("container", "image") else argv[0]
        raise CommandError(f"'docker {what}' is not supported by %docker ('%docker?' lists what is).")
    try:
        # What a route did not turn into a sentence itself (the engine vanished, the SDK refused).
        with engine_errors(f"carry out 'docker {key}'"):
            return route(argv[len(key.split()):], ctx)
    except Interrupted:
        raise
    except KeyboardInterrupt as exc:
        # A call that has no Ctrl-C story of its own (stop, stats, a stand-in build, …) was cut.
        raise Interrupted(f"Interrupted 'docker {key}' before it finished; nothing of it runs here, though the "
                          "engine may still complete that request.") from exc


def run_command(command: str | list[str], *, client=None, cwd: str | None = None,
                out: Callable[[str], None] = print, namespace: dict | None = None):
    """Carry out one docker command line; similar to typing ``docker <command>`` in a terminal.

    Args:
        command: the words after ``docker`` as one string (``"ps -a"``, ``$(pwd)`` and ``~``
            expanded as in the magic) or as an argv list (used as given).
        client: a docker client; by default the shared one (``client.get_client()``).
        cwd: where relative host paths and ``$(pwd)`` point; default the current directory.
        out: receives streamed output lines (attached ``run``, ``logs -f``, ``exec``, ``pull``).
        namespace: variables for ``{name}``/``$name`` (the magic passes the notebook's).

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
    return _route(argv, Context(cwd, out, client))


def run_cell(text: str, *, client=None, cwd: str | None = None, out: Callable[[str], None] = print,
             show: Callable[[Any], None] | None = None, namespace: dict | None = None):
    """Carry out every command of a ``%%docker`` cell in order; returns the last one's result.

    ``show`` receives the results before the last (the magic displays them), so a cell with
    ``network ls`` and ``ps`` shows both. Stops at the first error.

    Raises:
        Interrupted: Ctrl-C at any command; the commands after it do not run, and the message says
            what is still running, how to stop it and how many commands were skipped.
        The first error of any command, as ``run_command`` does.
    """
    cwd = cwd or os.getcwd()
    ctx = Context(cwd, out, client)
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
