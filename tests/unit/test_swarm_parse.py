"""Swarm words and results without an engine: ports, labels added to a stack file, task and node rows,
the engine address handed to the docker CLI, and one-sentence refusals."""

import types

import pytest
import yaml

from dockermagic.cli import routes
from dockermagic.cli.swarm_commands import parse_port
from dockermagic.engine import services as svc, stacks, swarm
from dockermagic.errors import CommandError, ComposeError


@pytest.mark.parametrize("text, port", [
    ("8080:80", svc.Port(80, 8080)),
    ("80/udp", svc.Port(80, None, "udp")),
    ("mode=host,published=3000,target=80", svc.Port(80, 3000, "tcp", "host")),
])
def test_ports(text, port):
    assert parse_port(text) == port


@pytest.mark.parametrize("text", ["mode=mesh,target=80", "published=80", "x:80", "8080:99999", "size=1,target=80"])
def test_bad_ports_are_one_sentence(text):
    with pytest.raises(CommandError):
        parse_port(text)


def test_stack_file_gets_labels_everywhere_and_keeps_its_own(monkeypatch):
    monkeypatch.setenv("DOCKERMAGIC_LABELS", "run=7")
    text = """
services:
  web:
    image: x
    labels: ["mine=1"]
    environment: {WEB_TOKEN: abcd-efgh-1234}
    deploy: {replicas: 2, labels: {run: "own"}}
volumes:
  data:
networks:
  outside: {external: true}
"""
    data = yaml.safe_load(stacks.labelled(text))
    web = data["services"]["web"]
    assert web["labels"]["mine"] == "1" and web["labels"]["run"] == "7"
    assert web["deploy"]["labels"]["run"] == "own" and web["deploy"]["replicas"] == 2
    assert data["volumes"]["data"]["labels"]["org.dockermagic.created-by"] == "dockermagic"
    assert data["networks"]["default"]["labels"]["run"] == "7" and "labels" not in data["networks"]["outside"]
    from dockermagic.redaction import redact

    assert "abcd-efgh-1234" not in redact("token abcd-efgh-1234")  # learned from environment


def test_stack_file_errors_name_the_line():
    with pytest.raises(ComposeError, match="line"):
        stacks.labelled("services:\n  web: [\n")


def test_task_and_node_rows():
    services = [{"ID": "s1", "Spec": {"Name": "web"}}]
    tasks = [
        {"ID": "t-old", "ServiceID": "s1", "Slot": 1, "NodeID": "n1", "DesiredState": "shutdown", "CreatedAt": "2026-01-01T00:00:00Z",
         "Status": {"State": "shutdown", "Timestamp": "2026-01-01T00:00:01Z"}, "Spec": {"ContainerSpec": {"Image": "img@sha256:ab"}}},
        {"ID": "t-new", "ServiceID": "s1", "Slot": 1, "NodeID": "n2", "DesiredState": "running", "CreatedAt": "2026-01-02T00:00:00Z",
         "Status": {"State": "running", "Timestamp": "2026-01-02T00:00:01Z",
                    "PortStatus": {"Ports": [{"TargetPort": 80, "PublishedPort": 3000}] * 2}},
         "Spec": {"ContainerSpec": {"Image": "img@sha256:ab"}}},
    ]
    rows = svc.task_rows(services, tasks, {"n1": "a", "n2": "b"})
    assert [(r["id"], r["name"], r["node"], r["image"]) for r in rows] == [("t-new", "web.1", "b", "img"), ("t-old", "web.1", "a", "img")]
    assert rows[0]["ports"] == "*:3000->80/tcp" and rows[0]["current_state"].startswith("Running ")
    node = {"ID": "n1", "Spec": {"Role": "manager", "Availability": "drain"}, "Status": {"State": "ready", "Addr": "10.0.0.1"},
            "ManagerStatus": {"Leader": True}, "Description": {"Hostname": "a", "Engine": {"EngineVersion": "20.10"}}}
    row = swarm._node_row(node, "n1")
    assert (row["id"], row["availability"], row["manager_status"], row["address"]) == ("n1 *", "Drain", "Leader", "10.0.0.1")


def test_engine_host_for_the_cli():
    unix = types.SimpleNamespace(api=types.SimpleNamespace(base_url="http+docker://localhost",
                                                           _custom_adapter=types.SimpleNamespace(socket_path="/run/x.sock")))
    tcp = types.SimpleNamespace(api=types.SimpleNamespace(base_url="https://10.0.0.2:2376"))
    assert stacks.engine_host(unix) == "unix:///run/x.sock" and stacks.engine_host(tcp) == "tcp://10.0.0.2:2376"


@pytest.mark.parametrize("line, message", [
    ("service scale web", "SERVICE=REPLICAS"),
    ("service scale web=lots", "whole number"),
    ("node update --availability sleep n1", "active or pause or drain"),
    ("swarm join 10.0.0.1:2377", "join token"),
    ("stack deploy st", "needs -c FILE"),
    ("stack deploy -c f.yml --resolve-image always st", "never"),
    ("service create", "image"),
    ("swarm join-token boss", "worker, manager"),
])
def test_refusals_are_one_sentence(line, message):
    with pytest.raises(CommandError, match=message):
        routes.run_command(line, client=object())


def test_help_lists_the_swarm_groups():
    text = repr(routes.run_command("help", client=object()))
    for name in ("swarm init", "node update", "service scale", "stack deploy"):
        assert name in text
