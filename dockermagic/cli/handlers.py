"""One small function per docker subcommand: parsed words in, a plain API call, its result out.

Each handler takes ``(p, ctx)``: ``p`` is the ``grammar.Parsed`` line, already checked against its
Command's flags and arguments (``commands.py``); ``ctx`` gives ``client``, ``cwd``, ``out`` (streamed
lines) and ``live_view`` (what only the magic can show). ``HANDLERS`` maps Command names to them;
``routes.py`` dispatches.
"""

from __future__ import annotations

import os
from typing import Callable

from ..engine import build, compose, containers, inspecting, lifecycle, networks, pulling, running, system, volumes
from ..client import loopback_note, remote_host
from ..errors import CommandError
from ..values import whole_number
from . import formatting
from .options import build_options, compose_call, run_options

HANDLERS: dict[str, Callable] = {}


def handles(*names: str):
    def register(fn):
        for name in names:
            HANDLERS[name] = fn
        return fn
    return register


@handles("ps")
def _ps(p, ctx):
    if p.get("watch"):
        return ctx.live_view("ps --watch", p)
    last = whole_number("ps -n", p.flags["last"], low=-1) if "last" in p.flags else None
    no_trunc = p.get("no_trunc", False)
    result = containers.ps(client=ctx.client, all=p.get("all", False), filters=p.get("filter"), last=last,
                           no_trunc=no_trunc)
    if p.get("quiet"):
        return formatting.Lines([r["full_id"] if no_trunc else r["id"] for r in result.rows])
    if "format" in p.flags:
        return formatting.render(p.flags["format"],
                                 [containers.template_fields(r, no_trunc=no_trunc) for r in result.rows])
    return result


@handles("run")
def _run(p, ctx):
    # -i/-t: a notebook has no terminal; the container runs attached and its output streams
    # into the cell until it exits or the user interrupts (then it keeps running).
    if not p.get("detach") and (p.get("interactive") or p.get("tty")):
        ctx.out("(-i/-t: a notebook has no terminal, so no input reaches the container; its output "
                "streams here — interrupt the cell to detach, or use -d.)")
    _loopback_on_remote(p.flags.get("publish") or [], ctx)
    return running.run(p.args[0], p.args[1:], run_options(p), client=ctx.client, cwd=ctx.cwd, say=ctx.out)


def _loopback_on_remote(publish: list[str], ctx) -> None:
    # A tutorial's -p 127.0.0.1:5433:5432 is right on a laptop and unreachable from here on a remote engine.
    if not any(spec.startswith(("127.", "localhost:", "[::1]")) for spec in publish):
        return
    running.publish_ports(publish)  # a bad spec is its own sentence, before the engine is asked anything
    host = remote_host(ctx.client)
    if host:
        ctx.out(loopback_note(host))


def _each_name(command: str, act: Callable, **numbers: str):
    """A handler for ``COMMAND [OPTIONS] NAME...``: ``act(names, client=, **flags)`` gives the names done;
    ``numbers`` maps a whole-number flag's dest to ``act``'s keyword (``time="timeout"``)."""
    def route(p, ctx):
        kw = {numbers.get(k, k): whole_number(f"{command} --{k}", v) if k in numbers else v for k, v in p.flags.items()}
        return formatting.Lines(act(p.args, client=ctx.client, **kw))
    return route


handles("stop")(_each_name("stop", running.stop, time="timeout"))
handles("rm")(_each_name("rm", lifecycle.rm))
handles("start")(_each_name("start", lifecycle.start))
handles("restart")(_each_name("restart", lifecycle.restart, timeout="timeout"))
handles("kill")(_each_name("kill", lifecycle.kill))


@handles("logs")
def _logs(p, ctx):
    return lifecycle.logs(p.args[0], client=ctx.client, say=ctx.out, **p.flags)


@handles("exec")
def _exec(p, ctx):
    # -i/-t: no terminal or stdin in a notebook; the command runs with its output streamed.
    kw = {k: v for k, v in p.flags.items() if k not in ("interactive", "tty")}
    return lifecycle.exec_(p.args[0], p.args[1:], client=ctx.client, say=ctx.out, **kw)


def _formatted(p, result):
    """An inspect result, or with ``--format`` the template's lines for it."""
    return formatting.render(p.flags["format"], result.data) if "format" in p.flags else result


def _inspect(kind: str | None):
    def route(p, ctx):
        return _formatted(p, inspecting.inspect(p.args, client=ctx.client, type=kind or p.get("type")))
    return route


handles("inspect")(_inspect(None))
handles("container inspect")(_inspect("container"))
handles("image inspect")(_inspect("image"))
handles("network inspect")(lambda p, ctx: _formatted(p, networks.inspect(p.args, client=ctx.client)))
handles("volume inspect")(lambda p, ctx: _formatted(p, volumes.inspect(p.args, client=ctx.client)))


