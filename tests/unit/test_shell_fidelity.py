"""Issue 12: a %docker line is read as a POSIX shell reads it, and every bad number or word is one
CommandError before the engine is asked (the fake client fails the test if it is reached)."""

from __future__ import annotations

import os

import pytest

from dockermagic.cli.words import split_commands
from dockermagic.cli.routes import run_cell, run_command
from dockermagic.errors import CommandError
from dockermagic.cli.grammar import Literal
from dockermagic.engine.lifecycle import parse_since
from fakes import FakeClient


class NoEngine:
    def __getattr__(self, name):
        raise AssertionError(f"engine touched: {name}")


def test_hash_inside_a_word_is_not_a_comment():
    assert split_commands("run -e PW=abc#123 img # a comment", cwd="/") == [["run", "-e", "PW=abc#123", "img"]]
    assert split_commands("run img echo a#b '#c' #d", cwd="/") == [["run", "img", "echo", "a#b", "#c"]]


def test_nothing_inside_single_quotes_is_expanded():
    [argv] = split_commands("run img sh -c 'echo $PWD $(pwd) ${PWD} ~ {name} $name' '~' '~/x'", cwd="/nb",
                            namespace={"name": "web"})
    assert argv[-3:] == ["echo $PWD $(pwd) ${PWD} ~ {name} $name", "~", "~/x"]
    home = os.path.expanduser("~")
    assert split_commands("run -v ~/d:/d ~ \"$PWD\" ~x a~ ~:/h", cwd="/nb")[0][1:] == [
        "-v", f"{home}/d:/d", home, "/nb", "~x", "a~", "~:/h"]


def test_a_quoted_newline_stays_inside_the_word():
    cell = "exec web sh -c 'echo one\necho two'\nexec web printf \"a\nb\"\n"
    assert split_commands(cell, cwd="/") == [["exec", "web", "sh", "-c", "echo one\necho two"],
                                             ["exec", "web", "printf", "a\nb"]]
    result = run_cell(cell, client=FakeClient(), cwd="/", out=lambda _l: None, show=lambda _r: None)
    assert result.exit_code == 0  # two commands ran, not four broken ones


def test_backslashes_as_in_a_shell():
    assert split_commands('run \\\n  img a\\ b "c\\"d" "e\\f" \'g\\h\'', cwd="/") == [
        ["run", "img", "a b", 'c"d', "e\\f", "g\\h"]]


def test_a_value_never_splits_and_never_becomes_a_flag():
    ns = {"v": "--privileged -v /:/host", "two": "a b", "nl": "x\ny"}
    [argv] = split_commands("run $v {two} $nl", cwd="/", namespace=ns)
    assert argv == ["run", "--privileged -v /:/host", "a b", "x\ny"] and isinstance(argv[1], Literal)
    with pytest.raises(Exception) as info:  # taken as the image name, never as flags
        run_command("run $v", client=NoEngine(), namespace=ns)
    assert "engine touched" in str(info.value)


def test_a_value_whose_str_raises_is_one_sentence():
    class Bad:
        def __str__(self):
            raise RuntimeError("boom")

    for line in ("stop $b", "stop {b}"):
        with pytest.raises(CommandError, match="could not be turned into text"):
            run_command(line, client=NoEngine(), namespace={"b": Bad()})


@pytest.mark.parametrize("line, message", [
    ("run -p ²:80 img", "ports 0-65535"),
    ("run -p 80:²³ img", "ports 1-65535"),
    ("run -p 0-99999999999:80 img", "ports 0-65535"),
    ("run -p 99999:1 img", "ports 0-65535"),
    ("run -p 8000-7000:80 img", "ports 0-65535"),
    ("run -p 80:0 img", "ports 1-65535"),
    ("run -p abc:80:80 img", "'abc', which is not an IP address"),
    ("run -p 999.1.1.1:80:80 img", "not an IP address"),
    ("run -p 127.0.0.1:99999:80 img", "ports 0-65535"),
    ("run --restart on-failure:³ img", "whole number"),
    ("logs --since 99999999999999999999h web", "further back than the CLI can"),
    ("logs --since 999999999999 web", "after the year 9999"),
    ("logs --since 1e400 web", "needs 10m"),
    ("logs --tail ٣ web", "whole number"),
    ("logs --tail 99999999999999999999 web", "whole number"),
    ("stop -t 99999999999999999999 web", "whole number"),
    ("stop -t 2147483648 web", "between 0 and 2147483647"),
    ("restart -t -5 web", "between 0 and"),
    ("ps -n ²", "whole number"),
])
def test_numbers_are_checked_before_the_engine(line, message):
    with pytest.raises(CommandError, match=message):
        run_command(line, client=NoEngine())


def test_valid_numbers_still_pass():
    from dockermagic.engine.running import publish_ports

    assert publish_ports(["127.0.0.1:0:80", "[::1]:8080:80/udp", "8000-8001:9000-9001", "65535:65535"]) == {
        "80/tcp": ("127.0.0.1", 0), "80/udp": ("::1", 8080), "9000/tcp": 8000, "9001/tcp": 8001, "65535/tcp": 65535}
    assert parse_since("90s", now=1000.0) == 910 and parse_since("1700000000") == 1700000000
    assert parse_since("100000h", now=1000.0) == 1  # before 1970: everything, as the CLI
    assert parse_since("2024-01-02T15:04:05Z") == 1704207845


def test_an_env_file_that_is_not_utf8_is_one_sentence(tmp_path):
    (tmp_path / "latin1.env").write_bytes(b"NAME=caf\xe9\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        run_command("run --env-file latin1.env img", client=FakeClient(), cwd=str(tmp_path))


def test_range_over_a_number_is_one_sentence():
    with pytest.raises(CommandError, match=r"\{\{range \.State\.Pid\}\} needs a list or a map"):
        run_command("inspect -f '{{range .State.Pid}}{{.}}{{end}}' web", client=FakeClient())
