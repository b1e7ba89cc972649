"""What the loader reads: CSV, CSV.gz and parquet files as one stream of CSV bytes for COPY.

Each source gives its header, a binary stream for the fast path (one ``COPY … FROM STDIN``, like
``zcat FILE | psql -c "\\copy …"``) and, for the validating path, the same data cut into numbered
records. Memory stays bounded whatever the file size: the CSV is read in 1 MiB pieces, the parquet
file one record batch at a time.
"""

from __future__ import annotations

import csv
import gzip
import io
import queue
import threading
from pathlib import Path
from typing import Iterator

from ..errors import LoadError

# Big reads: copy_expert's default 8 KiB chunks cost a round of Python per chunk.
CHUNK = 1 << 20
# Rows per parquet record batch: ~1.7 MB of CSV each for the TLC files.
BATCH_ROWS = 16_384
# A quoted field longer than this is taken for an unterminated quote (it would swallow the file).
MAX_RECORD = 1 << 20

_ARROW_TO_PG = {
    "int8": "SMALLINT", "int16": "SMALLINT", "int32": "INTEGER", "int64": "BIGINT",
    "uint8": "SMALLINT", "uint16": "INTEGER", "uint32": "BIGINT", "uint64": "NUMERIC",
    "float": "DOUBLE PRECISION", "double": "DOUBLE PRECISION", "halffloat": "REAL",
    "bool": "BOOLEAN", "date32[day]": "DATE", "date64[ms]": "DATE",
}


class _Counted:
    """A binary stream that reports, after each read, how far into the file it is."""

    def __init__(self, raw, stream, on_read):
        self.raw, self.stream, self.on_read = raw, stream, on_read

    def read(self, size=-1):
        data = self.stream.read(CHUNK if size is None or size < 0 else max(size, CHUNK))
        self.on_read(data, self.raw.tell())
        return data

    def readline(self, *a):
        return self.stream.readline(*a)

    def close(self):
        self.stream.close()
        self.raw.close()


class _Source:
    """What both kinds of file share: their records, cut from the stream ``open`` gives."""

    by_line = False  # True: a record is numbered by its first line in the file (CSV), else 1, 2, 3 (parquet rows)
    header_in_stream = False

    def open(self, on_read):
        raise NotImplementedError

    def records(self, on_read=lambda data, pos: None) -> Iterator[tuple[int, bytes]]:
        """(line number of the record's first line, record bytes) for every data record."""
        stream = self.open(on_read)
        try:
            yield from _split_records(stream, first_number=1, by_line=self.by_line, skip=int(self.header_in_stream))
        finally:
            stream.close()


class CsvSource(_Source):
    """A CSV or CSV.gz file with a header line; ``.gz`` is recognised by its magic bytes."""

    kind = "csv"
    by_line = True
    header_in_stream = True  # COPY skips it (HEADER true), so error line numbers are file lines

    def __init__(self, path: Path):
        self.path = path
        self.size = path.stat().st_size
        with open(path, "rb") as fh:
            self.gz = fh.read(2) == b"\x1f\x8b"

    def open(self, on_read=lambda data, pos: None) -> _Counted:
        raw = open(self.path, "rb")
        return _Counted(raw, gzip.GzipFile(fileobj=raw, mode="rb") if self.gz else raw, on_read)

    def header(self) -> list[str]:
        fh = self.open()
        try:
            line = fh.readline().decode("utf-8-sig")
        finally:
            fh.close()
        header = next(csv.reader([line]), [])
        if not header or not all(h.strip() for h in header):
            raise LoadError(f"{self.path} has no CSV header line naming every column.")
        return [h.strip() for h in header]

    def arrow_types(self) -> dict[str, str]:
        return {}



