"""The Compose command lines dockermagic builds, without running Compose."""

import pytest

from dockermagic import compose
from dockermagic.compose import ComposeCall, check_yaml, parse_compose, project_name
from dockermagic.errors import ComposeError

V2, V1 = ("/usr/bin/docker", "compose"), ("/usr/bin/docker-compose",)


@pytest.mark.parametrize("line, tail", [
    ("up -d --build", ["up", "-d", "--build"]),
    ("up --wait backend db", ["up", "--wait", "backend", "db"]),
    ("down -v --remove-orphans", ["down", "-v", "--remove-orphans"]),
    ("logs -f backend", ["logs", "-f", "backend"]),
    ("logs", ["logs"]),
    ("config", ["config"]),
    ("build", ["build"]),
    ("restart backend", ["restart", "backend"]),
    ("exec db psql -U root -c 'select 1'", ["exec", "-T", "db", "psql", "-U", "root", "-c", "select 1"]),
    ("exec -T db true", ["exec", "-T", "db", "true"]),
    ("ps -a", ["ps", "-a"]),
])
def test_subcommands_pass_through_after_the_globals(line, tail):
    import shlex

    call = parse_compose(["-f", "/p/docker-compose.yml", "-p", "shop"] + shlex.split(line))
    assert call.argv(V2) == ["/usr/bin/docker", "compose", "-f", "/p/docker-compose.yml", "-p", "shop"] + tail
    assert call.argv(V1)[:1] == ["/usr/bin/docker-compose"] and call.argv(V1)[1:] == call.argv(V2)[2:]


def test_later_globals_win_and_equals_forms():
    call = parse_compose(["-p", "old", "--project-name=new", "--project-directory", "/srv/app", "up"])
    assert (call.project, call.project_dir) == ("new", "/srv/app")
    assert call.argv(V2) == list(V2) + ["-p", "new", "--project-directory", "/srv/app", "up"]


@pytest.mark.parametrize("argv, words", [
    ([], "which subcommand"),
    (["-p"], "-p needs a value"),
    (["--verbose", "up"], "unknown option --verbose"),
    (["upp", "-d"], "'upp' is not a subcommand"),
    (["exec", "db"], "needs a service and a command"),
])
def test_bad_lines_are_one_sentence(argv, words):
    with pytest.raises(ComposeError, match=words):
        parse_compose(argv)


def test_project_name_like_compose():
    assert project_name("/work/My App", ComposeCall("ps")) == "myapp"
    assert project_name("/x", ComposeCall("ps", project="Shop_1")) == "shop_1"
    assert project_name("/x", ComposeCall("ps", file="apps/docker-compose.yml")) == "apps"
    assert project_name("/x", ComposeCall("ps", project_dir="/srv/taxi")) == "taxi"


def test_invalid_yaml_names_its_line():
    with pytest.raises(ComposeError, match="at line 3"):
        check_yaml("services:\n  a:\n\timage: x\n")
    with pytest.raises(ComposeError, match="top-level 'services:'"):
        check_yaml("version: '3.8'\n")


def test_cell_options(tmp_path):
    assert compose.parse_define([], str(tmp_path)) == (None, str(tmp_path), "docker-compose.yml")
    assert compose.parse_define(["-p", "shop", "--project-dir", "apps", "-f", "c.yml"], "/nb") == ("shop", "/nb/apps", "c.yml")
    with pytest.raises(ComposeError, match="unknown option"):
        compose.parse_define(["--build"], "/nb")


def test_tool_is_the_v2_plugin_else_v1(monkeypatch):
    import subprocess

    from dockermagic import compose

    paths = {"docker": "/usr/local/bin/docker", "docker-compose": "/usr/bin/docker-compose"}
    monkeypatch.setattr(compose.shutil, "which", lambda name: paths.get(name))
    plugin_rc = {"rc": 0}
    monkeypatch.setattr(compose.subprocess, "run",
                        lambda argv, **kw: subprocess.CompletedProcess(argv, plugin_rc["rc"]))
    compose.compose_tool.cache_clear()
    try:
        assert compose.compose_tool() == ("/usr/local/bin/docker", "compose")
        compose.compose_tool.cache_clear()
        plugin_rc["rc"] = 1  # `docker compose version` fails: no plugin
        assert compose.compose_tool() == ("/usr/bin/docker-compose",)
        compose.compose_tool.cache_clear()
        paths.pop("docker-compose")
        with pytest.raises(ComposeError, match="No Compose tool found"):
            compose.compose_tool()
    finally:
        compose.compose_tool.cache_clear()
