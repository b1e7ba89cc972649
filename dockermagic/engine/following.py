"""Follow an engine stream (attached ``run``, ``logs -f``, ``exec``) so Ctrl-C is answered at once.

A stream blocks in a socket read until the engine sends more. A SIGINT delivered to the main
thread breaks that read, but an interrupt that arrives any other way (``_thread.interrupt_main()``,
which ipykernel uses on Windows, or a signal another thread happened to take) is only noticed when
Python runs again: after the next byte, which a quiet ``logs -f`` may never send. So the read
happens in a worker thread, and the caller's thread waits for the chunks in short slices, after
each of which a pending interrupt is raised. Whatever ends the wait (the stream's end, Ctrl-C, an
error in ``each``) closes the stream, which ends the worker's read, so no thread is left behind.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from typing import Any, Callable

from ..redaction import LineRedactor

SLICE = 0.1  # seconds: the longest an interrupt waits to be noticed
_END = object()


def follow(stream: Any, each: Callable[[Any], None], *, slice: float = SLICE) -> None:
    """Call ``each(chunk)`` in this thread for every chunk of ``stream`` until it ends.

    Args:
        stream: an iterable with ``close()`` that ends a blocked read from another thread (the
            docker SDK's ``CancellableStream``: ``logs(stream=True)``, ``exec_start(stream=True)``).
        each: called with every chunk, in the caller's thread (where output belongs to the cell).

    Raises:
        KeyboardInterrupt: within ``slice`` seconds of Ctrl-C, however it was delivered.
        Whatever ``each`` or the stream raised. The stream is closed on every path.
    """
    # Bounded, so a container that prints faster than the cell shows waits for the cell.
    chunks: queue.Queue = queue.Queue(maxsize=256)
    stop = threading.Event()

    def hand_over(item) -> None:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=slice)
                return
            except queue.Full:
                continue

    def pump() -> None:
        try:
            for chunk in stream:
                if stop.is_set():
                    return
                hand_over((chunk, None))
        except BaseException as exc:  # raised again in the caller's thread
            hand_over((_END, exc))
        else:
            hand_over((_END, None))

    worker = threading.Thread(target=pump, name="dockermagic-follow", daemon=True)
    worker.start()
    try:
        while True:
            try:
                chunk, error = chunks.get(timeout=slice)
            except queue.Empty:
                continue
            if chunk is _END:
                if error is not None:
                    raise error
                return
            each(chunk)
    finally:
        stop.set()
        # A stream the engine already ended may refuse the shutdown; that must not hide why we stop.
        with contextlib.suppress(Exception):
            stream.close()
        worker.join(timeout=1)


def follow_lines(stream: Any, say: Callable[[str], None], shown: list[str] | None = None) -> list[str]:
    """``follow`` a stream of output chunks as masked lines: each complete line goes to ``say`` and
    onto ``shown`` (so after an interrupt it still holds what was shown); returns ``shown``."""
    shown = [] if shown is None else shown
    lines = LineRedactor()  # line by line: a secret cut in two by the chunking is still caught

    def show(chunk) -> None:
        for line in lines.feed(chunk):
            shown.append(line)
            say(line)

    follow(stream, show)
    for line in lines.flush():
        shown.append(line)
        say(line)
    return shown
