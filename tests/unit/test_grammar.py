import pytest

from dockermagic.errors import CommandError
from dockermagic.grammar import PS_FLAGS, RUN_FLAGS, parse


def run(*argv):
    return parse("run", list(argv), RUN_FLAGS, stop_at_positional=True)


def test_long_forms_with_equals_and_space():
    p = run("--name=db", "--network", "net1", "img")
    assert p.flags["name"] == "db" and p.flags["network"] == "net1" and p.args == ["img"]


def test_repeatables_collect_in_order():
    p = run("-e", "A=1", "--env=B=2", "-eC=3", "-p", "127.0.0.1:5433:5432", "-p", "53:53/udp", "img")
    assert p.flags["env"] == ["A=1", "B=2", "C=3"]
    assert p.flags["publish"] == ["127.0.0.1:5433:5432", "53:53/udp"]


@pytest.mark.parametrize("combo", ["-it", "-dit", "-ti"])
def test_combined_short_booleans(combo):
    p = run(combo, "img")
    assert p.flags["interactive"] and p.flags["tty"]
    assert p.flags.get("detach", False) == ("d" in combo)


def test_command_after_image_is_not_parsed():
    p = run("-d", "img", "sh", "-c", "echo -e hi")
    assert p.args == ["img", "sh", "-c", "echo -e hi"]


def test_unknown_long_and_short_flags_named():
    with pytest.raises(CommandError, match="--bogus"):
        run("--bogus", "img")
    with pytest.raises(CommandError, match="-Z"):
        run("-dZ", "img")


def test_missing_value():
    with pytest.raises(CommandError, match="--name needs a value"):
        run("--name")


def test_ps_filters_and_format():
    p = parse("ps", ["-a", "--filter", "name=db", "-f", "status=running", "--format", "{{.Names}}"], PS_FLAGS)
    assert p.flags == {"all": True, "filter": ["name=db", "status=running"], "format": "{{.Names}}"}
