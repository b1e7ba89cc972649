"""One COPY load inside one transaction: the fast path, the validating path, the swap.

Used by :mod:`dockermagic.ingest.loader` (the public functions live there). The fast path is one COPY
stream of the whole file; when Postgres rejects a row, the load restarts on the validating path,
which sends records in batches, each COPY in a savepoint: the row Postgres names (its error says
``COPY t, line N``) is set aside and the rest of the batch goes in. Each row is sent at most a few
times, so even a file with many bad rows loads in linear time.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
from dataclasses import dataclass

from . import pgdriver
from ..errors import LoadError

# Records per COPY on the validating path: small enough that re-sending a batch after a bad row
# is cheap, big enough that the per-COPY round trip does not dominate.
SLOW_ROWS = 10_000
# Rejected rows kept in memory (all of them go to the <table>_rejected table).
KEEP_REJECTED = 1_000

_INTEGER_TYPES = ("INTEGER", "BIGINT", "SMALLINT")
_LINE = re.compile(r", line (\d+)(?=[,:]|$)")
_FLOAT_INT = re.compile(r'invalid input syntax for type (?:integer|bigint|smallint): "-?\d*\.\d*"')


@dataclass(frozen=True)
class RejectedRow:
    """A row Postgres would not take: where it is, why, and its text.

    ``line`` is the file's line number as an editor shows it (the header is line 1) for a CSV,
    the 1-based row number for a parquet file.
    """

    line: int
    error: str
    text: str


class Progress:
    """A tqdm bar over the file (bytes of a CSV, rows of a parquet file) with rows and MB/s."""

    def __init__(self, source, enabled: bool, desc: str):
        self.source, self.bar = source, None
        self.restart(desc)
        if enabled:
            from tqdm.auto import tqdm

            if source.kind == "csv":
                self.bar = tqdm(total=source.size, desc=desc, unit="B", unit_scale=True, unit_divisor=1024)
            else:
                self.bar = tqdm(total=source.size, desc=desc, unit=" rows", unit_scale=True)

    def restart(self, desc: str) -> None:
        self.rows, self.bytes = (-1 if self.source.header_in_stream else 0), 0  # the header is no row
        self.started = time.monotonic()
        if self.bar is not None:
            self.bar.reset()
            self.bar.set_description(desc)

    def on_read(self, data: bytes, position: int) -> None:
        if self.bar is None:
            return
        self.bytes += len(data)
        self.rows = self.rows + data.count(b"\n") if self.source.kind == "csv" else position
        # The bar's own rate counts the file as stored (gzip-compressed, perhaps); this one counts
        # the CSV text that went to Postgres, so it is labelled.
        mb_s = self.bytes / 1e6 / max(time.monotonic() - self.started, 1e-6)
        self.bar.set_postfix_str(f"{self.rows:,} rows, {mb_s:.0f} MB/s into Postgres", refresh=False)
        self.bar.update(position - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class _BadRow(Exception):
    """Postgres rejected record ``number`` (1-based within one COPY) with ``message``."""

    def __init__(self, number: int, message: str):
        super().__init__(message)
        self.number, self.message = number, message


class _Watched:
    """Remembers what a read raised: psycopg2 turns it into a QueryCanceled, we want the original
    (KeyboardInterrupt for Ctrl-C, LoadError for an unreadable parquet batch). psycopg 3 raises the
    original itself."""

    def __init__(self, stream):
        self.stream, self.raised = stream, None

    def read(self, size=-1):
        try:
            return self.stream.read(size)
        except BaseException as exc:
            self.raised = exc
            raise

    def readline(self, *a):
        return self.stream.readline(*a)


def _copy(cur, statement: str, stream) -> int:
    """One COPY in a savepoint; a row Postgres rejects raises _BadRow and undoes just this COPY."""
    pg = pgdriver.driver(cur)
    stream = _Watched(stream)
    cur.execute("SAVEPOINT dockermagic_copy")
    try:
        rows = pgdriver.copy_from(cur, statement, stream, 1 << 20)
    except pg.Error as exc:
        if stream.raised is not None:
            raise stream.raised from None
        if not isinstance(exc, pg.DataError):
            raise
        cur.execute("ROLLBACK TO SAVEPOINT dockermagic_copy")
        found = _LINE.search(exc.diag.context or "")
        if not found:
            raise
        column = re.search(r", column ([^:]+):", exc.diag.context or "")
        message = (exc.diag.message_primary or str(exc)).strip()
        raise _BadRow(int(found.group(1)), f"{message} (column {column.group(1)})" if column else message) from None
    cur.execute("RELEASE SAVEPOINT dockermagic_copy")
    return rows


class CopyJob:
    """One load inside one transaction: the COPY target, the fast path, the validating path."""

    def __init__(self, cur, source, table, header, types, *, progress, max_rejected, on_error):
        self.sql, self.cur, self.source, self.table = pgdriver.driver(cur).sql, cur, source, table
        self.header, self.types, self.progress = header, dict(types), progress
        self.max_rejected, self.on_error = max_rejected, on_error
        self.loaded, self.rejected, self.kept, self.pending = 0, 0, [], []
        self.rejected_table = f"{table}_rejected"
        self.notes: list[str] = []

    def ident(self, name):
        return self.sql.Identifier(name)

    def run(self, if_exists: str) -> None:
        cur, sql = self.cur, self.sql
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (self.ident(self.table).as_string(cur),))
        exists = cur.fetchone()[0]
        if exists and if_exists == "fail":
            raise LoadError(f"The table {self.table} already exists and if_exists='fail'.")
        self.append = exists and if_exists == "append"
        if not self.append:
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(self.ident(self.rejected_table)))
        self.target = self.table if self.append else f"{self.table}__staging"
        self.relaxed: list[str] = []
        if not self.append:
            self.create(self.target, self.types)
        try:
            self.loaded = self.fast()
        except _BadRow as bad:
            if _FLOAT_INT.search(bad.message) and not self.relaxed:
                self.relax()
                try:
                    self.loaded = self.fast()
                    bad = None
                except _BadRow as again:
                    bad = again
            if bad is not None:
                # Also with on_error="raise": Postgres counts records, and only the validating
                # path knows which file line a record starts on (quoted fields may hold newlines).
                self.validating()
        self.finish()

    def swap_in(self, rows: int) -> None:
        """The staging table was filled (and committed) by parallel streams: make it the table."""
        self.cur.execute("SELECT to_regclass(%s) IS NOT NULL", (self.ident(f"{self.table}__staging").as_string(self.cur),))
        if not self.cur.fetchone()[0]:
            raise LoadError(f"The staging table of {self.table} disappeared during the load; run it again.")
        self.cur.execute(self.sql.SQL("DROP TABLE IF EXISTS {}").format(self.ident(self.rejected_table)))
        self.append, self.relaxed, self.target, self.loaded = False, [], f"{self.table}__staging", rows
        self.finish()

    def create(self, name: str, types: dict, temp: bool = False) -> None:
        sql = self.sql
        columns = sql.SQL(", ").join(sql.SQL("{} {}").format(self.ident(c), sql.SQL(types[c])) for c in self.header)
        self.cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(self.ident(name)))
        self.cur.execute(sql.SQL("CREATE {} TABLE {} ({})").format(sql.SQL("TEMP" if temp else ""), self.ident(name), columns))

    def statement(self, header: bool) -> str:
        sql = self.sql
        return sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv{})").format(
            self.ident(self.target), sql.SQL(", ").join(map(self.ident, self.header)),
            sql.SQL(", HEADER true" if header else ""),
        ).as_string(self.cur)

    def fast(self) -> int:
        stream = self.source.open(self.progress.on_read)
        try:
            return _copy(self.cur, self.statement(self.source.header_in_stream), stream)
        finally:
            stream.close()

    def relax(self) -> None:
        """Integers written as ``1.0``: COPY the integer columns as NUMERIC, cast back in finish()."""
        self.relaxed = [c for c in self.header if self.types[c].upper() in _INTEGER_TYPES]
        loose = {c: "NUMERIC" if c in self.relaxed else t for c, t in self.types.items()}
        if self.append:
            self.target = f"{self.table}__staging"
            self.create(self.target, loose, temp=True)
        else:
            self.create(self.target, loose)

    def validating(self) -> None:
        self.progress.restart(f"{self.table} (validating)")
        batch = []
        # closed here, not when the generator is collected: a LoadError's traceback (kept by IPython
        # as the last error) would hold the file open
        with contextlib.closing(self.source.records(self.progress.on_read)) as records:
            for record in records:
                batch.append(record)
                if len(batch) >= SLOW_ROWS:
                    self.copy_batch(batch)
                    batch = []
        if batch:
            self.copy_batch(batch)

    def copy_batch(self, batch: list[tuple[int, bytes]]) -> None:
        """COPY a batch; on a bad row: load the rows before it, set it aside, go on after it."""
        statement, start, size = self.statement(False), 0, len(batch)
        while start < len(batch):
            part = batch[start:start + size]
            try:
                self.loaded += _copy(self.cur, statement, io.BytesIO(b"".join(t for _, t in part)))
                start += len(part)
                size = min(size * 2, SLOW_ROWS)
            except _BadRow as bad:
                good = part[:bad.number - 1]
                if good:  # rows before the one Postgres named passed its checks
                    self.loaded += _copy(self.cur, statement, io.BytesIO(b"".join(t for _, t in good)))
                self.reject(*part[bad.number - 1], bad.message)
                start += bad.number
                size = max(size // 4, 16)  # dense errors: smaller COPYs, less re-sent per error
        self.flush()

    def reject(self, line: int, text: bytes, message: str) -> None:
        if self.on_error == "raise":
            raise LoadError(
                f"{'Row' if self.source.kind == 'parquet' else 'Line'} {line} of {self.source.path.name} "
                f"was rejected: {message}; nothing was loaded."
            )
        row = RejectedRow(line, message, text.decode("utf-8", "replace").rstrip("\r\n"))
        self.rejected += 1
        if len(self.kept) < KEEP_REJECTED:
            self.kept.append(row)
        self.pending.append(row)
        if self.max_rejected is not None and self.rejected > self.max_rejected:
            first = self.kept[0]
            raise LoadError(
                f"More than {self.max_rejected:,} rows of {self.source.path.name} are malformed (the first, "
                f"line {first.line}: {first.error}); nothing was loaded. Check the file and its columns, "
                "or pass max_rejected=None."
            )

    def flush(self) -> None:
        """Rejected rows go to <table>_rejected in the same transaction as the good ones."""
        if not self.pending:
            return
        sql = self.sql
        self.cur.execute(sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (source TEXT, line BIGINT, error TEXT, raw TEXT)"
        ).format(self.ident(self.rejected_table)))
        pgdriver.insert_rows(
            self.cur,
            sql.SQL("INSERT INTO {} (source, line, error, raw) VALUES").format(self.ident(self.rejected_table)).as_string(self.cur),
            [(self.source.path.name, r.line, r.error, r.text) for r in self.pending],
        )
        self.pending = []

    def finish(self) -> None:
        cur, sql = self.cur, self.sql
        if self.relaxed:
            checks = sql.SQL(", ").join(
                sql.SQL("coalesce(bool_and({0} = trunc({0})), true)").format(self.ident(c)) for c in self.relaxed
            )
            cur.execute(sql.SQL("SELECT {} FROM {}").format(checks, self.ident(self.target)))
            integral = dict(zip(self.relaxed, cur.fetchone()))
            fractional = [c for c, ok in integral.items() if not ok]
            if self.append:
                if fractional:
                    raise LoadError(
                        f"The columns {', '.join(fractional)} of {self.source.path.name} hold fractions, but "
                        f"{self.table} has them as integers; nothing was loaded."
                    )
                cols = sql.SQL(", ").join(map(self.ident, self.header))
                cur.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
                    self.ident(self.table), cols, cols, self.ident(self.target)))
                cur.execute(sql.SQL("DROP TABLE {}").format(self.ident(self.target)))
                return
            back = [c for c, ok in integral.items() if ok]
            if back:
                cur.execute(sql.SQL("ALTER TABLE {} {}").format(self.ident(self.target), sql.SQL(", ").join(
                    sql.SQL("ALTER COLUMN {0} TYPE {1} USING {0}::{1}").format(self.ident(c), sql.SQL(self.types[c]))
                    for c in back)))
            if fractional:
                self.notes.append(f"Kept as NUMERIC (they hold fractions): {', '.join(fractional)}.")
        if not self.append:
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(self.ident(self.table)))
            cur.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(self.ident(self.target), self.ident(self.table)))
