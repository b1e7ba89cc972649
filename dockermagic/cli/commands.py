"""The table: every docker subcommand dockermagic carries out, as ``grammar.Command``s.

Help texts follow the docker CLI's own wording where it fits. ``routes.py`` binds each
Command's name to the function that carries it out; another module adds Commands with
``grammar.register`` and routes with ``routes.add`` (see ``routes.py``).
"""

from __future__ import annotations

from ..engine.build import BUILDERS
from ..engine.compose import SUBCOMMANDS as COMPOSE_SUBCOMMANDS
from .grammar import Arg, Command, flag, register


CONTAINER = Arg("CONTAINER", "container")
CONTAINERS = Arg("CONTAINER", "container", repeat=True)
FILTER = flag("filter", "-f", "--filter", repeat=True, metavar="filter", help="Filter output based on conditions provided")
FORMAT = flag("format", "--format", value=True, help="Format output using a Go template, e.g. '{{.Names}}'")
QUIET = flag("quiet", "-q", "--quiet", help="Only display IDs")
WATCH = flag("watch", "--watch", magic_only=True, help="A live view that updates as the engine changes (dockermagic)")
FORCE_PRUNE = flag("force", "-f", "--force", help="Do not prompt for confirmation (required: a notebook cannot answer)")
PRUNE_FILTER = flag("filters", "--filter", repeat=True, metavar="filter",
                    help="Provide filter values (e.g. 'label=<key>=<value>')")

RUN = Command(
    "run", "Create and run a new container from an image", aliases=("container run",), stops_at_positional=True,
    args=(Arg("IMAGE", "image"), Arg("COMMAND", "command", optional=True), Arg("ARG", "text", repeat=True, optional=True)),
    flags=(
        flag("detach", "-d", "--detach", help="Run container in background and print container ID"),
        flag("name", "--name", value=True, help="Assign a name to the container"),
        flag("env", "-e", "--env", repeat=True, help="Set environment variables"),
        flag("env_file", "--env-file", repeat=True, kind="path", help="Read in a file of environment variables"),
        flag("publish", "-p", "--publish", repeat=True, help="Publish a container's port(s) to the host"),
        flag("publish_all", "-P", "--publish-all", help="Publish all exposed ports to random ports"),
        flag("volume", "-v", "--volume", repeat=True, kind="volume", help="Bind mount a volume"),
        flag("mount", "--mount", repeat=True, metavar="mount", help="Attach a filesystem mount to the container"),
        flag("network", "--network", "--net", value=True, kind="network", metavar="network",
             help="Connect a container to a network"),
        flag("network_alias", "--network-alias", repeat=True, help="Add network-scoped alias for the container"),
        flag("rm", "--rm", help="Automatically remove the container and its associated anonymous volumes when it exits"),
        flag("workdir", "-w", "--workdir", value=True, help="Working directory inside the container"),
        flag("entrypoint", "--entrypoint", value=True, help="Overwrite the default ENTRYPOINT of the image"),
        flag("user", "-u", "--user", value=True, help="Username or UID (format: <name|uid>[:<group|gid>])"),
        flag("hostname", "-h", "--hostname", value=True, help="Container host name"),
        flag("label", "-l", "--label", repeat=True, help="Set meta data on a container"),
        flag("restart", "--restart", value=True, help="Restart policy to apply when a container exits (no, always, "
             "unless-stopped, on-failure[:N])"),
        flag("init", "--init", help="Run an init inside the container that forwards signals and reaps processes"),
        flag("interactive", "-i", "--interactive", help="Keep STDIN open (a notebook has none: the output streams)"),
        flag("tty", "-t", "--tty", help="Allocate a pseudo-TTY (a notebook has none: the output streams)"),
    ),
    notes="Without -d the container runs attached: its output streams into the cell until it exits; interrupting\n"
          "the cell detaches (the container keeps running).")

PS = Command(
    "ps", "List containers", aliases=("container ls", "container list", "container ps"),
    flags=(flag("all", "-a", "--all", help="Show all containers (default shows just running)"), QUIET,
           flag("last", "-n", "--last", value=True, metavar="int", help="Show n last created containers (includes all states)"),
           FILTER, FORMAT, flag("no_trunc", "--no-trunc", help="Don't truncate output"), WATCH))

STOP = Command("stop", "Stop one or more running containers", aliases=("container stop",), args=(CONTAINERS,),
               flags=(flag("time", "-t", "--time", value=True, metavar="int",
                           help="Seconds to wait before killing the container"),))
