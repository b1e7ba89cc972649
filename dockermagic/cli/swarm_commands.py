"""``%docker swarm|node|service|stack …``: the Swarm commands' grammar and their routes.

Each route reads the words into plain values (ports, filters, ``NAME=N``) and calls the plain
function in ``engine/swarm.py`` or ``engine/stacks.py``. ``routes`` imports this module (EXTENSIONS).
"""

from __future__ import annotations

from ..engine import services as svc, stacks, swarm
from ..errors import CommandError
from ..redaction import redact
from ..values import parse_filters, whole_number
from .formatting import Lines
from .grammar import Arg, Command, flag, register
from .routes import add_route

_ADDR = (flag("advertise_addr", "--advertise-addr", value=True, metavar="ADDR", help="Address other nodes reach this one at"),
         flag("listen_addr", "--listen-addr", value=True, metavar="ADDR", help="Listen address (default 0.0.0.0:2377)"))
_QUIET = flag("quiet", "-q", "--quiet", help="Only display IDs")
_FILTER = flag("filter", "-f", "--filter", repeat=True, metavar="filter", help="Filter output based on conditions provided")
_DETACH = flag("detach", "-d", "--detach", help="Exit immediately instead of waiting for the tasks to run")
_NODE, _SERVICE = Arg("NODE", "text"), Arg("SERVICE", "service")
_IPVS = ("This machine's kernel has no IPVS: publish with mode=host and use --endpoint-mode dnsrr "
         "(the ingress routing mesh and VIPs do not work here).")

COMMANDS = {
    "swarm init": Command("swarm init", "Initialize a swarm (this engine becomes its manager)", flags=_ADDR),
    "swarm join": Command("swarm join", "Join a swarm as a node", args=(Arg("HOST:PORT"),),
                          flags=(flag("token", "--token", value=True, help="Token for entry into the swarm"), *_ADDR)),
    "swarm join-token": Command("swarm join-token", "Show the join command for workers or managers (token masked)",
                                args=(Arg("ROLE", choices=("worker", "manager")),), flags=(_QUIET,),
                                notes="The token is a password for the cluster and is never shown: from code, "
                                      "dockermagic.engine.swarm.join_token(role, client=...)."),
    "swarm leave": Command("swarm leave", "Leave the swarm (then remove docker_gwbridge)",
                           flags=(flag("force", "-f", "--force", help="Leave even as the last manager"),)),
    "node ls": Command("node ls", "List nodes in the swarm", aliases=("node list",), flags=(_QUIET, _FILTER)),
    "node inspect": Command("node inspect", "Display detailed information on nodes", args=(Arg("NODE", repeat=True),)),
    "node update": Command("node update", "Update a node (availability, role, labels)", args=(_NODE,), flags=(
        flag("availability", "--availability", choices=("active", "pause", "drain"), help="Availability of the node"),
        flag("role", "--role", choices=("worker", "manager"), help="Role of the node"),
        flag("label_add", "--label-add", repeat=True, metavar="KEY=VALUE", help="Add or update a node label"),
        flag("label_rm", "--label-rm", repeat=True, metavar="KEY", help="Remove a node label"))),
    "service create": Command("service create", "Create a new service", stops_at_positional=True,
                              args=(Arg("IMAGE", "image"), Arg("COMMAND", "command", repeat=True, optional=True)), flags=(
        flag("name", "--name", value=True, help="Service name"),
        flag("replicas", "--replicas", value=True, help="Number of tasks"),
        flag("mode", "--mode", choices=("replicated", "global"), help="Service mode"),
        flag("env", "-e", "--env", repeat=True, help="Set environment variables"),
        flag("label", "-l", "--label", repeat=True, help="Service labels"),
        flag("publish", "-p", "--publish", repeat=True, help="Publish a port: 8080:80 or mode=host,published=8080,target=80"),
        flag("constraint", "--constraint", repeat=True, help="Placement constraints"),
        flag("network", "--network", repeat=True, kind="network", help="Network attachments"),
        flag("endpoint_mode", "--endpoint-mode", choices=("vip", "dnsrr"), help="Endpoint mode"), _DETACH),
                              notes=_IPVS),
    "service ls": Command("service ls", "List services", aliases=("service list",), flags=(_QUIET, _FILTER)),
    "service ps": Command("service ps", "List the tasks of services", args=(Arg("SERVICE", "service", repeat=True),),
                          flags=(_QUIET, _FILTER)),
    "service inspect": Command("service inspect", "Display detailed information on services",
                               args=(Arg("SERVICE", "service", repeat=True),)),
    "service logs": Command("service logs", "Fetch the logs of a service's tasks", args=(_SERVICE,), flags=(
        flag("tail", "-n", "--tail", value=True, help="Number of lines to show from the end of the logs"),
        flag("timestamps", "-t", "--timestamps", help="Show timestamps"))),
    "service scale": Command("service scale", "Scale replicated services", args=(Arg("SERVICE=REPLICAS", repeat=True),),
                             flags=(_DETACH,)),
    "service update": Command("service update", "Update a service", args=(_SERVICE,), flags=(
        flag("image", "--image", value=True, kind="image", help="Service image tag"),
        flag("replicas", "--replicas", value=True, help="Number of tasks"),
        flag("env_add", "--env-add", repeat=True, help="Add or update an environment variable"),
        flag("env_rm", "--env-rm", repeat=True, help="Remove an environment variable"),
        flag("constraint_add", "--constraint-add", repeat=True, help="Add or update a placement constraint"),
        flag("constraint_rm", "--constraint-rm", repeat=True, help="Remove a constraint"),
        flag("force", "--force", help="Restart every task even if nothing changed (spreads them again)"), _DETACH)),
    "service rm": Command("service rm", "Remove services", aliases=("service remove",),
                          args=(Arg("SERVICE", "service", repeat=True),)),
    "stack deploy": Command("stack deploy", "Deploy a Compose file as a stack (docker CLI, --resolve-image never)",
                            aliases=("stack up",), args=(Arg("STACK"),), flags=(
        flag("compose_file", "-c", "--compose-file", value=True, kind="path", help="Path to a Compose file"),
        flag("resolve_image", "--resolve-image", choices=("never",), help="Only never: images are local"), _DETACH),
                            notes="Every node needs the images (no registry here). " + _IPVS),
    "stack ls": Command("stack ls", "List stacks", aliases=("stack list",)),
    "stack ps": Command("stack ps", "List the tasks in the stack", args=(Arg("STACK"),), flags=(_FILTER,)),
    "stack services": Command("stack services", "List the services in the stack", args=(Arg("STACK"),)),
    "stack rm": Command("stack rm", "Remove stacks", aliases=("stack remove", "stack down"),
                        args=(Arg("STACK", repeat=True),)),
}
register(*COMMANDS.values())


