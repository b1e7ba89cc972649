"""following.follow: chunks reach the caller's thread in order, errors cross over, the stream is
closed on every path, and an interrupt is answered while the read is blocked (issue 12, 4).

The streams are plain Python objects with the one method follow() relies on (``close()`` ends a
blocked read from another thread, as the docker SDK's CancellableStream does)."""

from __future__ import annotations

import _thread
import threading
import time

import pytest

from dockermagic.engine.following import follow, follow_lines


class BlockingStream:
    """Yields its chunks, then blocks like a quiet socket until close() is called."""

    def __init__(self, chunks, error: Exception | None = None):
        self.chunks, self.error = list(chunks), error
        self.closed = threading.Event()
        self.reader: threading.Thread | None = None

    def __iter__(self):
        self.reader = threading.current_thread()
        yield from self.chunks
        if self.error is not None:
            raise self.error
        self.closed.wait()

    def close(self):
        self.closed.set()


def test_chunks_arrive_in_order_in_the_callers_thread_and_errors_cross_over():
    seen = []
    stream = BlockingStream([b"a", b"b", b"c"], error=ValueError("engine said no"))
    with pytest.raises(ValueError, match="engine said no"):
        follow(stream, lambda chunk: seen.append((chunk, threading.current_thread())))
    assert seen == [(c, threading.main_thread()) for c in (b"a", b"b", b"c")]
    assert stream.closed.is_set() and not stream.reader.is_alive()


def test_lines_are_masked_whole_and_kept_when_each_fails():
    shown, said = [], []
    stream = BlockingStream([b"PASSWORD=hun", b"ter2\nsecond\nthi", b"rd"])

    def say(line):
        said.append(line)
        if line == "second":
            raise RuntimeError("the display went away")

    with pytest.raises(RuntimeError):
        follow_lines(stream, say, shown)
    assert shown == said == ["PASSWORD=••••••", "second"] and stream.closed.is_set()


def test_an_interrupt_main_reaches_a_blocked_read_within_a_slice():
    stream = BlockingStream([b"ready\n"])
    sent = []

    def interrupt():
        time.sleep(0.5)
        sent.append(time.monotonic())
        _thread.interrupt_main()

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        follow_lines(stream, lambda line: None)
    assert time.monotonic() - sent[0] < 0.5
    assert stream.closed.is_set() and not stream.reader.is_alive()
