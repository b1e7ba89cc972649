"""``%docker`` / ``%%docker``: the docker CLI's syntax, carried out through the engine API.

Only ``ps`` is wired up so far; other subcommands raise a UsageError naming them.
IPython's ``{var}``/``$var`` expansion is switched off (``@no_var_expand``) so Go templates
like ``--format '{{.Names}}'`` and ``$(pwd)`` reach dockermagic.commandline unchanged.
"""

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand

from .. import client as dm_client
from .. import containers
from ..commandline import split_commands
from ..errors import CommandError, DockerMagicError
from ..grammar import PS_FLAGS, RUN_FLAGS, flag, parse
from .. import networks, running


def _ps(argv, client):
    p = parse("ps", argv, PS_FLAGS)
    if p.args:
        raise CommandError(f"'docker ps' takes no arguments, got {' '.join(p.args)}.")
    if p.flags.get("watch"):
        return _lazy("widgets", "ContainersView", "docker ps --watch")(client=client)
    unsupported = [k for k in ("quiet", "format", "no_trunc") if k in p.flags]
    if unsupported:
        raise CommandError(f"'docker ps' flag(s) not implemented yet: {', '.join(unsupported)}.")
    last = int(p.flags["last"]) if "last" in p.flags else None
    return containers.ps(client=client, all=p.flags.get("all", False), filters=p.flags.get("filter"), last=last)


def _run(argv, client):
    import os

    p = parse("run", argv, RUN_FLAGS, stop_at_positional=True)
    if not p.args:
        raise CommandError("'docker run' needs an image.")
    done = {"detach", "name", "env", "publish", "volume", "network", "label", "rm", "workdir", "user",
            "hostname", "interactive", "tty"}
    unsupported = sorted(set(p.flags) - done)
    if unsupported:
        raise CommandError(f"'docker run' flag(s) not implemented yet: {', '.join(unsupported)}.")
    # -i/-t: a notebook has no terminal; the container runs attached and its output streams
    # into the cell until it exits or the user interrupts (then it keeps running).
    kw = {k: v for k, v in p.flags.items() if k not in ("interactive", "tty")}
    return running.run(p.args[0], p.args[1:], client=client, cwd=os.getcwd(), **kw)


def _stop(argv, client):
    p = parse("stop", argv, [flag("time", "-t", "--time", value=True)])
    if not p.args:
        raise CommandError("'docker stop' needs at least one container.")
    t = int(p.flags["time"]) if "time" in p.flags else None
    return running.stop(p.args, client=client, timeout=t)


def _lazy(module: str, attr: str, what: str):
    """Route to a function another part of dockermagic owns, imported on first use."""
    import importlib

    try:
        return getattr(importlib.import_module(f"dockermagic.{module}"), attr)
    except (ImportError, AttributeError):
        raise CommandError(f"'{what}' is not available yet: dockermagic.{module}.{attr} is missing.") from None


def _build(argv, client):
    import os

    return _lazy("build", "build_command", "docker build")(argv, client=client, cwd=os.getcwd())


def _compose(argv, client):
    import os

    return _lazy("compose", "compose_command", "docker compose")(argv, cwd=os.getcwd())


def _dashboard(argv, client):
    return _lazy("widgets", "Dashboard", "docker dashboard")(client=client)


ROUTES = {"build": _build, "compose": _compose, "dashboard": _dashboard, "ps": _ps, "container ls": _ps, "run": _run, "container run": _run, "stop": _stop,
          "container stop": _stop,
          "network": lambda argv, client: networks.network_command(argv, client=client)}


@magics_class
class DockerMagics(Magics):
    @no_var_expand
    @line_cell_magic
    def docker(self, line, cell=None):
        """Run docker CLI commands through the engine API, e.g. ``%docker ps -a``."""
        import os

        text = line if cell is None else cell
        try:
            result = None
            for argv in split_commands(text, cwd=os.getcwd()):
                key = " ".join(argv[:2]) if " ".join(argv[:2]) in ROUTES else argv[0]
                route = ROUTES.get(key)
                if route is None:
                    raise CommandError(f"'docker {argv[0]}' is not supported by %docker yet.")
                rest = argv[len(key.split()):]
                result = route(rest, dm_client.get_client())
            return result
        except DockerMagicError as exc:
            raise UsageError(str(exc)) from None