RM = Command("rm", "Remove one or more containers", aliases=("container rm", "container remove"), args=(CONTAINERS,),
             flags=(flag("force", "-f", "--force", help="Force the removal of a running container (uses SIGKILL)"),
                    flag("volumes", "-v", "--volumes", help="Remove anonymous volumes associated with the container")))
START = Command("start", "Start one or more stopped containers", aliases=("container start",), args=(CONTAINERS,))
RESTART = Command("restart", "Restart one or more containers", aliases=("container restart",), args=(CONTAINERS,),
                  flags=(flag("timeout", "-t", "--time", value=True, metavar="int",
                              help="Seconds to wait before killing the container"),))
KILL = Command("kill", "Kill one or more running containers", aliases=("container kill",), args=(CONTAINERS,),
               flags=(flag("signal", "-s", "--signal", value=True, help="Signal to send to the container"),))
LOGS = Command("logs", "Fetch the logs of a container", aliases=("container logs",), args=(CONTAINER,),
               flags=(flag("tail", "-n", "--tail", value=True, help="Number of lines to show from the end of the logs"),
                      flag("timestamps", "-t", "--timestamps", help="Show timestamps"),
                      flag("follow", "-f", "--follow", help="Follow log output (interrupt the cell to stop)"),
                      flag("since", "--since", value=True,
                           help="Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m)")))
EXEC = Command("exec", "Execute a command in a running container", aliases=("container exec",), stops_at_positional=True,
               args=(CONTAINER, Arg("COMMAND", "command"), Arg("ARG", "text", repeat=True, optional=True)),
               flags=(flag("env", "-e", "--env", repeat=True, help="Set environment variables"),
                      flag("workdir", "-w", "--workdir", value=True, help="Working directory inside the container"),
                      flag("user", "-u", "--user", value=True, help="Username or UID (format: <name|uid>[:<group|gid>])"),
                      flag("detach", "-d", "--detach", help="Detached mode: run command in the background"),
                      flag("interactive", "-i", "--interactive", help="Keep STDIN open (a notebook has none)"),
                      flag("tty", "-t", "--tty", help="Allocate a pseudo-TTY (a notebook has none)")))
_INSPECT_FORMAT = flag("format", "-f", "--format", value=True, help="Format output using a Go template")
INSPECT = Command("inspect", "Return low-level information on Docker objects",
                  args=(Arg("NAME|ID", "container", repeat=True),),
                  flags=(_INSPECT_FORMAT, flag("type", "--type", value=True, choices=("container", "image", "network",
                                                                                      "volume"),
                                               help="Return JSON for specified type")))
CONTAINER_INSPECT = Command("container inspect", "Display detailed information on one or more containers",
                            args=(CONTAINERS,), flags=(_INSPECT_FORMAT,))
IMAGE_INSPECT = Command("image inspect", "Display detailed information on one or more images",
                        args=(Arg("IMAGE", "image", repeat=True),), flags=(_INSPECT_FORMAT,))
PORT = Command("port", "List port mappings or a specific mapping for the container", aliases=("container port",),
               args=(CONTAINER, Arg("PRIVATE_PORT[/PROTO]", "text", optional=True)))
TOP = Command("top", "Display the running processes of a container", aliases=("container top",),
              stops_at_positional=True, usage="CONTAINER [ps OPTIONS]",
              args=(CONTAINER, Arg("ps OPTIONS", "text", repeat=True, optional=True)))
STATS = Command("stats", "Display a snapshot of containers' resource usage statistics", aliases=("container stats",),
                args=(Arg("CONTAINER", "container", repeat=True, optional=True),),
                flags=(flag("no_stream", "--no-stream", help="Disable streaming stats and only pull the first result "
                            "(required: a notebook cell must end)"),
                       flag("all", "-a", "--all", help="Show all containers (default shows just running)")))
IMAGES = Command("images", "List images", aliases=("image ls", "image list"),
                 args=(Arg("REPOSITORY[:TAG]", "image", optional=True),),
                 flags=(flag("all", "-a", "--all", help="Show all images (default hides intermediate images)"),
                        QUIET, FORMAT))
TAG = Command("tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", aliases=("image tag",),
              args=(Arg("SOURCE_IMAGE[:TAG]", "image"), Arg("TARGET_IMAGE[:TAG]", "text")))
RMI = Command("rmi", "Remove one or more images", aliases=("image rm", "image remove"),
              args=(Arg("IMAGE", "image", repeat=True),),
              flags=(flag("force", "-f", "--force", help="Force removal of the image"),))
