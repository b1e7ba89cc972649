"""ClusterView: the swarm's nodes, each with the tasks it runs (service, replica slot, state), live.

Why events *and* a short poll: dockerd 20.10 sends ``service`` (create/update/remove) and ``node``
(update: availability, state) events, but none for tasks — a task going from pending to running, or
moving off a drained node, makes no event. So an event starts a reload, and while the cluster is
converging (a task not yet in its desired state) the view reloads every ``poll`` seconds; once every
task is where it should be, it goes quiet and makes no engine calls until the next event.
"""
from __future__ import annotations

import threading
from typing import Any

import docker.errors
import ipywidgets as w

from ..client import get_client
from ..engine.events import RESYNC
from ..engine.services import task_rows
from .base import _Live
from .parts import esc, text_table

__all__ = ["ClusterView"]

_DONE = {"shutdown", "complete", "failed", "rejected", "orphaned", "remove"}
_COLOURS = {"running": "#2e7d32", "pending": "#b26a00", "assigned": "#b26a00", "preparing": "#b26a00",
            "starting": "#b26a00", "failed": "#c62828", "rejected": "#c62828"}


class ClusterView(_Live, w.VBox):
    """Like ``docker node ls`` crossed with ``docker service ps``: one row per node (hostname, role,
    availability, state) listing the tasks it runs now (``backend.2 running``), and a row for tasks no
    node could take (pending, with the scheduler's reason). Text in a terminal, a static snapshot
    beside the live widget.

    Args:
        client: a docker client for a swarm manager (default: the shared one).
        stack: show only this stack's services (``com.docker.stack.namespace``).
        poll: seconds between reloads while tasks are still converging.
    """

    def __init__(self, client=None, stack: str | None = None, poll: float = 1.0, **kwargs):
        self._client = client or get_client()
        self._stack = stack
        self._poll = poll
        self._lock = threading.Lock()
        self._nodes: list[dict[str, Any]] = []
        self._tasks: list[dict[str, Any]] = []
        self._note = ""
        self._closed = threading.Event()
        self._wake = threading.Event()
        self.table = w.HTML()
        super().__init__([self.table], **kwargs)
        self._mark_live()
        self._start_watching(self._client)
        self._poller = threading.Thread(target=self._poll_loop, name="dockermagic-cluster", daemon=True)
        self._poller.start()

    def _on_event(self, event: dict[str, Any]) -> None:
        if event is RESYNC or event.get("Type") in ("service", "node"):
            self.reload()
            self._wake.set()

    def _poll_loop(self) -> None:
        while not self._closed.is_set():
            self._wake.wait()
            self._wake.clear()
            while not self._closed.wait(self._poll) and not self.settled():
                try:
                    self.reload()
                except Exception:  # the engine went away: the watcher reconnects and resyncs
                    break

    def reload(self) -> None:
        """Read nodes, services and tasks from the engine (three calls) and render."""
        api = self._client.api
        try:
            nodes = api.nodes()
            flt = {"label": [f"com.docker.stack.namespace={self._stack}"]} if self._stack else None
            services = api.services(filters=flt)
            tasks = api.tasks(filters={"service": [s["ID"] for s in services]}) if services else []
            note = ""
        except docker.errors.APIError as exc:  # 503: not a manager, not in a swarm
            nodes, services, tasks, note = [], [], [], str(exc.explanation or exc)
        names = {n["ID"]: (n.get("Description") or {}).get("Hostname", "") for n in nodes}
        rows = [r for r in task_rows(services, tasks, names)
                if r["desired_state"].lower() == "running" or r["state"] not in _DONE]
        with self._lock:
            self._nodes = sorted(({"id": n["ID"], "hostname": names[n["ID"]], "role": n["Spec"].get("Role", ""),
                                   "availability": n["Spec"].get("Availability", ""),
                                   "state": (n.get("Status") or {}).get("State", "")} for n in nodes),
                                 key=lambda n: (n["role"] != "manager", n["hostname"]))
            self._tasks, self._note = rows, note
        self._render()

    def settled(self) -> bool:
        """True when every task shown is in its desired state (nothing left to watch converge)."""
        with self._lock:
            return all(t["state"] == t["desired_state"].lower() for t in self._tasks)

    def placement(self) -> dict[str, list[str]]:
        """Hostname → the tasks running there (``["backend.1", …]``); ``""`` holds tasks on no node."""
        with self._lock:
            out: dict[str, list[str]] = {n["hostname"]: [] for n in self._nodes}
            for t in self._tasks:
                if t["state"] == "running":
                    out.setdefault(t["node"], []).append(t["name"])
            return {k: sorted(v) for k, v in out.items()}

    def _rows(self) -> list[tuple[str, str, list[dict]]]:
        with self._lock:
            rows = [(n["hostname"], f"{n['role']}, {n['availability']}, {n['state']}",
                     [t for t in self._tasks if t["node"] == n["hostname"]]) for n in self._nodes]
            waiting = [t for t in self._tasks if not t["node"]]
        if waiting:
            rows.append(("(no node)", "tasks the scheduler could not place", waiting))
        return rows

    def _snapshot_html(self) -> str:
        if self._note:
            return f"<i>{esc(self._note)}</i>"
        body = []
        for host, about, tasks in self._rows():
            chips = " ".join(
                f"<span title='{esc(t['error'])}' style='display:inline-block;margin:1px 3px;padding:0 6px;"
                f"border-radius:8px;border:1px solid {_COLOURS.get(t['state'], '#777')};"
                f"color:{_COLOURS.get(t['state'], '#777')}'>{esc(t['name'])} {esc(t['state'])}</span>"
                for t in tasks) or "<i>no tasks</i>"
            body.append(f"<tr><td style='padding:2px 8px;white-space:nowrap;text-align:left'><b>{esc(host)}</b>"
                        f"<br><small>{esc(about)}</small></td><td style='text-align:left'>{chips}</td></tr>")
        return ("<table><tr><th style='text-align:left'>node</th><th style='text-align:left'>tasks</th></tr>"
                + "".join(body) + "</table>") if body else "<i>no nodes</i>"

    def _render(self) -> None:
        self.table.value = self._snapshot_html()
        self._refresh_snapshot()

    def __repr__(self) -> str:
        if self._note:
            return self._note
        rows = [[host, about, ", ".join(f"{t['name']} {t['state']}" for t in tasks)] for host, about, tasks in self._rows()]
        return text_table(("node", "role, availability, state", "tasks"), rows)

    def _stop_view(self) -> None:
        if hasattr(self, "_closed"):
            self._closed.set()
            self._wake.set()
        self._stop_watching()
        poller = getattr(self, "_poller", None)
        if poller is not None and poller is not threading.current_thread():
            poller.join(timeout=10)  # a reload in flight ends with its engine call; close() returns after it
        if hasattr(self, "_tasks"):
            self._refresh_snapshot(final=True)
