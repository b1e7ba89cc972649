"""Owner labels, namespaces, names and port ranges without an engine (the engine side: tests/engine)."""

from __future__ import annotations

import zlib

import pytest

from dockermagic import ownership
from dockermagic.cli import grammar
from dockermagic.cli.options import parse_compose
from dockermagic.engine.namespaced import Space, normalize_namespace, port_base
from dockermagic.errors import CommandError


@pytest.fixture(autouse=True)
def _no_namespace(monkeypatch):
    for name in ("DOCKERMAGIC_NAMESPACE", "JUPYTERHUB_USER", "DOCKERMAGIC_PORT_BASE"):
        monkeypatch.delenv(name, raising=False)


def test_the_owner_is_the_hub_user_else_the_os_user(monkeypatch):
    import getpass

    assert ownership.current_user() == getpass.getuser()
    assert ownership.owner_labels() == {ownership.OWNER_LABEL: getpass.getuser()}, "no namespace: no label for it"
    monkeypatch.setenv("JUPYTERHUB_USER", "Alice.Smith@uni")
    assert ownership.current_user() == "Alice.Smith@uni"
    assert ownership.owner_labels() == {ownership.OWNER_LABEL: "Alice.Smith@uni",
                                        ownership.NAMESPACE_LABEL: "alice-smith-uni"}


def test_the_namespace_comes_from_dockermagic_namespace_then_the_hub(monkeypatch):
    assert ownership.current_namespace() is None
    monkeypatch.setenv("JUPYTERHUB_USER", "bob")
    assert ownership.current_namespace() == "bob"
    monkeypatch.setenv("DOCKERMAGIC_NAMESPACE", "Team 3")
    assert ownership.current_namespace() == "team-3"
    monkeypatch.setenv("DOCKERMAGIC_NAMESPACE", "")
    assert ownership.current_namespace() is None, "set empty: no namespace even under JupyterHub"
    monkeypatch.setenv("DOCKERMAGIC_NAMESPACE", "@@@")
    with pytest.raises(CommandError, match="no letters or digits"):
        ownership.current_namespace()


def test_names_are_prefixed_once_and_shown_short():
    space = Space("alice", "alice", 21000)
    assert space.engine_name("pg-database") == "alice-pg-database"
    assert space.engine_name("alice-pg-database") == "alice-pg-database", "never twice"
    assert space.short_name("/alice-pg-database") == "pg-database"
    assert space.short_name("bob-pg-database") == "bob-pg-database"
    assert normalize_namespace("  Ålice_1 ") == "alice_1"


def test_each_namespace_has_its_own_fixed_range_unless_one_is_given(monkeypatch):
    bases = {ns: port_base(ns) for ns in ("alice", "bob", "carol")}
    for ns, base in bases.items():
        assert base == 20000 + 1000 * (zlib.crc32(ns.encode()) % 12), "the same on every machine and run"
        assert 20000 <= base <= 31000
    monkeypatch.setenv("DOCKERMAGIC_PORT_BASE", "40000")
    assert port_base("alice") == 40000
    monkeypatch.setenv("DOCKERMAGIC_PORT_BASE", "65000")
    with pytest.raises(CommandError, match="DOCKERMAGIC_PORT_BASE='65000' is not a port from 1024"):
        port_base("alice")


def test_mine_means_my_owner_and_my_namespace(monkeypatch):
    plain = object()  # any client: without a namespace only the owner counts
    assert ownership.mine_filters(plain) == [f"{ownership.OWNER_LABEL}={ownership.current_user()}"]
    monkeypatch.setenv("DOCKERMAGIC_NAMESPACE", "alice")
    mine = ownership.mine_filters(plain)
    assert mine[1] == f"{ownership.NAMESPACE_LABEL}=alice"
    assert ownership.with_mine({"label": "app=web", "status": ["running"]}, plain) == {
        "label": ["app=web", *mine], "status": ["running"]}
    assert ownership.with_mine({}, plain, mine=False) == {}
    labels = {ownership.OWNER_LABEL: ownership.current_user(), ownership.NAMESPACE_LABEL: "alice"}
    assert ownership.is_mine(labels, plain)
    assert not ownership.is_mine({**labels, ownership.NAMESPACE_LABEL: "bob"}, plain)


def test_a_compose_project_lives_in_the_namespace(tmp_path, monkeypatch):
    call = parse_compose(["-p", "shop", "up", "-d"])
    assert ownership.namespaced_compose_call(call, str(tmp_path)) is call, "no namespace: unchanged"
    monkeypatch.setenv("DOCKERMAGIC_NAMESPACE", "alice")
    assert ownership.namespaced_compose_call(call, str(tmp_path)).project == "alice-shop"
    again = ownership.namespaced_compose_call(parse_compose(["-p", "alice-shop", "ps"]), str(tmp_path))
    assert again.project == "alice-shop"


def test_ps_mine_and_reset_are_in_the_grammar():
    from dockermagic.cli import routes  # noqa: F401  (loads the extensions)

    ps, n = grammar.find(["ps", "--mine"])
    assert n == 1 and grammar.read(ps, ["-a", "--mine"]).flags == {"all": True, "mine": True}
    reset, _ = grammar.find(["reset"])
    assert grammar.read(reset, ["--dry-run", "--mine"]).flags == {"dry_run": True, "mine": True}
    assert "--dry-run" in grammar.help_text(reset) and "--notebook" in grammar.help_text(reset)
    with pytest.raises(CommandError, match="--notebook or --mine, not both"):
        routes.run_command("reset --notebook --mine", client=object())


def test_reset_rows_show_the_short_name_and_why_something_stayed():
    from types import SimpleNamespace

    alice = ownership.namespaced(SimpleNamespace(api=object()), "alice")
    assert ownership._row("container alice-db (cannot remove: in use)", "not removed", alice) == {
        "kind": "container", "name": "db", "result": "not removed: cannot remove: in use"}
    assert ownership._row("image app:1, app:latest", "removed", alice) == {
        "kind": "image", "name": "app:1, app:latest", "result": "removed"}
