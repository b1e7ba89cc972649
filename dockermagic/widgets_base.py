"""What the live views share: following the engine, closing every widget inside, the full text for terminals."""
from __future__ import annotations

from .events import EventWatcher


class _Live:
    """What the three views share: the first load is done before the constructor returns (so a
    view is never shown empty), and the plain text a terminal shows is the whole view — ipywidgets
    would cut it at 110 characters."""

    _watcher: EventWatcher

    def _start_watching(self, client, timeout: float = 10.0) -> None:
        self._watcher = EventWatcher(self._on_event, client=client)
        self._watcher.wait_ready(timeout)

    def _stop_watching(self) -> None:
        watcher = getattr(self, "_watcher", None)  # None when the constructor failed early
        if watcher is not None:
            watcher.close()

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
