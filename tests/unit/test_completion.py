"""Tab completion's pure parts: where the cursor is, and what the grammar table offers there.

No engine: live names come from ``LiveNames()`` with no client (none); the engine tests
(tests/engine/test_completion.py) cover live names through IPython's completer.
"""

from __future__ import annotations

import socket
import time

import docker
import pytest

from dockermagic import client as dm_client
from dockermagic.cli import grammar
from dockermagic.cli.completion import Completions, LiveNames, complete, services_in


def offered(text: str, cursor: int | None = None, **kw) -> list[str]:
    found = complete(text, cursor, **kw)
    assert found is not None, f"{text!r} was not read as a dockermagic line"
    return found.matches


def test_subcommands_one_and_two_words():
    assert offered("%docker st") == ["stack", "start", "stats", "stop"]
    assert offered("%docker network con") == ["connect"]
    assert {"ls", "list", "logs", "run", "stop"} <= set(offered("%docker container "))
    assert "prune" in offered("%docker volume p")
    assert "compose" in offered("%docker co")
    assert "network" in offered("%docker help ") and offered("%docker help network con") == ["connect"]


def test_flags_of_the_subcommand_on_the_line():
    assert offered("%docker run --rest") == ["--restart"]
    assert offered("%docker ps --no") == ["--no-trunc"]
    # a single dash: short spellings too; a double dash: long ones only
    assert {"-a", "--all", "-q"} <= set(offered("%docker ps -"))
    assert not [m for m in offered("%docker ps --") if not m.startswith("--")]
    assert "--help" in offered("%docker stop --h")
    assert offered("%docker network connect --a") == ["--alias"]


def test_every_flag_of_every_command_is_offered():
    for command in grammar.commands():
        line = f"{command.name} " if command.name.startswith("%%") else f"%docker {command.name} "
        longs = {n for f in command.flags for n in f.names if n.startswith("--")}
        assert longs <= set(offered(line + "--")), command.name
        shorts = {n for f in command.flags for n in f.names if not n.startswith("--")}
        assert shorts <= set(offered(line + "-")), command.name


def test_flag_values_from_choices():
    assert offered("%docker inspect --type ") == ["container", "image", "network", "volume"]
    assert offered("%docker inspect --type=i") == ["image"]
    assert complete("%docker inspect --type=i").fragment == "i"  # what the match replaces
    assert offered("%%dockerfile -t app --builder ") == ["buildkit", "legacy"]
    assert offered("%docker run -d --restart u") == ["unless-stopped"]


def test_what_a_match_replaces_is_the_word_before_the_cursor():
    assert complete("%docker run --rest") == Completions("--rest", ["--restart"], "flag")
    assert complete("%docker ").fragment == "" and complete("%docker ").kind == "command"
    assert complete("%docker network connect x").kind == "network"
    text = "%docker stop --time 3 ; more"
    assert complete(text, text.index(" ;")).fragment == "3"


def test_a_line_inside_a_docker_cell():
    cell = "%%docker\nnetwork ls\nsto"
    assert offered(cell) == ["stop"]
    assert offered("%%docker\ndocker run --ini") == ["--init"]  # a leading docker is optional
    # a continued line belongs to the command above it
    assert offered("%%docker\nrun -d \\\n  --rest") == ["--restart"]
    # the cursor on a line further up
    cell = "%%docker\nps --no\nimages"
    assert offered(cell, cell.index("\nimages")) == ["--no-trunc"]
    assert complete("%%docker") is None  # its first line takes nothing
    assert offered("%%docker\n# stop the old one: st") == []  # a comment


def test_first_lines_of_dockerfile_and_compose_cells():
    assert "--build-arg" in offered("%%dockerfile -t app:1 --bu")
    assert offered("%%compose --project-n") == ["--project-name"]
    # the cell's body is a Dockerfile or YAML, not ours
    assert complete("%%dockerfile\nFROM debian\nRU") is None
    assert complete("%%compose\nservices:\n  we") is None


def test_compose_lines():
    assert offered("%compose lo") == ["logs"]
    assert offered("%compose -p shop u") == ["unpause", "up"]
    assert "--project-name" in offered("%compose --pro")
    assert offered("%docker compose do") == ["down"]
    assert offered("%%docker\ndocker-compose do") == ["down"]


def test_compose_services_from_the_project_file(tmp_path):
    path = tmp_path / "compose.yaml"
    path.write_text("services:\n  web:\n    image: nginx\n  worker:\n    image: busybox\n  db:\n    image: pg\n")
    assert services_in(str(path)) == ["db", "web", "worker"]
    assert offered("%compose logs w", compose_file=str(path)) == ["web", "worker"]
    assert offered("%compose logs -f web w", compose_file=lambda: str(path)) == ["web", "worker"]
    assert offered("%compose exec d", compose_file=str(path)) == ["db"]
    assert offered("%compose exec db p", compose_file=str(path)) == []  # db's command, not a service
    assert offered("%compose down w", compose_file=str(path)) == []
    path.write_text("services: [\n")  # half-written: nothing, no error
    assert offered("%compose logs w", compose_file=str(path)) == []
    assert services_in(str(tmp_path / "missing.yaml")) == []


def test_not_a_dockermagic_line():
    assert complete("print(1)") is None
    assert complete("%%%docker st") is None
    assert complete("%dockerx st") is None
    assert complete("x = %time st") is None
    # a line magic later in a Python cell still is one
    assert offered("a = 1\nids = %docker ps --qu") == ["--quiet"]


def test_a_containers_own_command_is_not_completed():
    assert offered("%docker run -d debian:bookworm sl") == []
    assert offered("%docker exec web ls --al") == []


def test_quoted_words_are_left_as_typed():
    found = complete("%docker stop 'we")
    assert found == Completions("'we", [])


def test_no_engine_no_names_no_error():
    assert offered("%docker stop ") == []
    assert offered("%docker network connect ") == []


def test_an_engine_that_does_not_answer_costs_one_short_wait(monkeypatch):
    attempts = []

    def connect():
        attempts.append(1)
        raise OSError("no engine")

    names = LiveNames(connect=connect)
    assert names.get("container") == [] and names.get("image") == []
    assert len(attempts) == 1  # then no calls for retry_after seconds, whatever the kind
    # An engine address that takes the connection and never answers: the request times out.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{silent.getsockname()[1]}")
        names = LiveNames(connect=lambda: dm_client.connect(timeout=1))
        started = time.monotonic()
        assert offered("%docker stop ", names=names) == []
        assert time.monotonic() - started < 3
        started = time.monotonic()
        assert offered("%docker network connect ", names=names) == []
        assert offered("%docker run --rest", names=names) == ["--restart"]  # the table still answers
        assert time.monotonic() - started < 0.2  # no second wait: it is known not to answer
        client = docker.DockerClient(base_url=f"tcp://127.0.0.1:{silent.getsockname()[1]}", version="1.41", timeout=1)
        started = time.monotonic()
        assert offered("%docker rmi ", client=client) == []
        assert time.monotonic() - started < 3


@pytest.mark.parametrize("text", ["%docker stop \"", "%docker \\", "%docker run -e", "%compose", "%compose -f",
                                  "%docker --", "%docker network", "%%docker\n\\", "%%docker\n'"])
def test_odd_lines_do_not_raise(text):
    assert isinstance(complete(text), Completions)
