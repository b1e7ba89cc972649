"""Live widgets that follow the engine (the only module besides the magics importing ipywidgets).

First cut: the containers view. Networks view and dashboard are still to come (issue 5).
"""
from __future__ import annotations

import html
import threading
from typing import Any

import ipywidgets as w

from .client import get_client
from .events import RESYNC, EventWatcher
from .summary import container_row

__all__ = ["ContainersView"]

_COLUMNS = ("name", "image", "status", "ports", "networks", "ips")


class ContainersView(w.VBox):
    """Like `docker ps -a`, kept current from the engine's event stream.

    Args:
        client: a docker client (default: the shared one).
    """

    def __init__(self, client=None, **kwargs):
        self._client = client or get_client()
        self._rows: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.table = w.HTML()
        super().__init__([self.table], **kwargs)
        self._watcher = EventWatcher(self._on_event, client=self._client)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event is RESYNC:
            ids = [c["Id"] for c in self._client.api.containers(all=True)]
            with self._lock:
                self._rows = {}
            for cid in ids:
                self._refresh(cid)
        elif event.get("Type") == "container" and event.get("id"):
            self._refresh(event["id"])
        else:
            return
        self._render()

    def _refresh(self, cid: str) -> None:
        try:
            row = container_row(self._client.api.inspect_container(cid))
        except Exception:  # gone (removed) between the event and the inspect
            with self._lock:
                self._rows.pop(cid[:12], None)
            return
        with self._lock:
            self._rows[cid[:12]] = row

    def rows(self) -> list[dict[str, Any]]:
        with self._lock:
            return sorted(self._rows.values(), key=lambda r: r["name"])

    def _render(self) -> None:
        head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
        body = []
        for r in self.rows():
            image = r["image"] + (" (stand-in)" if r["stand_in"] else "")
            cells = [r["name"], image, r["status"], ", ".join(r["ports"]),
                     ", ".join(r["networks"]), ", ".join(r["ips"])]
            body.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
        self.table.value = f"<table><tr>{head}</tr>{''.join(body)}</table>"

    def __repr__(self) -> str:
        lines = ["  ".join(_COLUMNS)]
        for r in self.rows():
            lines.append("  ".join([r["name"], r["image"], r["status"], ",".join(r["ports"]), ",".join(r["ips"])]))
        return "\n".join(lines)

    def close(self) -> None:
        self._watcher.close()
        super().close()
