import os

import pytest

from dockermagic.cli.words import split_commands
from dockermagic.errors import CommandError

SEED = '''docker run -it \\
  -e POSTGRES_USER="root" \\
  -e POSTGRES_PASSWORD="root" \\
  -e POSTGRES_DB="ny_taxi" \\
  -v "$(pwd)/ny_taxi_postgres_data:/var/lib/postgresql/data" \\
  -p 5433:5432 \\
  postgres:13
'''


def test_seed_postgres_block_pastes_unchanged():
    [argv] = split_commands(SEED, cwd="/nb")
    assert argv == ["run", "-it", "-e", "POSTGRES_USER=root", "-e", "POSTGRES_PASSWORD=root",
                    "-e", "POSTGRES_DB=ny_taxi", "-v",
                    "/nb/ny_taxi_postgres_data:/var/lib/postgresql/data", "-p", "5433:5432",
                    "postgres:13"]


def test_several_commands_comments_and_optional_docker():
    text = "# list\ndocker ps -a  # all\n\nimages\n"
    assert split_commands(text, cwd="/x") == [["ps", "-a"], ["images"]]


def test_go_template_quoting_kept():
    assert split_commands("ps --format '{{.Names}} {{.Status}}'", cwd="/") == [
        ["ps", "--format", "{{.Names}} {{.Status}}"]]


@pytest.mark.parametrize("form", ["${PWD}/d", "$PWD/d", "$(pwd)/d"])
def test_pwd_forms(form):
    assert split_commands(f"run -v {form}:/d img", cwd="/w")[0][2] == "/w/d:/d"


def test_tilde_expands_to_home():
    assert split_commands("run -v ~/data:/data img", cwd="/")[0][2] == os.path.expanduser("~") + "/data:/data"


@pytest.mark.parametrize("bad", ["run -v $(whoami):/d img", "run -e A=`id` img"])
def test_command_substitution_refused(bad):
    with pytest.raises(CommandError, match="substitution"):
        split_commands(bad, cwd="/")


def test_unbalanced_quote_is_one_sentence():
    with pytest.raises(CommandError, match="Cannot read"):
        split_commands("run -e 'A=1 img", cwd="/")


def test_bare_docker_refused():
    with pytest.raises(CommandError, match="subcommand"):
        split_commands("docker", cwd="/")


def test_python_vars_expand_where_a_shell_would():
    from types import SimpleNamespace

    ns = {"name": "web", "cfg": SimpleNamespace(port=8080), "ports": [5433], "d": {"k": "v"}, "i": 7,
          "path": "/my data"}
    text = ("run --name {name} -p 127.0.0.1:{ports[0]}:{cfg.port} -e K={d['k']} -e N=$i "
            "-v {path}:/data -v \"$path:/x\" img sh -c 'echo $i {name}' # {nope} $i")
    assert split_commands(text, cwd="/", namespace=ns) == [[
        "run", "--name", "web", "-p", "127.0.0.1:5433:8080", "-e", "K=v", "-e", "N=7",
        "-v", "/my data:/data", "-v", "/my data:/x", "img", "sh", "-c", "echo $i {name}"]]


def test_go_templates_pwd_and_shell_forms_left_alone():
    ns = {"Names": "x", "PWD": "nope", "HOME": "nope"}
    [argv] = split_commands("ps --format {{.Names}} -v ${HOME}:/h -e A=pa$$word -e B=$UNSET -v $(pwd):/w",
                            cwd="/nb", namespace=ns)
    assert argv == ["ps", "--format", "{{.Names}}", "-v", "${HOME}:/h", "-e", "A=pa$$word", "-e", "B=$UNSET",
                    "-v", "/nb:/w"]


def test_unknown_brace_name_is_one_sentence():
    with pytest.raises(CommandError, match=r"\{missing\} names no Python variable"):
        split_commands("stop {missing}", cwd="/", namespace={})


@pytest.mark.parametrize("bad", ["run -e X=$(id) img", "run -e X=`id` img", "run -v \"$(touch /tmp/x)\":/d img"])
def test_no_command_substitution_even_with_a_namespace(bad):
    with pytest.raises(CommandError, match="substitution"):
        split_commands(bad, cwd="/", namespace={"id": "not-a-command"})


def test_values_cannot_smuggle_a_substitution():
    # A value goes in as written: never expanded again, so its $(id) is four characters, not a command.
    assert split_commands("run -e X={v} img", cwd="/", namespace={"v": "$(id)"}) == [
        ["run", "-e", "X=$(id)", "img"]]


def test_errors_never_echo_a_secret():
    for bad, name in (("run -e POSTGRES_PASSWORD=hunter2 'img", "POSTGRES_PASSWORD"),
                      ("run -e API_TOKEN=hunter2$(id) img", "API_TOKEN")):
        with pytest.raises(CommandError) as info:
            split_commands(bad, cwd="/")
        assert "hunter2" not in str(info.value) and name in str(info.value)