class _BatchStream:
    """CSV bytes of a parquet file, rendered batch by batch in a thread while COPY sends the last.

    pyarrow renders CSV without holding the GIL, so rendering overlaps the server's parsing;
    the queue holds at most a few batches, so memory stays bounded.
    """

    def __init__(self, source: "ParquetSource", on_read):
        self.on_read, self.rows = on_read, 0
        self.queue: queue.Queue = queue.Queue(maxsize=3)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._produce, args=(source,), daemon=True)
        self.thread.start()
        self.pending = b""

    def _put(self, item) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, source):
        import pyarrow.csv as pacsv

        options = pacsv.WriteOptions(include_header=False)
        try:
            with source.file() as f:
                for batch in f.iter_batches(batch_size=BATCH_ROWS):
                    buf = io.BytesIO()
                    pacsv.write_csv(batch, buf, options)
                    if not self._put((buf.getvalue(), batch.num_rows)):
                        return
            self._put((b"", 0))
        except Exception as exc:  # handed to the reading side, which raises it
            self._put(exc)

    def read(self, size=-1):
        item = self.queue.get()
        if isinstance(item, Exception):
            raise LoadError(f"Could not read the parquet file: {item}.")
        data, rows = item
        if data:
            self.rows += rows
            self.on_read(data, self.rows)
        return data

    def close(self):
        self.stop.set()
        self.thread.join()


class ParquetSource(_Source):
    """A parquet file; its rows are numbered from 1 (it has no header line)."""

    kind = "parquet"
    header_in_stream = False

    def __init__(self, path: Path):
        self.path = path
        # Only the footer is kept: an open ParquetFile holds its file handle until garbage collection.
        with self.file() as f:
            self.size = f.metadata.num_rows  # progress for parquet counts rows
            self._schema = f.schema_arrow

    def file(self):
        """The file as a ``pyarrow.parquet.ParquetFile``; close it (``with``) when done."""
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(self.path)
        except Exception as exc:
            raise LoadError(f"{self.path} is not a readable parquet file: {exc}.") from None

    def frames(self, rows: int) -> Iterator:
        """The file as pandas DataFrames of up to ``rows`` rows; the file closes when the iteration
        ends or the generator is closed."""
        with self.file() as f:
            for batch in f.iter_batches(batch_size=rows):
                yield batch.to_pandas()

    def header(self) -> list[str]:
        return list(self._schema.names)

    def arrow_types(self) -> dict[str, str]:
        """Postgres types for the parquet's own column types (used for columns nobody else knows)."""
        out = {}
        for f in self._schema:
            t = str(f.type)
            if t.startswith("timestamp"):
                out[f.name] = "TIMESTAMPTZ" if getattr(f.type, "tz", None) else "TIMESTAMP"
            elif t.startswith("decimal"):
                out[f.name] = "NUMERIC"
            else:
                out[f.name] = _ARROW_TO_PG.get(t, "TEXT")
        return out

    def open(self, on_read=lambda data, pos: None) -> _BatchStream:
        return _BatchStream(self, on_read)



def open_source(path, fmt: str | None = None):
    """The source for ``path``: parquet if it says so (``PAR1`` magic or ``fmt``), else CSV/CSV.gz."""
    path = Path(path)
    if not path.is_file():
        raise LoadError(f"There is no file {path} to load.")
    if fmt is None:
        with open(path, "rb") as fh:
            fmt = "parquet" if fh.read(4) == b"PAR1" else "csv"
    if fmt not in ("csv", "parquet"):
        raise LoadError(f"format must be csv or parquet, not {fmt!r}.")
    return ParquetSource(path) if fmt == "parquet" else CsvSource(path)


def _split_records(stream, *, first_number: int, by_line: bool, skip: int) -> Iterator[tuple[int, bytes]]:
    """Cut a CSV byte stream into records as Postgres counts them.

    A record is one line, or several when a quoted field holds newlines (an odd number of ``"``
    on a line opens or closes a quote; escaped quotes come in pairs). ``by_line`` numbers records
    by their first physical line (as an editor shows a CSV file), otherwise 1, 2, 3...
    A quote still open after MAX_RECORD bytes ends the record there (Postgres rejects it).
    """
    number, line, seen = first_number, first_number, 0
    pending, parts, quotes, size = b"", [], 0, 0

    def lines():
        nonlocal pending
        while data := stream.read(CHUNK):
            *complete, pending = (pending + data).split(b"\n")
            for raw in complete:
                yield raw + b"\n"
        if pending:
            yield pending + b"\n"

    for raw in lines():
        parts.append(raw)
        quotes += raw.count(b'"')
        size += len(raw)
        if quotes % 2 and size < MAX_RECORD:
            continue
        record = parts[0] if len(parts) == 1 else b"".join(parts)
        used, parts, quotes, size = len(parts), [], 0, 0
        seen += 1
        if seen > skip:
            yield (line if by_line else number), record
            number += 1
        line += used
    if parts:
        seen += 1
        if seen > skip:
            yield (line if by_line else number), b"".join(parts)
