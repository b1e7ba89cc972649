import re

import pytest

from dockermagic.errors import CommandError
from dockermagic.cli.formatting import render

OBJ = {"Names": "web", "ID": "abc", "State": {"Status": "running", "Running": True},
       "NetworkSettings": {"Networks": {"a": {"IPAddress": "10.0.0.2"}, "b": {"IPAddress": "10.1.0.3"}}}}


def test_fields_paths_tabs_and_table_prefix():
    assert render("{{.Names}}\\t{{.State.Status}}", [OBJ]).lines == ["web\trunning"]
    assert render("table {{.ID}} {{ .State.Running }}", [OBJ]).lines == ["abc true"]
    assert render("{{.Missing}}", [OBJ]).lines == ["<no value>"]


def test_json_and_range():
    assert render("{{json .State}}", [OBJ]).lines == ['{"Status": "running", "Running": true}']
    assert render("json", [{"a": 1}]).lines == ['{"a": 1}']
    assert render("{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", [OBJ]).lines == ["10.0.0.2 10.1.0.3 "]


def test_bad_templates_are_command_errors():
    for bad in ("{{if .X}}", "{{range .X}}", "{{end}}"):
        with pytest.raises(CommandError):
            render(bad, [OBJ])


def test_a_bad_template_is_refused_even_with_nothing_to_format():
    for template, msg in [("{{.Names", "closing"), ("{{if .X}}y{{end}}", "not supported"),
                          ("{{range .X}}", "without {{end}}")]:
        with pytest.raises(CommandError, match=msg):
            render(template, [])


def _ps_row(**kw):
    from datetime import datetime, timezone

    row = {"id": "abc", "full_id": "abc" * 20, "image": "x", "command": "docker-entrypoint.sh postgres",
           "created": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "running_for": "2 hours ago",
           "status": "Up 2 hours", "ports": [], "name": "a", "state": "running", "networks": [], "ips": [],
           "stand_in": "", "labels": {}}
    return {**row, **kw}


def test_ps_text_has_the_clis_columns_order_and_spacing():
    from dockermagic.engine.containers import ContainerList

    rows = [_ps_row(name="a-long-name", networks=["bridge"], ips=["172.17.0.2"], ports=["127.0.0.1:5433->5432/tcp"]),
            _ps_row(id="def", image="debian:bookworm", command="sleep 60", status="Exited (0) 5 seconds ago",
                    stand_in="Debian 12 standing in for the official debian image")]
    lines = repr(ContainerList(rows)).splitlines()
    assert re.split(r"\s{3,}", lines[0])[:7] == ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]
    assert lines[0].index("NAMES") < lines[0].index("NETWORKS") < lines[0].index("IPS") < lines[0].index("STAND-IN")
    assert lines[1].startswith("abc            x                 ")  # tabwriter: ≥ 10 wide, 3 spaces apart
    assert '"docker-entrypoint.s…"' in lines[1] and '"sleep 60"' in lines[2]
    assert lines[2].index("debian:bookworm") == lines[0].index("IMAGE")
    assert lines[1].index("127.0.0.1:5433->5432/tcp") == lines[0].index("PORTS")
    assert lines[2].rstrip().endswith("stand-in")
    full = repr(ContainerList(rows, no_trunc=True)).splitlines()
    assert '"docker-entrypoint.sh postgres"' in full[1] and "abc" * 20 in full[1]
    html = ContainerList(rows)._repr_html_()
    assert html.startswith("<table") and "<th>CONTAINER ID</th>" in html and "docker-entrypoint.sh postgres" in html
    assert list(ContainerList(rows).to_frame().columns[:8]) == ["id", "image", "command", "created", "running_for",
                                                                "status", "ports", "name"]


def test_ps_format_fields_match_the_table():
    from dockermagic.engine.containers import template_fields

    f = template_fields(_ps_row(ports=["80/tcp", "127.0.0.1:8080->8080/tcp"]))
    assert f["Command"] == '"docker-entrypoint.s…"' and f["RunningFor"] == "2 hours ago"
    assert f["CreatedAt"].startswith("2026-01-02 ") and f["Ports"] == "80/tcp, 127.0.0.1:8080->8080/tcp"
    assert template_fields(_ps_row(), no_trunc=True)["Command"] == '"docker-entrypoint.sh postgres"'
    mounts = [{"name": "pgdata", "driver": "local"}, {"name": "/home/me/project/data", "driver": ""}]
    assert (template_fields(_ps_row(mounts=mounts))["Mounts"], template_fields(_ps_row(mounts=mounts))["LocalVolumes"]) \
        == ("pgdata,/home/me/proje…", "1")  # names cut at 15, as docker ps cuts them
    assert template_fields(_ps_row(command='sh -c "echo hi"'))["Command"] == '"sh -c \\"echo hi\\""'


