"""Every live view not closed yet, and the cell run that made it: re-running a cell closes the
views its previous run made, and ``close_all()`` closes them all.

Why: a view holds an event stream (a thread and an engine connection) and an uptime thread until
its close(), and learners re-run a ``%docker ps --watch`` cell many times without closing anything.
Which cell runs comes from the kernel's parent message: JupyterLab and Notebook 7 put the cell's id
in the execute request's metadata (``cellId``); for clients that send none (nbclient, classic
Notebook) a cell is its text, so two cells with the same text count as one. Outside a kernel's
execute request (terminal IPython, plain Python, a button's callback) a view belongs to no cell:
close() or close_all() end it.
"""
from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_open: dict[int, Any] = {}  # id(view) -> view
_by_cell: dict[str, tuple[str, list[Any]]] = {}  # cell -> (the run's message id, the views it made)


def current_cell() -> tuple[str, str] | None:
    """(cell, run): what identifies the cell the kernel is running, and that run's message id.
    None outside an execute request."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    parent = getattr(get_ipython(), "parent_header", None) or {}
    header = parent.get("header") or {}
    if header.get("msg_type") != "execute_request" or not header.get("msg_id"):
        return None
    cell_id = (parent.get("metadata") or {}).get("cellId")
    code = (parent.get("content") or {}).get("code")
    if cell_id:
        return f"id:{cell_id}", header["msg_id"]
    if code is not None:
        return f"code:{code}", header["msg_id"]
    return None


def adopt(view: Any) -> None:
    """Track a new view (from its constructor, before it starts any thread) and close the views an
    earlier run of the same cell made. Views made by the same run stay open together."""
    cell = current_cell()
    stale: list[Any] = []
    with _lock:
        _open[id(view)] = view
        if cell is not None:
            key, run = cell
            last_run, views = _by_cell.get(key, (run, []))
            if last_run != run:
                stale, views = views, []
            _by_cell[key] = (run, [*views, view])
    for old in stale:  # outside the lock: close() forgets the view
        old.close()


def forget(view: Any) -> None:
    """Stop tracking a view: it was closed, or a view holding it (a Dashboard's tab) closes it."""
    with _lock:
        _open.pop(id(view), None)
        for key, (run, views) in list(_by_cell.items()):
            if any(v is view for v in views):
                rest = [v for v in views if v is not view]
                if rest:
                    _by_cell[key] = (run, rest)
                else:
                    del _by_cell[key]


def open_views() -> list[Any]:
    """The live views not closed yet, oldest first."""
    with _lock:
        return list(_open.values())


def close_all() -> int:
    """Close every live view (their threads and engine connections end). Returns how many."""
    views = open_views()
    for view in views:
        view.close()
    return len(views)
