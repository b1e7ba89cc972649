import os
import re

import pytest

from dockermagic.errors import CommandError
from dockermagic.cli.commands import PS, RUN
from dockermagic.cli.grammar import parse, parse_filters

PS_FLAGS, RUN_FLAGS = list(PS.flags), list(RUN.flags)


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


# Every `docker run` flag the issue lists, in each spelling the CLI accepts.
RUN_FORMS = [
    (["-d"], "detach", True), (["--detach"], "detach", True), (["--name", "db"], "name", "db"),
    (["-e", "A=1"], "env", ["A=1"]), (["--env", "A=1"], "env", ["A=1"]), (["--env=A=1"], "env", ["A=1"]),
    (["--env-file", "x.env"], "env_file", ["x.env"]), (["-p", "5433:5432"], "publish", ["5433:5432"]),
    (["--publish=53:53/udp"], "publish", ["53:53/udp"]), (["-P"], "publish_all", True),
    (["--publish-all"], "publish_all", True), (["-v", "/h:/c:ro"], "volume", ["/h:/c:ro"]),
    (["--volume", "data:/c"], "volume", ["data:/c"]), (["--mount", "type=volume,target=/m"], "mount",
                                                       ["type=volume,target=/m"]),
    (["--network", "n"], "network", "n"), (["--net=n"], "network", "n"),
    (["--network-alias", "db"], "network_alias", ["db"]), (["--rm"], "rm", True),
    (["-w", "/app"], "workdir", "/app"), (["--workdir=/app"], "workdir", "/app"),
    (["--entrypoint", "sh"], "entrypoint", "sh"), (["-u", "999"], "user", "999"), (["--user=nobody"], "user", "nobody"),
    (["-h", "box"], "hostname", "box"), (["--hostname", "box"], "hostname", "box"),
    (["-l", "a=b"], "label", ["a=b"]), (["--label", "a=b"], "label", ["a=b"]),
    (["--restart", "always"], "restart", "always"), (["--init"], "init", True),
    (["-i"], "interactive", True), (["--interactive"], "interactive", True), (["-t"], "tty", True),
    (["--tty"], "tty", True), (["--rm=false"], "rm", False), (["-wfoo"], "workdir", "foo"),
]


@pytest.mark.parametrize("words,dest,value", RUN_FORMS)
def test_every_run_flag_form(words, dest, value):
    p = run(*words, "img", "cmd")
    assert p.flags == {dest: value} and p.args == ["img", "cmd"]


def test_quoting_and_continuations_reach_the_flags():
    from dockermagic.cli.words import split_commands

    [argv] = split_commands('docker run \\\n  -e "A=two words" \\\n  --label=\'x=y z\' img', cwd="/")
    p = run(*argv[1:])
    assert p.flags == {"env": ["A=two words"], "label": ["x=y z"]} and p.args == ["img"]


@pytest.mark.parametrize("spec,expected", [
    ("5432", {"5432/tcp": None}), ("5433:5432", {"5432/tcp": 5433}),
    ("127.0.0.1:5433:5432", {"5432/tcp": ("127.0.0.1", 5433)}), ("127.0.0.1::8080", {"8080/tcp": ("127.0.0.1",)}),
    ("53:53/udp", {"53/udp": 53}), (":8080", {"8080/tcp": None}), ("9/sctp", {"9/sctp": None}),
    ("[::1]:5433:5432", {"5432/tcp": ("::1", 5433)}), ("[::1]::80", {"80/tcp": ("::1",)}),
    ("8000-8001:9000-9001", {"9000/tcp": 8000, "9001/tcp": 8001}), ("7000-7001", {"7000/tcp": None, "7001/tcp": None}),
    ("127.0.0.1:8000-8010:80", {"80/tcp": ("127.0.0.1", "8000-8010")}),
])
def test_publish_forms(spec, expected):
    from dockermagic.engine.running import publish_ports

    assert publish_ports([spec]) == expected


def test_one_port_published_twice_keeps_both():
    from dockermagic.engine.running import publish_ports

    assert publish_ports(["127.0.0.1:8080:80", "127.0.0.1:8081:80"]) == {
        "80/tcp": [("127.0.0.1", 8080), ("127.0.0.1", 8081)]}


@pytest.mark.parametrize("bad", ["web", "1:2:3:4", "5433:", "a:b", "80/icmp", "9-8:80", "1-3:1-2"])
def test_bad_publish_is_one_sentence(bad):
    from dockermagic.engine.running import publish_ports

    with pytest.raises(CommandError, match=f"port mapping '{re.escape(bad)}'"):
        publish_ports([bad])


def test_volume_forms(tmp_path):
    from dockermagic.engine.running import anonymous_volumes, bind_volumes, volume_names

    specs = ["./data:/d", "/abs:/a:ro", "~/h:/h", "named:/n", "/anon"]
    binds = bind_volumes(specs, cwd=str(tmp_path))
    assert binds == {str(tmp_path / "data"): {"bind": "/d", "mode": "rw"}, "/abs": {"bind": "/a", "mode": "ro"},
                     os.path.expanduser("~/h"): {"bind": "/h", "mode": "rw"}, "named": {"bind": "/n", "mode": "rw"}}
    assert volume_names(specs) == ["named"]
    [anon] = anonymous_volumes(specs)
    assert anon["Target"] == "/anon" and anon["Type"] == "volume" and anon["VolumeOptions"]["Labels"]
    for bad in ("a:b:c:d", ":/x", "/h:/c:rx"):
        with pytest.raises(CommandError, match="volume"):
            bind_volumes([bad], cwd="/")


def test_mount_forms(tmp_path):
    from dockermagic.engine.running import parse_mount, volume_names

    bind = parse_mount("type=bind,source=./src,target=/app,readonly", cwd=str(tmp_path))
    assert bind["Source"] == str(tmp_path / "src") and bind["ReadOnly"] is True and bind["Type"] == "bind"
    vol = parse_mount("type=volume,src=cache,dst=/c", cwd="/")
    assert vol["Source"] == "cache" and vol["VolumeOptions"]["Labels"]
    assert volume_names([], [bind, vol]) == ["cache"]
    assert parse_mount("type=tmpfs,destination=/t", cwd="/")["Type"] == "tmpfs"
    for bad, msg in (("type=bind,target=/x", "source"), ("source=x", "target"), ("type=nfs,target=/x", "type")):
        with pytest.raises(CommandError, match=msg):
            parse_mount(bad, cwd="/")


def test_env_file(tmp_path, monkeypatch):
    from dockermagic.engine.running import read_env_files

    monkeypatch.setenv("FROM_HOST", "h")
    (tmp_path / "a.env").write_text("# c\nA=1\n\nFROM_HOST\nB=x=y\n")
    assert read_env_files(["a.env"], cwd=str(tmp_path)) == ["A=1", "FROM_HOST=h", "B=x=y"]
    with pytest.raises(CommandError, match="nope.env"):
        read_env_files(["nope.env"], cwd=str(tmp_path))


def test_filters_as_the_engine_takes_them():
    assert parse_filters(["label=a=b", "name=db", "label=c"]) == {"label": ["a=b", "c"], "name": ["db"]}
    assert parse_filters(None) == {}
    for bad in ("oops", "name="):
        with pytest.raises(CommandError, match="key=value"):
            parse_filters([bad])