PULL = Command("pull", "Download an image from a registry (or a local stand-in where none answers)",
               aliases=("image pull",), args=(Arg("NAME[:TAG|@DIGEST]", "image"),),
               flags=(flag("quiet", "-q", "--quiet", help="Suppress verbose output"),))
VERSION = Command("version", "Show the Docker version information")
INFO = Command("info", "Display system-wide information", aliases=("system info",))

BUILD_FLAGS = (
    flag("tags", "-t", "--tag", repeat=True, metavar="list", help="Name and optionally a tag (format: name:tag)"),
    flag("build_args", "--build-arg", repeat=True, metavar="list",
         help="Set build-time variables (KEY=VALUE, or KEY to take it from the environment)"),
    flag("labels", "--label", repeat=True, metavar="list", help="Set metadata for an image (KEY=VALUE)"),
    flag("target", "--target", value=True, help="Set the target build stage to build"),
    flag("nocache", "--no-cache", help="Do not use cache when building the image"),
    flag("pull", "--pull", help="Always attempt to pull a newer version of the image"),
    flag("network_mode", "--network", value=True, kind="network",
         help="Set the networking mode for the RUN instructions during build"),
    flag("platform", "--platform", value=True, help="Set platform if server is multi-platform capable"),
    flag("builder", "--builder", choices=BUILDERS,
         help="buildkit (the default where the engine and a client have it) or legacy"),
    flag("quiet", "-q", "--quiet", help="Show nothing while building; the result keeps the log"),
)
BUILD = Command("build", "Build an image from a Dockerfile", aliases=("image build", "builder build"),
                args=(Arg("PATH", "path"),),
                flags=(flag("dockerfile", "-f", "--file", value=True, kind="path",
                            help="Name of the Dockerfile (default: 'PATH/Dockerfile')"), *BUILD_FLAGS))
DOCKERFILE = Command(
    "%%dockerfile", "Build an image from the cell, which is the Dockerfile; like docker build",
    args=(Arg("PATH", "path", optional=True),),
    flags=(*BUILD_FLAGS,
           flag("file", "-f", "--file", value=True, kind="path",
                help="Save the cell under this name in the context (default: Dockerfile)"),
           flag("context", "--context", value=True, kind="path",
                help="Build context directory, same as PATH (default: the notebook's directory)"),
           flag("overwrite", "--overwrite", help="Replace an existing file %%dockerfile did not save")),
    notes="The first line is read like a %docker line: POSIX quoting, {var}/$var expand notebook variables.\n"
          "The result is a BuildResult: .log holds every line, .history the layers.")

_LABEL = flag("labels", "--label", repeat=True, help="Set metadata on the object")
NETWORK = (
    Command("network create", "Create a network", args=(Arg("NETWORK", "text"),),
            flags=(flag("driver", "-d", "--driver", value=True, help="Driver to manage the Network (default bridge)"),
                   flag("subnet", "--subnet", value=True, help="Subnet in CIDR format that represents a network segment"),
                   flag("gateway", "--gateway", value=True, help="IPv4 or IPv6 Gateway for the master subnet"),
                   flag("ip_range", "--ip-range", value=True, help="Allocate container ip from a sub-range"),
                   flag("internal", "--internal", help="Restrict external access to the network"), _LABEL)),
    Command("network ls", "List networks", aliases=("network list",),
            flags=(flag("quiet", "-q", "--quiet", help="Only display network names"), WATCH)),
    Command("network inspect", "Display detailed information on one or more networks",
            args=(Arg("NETWORK", "network", repeat=True),), flags=(_INSPECT_FORMAT,)),
    Command("network connect", "Connect a container to a network", args=(Arg("NETWORK", "network"), CONTAINER),
            flags=(flag("ip", "--ip", value=True, help="IPv4 address (e.g., 172.30.100.104)"),
                   flag("aliases", "--alias", repeat=True, help="Add network-scoped alias for the container"))),
    Command("network disconnect", "Disconnect a container from a network",
            args=(Arg("NETWORK", "network"), CONTAINER),
            flags=(flag("force", "-f", "--force", help="Force the container to disconnect from a network"),)),
    Command("network rm", "Remove one or more networks", aliases=("network remove",),
            args=(Arg("NETWORK", "network", repeat=True),)),
    Command("network prune", "Remove all unused networks", flags=(FORCE_PRUNE, PRUNE_FILTER)),
)
VOLUME = (
    Command("volume create", "Create a volume", args=(Arg("VOLUME", "text", optional=True),),
            flags=(flag("driver", "-d", "--driver", value=True, help="Specify volume driver name (default local)"),
                   _LABEL, flag("opts", "-o", "--opt", repeat=True, metavar="map", help="Set driver specific options"),
                   flag("name", "--name", value=True, help="Specify volume name"))),
    Command("volume ls", "List volumes", aliases=("volume list",),
            flags=(flag("filters", "-f", "--filter", repeat=True, metavar="filter",
                        help="Provide filter values (e.g. 'dangling=true')"),
                   flag("quiet", "-q", "--quiet", help="Only display volume names"))),
    Command("volume inspect", "Display detailed information on one or more volumes",
            args=(Arg("VOLUME", "volume", repeat=True),), flags=(_INSPECT_FORMAT,)),
    Command("volume rm", "Remove one or more volumes", aliases=("volume remove",),
            args=(Arg("VOLUME", "volume", repeat=True),),
            flags=(flag("force", "-f", "--force", help="Force the removal of one or more volumes"),)),
    Command("volume prune", "Remove unused local volumes", flags=(FORCE_PRUNE, PRUNE_FILTER)),
)

