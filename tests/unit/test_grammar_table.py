"""One grammar table: every flag parses and is in its help; the magics' first lines read like %docker lines."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from dockermagic.cli import commands, grammar, routes
from dockermagic.cli.options import build_line, parse_compose
from dockermagic.errors import CommandError

ALL = grammar.commands()


def _positional(command):
    """Words that satisfy the command's required arguments (a valid choice where there are choices)."""
    return [a.choices[0] if a.choices else "x" for a in command.args if not a.optional]


@pytest.mark.parametrize("command", ALL, ids=[c.name for c in ALL])
def test_every_flag_is_in_the_help_and_parses_in_every_spelling(command):
    text = grammar.help_text(command)
    assert text.startswith(f"Usage:  {grammar.usage_line(command)}\n") and command.summary in text
    for f in command.flags:
        for name in f.names:
            assert name in text, f"{command.name}: {name} missing from its help"
            value = f.choices[0] if f.choices else "v"
            argv = [name, value] if f.takes_value else [name]
            p = grammar.read(command, argv + _positional(command))
            assert p.flags[f.dest] == ([value] if f.repeat else value if f.takes_value else True)
        if f.help:
            assert f.help in text


def test_help_comes_back_as_text_never_an_error():
    for line in ("run --help", "help run", "container run --help", "compose --help", "network connect --help"):
        shown = routes.run_command(line, client=object())
        assert isinstance(shown, grammar.Help) and str(shown).startswith("Usage:  docker ")
    assert str(routes.run_command("run --help")).startswith("Usage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n")
    assert str(routes.run_command("help run")) == str(routes.run_command("run --help"))
    assert "connect" in str(routes.run_command("network --help")) and "disconnect" in str(routes.run_command("help network"))
    # As in the CLI, -h is run's --hostname, not help; and --help after the image belongs to the container.
    p = grammar.read(commands.RUN, ["-h", "box", "img", "--help"])
    assert p.flags == {"hostname": "box"} and p.args == ["img", "--help"] and not p.help


def test_usage_lists_every_subcommand_with_its_summary():
    text = routes.usage()
    for c in ALL:
        if not c.name.startswith("%"):
            assert f"  {c.name} " in text and c.summary in text
    assert "{name} / {obj.attr} / $name" in text  # the prose about expansion stays


def test_a_line_naming_no_command_is_one_sentence():
    with pytest.raises(CommandError, match="'docker network' needs a subcommand: create, ls, inspect, connect"):
        routes.run_command("network", client=object())
    with pytest.raises(CommandError, match="'docker volume frob' is not supported"):
        routes.run_command("volume frob", client=object())
    with pytest.raises(CommandError, match="'docker logs' needs exactly one container"):
        routes.run_command("logs", client=object())
    with pytest.raises(CommandError, match="takes buildkit or legacy, not 'kit'"):
        build_line(["--builder", "kit", "."])


def test_watch_is_the_magics_and_the_plain_api_says_where_the_view_is():
    for line, view in (("ps --watch", "ContainersView"), ("network ls --watch", "NetworksView"),
                       ("dashboard", "Dashboard")):
        with pytest.raises(CommandError, match=rf"live view for notebooks: .*dockermagic\.widgets\.{view}"):
            routes.run_command(line, client=object())
    seen = []
    live = {"ps --watch": lambda p, ctx: seen.append(p.get("filter")) or "view"}
    assert routes.run_command("ps --watch --filter name=db", client=object(), live=live) == "view"
    assert seen == [["name=db"]]


def test_the_routes_import_neither_ipython_nor_ipywidgets():
    code = ("import dockermagic.cli.routes, sys; "
            "assert not any(m.startswith(('IPython', 'ipywidgets')) for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def _imported(path: Path, package: Path):
    """Absolute names of the modules ``path`` imports from (relative imports resolved)."""
    here = path.relative_to(package.parent).with_suffix("").parts
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level] if node.level else ()
            yield ".".join(base + tuple((node.module or "").split(".")))
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names)


def test_the_engine_never_imports_the_cli():
    package = Path(grammar.__file__).resolve().parents[1]
    for path in (package / "engine").rglob("*.py"):
        # cli.formatting's Lines is a result shape (ps -q, stop, logs); it is the one exception so far.
        wrong = [m for m in _imported(path, package) if (m == "dockermagic.cli" or m.startswith("dockermagic.cli."))
                 and m != "dockermagic.cli.formatting"]
        assert not wrong, f"{path.name} imports {wrong}"


def test_grammar_imports_nothing_of_the_engine():
    tree = ast.parse(Path(grammar.__file__).read_text(encoding="utf-8"))
    assert not [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and "engine" in (n.module or "")]


