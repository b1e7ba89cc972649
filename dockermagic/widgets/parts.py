"""What the live views show, as plain text and HTML: cells, tables, filters (secrets: dockermagic.redaction).

No ipywidgets here, so all of it is tested without a kernel; ``dockermagic.widgets`` puts it on screen.
"""
from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import Any

from ..errors import CommandError
from ..engine.summary import human_duration


def esc(value: Any) -> str:
    return html.escape(str(value))


def text_table(head: tuple[str, ...], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    return "\n".join("  ".join(str(c).ljust(n) for c, n in zip(r, widths)).rstrip() for r in [list(head), *rows])


def html_table(head, rows: list[list[Any]]) -> str:
    """A plain HTML table (the dashboard's images and volumes)."""
    th = "".join(f"<th style='text-align:left;padding:1px 8px'>{esc(h)}</th>" for h in head)
    td = "<td style='padding:1px 8px;white-space:nowrap;text-align:left'>"  # JupyterLab right-aligns cells
    body = ["<tr>" + "".join(f"{td}{esc(c)}</td>" for c in r) + "</tr>" for r in rows]
    return f"<div style='overflow-x:auto'><table><tr>{th}</tr>{''.join(body)}</table></div>"


def row_actions(state: str) -> tuple[str, ...]:
    """The buttons a container row offers in this state: start only when it is not running, stop only
    when it is; a dead (or being removed) container can only be removed or read."""
    if state in ("running", "paused", "restarting"):
        return ("stop", "logs", "remove")
    if state in ("created", "exited"):
        return ("start", "logs", "remove")
    return ("logs", "remove")


def column_widths(rows: list[list[str]], widths: list[int]) -> list[int]:
    """Each column as wide as its longest cell so far (in characters). Widths only grow: a row that
    shrinks or goes away does not make every other row re-render."""
    return [max([n, *(len(str(r[i])) for r in rows)]) for i, n in enumerate(widths)]


def row_html(cells: list[str]) -> str:
    """One row of the containers view: a span per cell, classed by column. The widths live in one
    place, the header's style sheet (`head_html`): a column that grows re-renders the header only."""
    spans = " ".join(f"<span class='dmc{i}'>{esc(c)}</span>" for i, c in enumerate(cells))
    return f"<div style='font-family:monospace;white-space:nowrap'>{spans}</div>"


def head_html(head: list[str], widths: list[int], scope: str) -> str:
    """The header row plus the style sheet giving every row's cells (under CSS class `scope`) their
    column widths in characters (monospace, so `ch` is exact and the rows line up like a table)."""
    rules = "".join(f".{scope} .dmc{i}{{display:inline-block;width:{n + 1}ch}}" for i, n in enumerate(widths))
    spans = " ".join(f"<b class='dmc{i}'>{esc(c)}</b>" for i, c in enumerate(head))
    return f"<style>{rules}</style><div style='font-family:monospace;white-space:nowrap'>{spans}</div>"


def filter_dict(filters: list[str] | dict[str, Any] | None) -> dict[str, Any]:
    if isinstance(filters, dict):
        return dict(filters)
    out: dict[str, list[str]] = {}
    for f in filters or []:
        key, eq, value = f.partition("=")
        if not eq:
            raise CommandError(f"The filter {f!r} must look like key=value.")
        out.setdefault(key, []).append(value)
    return out


def status_text(attrs: dict[str, Any]) -> str:
    """'running', 'running (healthy)', 'exited (137)', 'created' — the uptime has its own column."""
    state = attrs.get("State") or {}
    text = state.get("Status") or "unknown"
    if text == "exited":
        text += f" ({state.get('ExitCode', 0)})"
    health = (state.get("Health") or {}).get("Status")
    return f"{text} ({health})" if health else text


def uptime(row: dict[str, Any], now: datetime | None = None) -> str:
    """'5 minutes' for a running container's row, '' otherwise."""
    if row.get("state") != "running" or not row.get("started"):
        return ""
    return human_duration(((now or datetime.now(timezone.utc)) - row["started"]).total_seconds())


def nic(container: dict[str, Any]) -> str:
    """The container's end of the veth pair: eth0 when it is on one network; with more, the numbering
    follows the order of connecting, which the engine does not report."""
    return "eth0" if container.get("nics") == 1 else "eth"


def network_diagram(n: dict[str, Any]) -> str:
    """One bridge network drawn as the tutorial explains it: on the host, the bridge interface
    (docker0 for the default network) with the gateway address and subnet; a veth line down to each
    container; in the container its interface and IP, its aliases, and published ports host -> container.

    Args:
        n: a `summary.network_row` whose containers also carry `aliases`, `ports` and `nics`.
    """
    cards = []
    for c in n["containers"]:
        aliases = f"<div><i>aliases: {esc(', '.join(c['aliases']))}</i></div>" if c.get("aliases") else ""
        ports = "".join(
            f"<div style='color:#0b5394'>host {esc(p.split('->')[0])} &rarr; {esc(p.split('->')[1])}</div>"
            for p in c.get("ports", []) if "->" in p)
        cards.append(
            "<div style='display:inline-block;vertical-align:top;margin:0 10px 4px 0;text-align:center'>"
            "<div style='width:0;height:16px;border-left:2px solid #6d9eeb;margin:0 auto'></div>"
            "<div style='font-size:80%;color:#666'>veth</div>"
            "<div style='border:1px solid #555;border-radius:6px;padding:3px 8px;text-align:left;background:#f6f6f6'>"
            f"<b>{esc(c['name'])}</b><div style='font-family:monospace'>{nic(c)} {esc(c['ipv4'])}</div>"
            f"{aliases}{ports}</div></div>")
    return (
        "<div style='border:1px dashed #999;border-radius:8px;padding:6px 8px;margin:4px 0'>"
        f"<div style='font-size:85%;color:#666'>host &middot; network <b>{esc(n['name'])}</b></div>"
        "<div style='background:#dbe8fb;border:1px solid #6d9eeb;border-radius:12px;"
        f"padding:2px 12px'>bridge <b>{esc(n['bridge'])}</b> &middot; gateway {esc(n['gateway'])} &middot; "
        f"subnet {esc(n['subnet'])}</div>"
        f"<div>{''.join(cards) or '<i>no containers</i>'}</div></div>")


def sync_pick(pick, names: list[str]) -> None:
    """New options for a picker (an ipywidgets Dropdown) without losing, or inventing, the user's pick.

    Meanwhile ``pick._syncing`` is True, so a value observer can skip the values passing through.
    """
    if list(pick.options) == names:
        return
    keep = pick.value if pick.value in names else None
    pick._syncing = True
    try:
        pick.options = names  # ipywidgets selects the first option here...
        pick.value = keep  # ...which must not become the target of a click meant for another row
    finally:
        pick._syncing = False


#: CSS class of a live view's top widget (``LIVE_CLASS-<model id>``) and of its static snapshot.
LIVE_CLASS, SNAPSHOT_CLASS = "dockermagic-live", "dockermagic-snapshot"


def snapshot_html(key: str, title: str, body: str, when: datetime | None = None) -> str:
    """A live view's static copy, for what cannot run the widget: nbconvert's HTML offline, GitHub's
    preview, a notebook reopened without its kernel.

    The style rule hides the copy wherever the live view itself rendered just before it in the same
    output area (JupyterLab, Notebooks 6 and 7, nbconvert's HTML with the widget manager loaded): a page
    that has the widget shows only the widget. Sanitizers (GitHub's) drop the rule and keep the copy.

    Args:
        key: the view's widget model id; the live view carries the class ``dockermagic-live-<key>``.
        title: what the copy is of, shown above it with the time.
        body: the view's HTML (tables, diagrams), already escaped.
    """
    when = when or datetime.now(timezone.utc)
    # one output's box: JupyterLab/Notebook 7 (and nbconvert's lab template), classic Notebook
    hide = ",".join(f"{box}:has(.{LIVE_CLASS}-{key}) ~ {box}:has(.{SNAPSHOT_CLASS}-{key})"
                    for box in (".jp-OutputArea-child", ".output_area")) + "{display:none}"
    return (f"<style>{hide}</style><div class='{SNAPSHOT_CLASS} {SNAPSHOT_CLASS}-{esc(key)}'>"
            f"<div style='font-size:85%;color:#666'>{esc(title)} as of {when:%Y-%m-%d %H:%M:%S} UTC "
            f"(a static copy of the live view)</div>{body}</div>")