COMPOSE_FLAGS = (
    flag("files", "-f", "--file", repeat=True, kind="path", metavar="stringArray", help="Compose configuration files"),
    flag("project", "-p", "--project-name", value=True, help="Project name"),
    flag("project_dir", "--project-directory", "--project-dir", value=True, kind="path",
         help="Specify an alternate working directory (default: the path of the first Compose file)"),
    flag("env_file", "--env-file", repeat=True, kind="path", metavar="stringArray",
         help="Specify an alternate environment file"),
    flag("profile", "--profile", repeat=True, metavar="stringArray", help="Specify a profile to enable"),
    flag("progress", "--progress", value=True, help="Set type of progress output (auto, tty, plain, json, quiet)"),
    flag("ansi", "--ansi", value=True, help='Control when to print ANSI control characters ("never"|"always"|"auto")'),
    flag("parallel", "--parallel", value=True, metavar="int", help="Control max parallelism, -1 for unlimited"),
    flag("compatibility", "--compatibility", help="Run compose in backward compatibility mode"),
    flag("dry_run", "--dry-run", help="Execute command in dry run mode"),
    flag("all_resources", "--all-resources", help="Include all resources, even those not used by services"),
)
COMPOSE = Command(
    "compose", "Run the real Compose tool (v2 plugin, else docker-compose v1) on a project",
    aliases=("%compose",), stops_at_positional=True, flags=COMPOSE_FLAGS,
    args=(Arg("COMMAND", "subcommand", choices=COMPOSE_SUBCOMMANDS), Arg("SERVICE|ARG", "service", repeat=True,
                                                                         optional=True)),
    notes="Everything after COMMAND goes to Compose as written. ps, ls and images return tables (.to_frame()\n"
          "gives a DataFrame); the others stream Compose's lines. In a %%docker cell, docker-compose … and\n"
          "docker compose … lines come here too. %compose uses the last %%compose project.")
COMPOSE_DEFINE = Command(
    "%%compose", "Check the cell's Compose YAML, have Compose validate it, and save it as the project's file",
    flags=(flag("project", "-p", "--project-name", value=True, help="Project name (remembered for %compose)"),
           flag("project_dir", "--project-dir", "--project-directory", value=True, kind="path",
                help="Folder to save the file in (default: the notebook's directory)"),
           flag("file", "-f", "--file", value=True, kind="path",
                help="File name (default: compose.yaml, or the Compose file name already there)")),
    notes="Then %compose up -d, %compose ps, %compose logs web, %compose down -v run on that project.")

HELP = Command("help", "Show the usage of a subcommand, or list them all", args=(Arg("COMMAND", "subcommand",
                                                                                      repeat=True, optional=True),))
DASHBOARD = Command("dashboard", "A live view of containers, images, networks and volumes (notebook only)",
                    magic_only=True)

register(RUN, PS, STOP, RM, START, RESTART, KILL, LOGS, EXEC, INSPECT, CONTAINER_INSPECT, IMAGE_INSPECT, PORT, TOP,
         STATS, IMAGES, TAG, RMI, PULL, VERSION, INFO, BUILD, *NETWORK, *VOLUME, COMPOSE, DASHBOARD, HELP,
         DOCKERFILE, COMPOSE_DEFINE)
