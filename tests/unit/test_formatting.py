import pytest

from dockermagic.errors import CommandError
from dockermagic.formatting import render

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
