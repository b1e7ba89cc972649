"""The widgets' pure parts, no engine: masking of log text, the picker resync, the uptime cell."""
from datetime import datetime, timedelta, timezone

import ipywidgets as w
import pytest

from dockermagic.errors import CommandError
from dockermagic.redaction import MASK, redact
from dockermagic.widgets.parts import (filter_dict, html_table, snapshot_html, status_text, sync_pick, text_table,
                                      uptime)


def test_log_text_masks_secret_assignments_and_url_passwords():
    text = redact("POSTGRES_PASSWORD=hunter2 user=app\nurl postgresql://app:pw9@db/x\n")
    assert "hunter2" not in text and "pw9" not in text
    assert f"POSTGRES_PASSWORD={MASK}" in text and "user=app" in text


def test_sync_pick_keeps_the_users_pick_and_never_invents_one():
    pick = w.Dropdown(options=["a", "b"], value=None)
    sync_pick(pick, ["a", "b", "c"])
    assert pick.value is None  # ipywidgets alone would select "a"
    pick.value = "b"
    sync_pick(pick, ["0", "b", "c"])
    assert pick.value == "b"
    sync_pick(pick, ["0", "c"])
    assert pick.value is None


def test_status_and_uptime():
    assert status_text({"State": {"Status": "exited", "ExitCode": 137}}) == "exited (137)"
    assert status_text({"State": {"Status": "running", "Health": {"Status": "healthy"}}}) == "running (healthy)"
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert uptime({"state": "running", "started": now - timedelta(minutes=5)}, now) == "5 minutes"
    assert uptime({"state": "exited", "started": now}, now) == ""


def test_text_table_aligns_columns():
    assert text_table(("a", "bb"), [["xyz", "1"]]).splitlines() == ["a    bb", "xyz  1"]


def test_filters_as_docker_ps_takes_them():
    assert filter_dict(["label=a=b", "name=db", "label=c"]) == {"label": ["a=b", "c"], "name": ["db"]}
    assert filter_dict({"status": ["running"]}) == {"status": ["running"]}
    with pytest.raises(CommandError, match="key=value"):
        filter_dict(["oops"])


def test_network_diagram_draws_bridge_veth_eth0_and_ports():
    from dockermagic.widgets.parts import network_diagram

    n = {"name": "bridge", "bridge": "docker0", "gateway": "172.17.0.1", "subnet": "172.17.0.0/16",
         "containers": [{"name": "web<1>", "ipv4": "172.17.0.2", "nics": 1, "aliases": ["site"],
                         "ports": ["127.0.0.1:8080->80/tcp", "443/tcp"]},
                        {"name": "db", "ipv4": "172.17.0.3", "nics": 2, "aliases": [], "ports": []}]}
    html = network_diagram(n)
    assert "bridge <b>docker0</b> &middot; gateway 172.17.0.1 &middot; subnet 172.17.0.0/16" in html
    assert html.count(">veth<") == 2 and "eth0 172.17.0.2" in html and ">eth 172.17.0.3<" in html
    assert "web&lt;1&gt;" in html and "aliases: site" in html
    assert "host 127.0.0.1:8080 &rarr; 80/tcp" in html and "443/tcp" not in html  # unpublished: no arrow
    assert "no containers" in network_diagram({**n, "containers": []})


def test_row_actions_follow_the_state():
    from dockermagic.widgets.parts import row_actions

    assert row_actions("running") == ("stop", "logs", "remove")
    assert row_actions("exited") == row_actions("created") == ("start", "logs", "remove")
    assert row_actions("dead") == ("logs", "remove")


def test_columns_only_grow_and_live_in_the_header():
    from dockermagic.widgets.parts import column_widths, head_html, row_html

    widths = column_widths([["web", "nginx"], ["database", "pg"]], [4, 5])
    assert widths == [8, 5]
    assert column_widths([["a", "b"]], widths) == widths  # a shorter row changes nothing
    # a row knows no widths: a column that grows changes the header's style sheet only
    assert row_html(["database<1>", "pg"]) == ("<div style='font-family:monospace;white-space:nowrap'>"
                                               "<span class='dmc0'>database&lt;1&gt;</span> <span class='dmc1'>pg</span></div>")
    head = head_html(["name", "image"], widths, "view-1")
    assert ".view-1 .dmc0{display:inline-block;width:9ch}.view-1 .dmc1{display:inline-block;width:6ch}" in head
    assert "<b class='dmc0'>name</b>" in head


def test_a_row_is_four_widgets_sent_whole():
    """Three buttons and the cells; the state decides the first button's label, and a dead container
    has none on screen. Values go into the constructors (one message per widget to the page)."""
    from dockermagic.widgets.rows import ContainerRow, RowStyle

    clicks, style = [], RowStyle()
    row = ContainerRow("0123456789abcdef", lambda a, cid: clicks.append((a, cid)), style, ["web"], "running")
    try:
        assert [i.get_state()["_dom_classes"] for i in row.items][-1] == ("dockermagic-cells", "dockermagic-0123456789ab")
        assert list(row.buttons_shown()) == ["stop", "logs", "remove"] and "web" in row.cells.value
        row.buttons_shown()["stop"].click()
        row.update(["web"], "exited")
        row.buttons_shown()["start"].click()
        row.buttons["remove"].click()
        assert clicks == [("stop", "0123456789abcdef"), ("start", "0123456789abcdef"), ("remove", "0123456789abcdef")]
        row.update(["web"], "dead")
        assert list(row.buttons_shown()) == ["logs", "remove"] and row.toggle.layout is style.hidden
    finally:
        row.close()
        style.close()


def test_snapshot_html_hides_itself_only_beside_its_own_live_view():
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    html = snapshot_html("abc123", "NetworksView", html_table(["name"], [["<web>"]]), when)
    assert html.startswith("<style>") and html.count("<style>") == 1
    rule = html[len("<style>"):html.index("</style>")]
    assert rule == (".jp-OutputArea-child:has(.dockermagic-live-abc123) ~ "
                    ".jp-OutputArea-child:has(.dockermagic-snapshot-abc123),"
                    ".output_area:has(.dockermagic-live-abc123) ~ .output_area:has(.dockermagic-snapshot-abc123)"
                    "{display:none}")
    assert "class='dockermagic-snapshot dockermagic-snapshot-abc123'" in html
    assert "NetworksView as of 2026-01-02 03:04:05 UTC" in html
    assert "&lt;web&gt;" in html and "<web>" not in html  # the body comes escaped and stays so