# ---- the quoting examples of issue 13 ------------------------------------------------------------

@pytest.fixture
def builds(ip, monkeypatch, tmp_path):
    """%%dockerfile runs with build_from_text recorded instead of building."""
    from dockermagic import client as dm_client
    from dockermagic.engine import build

    calls = []
    monkeypatch.setattr(dm_client, "get_client", lambda: "no-engine-needed")
    monkeypatch.setattr(build, "build_from_text", lambda text, **kw: calls.append(kw))
    monkeypatch.chdir(tmp_path)
    return calls


@pytest.mark.parametrize("line", ['-t x --build-arg MSG="hello world"', '-t x --build-arg "MSG=hello world"',
                                  "-t x --build-arg 'MSG=hello world'", "-t x --build-arg=MSG=hello\\ world"])
def test_a_quoted_build_arg_is_one_argument(ip, builds, line):
    ip.run_cell_magic("dockerfile", line, "FROM debian:bookworm\n")
    assert builds[-1]["options"].buildargs == {"MSG": "hello world"} and builds[-1]["options"].tags == ["x"]


def test_the_dockerfile_line_expands_notebook_variables(ip, builds):
    ip.user_ns["version"] = "1.2"
    ip.user_ns["greeting"] = "hi there"
    ip.run_cell_magic("dockerfile", "-t app:{version} --build-arg MSG=$greeting --label 'v={version}'",
                      "FROM debian:bookworm\n")
    o = builds[-1]["options"]
    assert o.tags == ["app:1.2"] and o.buildargs == {"MSG": "hi there"} and o.labels == {"v": "{version}"}


def test_dockerfile_and_compose_help_come_from_the_table(ip):
    from dockermagic.magics.build import BuildMagics
    from dockermagic.magics.compose import ComposeMagics

    assert BuildMagics.dockerfile.__doc__ == grammar.help_text(commands.DOCKERFILE)
    assert "--build-arg" in BuildMagics.dockerfile.__doc__ and "%%compose [OPTIONS]" in ComposeMagics.compose.__doc__
    assert str(ip.run_cell_magic("dockerfile", "--help", "FROM x\n")).startswith("Usage:  %%dockerfile [OPTIONS] [PATH]")
    assert "Usage:  docker compose [OPTIONS] COMMAND" in str(ip.run_line_magic("compose", "--help"))
    assert "--project-dir" in str(ip.run_cell_magic("compose", "--help", "services: {}\n"))


def test_compose_first_lines_use_the_same_reader(ip):
    ip.user_ns["proj"] = "shop 1"
    from dockermagic.cli.words import split_words

    argv = split_words("-p {proj} -f 'my file.yml' logs web", namespace=ip.user_ns)
    call = parse_compose(argv)
    assert call.project == "shop 1" and call.file == "my file.yml" and call.args == ["web"]
    call = parse_compose(["--env-file", ".e", "--profile", "a", "--profile", "b", "--dry-run", "up", "-d"])
    assert call.options == ["--env-file", ".e", "--profile", "a", "--profile", "b", "--dry-run"]


def test_docker_compose_lines_take_the_compose_route():
    for line in ("docker-compose --bogus up", "docker compose --bogus up", "compose --bogus up"):
        with pytest.raises(CommandError, match="'docker compose' does not support the flag --bogus"):
            routes.run_cell(line, client=object())


def test_a_module_can_add_a_command_and_its_route():
    c = grammar.Command("frob ls", "List frobs", flags=(grammar.flag("quiet", "-q", "--quiet", help="Only names"),))
    grammar.register(c)
    routes.add_route("frob ls", lambda p, ctx: ("frobs", p.get("quiet", False)))
    try:
        assert routes.run_command("frob ls -q", client=object()) == ("frobs", True)
        assert "Only names" in str(routes.run_command("frob ls --help"))
        assert "frob" in grammar.groups()
    finally:
        grammar._COMMANDS.pop("frob ls")
        routes.ROUTES.pop("frob ls")


@pytest.mark.parametrize("first", ["dockermagic.cli.grammar", "dockermagic.cli.completion", "dockermagic.cli.routes",
                                   "dockermagic.cli.swarm_commands", "dockermagic.cli.ownership_commands"])
def test_the_whole_table_and_its_handlers_whoever_is_imported_first(first):
    code = (f"import importlib; importlib.import_module({first!r})\n"
            "from dockermagic.cli import grammar, routes\n"
            "names = [c.name for c in grammar.commands()]\n"
            "missing = [n for n in names if n not in routes.ROUTES and not n.startswith('%')]\n"
            "assert not missing, missing\n"
            "print(len(names))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-800:]
    assert int(done.stdout) == len(ALL)
