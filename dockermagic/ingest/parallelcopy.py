"""Several COPY streams at once into one staging table, then the swap in one transaction.

One COPY stream is bound by one server backend's CPU. With ``streams=2`` a reader thread cuts
the file into pieces at record boundaries and two connections COPY them into the same staging
table, each in its own transaction; only when every stream has committed does the target table get
replaced (drop + rename, one transaction). An interrupted load leaves the target as it was (the
staging table is dropped now or by the next run), so a rerun still ends with exactly the file's rows.

Used by :func:`dockermagic.ingest.loader.load_file` for ``if_exists="replace"`` loads; a row Postgres
rejects makes the loader fall back to its one-stream path, which sets malformed rows aside.
"""

from __future__ import annotations

import queue
import threading

from . import pgdriver
from .sources import CHUNK

_END = object()


class _Pieces:
    """One stream's view of the shared queue: COPY reads pieces until the end marker."""

    def __init__(self, pieces: queue.Queue):
        self.pieces = pieces

    def read(self, size=-1):
        item = self.pieces.get()
        if item is _END:
            return b""
        if isinstance(item, BaseException):
            raise item
        return item

    def readline(self, *a):  # pragma: no cover - COPY FROM STDIN only calls read()
        raise NotImplementedError


def _cut(buf: bytes) -> int:
    """Index just after the last newline that ends a record (not inside a quoted field)."""
    end = buf.rfind(b"\n") + 1
    while end and buf.count(b'"', 0, end) % 2:  # pieces always start outside quotes
        end = buf.rfind(b"\n", 0, end - 1) + 1
    return end


def _split(source, pieces: queue.Queue, streams: int, stop: threading.Event, on_read) -> None:
    """Reader thread: the file's records, in pieces of about a MiB, for whichever stream is free."""

    def put(item) -> bool:
        while not stop.is_set():
            try:
                pieces.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    stream = None
    try:
        stream = source.open(on_read)
        carry = b""
        if source.header_in_stream:
            while b"\n" not in carry:
                data = stream.read(CHUNK)
                if not data:
                    break
                carry += data
            carry = carry[carry.find(b"\n") + 1:] if b"\n" in carry else b""
        while not stop.is_set():
            data = stream.read(CHUNK)
            if not data:
                break
            buf = carry + data
            end = _cut(buf)
            if end:
                if not put(buf[:end]):
                    return
            carry = buf[end:]
        if carry.strip() and not put(carry if carry.endswith(b"\n") else carry + b"\n"):
            return
        for _ in range(streams):
            put(_END)
    except BaseException as exc:  # the streams raise it from their read()
        for _ in range(streams):
            put(exc)
    finally:
        if stream is not None:
            stream.close()


def _unblock(pieces: queue.Queue, streams: int) -> None:
    """Make sure no stream waits for a piece that will never come (the caller keeps none of it)."""
    for _ in range(streams):
        while True:
            try:
                pieces.put_nowait(_END)
                break
            except queue.Full:
                try:
                    pieces.get_nowait()
                except queue.Empty:
                    pass


def parallel_copy(connect, source, statement: str, streams: int, on_read) -> int:
    """COPY ``source`` through ``streams`` connections (each its own transaction); rows copied.

    ``connect`` gives psycopg2 or psycopg 3 connections. Raises whatever a stream raised (DataError
    of the driver for a rejected row, OperationalError
    for a lost connection, KeyboardInterrupt...); then no stream's rows are kept by the caller.
    """
    pieces: queue.Queue = queue.Queue(maxsize=2 * streams)
    stop = threading.Event()
    conns = [connect() for _ in range(streams)]
    rows, errors = [0] * streams, []

    def run(i: int) -> None:
        conn = conns[i]
        try:
            with pgdriver.transaction(conn), conn.cursor() as cur:
                rows[i] = pgdriver.copy_from(cur, statement, _Pieces(pieces), CHUNK)
        except BaseException as exc:
            errors.append(exc)
            stop.set()

    reader = threading.Thread(target=_split, args=(source, pieces, streams, stop, on_read), daemon=True)
    workers = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(streams)]
    reader.start()
    for w in workers:
        w.start()
    try:
        for w in workers:
            while w.is_alive():
                w.join(0.1)
                if stop.is_set():
                    for c in conns:  # a failed stream: stop the others now, not at end of file
                        if not c.closed:
                            c.cancel()
                    _unblock(pieces, streams)
    except BaseException:
        stop.set()
        for c in conns:
            if not c.closed:
                c.cancel()
        raise
    finally:
        stop.set()
        _unblock(pieces, streams)
        for w in workers:
            w.join(5)
        reader.join(5)
        for c in conns:
            c.close()
    if errors:
        raise errors[0]
    return sum(rows)
