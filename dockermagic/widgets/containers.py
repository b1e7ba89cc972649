"""ContainersView: `docker ps -a` as a live table whose rows each carry their own action buttons."""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any

import docker.errors
import ipywidgets as w

from .. import ownership
from ..client import get_client
from ..errors import from_docker_error
from ..engine.events import RESYNC
from ..redaction import redact
from ..engine.summary import _parse_time, container_row
from .base import _Live
from .parts import column_widths, esc, filter_dict, head_html, html_table, status_text, text_table, uptime
from .rows import ContainerRow, RowStyle

__all__ = ["ContainersView"]

_COLUMNS = ("name", "image", "status", "uptime", "ports", "networks", "ips")
_ACTIONS = ("stop", "start", "remove", "logs")
_MIN_WIDTH = {"status": 12, "uptime": 18}  # "Less than a second"
# Container events that change nothing a row shows (`%docker exec` alone sends three).
_NO_ROW_CHANGE = ("exec_", "attach", "resize", "top", "archive-path", "extract-to-dir", "copy", "export", "commit")


class ContainersView(_Live, w.VBox):
    """Like `docker ps -a`, kept current from the engine's event stream.

    Columns: name, image ("(stand-in)" when the image kit built it), status with health, uptime,
    published ports, networks and IPs. Each row has its own buttons for what its state allows — stop
    (running), start (created/exited), logs, remove; logs and the outcome of a click show in one area
    under the table. Rows are keyed by container id: an event changes only its own row's widgets.
    More than `page_size` containers show a page at a time (prev/next under the table): every row
    costs the page four widget models, and a browser builds ~100 of them in 0.2 s.

    Args:
        client: a docker client (default: the shared one).
        filters: ``key=value`` strings as for ``docker ps --filter`` (``label=app``, ``name=db``), or
            the engine's dict form; only matching containers are shown.
        tick: seconds between re-renders of the uptime column while a container runs (from the rows
            already loaded: no engine calls); None for never.
        watch: follow the engine with an event stream of its own (a Dashboard passes False and feeds
            the view from its one stream).
        page_size: rows shown at once (sorted by name); None for all.
        mine: only containers this user made (``ps --mine``, by owner labels); by default True when
            a namespace is set (a shared engine), else False.

    Raises:
        CommandError: a filter is not ``key=value``.
    """

    def __init__(self, client=None, filters: list[str] | dict[str, Any] | None = None,
                 tick: float | None = 30.0, watch: bool = True, page_size: int | None = 50,
                 mine: bool | None = None, **kwargs):
        self._client = client or get_client()
        self._filters = ownership.with_mine(filter_dict(filters), self._client, mine)
        self._rows: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._render_lock = threading.RLock()  # the watcher, the uptime clock and clicks all render
        self._closed = threading.Event()
        self._style = RowStyle()
        self._row_widgets: dict[str, ContainerRow] = {}
        # room for 'exited (137)' and "Less than a second" from the start: columns jump less
        self._widths = [max(len(c), _MIN_WIDTH.get(c, 0)) for c in _COLUMNS]
        self._scope = f"dockermagic-view-{id(self):x}"  # the header's column widths apply to this view only
        self.header = w.HTML(head_html(list(_COLUMNS), self._widths, self._scope), layout=self._style.cells,
                             style=self._style.cells_style)
        # each row's four widgets, rows sorted by name
        self.table = w.GridBox(layout=self._style.table, _dom_classes=(self._scope,))
        self.logs = w.HTML()
        self._head = (*(w.Box(layout=self._style.spacer) for _ in range(3)), self.header)  # the grid's first row
        self._page_size, self._offset = page_size, 0
        self.prev_page, self.next_page = (w.Button(description=d, layout=self._style.pager) for d in ("◀ prev", "next ▶"))
        self.prev_page.on_click(lambda _b: self.page(-1))
        self.next_page.on_click(lambda _b: self.page(1))
        self.page_label = w.HTML()
        self.pager = w.HBox([self.prev_page, self.page_label, self.next_page], layout=w.Layout(display="none"))
        super().__init__([self.table, self.pager, self.logs], **kwargs)
        self._mark_live()
        if watch:
            self._start_watching(self._client)
        if tick:
            self._clock_thread = threading.Thread(target=self._clock, args=(tick,), name="dockermagic-uptime",
                                                  daemon=True)
            self._clock_thread.start()

    def act(self, action: str, container: str) -> None:
        """Run a row action on `container` (name or id), as the CLI would: stop (`docker stop -t 2`:
        the click waits at most 2 s), start, remove (`docker rm -f -v`), logs (`docker logs --tail 50`,
        secrets masked). The outcome or the failure, in one sentence, shows under the table: a click
        has no traceback to read.
        """
        if action not in _ACTIONS:
            raise ValueError(f"Unknown action {action!r}; use one of {', '.join(_ACTIONS)}.")
        with self._lock:
            row = self._rows.get(container[:12])
        name = row["name"] if row else container
        try:
            c = self._client.containers.get(container)
            if action == "stop":
                c.stop(timeout=2)
            elif action == "start":
                c.start()
            elif action == "remove":
                c.remove(force=True, v=True)
            else:
                container_row(c.attrs)  # learns its Config.Env secrets (also of one the filters leave out)
                text = redact(c.logs(tail=50).decode(errors="replace"))
                self.logs.value = f"<b>logs {esc(name)}</b> (last 50 lines)<pre>{esc(text)}</pre>"
                return
            self.logs.value = f"<i>{esc(action)} {esc(name)}: done.</i>"
        except Exception as exc:
            self.logs.value = f"<b>{esc(from_docker_error(exc, f'{action} container {name}'))}</b>"

    def row(self, container: str) -> ContainerRow | None:
        """The widgets of the row of `container` (name or id): ``.buttons_shown()`` (action -> Button, the
        ones its state allows), ``.cells.value`` (its HTML); None when it is not shown."""
        with self._render_lock:
            for cid, row in self._row_widgets.items():
                name = self._rows.get(cid, {}).get("name", "")
                # the learner's short name too: pg-database for alice-pg-database
                if container[:12] == cid or container in (name, ownership.short_name(name, self._client)):
                    return row
        return None

    def _on_event(self, event: dict[str, Any]) -> None:
        if event is RESYNC:
            ids = [c["Id"] for c in self._client.api.containers(all=True, filters=self._filters or None)]
            fresh = {}
            for cid in ids:
                if self._closed.is_set():  # hundreds of inspects: close() must not wait for them all
                    return
                row = self._load(cid, listed=True)
                if row:
                    fresh[row["id"]] = row
            with self._lock:  # swapped in whole: readers never see a half-loaded view
                self._rows = fresh
            self._render()
        elif event.get("Type") == "container" and event.get("id"):
            if (event.get("Action") or "").startswith(_NO_ROW_CHANGE):
                return
            cid = event["id"][:12]
            row = self._load(event["id"])
            with self._lock:
                if row:
                    self._rows[cid] = row
                elif self._rows.pop(cid, None) is None:  # removed between the event and the inspect
                    return  # never shown (filtered out): nothing to draw
            self._render({cid})

    def _load(self, cid: str, listed: bool = False) -> dict[str, Any] | None:
        """The row for one container; None when it is gone or the filters leave it out. Other
        engine errors go up to the watcher, which reconnects and resyncs."""
        api = self._client.api
        # The engine applies the filters: one list call for this container decides if it shows.
        if self._filters and not listed and not api.containers(all=True, filters={**self._filters, "id": [cid]}):
            return None
        try:
            attrs = api.inspect_container(cid)
        except docker.errors.NotFound:  # removed between the event (or the list) and the inspect
            return None
        row = container_row(attrs)
        row["status"] = status_text(attrs)
        row["started"] = _parse_time((attrs.get("State") or {}).get("StartedAt"))
        return row

    def rows(self) -> list[dict[str, Any]]:
        with self._lock:
            return sorted(self._rows.values(), key=lambda r: r["name"])

    def _cells(self, r: dict[str, Any], now: datetime) -> list[str]:
        image = r["image"] + (" (stand-in)" if r["stand_in"] else "")
        return [r["name"], image, r["status"], uptime(r, now), ", ".join(r["ports"]),
                ", ".join(r["networks"]), ", ".join(r["ips"])]

    def page(self, step: int) -> None:
        """Show the next (1) or previous (-1) page of rows."""
        with self._render_lock:
            self._offset += step * (self._page_size or 0)
            self._render()

    def _page(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows on the current page; the pager says where it is."""
        size = self._page_size
        if not size or len(rows) <= size:
            self._offset = 0
            self.pager.layout.display = "none"
            return rows
        self._offset = max(0, min(self._offset, (len(rows) - 1) // size * size))
        page = rows[self._offset:self._offset + size]
        self.page_label.value = f"&nbsp;rows {self._offset + 1}–{self._offset + len(page)} of {len(rows)}&nbsp;"
        self.prev_page.disabled = self._offset == 0
        self.next_page.disabled = self._offset + size >= len(rows)
        self.pager.layout.display = "flex"
        return page

    def _render(self, changed: set[str] | None = None) -> None:
        """Bring the rows' widgets in line with the rows on the page: those in `changed` (default:
        all) get new cells and buttons, new ids get a row, gone ids lose theirs. A column that has to
        grow changes the header's style sheet only."""
        with self._render_lock:
            rows, now = self._page(self.rows()), datetime.now(timezone.utc)
            todo = [r for r in rows if changed is None or r["id"] in changed or r["id"] not in self._row_widgets]
            cells = {r["id"]: self._cells(r, now) for r in todo}
            widths = column_widths(list(cells.values()), self._widths)
            if widths != self._widths:
                self._widths = widths
                self.header.value = head_html(list(_COLUMNS), widths, self._scope)
            for r in todo:
                row = self._row_widgets.get(r["id"])
                if row is None:
                    self._row_widgets[r["id"]] = ContainerRow(r["id"], self.act, self._style, cells[r["id"]],
                                                              r["state"])
                else:
                    row.update(cells[r["id"]], r["state"])
            shown = {r["id"] for r in rows}
            for cid in [c for c in self._row_widgets if c not in shown]:
                self._row_widgets.pop(cid).close()
            order = (*self._head, *(item for r in rows for item in self._row_widgets[r["id"]].items))
            if self.table.children != order:
                self.table.children = order
            self._refresh_snapshot()

    def _snapshot_html(self) -> str:
        """Every row (not just the page shown) as a plain table."""
        now = datetime.now(timezone.utc)
        rows = [self._cells(r, now) for r in self.rows()]
        return html_table(_COLUMNS, rows) if rows else "<i>no containers</i>"

    def _clock(self, tick: float) -> None:
        while not self._closed.wait(tick):
            running = {r["id"] for r in self.rows() if r["state"] == "running"}
            if running:
                self._render(running)

    def __repr__(self) -> str:
        now = datetime.now(timezone.utc)
        return text_table(_COLUMNS, [self._cells(r, now) for r in self.rows()])

    def _stop_view(self) -> None:
        if hasattr(self, "_closed"):  # not when the constructor failed (ipywidgets closes in __del__)
            self._closed.set()
        self._stop_watching()
        clock = getattr(self, "_clock_thread", None)
        if clock is not None and clock is not threading.current_thread():
            clock.join(2.0)  # it wakes on _closed; a render under way finishes first
        if hasattr(self, "_row_widgets"):
            self._refresh_snapshot(final=True)
            with self._render_lock:
                for row in self._row_widgets.values():
                    row.close()
                self._row_widgets.clear()
            self._style.close()