def test_ports_are_grouped_and_ordered_like_the_cli():
    from dockermagic.engine.containers import displayable_ports

    raw = [{"IP": "127.0.0.1", "PrivatePort": 8101, "PublicPort": 8101, "Type": "tcp"},
           {"IP": "0.0.0.0", "PrivatePort": 9000, "PublicPort": 32768, "Type": "tcp"},
           {"IP": "::", "PrivatePort": 9000, "PublicPort": 32768, "Type": "tcp"},
           {"IP": "127.0.0.1", "PrivatePort": 7001, "PublicPort": 32769, "Type": "tcp"},
           {"IP": "127.0.0.1", "PrivatePort": 80, "PublicPort": 5599, "Type": "tcp"},
           {"IP": "127.0.0.1", "PrivatePort": 8100, "PublicPort": 8100, "Type": "tcp"},
           {"PrivatePort": 53, "Type": "udp"}, {"PrivatePort": 54, "Type": "udp"}]
    # What docker ps 28.2 printed for the same list (measured on this engine).
    assert displayable_ports(raw) == ["53-54/udp", "127.0.0.1:8100-8101->8100-8101/tcp", "127.0.0.1:5599->80/tcp",
                                      "127.0.0.1:32769->7001/tcp", "0.0.0.0:32768->9000/tcp", "[::]:32768->9000/tcp"]


def test_durations_read_like_go_units():
    from dockermagic.engine.summary import human_duration

    said = {s: human_duration(s) for s in (0.5, 1, 5, 60, 119, 3599, 3600, 5399, 5400, 86400 * 2, 86400 * 14,
                                           86400 * 61, 86400 * 800)}
    assert list(said.values()) == ["Less than a second", "1 second", "5 seconds", "About a minute", "About a minute",
                                    "59 minutes", "About an hour", "About an hour", "2 hours", "2 days", "2 weeks",
                                    "2 months", "2 years"]


def test_network_ls_and_volume_ls_use_the_clis_headings():
    from dockermagic.engine.networks import NetworkList
    from dockermagic.tables import Table

    nets = repr(NetworkList([{"id": "1", "name": "bridge", "driver": "bridge", "scope": "local",
                              "subnet": "172.17.0.0/16", "gateway": "172.17.0.1", "internal": False}])).splitlines()
    assert nets[0].startswith("NETWORK ID   NAME      DRIVER    SCOPE")
    assert nets[1].index("172.17.0.0/16") == nets[0].index("SUBNET") and nets[1].endswith("false")
    vols = Table(["driver", "name"], [{"driver": "local", "name": "v"}], head=["DRIVER", "VOLUME NAME"])
    assert repr(vols).splitlines() == ["DRIVER    VOLUME NAME", "local     v"]
    assert list(vols.to_frame().columns) == ["driver", "name"]


def test_inspect_shows_the_json_array_and_folds_it_in_html():
    from dockermagic.engine.inspecting import InspectResult

    r = InspectResult([{"Id": "abc", "Config": {"Env": ["PGPASSWORD=hunter2", "A=<b>"], "Labels": {}}}],
                      rows=[{"name": "n"}])
    assert repr(r).startswith('[\n    {\n        "Id": "abc",') and "hunter2" not in repr(r)
    html = r._repr_html_()
    assert html.count("<details") == 4 and html.count("<details open") == 2  # Config and Env start folded
    assert "hunter2" not in html and "&lt;b&gt;" in html
    assert r[0]["Id"] == "abc" and [d["Id"] for d in r] == ["abc"] and len(r) == 1
    assert list(r.to_frame()["name"]) == ["n"]
    assert InspectResult([{"State": {"Status": "running"}}]).to_frame().loc[0, "State.Status"] == "running"


def test_image_sizes_read_like_the_cli():
    from dockermagic.engine.system import human_size

    assert [human_size(n) for n in (0, 999, 126_000_000, 74_812_345, 1_234_567_890)] == \
        ["0B", "999B", "126MB", "74.8MB", "1.23GB"]


def test_engine_errors_never_quote_a_secret():
    import docker

    from dockermagic.errors import from_docker_error

    err = from_docker_error(docker.errors.DockerException("bad env POSTGRES_PASSWORD=hunter2"), "start db")
    assert "hunter2" not in str(err) and str(err).startswith("Docker could not start db")


def test_widgets_ports_from_inspect_read_like_ps():
    from dockermagic.engine.summary import published_ports

    attrs = {"NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"},
                                                      {"HostIp": "::", "HostPort": "8080"}],
                                           "443/tcp": None, "53/udp": [{"HostIp": "", "HostPort": "5353"}]}}}
    assert published_ports(attrs) == ["443/tcp", "0.0.0.0:5353->53/udp", "127.0.0.1:8080->80/tcp",
                                      "[::]:8080->80/tcp"]
