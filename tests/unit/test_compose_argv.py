"""The Compose command lines dockermagic builds, without running Compose."""

import pytest

from dockermagic.engine import compose
from dockermagic.cli.options import parse_compose, parse_define
from dockermagic.engine.compose import ComposeCall, check_yaml, project_name
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
    ([], "needs a subcommand"),
    (["-p"], "-p needs a value"),
    (["--verbose", "up"], "does not support the flag --verbose"),
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
    assert parse_define([], str(tmp_path)) == (None, str(tmp_path), None)
    assert parse_define(["-p", "shop", "--project-dir", "apps", "-f", "c.yml"], "/nb") == ("shop", "/nb/apps", "c.yml")
    with pytest.raises(ComposeError, match="does not support the flag --build"):
        parse_define(["--build"], "/nb")


def test_tool_is_the_v2_plugin_else_v1(monkeypatch):
    import subprocess

    from dockermagic.engine import compose

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


def test_every_subcommand_and_global_option_passes_through():
    import shlex

    call = parse_compose(shlex.split("-f a.yml -f b.yml --env-file .env.dev --profile debug --dry-run run --rm web pytest -q"))
    assert call.argv(V2) == [*V2, "-f", "a.yml", "-f", "b.yml", "--env-file", ".env.dev", "--profile", "debug",
                             "--dry-run", "run", "-T", "--rm", "web", "pytest", "-q"]
    for sub in ("ls", "images", "top", "pull", "stop", "start", "push", "kill", "rm", "pause", "port", "wait"):
        assert parse_compose([sub]).argv(V2)[-1] == sub


def test_the_saved_file_is_the_one_compose_reads(tmp_path):
    from dockermagic.engine.compose_project import compose_file_for

    assert compose_file_for(str(tmp_path)) == str(tmp_path / "compose.yaml")
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    assert compose_file_for(str(tmp_path)) == str(tmp_path / "docker-compose.yml")
    (tmp_path / "compose.yaml").write_text("services: {}\n")
    assert compose_file_for(str(tmp_path)) == str(tmp_path / "compose.yaml"), "Compose's own order"
    assert compose_file_for(str(tmp_path), "other.yml") == str(tmp_path / "other.yml")


def test_no_registry_means_pull_never(monkeypatch):
    from dockermagic.engine import compose_project, imagekit

    monkeypatch.setenv("DOCKERMAGIC_NO_PULL", "1")
    assert compose_project.without_pulls(parse_compose(["up", "-d"]), v2=True).args == ["--pull", "never", "-d"]
    assert compose_project.without_pulls(parse_compose(["up", "--pull=always"]), v2=True).args == ["--pull=always"]
    assert compose_project.without_pulls(parse_compose(["down"]), v2=True).args == []
    monkeypatch.setenv("DOCKERMAGIC_NO_PULL", "0")
    monkeypatch.setattr(imagekit, "_registry_unreachable", False)
    assert compose_project.without_pulls(parse_compose(["up", "-d"]), v2=True).args == ["-d"]


def test_compose_environment_secrets_are_learned():
    from dockermagic import redaction

    check_yaml("services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: s3cr3t-compose-pw\n  web:\n")
    assert "s3cr3t-compose-pw" not in redaction.redact("connect with s3cr3t-compose-pw now")


def test_images_a_project_needs_come_from_the_image_kit(tmp_path, monkeypatch):
    from dockermagic.engine import compose_project, imagekit
    from dockermagic.errors import ImageKitError

    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Dockerfile").write_text("FROM node:14-alpine AS b\nFROM --platform=$BUILDPLATFORM nginx:stable-alpine\n")
    config = {"services": {"web": {"build": {"context": str(tmp_path / "web")}, "image": "shop-web"},
                           "db": {"image": "postgres:13"}}}
    asked = []

    def ensure(ref, **kw):
        asked.append(ref)
        if ref == "postgres:13" and kw.get("client") == "no-postgres":
            raise ImageKitError("The image postgres:13 is not on this engine.")
        return "present"

    monkeypatch.setattr(imagekit, "ensure_image", ensure)
    assert compose_project.provide_images(config, client=None, cwd=str(tmp_path)) == {
        "node:14-alpine": "present", "nginx:stable-alpine": "present", "postgres:13": "present"}
    asked.clear()
    compose_project.provide_images(config, client=None, cwd=str(tmp_path), builds_only=True)
    assert asked == ["node:14-alpine", "nginx:stable-alpine"], "a build needs only the FROMs"
    with pytest.raises(ComposeError, match="^Service db needs the image postgres:13: The image"):
        compose_project.provide_images(config, client="no-postgres", cwd=str(tmp_path))