def parse_port(text: str) -> svc.Port:
    """``8080:80``, ``8080:80/udp``, ``80`` or ``mode=host,published=8080,target=80,protocol=tcp``."""
    if "=" in text:
        fields = dict(part.partition("=")[::2] for part in text.split(","))
        unknown = set(fields) - {"mode", "published", "target", "protocol"}
        if unknown or "target" not in fields or fields.get("mode", "ingress") not in ("ingress", "host"):
            raise CommandError(f"The port {text!r} needs target= and takes only mode (ingress or host), "
                               "published, target, protocol.")
        published = fields.get("published")
        return svc.Port(whole_number("service create -p target", fields["target"], low=1, high=65535),
                          whole_number("service create -p published", published, low=1, high=65535) if published else None,
                          fields.get("protocol", "tcp"), fields.get("mode", "ingress"))
    ports, _, protocol = text.partition("/")
    published, _, target = ports.rpartition(":")
    return svc.Port(whole_number("service create -p", target, low=1, high=65535),
                      whole_number("service create -p", published, low=1, high=65535) if published else None,
                      protocol or "tcp")


def _pairs(items: list[str] | None, what: str) -> dict[str, str]:
    out = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        if not key:
            raise CommandError(f"'{what}' needs KEY=VALUE, got {item!r}.")
        out[key] = value
    return out


def _init(p, ctx):
    node = swarm.init(client=ctx.client, advertise_addr=p.get("advertise_addr"),
                      listen_addr=p.get("listen_addr") or "0.0.0.0:2377")
    return Lines([f"Swarm initialized: current node ({node}) is now a manager.",
                  redact(f"To add a worker: docker swarm join --token {swarm.join_token(client=ctx.client)} "
                         f"{swarm.manager_address(client=ctx.client)}"),
                  "(the token is masked; from code: dockermagic.engine.swarm.join_token(client=...))"])


def _join(p, ctx):
    if not p.get("token"):
        raise CommandError("'docker swarm join' needs the manager's join token (from code: "
                           "dockermagic.engine.swarm.join_token(client=manager)); pass it with --token.")
    swarm.join(p.args[0], p.flags["token"], client=ctx.client, advertise_addr=p.get("advertise_addr"),
               listen_addr=p.get("listen_addr") or "0.0.0.0:2377")
    return Lines(["This node joined a swarm as a worker."])


def _join_token(p, ctx):
    token = redact(swarm.join_token(p.args[0], client=ctx.client))
    if p.get("quiet"):
        return Lines([token])
    return Lines([f"To add a {p.args[0]} to this swarm, run the following command:",
                  f"    docker swarm join --token {token} {swarm.manager_address(client=ctx.client)}"])


def _leave(p, ctx):
    left = swarm.leave(client=ctx.client, force=p.get("force", False))
    return Lines(["Node left the swarm." if left else "This node is not part of a swarm."])


def _ids(table, quiet: bool, key: str = "id"):
    return Lines([str(r[key]).split()[0] for r in table.rows]) if quiet else table


