"""With no engine, a magic answers with one sentence saying how to start one."""

import pytest
from IPython.core.error import UsageError

from dockermagic import client as dm_client


def test_no_engine_is_one_sentence(ip, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    dm_client.reset_client()
    try:
        with pytest.raises(UsageError, match="No Docker engine answers at unix://.*start Docker"):
            ip.run_line_magic("docker", "ps")
    finally:
        dm_client.reset_client()


def test_plain_function_says_the_same(monkeypatch, tmp_path):
    from dockermagic.cli.routes import run_command
    from dockermagic.errors import EngineUnavailable

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    dm_client.reset_client()
    try:
        with pytest.raises(EngineUnavailable, match="No Docker engine answers at unix://.*engine-up.sh"):
            run_command("ps -a")
    finally:
        dm_client.reset_client()


def test_dispatch_works_without_ipython():
    import subprocess
    import sys

    code = ("import sys, dockermagic.cli.routes as d\n"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('IPython', 'ipywidgets')], 'UI imported'\n"
            "try:\n    d.run_command('frobnicate --x')\nexcept d.CommandError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "'docker frobnicate' is not supported by %docker ('%docker?' lists what is)."


def test_bad_input_is_a_command_error_before_any_engine_call():
    from dockermagic.cli.routes import run_cell, run_command
    from dockermagic.errors import CommandError

    class NoEngine:  # any attribute use would mean the engine was asked
        def __getattr__(self, name):
            raise AssertionError(f"engine touched: {name}")

    for line, msg in [("ps --bogus", "--bogus"), ("run", "needs an image"), ("stats web", "--no-stream"),
                      ("top", "ps OPTIONS"), ("logs", "exactly one"), ("stop -t soon web", "whole number"),
                      ("ps\nimages", "one command"), ("container prune", "'docker container prune'"), ("network prune", "-f"), ("run -v a:b:c:d img", "src:dst"),
                      ("ps -n many", "whole number"), ("ps --filter oops", "key=value"),
                      ("volume prune -f --filter label=", "key=value")]:
        with pytest.raises(CommandError, match=msg):
            run_command(line, client=NoEngine())
    with pytest.raises(CommandError, match="not supported"):
        run_cell("# comment\ndocker nope\n", client=NoEngine())
    for empty in ("", "  # only a comment", []):
        with pytest.raises(CommandError, match="No docker command given"):
            run_command(empty, client=NoEngine())
    with pytest.raises(CommandError, match="No docker command given"):
        run_cell("\n# nothing\n", client=NoEngine())


def test_compose_ps_uses_the_client_it_is_given(tmp_path):
    from dockermagic.cli.routes import run_command
    from dockermagic.errors import DockerMagicError

    class Given:
        def __getattr__(self, name):
            raise RuntimeError("the given client was asked")

    with pytest.raises(DockerMagicError, match="the given client was asked"):
        run_command("compose -p dmq ps", client=Given(), cwd=str(tmp_path))


def test_cell_magic_refuses_words_on_its_first_line(ip):
    with pytest.raises(UsageError, match="first line"):
        ip.run_cell_magic("docker", "ps", "ps\n")


def test_usage_says_what_is_expanded(ip):
    doc = ip.find_line_magic("docker").__doc__
    for part in ("{name}", "$name", "$(pwd)", "no command substitution", "-i/-t", "container top", "image rm"):
        assert part in doc
