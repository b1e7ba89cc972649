"""Follow the engine's event stream in a background thread.

Why a stream and not a poll: the engine tells us what changed, so an idle watcher makes no engine
calls and spends no CPU. After the stream ends (engine restart, broken connection) the watcher
reconnects and asks its listener for a full resync, because events may have been missed meanwhile.
The stream is opened *before* that resync, so nothing that happens during the reload is lost.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable

from ..client import get_client

#: Sentinel event passed to the listener after (re)connecting: the view should reload everything.
RESYNC = {"Type": "dockermagic", "Action": "resync"}


class EventWatcher:
    """Like `docker events`, delivered to `on_event(event_dict)` from a daemon thread.

    Args:
        on_event: called with each decoded event, and with `RESYNC` after every (re)connect. Calls
            come one at a time from the watcher's thread.
        client: a docker client (default: the shared one).
        retry_delay: seconds to wait before reconnecting after the stream ended.
    """

    def __init__(self, on_event: Callable[[dict[str, Any]], None], client=None, retry_delay: float = 1.0):
        self._on_event = on_event
        self._client = client or get_client()
        self._retry_delay = retry_delay
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._stream = None
        self._lock = threading.Lock()
        self.resyncs = 0
        self.last_error: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="dockermagic-events", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            stream = None
            try:
                stream = self._client.events(decode=True)
                with self._lock:
                    self._stream = stream
                if self._stop.is_set():
                    return
                self.resyncs += 1
                self._on_event(RESYNC)
                self._ready.set()
                for event in stream:
                    if self._stop.is_set():
                        return
                    self._on_event(event)
            except Exception as exc:  # engine gone, stream broken or a listener failed: reconnect below
                self.last_error = exc
            finally:
                # on every way out, a listener's exception included: the error's traceback would
                # otherwise keep the old stream's connection open beside the new one
                self._drop_stream(stream)
            # Wait before reconnecting; close() wakes us immediately.
            self._stop.wait(self._retry_delay)

    def _drop_stream(self, stream) -> None:
        if stream is None:
            return
        with self._lock:
            self._stream = None
            _close_stream(stream)

    def wait_ready(self, timeout: float = 5.0) -> bool:
        """Block until the first resync was delivered (the listener holds the engine's state)."""
        return self._ready.wait(timeout)

    def break_stream(self) -> None:
        """End the current stream as an engine restart would (the watcher reconnects and resyncs)."""
        with self._lock:
            if self._stream is not None:
                with contextlib.suppress(Exception):  # already cut by the engine
                    self._stream.close()

    def close(self, timeout: float = 2.0) -> None:
        """Stop the thread: closing the stream ends the blocking read at once."""
        self._stop.set()
        self.break_stream()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


def _close_stream(stream) -> None:
    """From the watcher's thread, once it no longer reads: cut the stream's socket and release the
    response, so the connection's file descriptor goes now rather than at garbage collection."""
    with contextlib.suppress(Exception):  # already cut by the engine or by break_stream()
        stream.close()
    response = getattr(stream, "_response", None)  # docker's CancellableStream keeps no public handle
    if response is not None:
        with contextlib.suppress(Exception):
            response.close()
