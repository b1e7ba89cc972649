"""What the live views share: following the engine, closing every widget inside, the full text for
terminals, and the static snapshot that goes beside the live widget.

Why the snapshot is an output of its own (display id ``dockermagic-snapshot-<model id>``) and not more
data in the widget's output: JupyterLab answers every ``update_display_data`` for a widget output by
building a new view of the widget (and keeps the old one alive), and nbconvert's HTML ignores any
``text/html`` next to a widget view whose state nbclient saved (it emits a script that needs the
widget manager from a CDN). A separate ``text/html`` output can be refreshed after every render at
the cost of one message, is what exporters and GitHub show, and hides itself (a style rule) where
the live view rendered.
"""
from __future__ import annotations

import threading

from ..engine.events import EventWatcher
from .cells import adopt, forget
from .parts import LIVE_CLASS, snapshot_html


class _Live:
    """What the three views share: the first load is done before the constructor returns (so a
    view is never shown empty), the plain text a terminal shows is the whole view — ipywidgets
    would cut it at 110 characters — and a new view from a re-run cell closes the one it replaces
    (widgets_cells)."""

    _watcher: EventWatcher
    _snapshot_shown = False  # displayed in a kernel: renders refresh the snapshot output
    _snapshot_parent: _Live | None = None  # a Dashboard, whose snapshot holds this view's
    _snapshot_body: str | None = None

    def _start_watching(self, client, timeout: float = 10.0) -> None:
        self._watcher = EventWatcher(self._on_event, client=client)
        self._watcher.wait_ready(timeout)

    def _stop_watching(self) -> None:
        watcher = getattr(self, "_watcher", None)  # None when the constructor failed early
        if watcher is not None:
            watcher.close()

    def close(self) -> None:
        """Stop following the engine (its threads and connection end) and close every widget
        inside; the static snapshot keeps the last state. A second close does nothing."""
        if getattr(self, "_view_closed", False):
            return
        self._view_closed = True
        forget(self)
        self._stop_view()
        self._close_parts()
        super().close()

    def _stop_view(self) -> None:
        """Each view's own part of close(), before its widgets close; it may find the constructor
        unfinished (ipywidgets closes a widget whose constructor failed)."""
        self._stop_watching()

    def _close_parts(self) -> None:
        """Close the widgets inside: ipywidgets' close() leaves a box's children open in the kernel."""
        def walk(widget):
            for child in getattr(widget, "children", ()):
                walk(child)
                child.close()

        walk(self)

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = repr(self)
        return data

    # -- the snapshot ---------------------------------------------------------------------------

    def _snapshot_html(self) -> str:
        """The view's content as static HTML (each view draws its own)."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, str]:
        """The view as it is now, as static data: ``text/html`` (with a caption saying when) and
        ``text/plain`` (the whole text). What exporters show instead of the live widget."""
        return self._snapshot_bundle(self._snapshot_html())

    def _snapshot_bundle(self, body: str) -> dict[str, str]:
        return {"text/html": snapshot_html(self._snapshot_key(), type(self).__name__, body),
                "text/plain": repr(self)}

    def _snapshot_key(self) -> str:
        return self.model_id or f"{id(self):x}"

    def _mark_live(self) -> None:
        """In the constructor, before the first render: the class the snapshot's style rule looks
        for, and the lock that keeps the snapshot's updates in order (renders come from several threads)."""
        self._snapshot_lock = threading.Lock()
        self.add_class(f"{LIVE_CLASS}-{self._snapshot_key()}")
        adopt(self)  # a view an earlier run of this cell made closes here, before ours starts its threads

    def _ipython_display_(self) -> None:
        """In a kernel: the live widget, then its snapshot (refreshed on every render). Elsewhere
        (terminal IPython has no widgets): the whole text."""
        from IPython import get_ipython
        from IPython.display import display

        shell = get_ipython()
        if shell is None or getattr(shell, "kernel", None) is None:
            display({"text/plain": repr(self)}, raw=True)
            return
        live = self._repr_mimebundle_()
        live["text/plain"] = f"{type(self).__name__}: a live view (it needs its kernel); a static copy follows."
        display(live, raw=True)
        with self._snapshot_lock:
            self._snapshot_body = self._snapshot_html()
            self._snapshot_shown = True
            bundle = self._snapshot_bundle(self._snapshot_body)
        display(bundle, raw=True, display_id=f"dockermagic-snapshot-{self._snapshot_key()}")

    def _refresh_snapshot(self, final: bool = False) -> None:
        """After a render: the snapshot output (and a Dashboard's) follows, if the view was shown
        and what it shows changed. From memory only: no engine calls.

        ``final`` (from close()): send it even if unchanged. nbclient keeps only messages that come
        while a cell runs, so an update a thread sent between two cells is not in the executed
        notebook; the one close() sends from its cell is.
        """
        parent = self._snapshot_parent
        if parent is not None and not final:
            parent._refresh_snapshot()
        if not self._snapshot_shown:
            return
        from IPython.display import update_display

        with self._snapshot_lock:
            body = self._snapshot_html()
            if body == self._snapshot_body and not final:
                return
            self._snapshot_body = body
            bundle = self._snapshot_bundle(body)
            update_display(bundle, raw=True, display_id=f"dockermagic-snapshot-{self._snapshot_key()}")
