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


def test_ps_and_network_ls_text_is_aligned_like_the_cli():
    from dockermagic.engine.containers import ContainerList
    from dockermagic.engine.networks import NetworkList

    rows = [{"id": "abc", "name": "a-long-name", "image": "x", "status": "Up", "ports": [], "networks": ["bridge"],
             "ips": ["172.17.0.2"]},
            {"id": "def", "name": "b", "image": "debian:bookworm", "status": "Exited (0)", "ports": [],
             "networks": [], "ips": []}]
    lines = repr(ContainerList(rows)).splitlines()
    assert [line.index("IMAGE") if i == 0 else None for i, line in enumerate(lines)][0] == lines[1].index("x  ")
    assert lines[2].index("debian:bookworm") == lines[0].index("IMAGE")
    nets = repr(NetworkList([{"id": "1", "name": "bridge", "driver": "bridge", "subnet": "172.17.0.0/16",
                              "gateway": "172.17.0.1", "internal": False}])).splitlines()
    assert nets[1].index("172.17.0.0/16") == nets[0].index("SUBNET")


def test_engine_errors_never_quote_a_secret():
    import docker

    from dockermagic.errors import from_docker_error

    err = from_docker_error(docker.errors.DockerException("bad env POSTGRES_PASSWORD=hunter2"), "start db")
    assert "hunter2" not in str(err) and str(err).startswith("Docker could not start db")
