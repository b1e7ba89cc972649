"""``%docker`` / ``%%docker``: the docker CLI's syntax, carried out through the engine API.

Wired up: ps, run, stop, rm, start, restart, kill, logs, exec, inspect, port, top, stats,
images, pull, tag, rmi, version, info,
network …, volume …, build, compose, dashboard; others raise a UsageError naming them.
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
from .. import formatting, inspecting, lifecycle, pulling, networks, running, system, volumes


def _ps(argv, client):
    p = parse("ps", argv, PS_FLAGS)
    if p.args:
        raise CommandError(f"'docker ps' takes no arguments, got {' '.join(p.args)}.")
    if p.flags.get("watch"):
        return _lazy("widgets", "ContainersView", "docker ps --watch")(client=client)
    last = int(p.flags["last"]) if "last" in p.flags else None
    result = containers.ps(client=client, all=p.flags.get("all", False), filters=p.flags.get("filter"), last=last)
    no_trunc = p.flags.get("no_trunc", False)
    if p.flags.get("quiet"):
        return formatting.Lines([r["full_id"] if no_trunc else r["id"] for r in result.rows])
    if "format" in p.flags:
        return formatting.render(p.flags["format"],
                                 [containers.template_fields(r, no_trunc=no_trunc) for r in result.rows])
    return result


def _network(argv, client):
    # --watch is dockermagic's own: the live NetworksView instead of a one-off table.
    if argv[:1] in (["ls"], ["list"]) and "--watch" in argv:
        extra = [a for a in argv[1:] if a != "--watch"]
        if extra:
            raise CommandError(f"'docker network ls --watch' takes no other flags, got {' '.join(extra)}.")
        return _lazy("widgets", "NetworksView", "docker network ls --watch")(client=client)
    return networks.network_command(argv, client=client)


def _run(argv, client):
    import os

    p = parse("run", argv, RUN_FLAGS, stop_at_positional=True)
    if not p.args:
        raise CommandError("'docker run' needs an image.")
    done = {"detach", "name", "env", "publish", "volume", "network", "label", "rm", "workdir", "user",
            "hostname", "interactive", "tty", "env_file", "publish_all", "mount", "network_alias",
            "entrypoint", "restart", "init"}
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


def _names(cmd, argv, specs, fn, client, **conv):
    p = parse(cmd, argv, specs)
    kw = {k: conv[k](v) if k in conv else v for k, v in p.flags.items()}
    return fn(p.args, client=client, **kw)


def _rm(argv, client):
    return _names("rm", argv, [flag("force", "-f", "--force"), flag("volumes", "-v", "--volumes")],
                  lifecycle.rm, client)


def _start(argv, client):
    return _names("start", argv, [], lifecycle.start, client)


def _restart(argv, client):
    return _names("restart", argv, [flag("timeout", "-t", "--time", value=True)], lifecycle.restart, client,
                  timeout=int)


def _kill(argv, client):
    return _names("kill", argv, [flag("signal", "-s", "--signal", value=True)], lifecycle.kill, client)


def _logs(argv, client):
    p = parse("logs", argv, [flag("tail", "-n", "--tail", value=True), flag("timestamps", "-t", "--timestamps"),
                             flag("follow", "-f", "--follow"), flag("since", "--since", value=True)])
    if len(p.args) != 1:
        raise CommandError("'docker logs' needs exactly one container.")
    lifecycle.logs(p.args[0], client=client, **p.flags)  # printed already; nothing to display twice


def _exec(argv, client):
    p = parse("exec", argv, [flag("env", "-e", "--env", repeat=True), flag("workdir", "-w", "--workdir", value=True),
                             flag("user", "-u", "--user", value=True), flag("detach", "-d", "--detach"),
                             flag("interactive", "-i", "--interactive"), flag("tty", "-t", "--tty")],
              stop_at_positional=True)
    if len(p.args) < 2:
        raise CommandError("'docker exec' needs a container and a command.")
    # -i/-t: no terminal or stdin in a notebook; the command runs with its output streamed.
    kw = {k: v for k, v in p.flags.items() if k not in ("interactive", "tty")}
    return lifecycle.exec_(p.args[0], p.args[1:], client=client, **kw)


def _inspect(argv, client):
    p = parse("inspect", argv, [flag("type", "--type", value=True), flag("format", "-f", "--format", value=True)])
    fmt = p.flags.pop("format", None)
    result = inspecting.inspect(p.args, client=client, **p.flags)
    return formatting.render(fmt, result.data) if fmt else result


def _typed_inspect(kind):
    def route(argv, client):
        p = parse(f"{kind} inspect", argv, [flag("format", "-f", "--format", value=True)])
        result = inspecting.inspect(p.args, client=client, type=kind)
        return formatting.render(p.flags["format"], result.data) if "format" in p.flags else result
    return route


def _images(argv, client):
    p = parse("images", argv, [flag("all", "-a", "--all"), flag("quiet", "-q", "--quiet"),
                               flag("format", "--format", value=True)])
    if len(p.args) > 1:
        raise CommandError("'docker images' takes at most one REPOSITORY[:TAG].")
    t = system.images(client=client, all=p.flags.get("all", False), name=p.args[0] if p.args else None)
    if p.flags.get("quiet"):
        return formatting.Lines(list(dict.fromkeys(r["image_id"] for r in t.rows)))
    if "format" in p.flags:
        return formatting.render(p.flags["format"], [
            {"Repository": r["repository"], "Tag": r["tag"], "ID": r["image_id"], "CreatedAt": r["created"],
             "Size": r["size"]} for r in t.rows])
    return t


def _port(argv, client):
    p = parse("port", argv, [])
    if len(p.args) not in (1, 2):
        raise CommandError("'docker port' needs CONTAINER [PRIVATE_PORT[/PROTO]].")
    return formatting.Lines(containers.port(p.args[0], client=client, private=p.args[1] if len(p.args) == 2 else None))


def _top(argv, client):
    p = parse("top", argv, [])
    if len(p.args) != 1:
        raise CommandError("'docker top' needs exactly one container (ps options are not supported).")
    return containers.top(p.args[0], client=client)


def _stats(argv, client):
    p = parse("stats", argv, [flag("no_stream", "--no-stream"), flag("all", "-a", "--all")])
    if not p.flags.get("no_stream"):
        raise CommandError("'docker stats' streams forever; use 'docker stats --no-stream' in a notebook.")
    names = p.args or [r["full_id"] for r in containers.ps(client=client, all=p.flags.get("all", False)).rows]
    return containers.stats(names, client=client)


def _tag(argv, client):
    p = parse("tag", argv, [])
    if len(p.args) != 2:
        raise CommandError("'docker tag' needs SOURCE_IMAGE TARGET_IMAGE.")
    return system.tag(*p.args, client=client)


def _rmi(argv, client):
    return _names("rmi", argv, [flag("force", "-f", "--force")], system.rmi, client)


def _pull(argv, client):
    p = parse("pull", argv, [flag("quiet", "-q", "--quiet")])
    if len(p.args) != 1:
        raise CommandError("'docker pull' needs exactly one image.")
    return pulling.pull(p.args[0], client=client, say=(lambda _l: None) if p.flags.get("quiet") else print)


def _bare(cmd, fn):
    def route(argv, client):
        p = parse(cmd, argv, [])
        if p.args:
            raise CommandError(f"'docker {cmd}' takes no arguments.")
        return fn(client=client)
    return route


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
          "network": _network,
          "rm": _rm, "container rm": _rm, "start": _start, "container start": _start,
          "restart": _restart, "container restart": _restart, "kill": _kill, "container kill": _kill,
          "logs": _logs, "container logs": _logs, "exec": _exec, "container exec": _exec,
          "inspect": _inspect, "container inspect": _typed_inspect("container"),
          "image inspect": _typed_inspect("image"), "images": _images, "image ls": _images,
          "volume": lambda argv, client: volumes.volume_command(argv, client=client),
          "version": _bare("version", system.version), "info": _bare("info", system.info),
          "port": _port, "container port": _port, "top": _top, "container top": _top,
          "stats": _stats, "container stats": _stats, "tag": _tag, "image tag": _tag,
          "rmi": _rmi, "image rm": _rmi, "pull": _pull, "image pull": _pull}


def usage() -> str:
    """The ``%docker?`` text: the subcommands wired up, from ROUTES."""
    single = sorted(k for k in ROUTES if " " not in k)
    managed = sorted(k for k in ROUTES if " " in k)
    return ("Run docker CLI commands through the engine API, e.g. ``%docker ps -a``.\n\n"
            "A %%docker cell takes one command per line (``\\`` continues, ``#`` comments, a leading\n"
            "``docker`` is optional). Only $(pwd), ${PWD}, $PWD and ~ are expanded.\n\n"
            f"Subcommands: {', '.join(single)}.\nManagement forms: {', '.join(managed)}.\n"
            "network: create, ls, inspect, connect, disconnect, rm. volume: create, ls, inspect, rm.\n")


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


DockerMagics.docker.__doc__ = usage()