def _node_update(p, ctx):
    change = swarm.NodeUpdate(p.get("availability"), p.get("role"), _pairs(p.get("label_add"), "node update --label-add"),
                              list(p.get("label_rm") or []))
    swarm.node_update(p.args[0], change, client=ctx.client)
    return Lines([p.args[0]])


def _replicas(value, what: str) -> int | None:
    return None if value is None else whole_number(what, value)


def _service_create(p, ctx):
    opts = svc.ServiceOptions(
        p.args[0], list(p.args[1:]), name=p.get("name"), replicas=_replicas(p.get("replicas"), "service create --replicas"),
        mode=p.get("mode", "replicated"), env=list(p.get("env") or []), labels=_pairs(p.get("label"), "service create --label"),
        ports=[parse_port(x) for x in p.get("publish") or []], constraints=list(p.get("constraint") or []),
        networks=list(p.get("network") or []), endpoint_mode=p.get("endpoint_mode"))
    sid = svc.service_create(opts, client=ctx.client)
    if not p.get("detach"):
        svc.wait_converged([p.get("name") or sid], client=ctx.client, timeout=120)
    return Lines([sid])


def _service_ps(p, ctx):
    filters = parse_filters(p.get("filter"))
    running = filters.pop("desired-state", None) == ["running"]
    if filters:
        raise CommandError("'docker service ps' takes only the filter desired-state=running here.")
    return _ids(svc.service_ps(p.args, client=ctx.client, running_only=running), p.get("quiet", False))


def _service_logs(p, ctx):
    tail = p.get("tail")
    tail = None if tail in (None, "all") else whole_number("service logs --tail", tail)
    return Lines(svc.service_logs(p.args[0], client=ctx.client, tail=tail, timestamps=p.get("timestamps", False)))


def _service_scale(p, ctx):
    wanted = {}
    for item in p.args:
        name, eq, n = item.partition("=")
        if not eq:
            raise CommandError(f"'docker service scale' takes SERVICE=REPLICAS, got {item!r}.")
        wanted[name] = whole_number("service scale", n)
    lines = svc.service_scale(wanted, client=ctx.client)
    if not p.get("detach"):
        svc.wait_converged(list(wanted), client=ctx.client, timeout=120)
    return Lines(lines)


def _service_update(p, ctx):
    change = svc.ServiceUpdate(p.get("image"), _replicas(p.get("replicas"), "service update --replicas"),
                                 list(p.get("env_add") or []), list(p.get("env_rm") or []),
                                 list(p.get("constraint_add") or []), list(p.get("constraint_rm") or []),
                                 p.get("force", False))
    svc.service_update(p.args[0], change, client=ctx.client)
    if not p.get("detach"):
        svc.wait_converged(p.args, client=ctx.client, timeout=120)
    return Lines([p.args[0]])


def _stack_deploy(p, ctx):
    if not p.get("compose_file"):
        raise CommandError("'docker stack deploy' needs -c FILE (a Compose file).")
    lines = stacks.deploy(p.flags["compose_file"], p.args[0], client=ctx.client, say=ctx.out, cwd=ctx.cwd)
    if not p.get("detach"):
        return stacks.wait(p.args[0], client=ctx.client, timeout=180)
    return Lines(lines)


def _stack_ps(p, ctx):
    filters = parse_filters(p.get("filter"))
    running = filters.pop("desired-state", None) == ["running"]
    if filters:
        raise CommandError("'docker stack ps' takes only the filter desired-state=running here.")
    return stacks.ps(p.args[0], client=ctx.client, running_only=running)


ROUTES = {
    "swarm init": _init, "swarm join": _join, "swarm join-token": _join_token, "swarm leave": _leave,
    "node ls": lambda p, ctx: _ids(swarm.node_ls(client=ctx.client, filters=parse_filters(p.get("filter"))),
                                   p.get("quiet", False)),
    "node inspect": lambda p, ctx: swarm.node_inspect(p.args, client=ctx.client),
    "node update": _node_update,
    "service create": _service_create,
    "service ls": lambda p, ctx: _ids(svc.service_ls(client=ctx.client, filters=parse_filters(p.get("filter"))),
                                      p.get("quiet", False)),
    "service ps": _service_ps,
    "service inspect": lambda p, ctx: svc.service_inspect(p.args, client=ctx.client),
    "service logs": _service_logs, "service scale": _service_scale, "service update": _service_update,
    "service rm": lambda p, ctx: Lines(svc.service_rm(p.args, client=ctx.client)),
    "stack deploy": _stack_deploy,
    "stack ls": lambda p, ctx: stacks.ls(client=ctx.client),
    "stack ps": _stack_ps,
    "stack services": lambda p, ctx: stacks.services(p.args[0], client=ctx.client),
    "stack rm": lambda p, ctx: Lines(stacks.rm(p.args, client=ctx.client)),
}
for _name, _route in ROUTES.items():
    add_route(_name, _route)