@handles("images")
def _images(p, ctx):
    t = system.images(client=ctx.client, all=p.get("all", False), name=p.args[0] if p.args else None)
    if p.get("quiet"):
        return formatting.Lines(list(dict.fromkeys(r["image_id"] for r in t.rows)))
    if "format" in p.flags:
        return formatting.render(p.flags["format"], [system.image_template_fields(r) for r in t.rows])
    return t


@handles("port")
def _port(p, ctx):
    private = p.args[1] if len(p.args) == 2 else None
    return formatting.Lines(containers.port(p.args[0], client=ctx.client, private=private))


@handles("top")
def _top(p, ctx):
    # Like the CLI: `docker top CONTAINER [ps OPTIONS]`; everything after the container goes to ps.
    return containers.top(p.args[0], client=ctx.client, ps_args=" ".join(p.args[1:]) or None)


@handles("stats")
def _stats(p, ctx):
    if not p.get("no_stream"):
        raise CommandError("'docker stats' streams forever; use 'docker stats --no-stream' in a notebook.")
    names = p.args or [r["full_id"] for r in containers.ps(client=ctx.client, all=p.get("all", False)).rows]
    return containers.stats(names, client=ctx.client)


@handles("tag")
def _tag(p, ctx):
    return system.tag(*p.args, client=ctx.client)


@handles("rmi")
def _rmi(p, ctx):
    return formatting.Lines(system.rmi(p.args, client=ctx.client, force=p.get("force", False)))


@handles("pull")
def _pull(p, ctx):
    return pulling.pull(p.args[0], client=ctx.client, say=(lambda _l: None) if p.get("quiet") else ctx.out)


@handles("version")
def _version(p, ctx):
    return system.version(client=ctx.client)


@handles("info")
def _info(p, ctx):
    return system.info(client=ctx.client)


@handles("build")
def _build(p, ctx):
    o = build_options(p)
    # As with the CLI, -f is relative to the current directory; failing that, to the context.
    in_cwd = os.path.join(ctx.cwd, o.dockerfile)
    if os.path.isfile(in_cwd):
        o.dockerfile = os.path.abspath(in_cwd)
    quiet = p.get("quiet", False)
    return build.build_image(os.path.join(ctx.cwd, p.args[0]), o, client=ctx.client,
                             say=(lambda line: None) if quiet else ctx.out,
                             progress=build.SilentProgress() if quiet else None)


@handles("compose")
def _compose(p, ctx):
    # ctx.given, not ctx.client: only `compose ps` asks the engine, and then the caller's client.
    result = compose.compose_command(compose_call(p), cwd=ctx.cwd, client=ctx.given, say=ctx.out)
    # Streamed lines were already shown as they came: only a table is a result worth showing again.
    return None if isinstance(result, list) else result


def _pruner(noun: str, prune: Callable):
    def route(p, ctx):
        # The CLI asks for confirmation without -f, and a notebook cannot answer, so -f is required.
        if not p.get("force"):
            raise CommandError(f"'docker {noun} prune' asks for confirmation, and a notebook cannot answer: "
                               "add -f (and --filter label=… to limit what goes).")
        return formatting.Lines(prune(client=ctx.client, filters=p.get("filters")))
    return route


handles("network prune")(_pruner("network", networks.prune))
handles("volume prune")(_pruner("volume", volumes.prune))


@handles("network create")
def _network_create(p, ctx):
    return networks.create(p.args[0], client=ctx.client, **p.flags)


@handles("network ls")
def _network_ls(p, ctx):
    if p.get("watch"):
        extra = [k for k in p.flags if k != "watch"]
        if extra:
            raise CommandError("'docker network ls --watch' takes no other flags.")
        return ctx.live_view("network ls --watch", p)
    result = networks.ls(client=ctx.client)
    return formatting.Lines([r["name"] for r in result.rows]) if p.get("quiet") else result


@handles("network connect")
def _network_connect(p, ctx):
    return networks.connect(*p.args, client=ctx.client, **p.flags)


@handles("network disconnect")
def _network_disconnect(p, ctx):
    return networks.disconnect(*p.args, client=ctx.client, **p.flags)


@handles("network rm")
def _network_rm(p, ctx):
    return formatting.Lines(networks.rm(p.args, client=ctx.client))


@handles("volume create")
def _volume_create(p, ctx):
    if p.args and "name" in p.flags:
        raise CommandError("'docker volume create' takes at most one volume name.")
    kw = {k: v for k, v in p.flags.items() if k != "name"}
    return volumes.create(p.get("name") or (p.args[0] if p.args else None), client=ctx.client, **kw)


@handles("volume ls")
def _volume_ls(p, ctx):
    t = volumes.ls(client=ctx.client, filters=p.get("filters"))
    return formatting.Lines([r["name"] for r in t.rows]) if p.get("quiet") else t


@handles("volume rm")
def _volume_rm(p, ctx):
    return formatting.Lines(volumes.rm(p.args, client=ctx.client, force=p.get("force", False)))


@handles("dashboard")
def _dashboard(p, ctx):
    return ctx.live_view("dashboard", p)
