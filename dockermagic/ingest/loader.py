"""Load CSV, CSV.gz and parquet files into Postgres with COPY: typed, all or nothing, nothing lost.

Similar to ``zcat FILE | psql -c "\\copy TABLE FROM STDIN WITH (FORMAT csv, HEADER true)"``, with:

* **One transaction.** Rows go into a staging table that replaces the target at the end (or,
  for ``if_exists="append"``, straight into the target), inside ONE transaction: if the load is
  interrupted at any point (Ctrl-C, the container killed, the connection dropped) the transaction
  rolls back and the table is as it was, so a rerun ends with exactly the file's rows.
* **Fast path first.** The whole file goes through a single COPY stream, as fast as ``\\copy``.
  Only if Postgres rejects a row does the loader start again on a validating path: records in
  batches, each COPY in a savepoint; the line Postgres names is set aside and the rest of the
  batch goes in. Malformed rows (wrong field count, a value the column's type cannot hold) are
  counted, kept with their line numbers in ``result.rejected`` and in a ``<table>_rejected``
  table, and rows read = rows loaded + rows rejected.
* **Two streams, optionally.** One COPY stream is bound by one server backend's CPU;
  ``streams=2`` COPYs through two connections into one staging table (see
  :mod:`dockermagic.ingest.parallelcopy`) and still swaps the target in one transaction at the end.
* **Types.** NYC TLC columns get the types of :func:`dockermagic.ingest.nyctlc.schema` (timestamps,
  NUMERIC money, nullable INTEGER ids); a parquet file's other columns keep their own types, a
  CSV's stay TEXT. A CSV that writes integers as ``1.0`` is loaded as NUMERIC and cast back.
"""

from __future__ import annotations

import html
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from . import nyctlc, pgdriver
from .copyjob import CopyJob, Progress, RejectedRow
from ..errors import LoadError
from .sources import open_source

__all__ = [
    "LoadOptions", "LoadResult", "RejectedRow", "column_types", "guess_colour", "load_csv", "load_file", "load_parquet",
    "load_with_pandas", "load_zones",
]


@dataclass
class LoadResult:
    """What a load did: rows loaded into ``table``, rows rejected, and how long it took."""

    table: str
    rows: int
    seconds: float
    rows_rejected: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    rejected_table: str | None = None
    source: str = ""
    method: str = "COPY"
    notes: list[str] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return self.rows

    @property
    def rows_read(self) -> int:
        return self.rows + self.rows_rejected

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds else float("inf")

    def rejected_frame(self):
        """The rejected rows kept in memory as a pandas DataFrame (line, error, text)."""
        import pandas as pd

        return pd.DataFrame([r.__dict__ for r in self.rejected], columns=["line", "error", "text"])

    def __str__(self) -> str:
        text = (
            f"{self.rows:,} rows loaded into {self.table} in {self.seconds:.2f} s "
            f"({self.rows_per_second:,.0f} rows/s, {self.method})"
        )
        if self.rows_rejected:
            lines = ", ".join(str(r.line) for r in self.rejected[:5])
            more = ", ..." if self.rows_rejected > 5 else ""
            text += f"; {self.rows_rejected:,} malformed rows rejected (lines {lines}{more}), kept in {self.rejected_table}"
        return text

    def __repr__(self) -> str:
        return (
            f"LoadResult(table={self.table!r}, rows={self.rows}, rows_rejected={self.rows_rejected}, "
            f"seconds={self.seconds:.2f}, rows_per_second={self.rows_per_second:.0f})"
        )

    def _repr_html_(self) -> str:
        e = html.escape
        out = (
            f"<b>{self.rows:,}</b> rows loaded into <code>{e(self.table)}</code> in {self.seconds:.2f} s "
            f"({self.rows_per_second:,.0f} rows/s, {e(self.method)})"
        )
        if self.rows_rejected:
            cells = "".join(
                f"<tr><td>{r.line}</td><td>{e(r.error)}</td><td><code>{e(r.text[:120])}</code></td></tr>"
                for r in self.rejected[:10]
            )
            out += (
                f"<br><b>{self.rows_rejected:,}</b> malformed rows rejected, kept in "
                f"<code>{e(self.rejected_table or '')}</code>:<table><tr><th>line</th><th>error</th>"
                f"<th>text</th></tr>{cells}</table>"
            )
        return out + "".join(f"<br>{e(n)}" for n in self.notes)


def guess_colour(columns) -> str | None:
    """Which NYC TLC file a header belongs to: yellow, green, fhv, fhvhv, zones, or None."""
    lower = {c.lower() for c in columns}
    for colour, marker in (("yellow", "tpep_pickup_datetime"), ("green", "lpep_pickup_datetime"),
                           ("fhvhv", "hvfhs_license_num"), ("fhv", "dispatching_base_num"),
                           ("zones", "service_zone")):
        if marker in lower:
            return colour
    return None


def column_types(columns, file_types: dict | None = None, types: dict | None = None) -> dict[str, str]:
    """Postgres type of each column: ``types`` first, then the TLC schema, then the file's own."""
    file_types = file_types or {}
    colour = guess_colour(columns)
    tlc = nyctlc.schema(colour, columns) if colour else None
    out = {}
    for c in columns:
        known = tlc.get(c, "TEXT") if tlc else "TEXT"
        out[c] = (types or {}).get(c) or (known if known != "TEXT" else file_types.get(c, known))
    return out


def _connection(conn_or_server):
    """(connection, release, connect): a psycopg2 or psycopg 3 connection; ``release`` closes what was
    opened here (or is None); ``connect`` opens more connections to the same database through the
    same driver (None for a bare connection)."""
    target = conn_or_server
    try:
        if hasattr(target, "cursor") and hasattr(target, "autocommit"):  # psycopg2 or psycopg 3 connection
            return target, None, None
        if hasattr(target, "raw_connection"):  # SQLAlchemy engine: borrow one from its pool
            fairy = target.raw_connection()
            conn = fairy.driver_connection
            url = target.url.set(drivername="postgresql").render_as_string(hide_password=False)
            return conn, fairy.close, lambda: pgdriver.connect(url, like=conn)
        if isinstance(target, str) and target.startswith(("postgresql+psycopg://", "postgresql+psycopg3://")):
            dsn = "postgresql://" + target.partition("://")[2]
            import psycopg

            conn = psycopg.connect(dsn)
            return conn, conn.close, lambda: psycopg.connect(dsn)
        if isinstance(target, str) and target.startswith(("postgresql://", "postgresql+psycopg2://", "postgres://")):
            import psycopg2

            dsn = target.replace("postgresql+psycopg2://", "postgresql://", 1)
            conn = psycopg2.connect(dsn)
            return conn, conn.close, lambda: psycopg2.connect(dsn)
        if hasattr(target, "connect") and hasattr(target, "url"):  # PostgresServer
            conn = target.connect()
            return conn, conn.close, target.connect
    except pgdriver.connect_errors() as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LoadError(f"Could not connect to Postgres ({why}).") from None
    raise LoadError(
        "conn_or_server must be a PostgresServer, a psycopg2 connection, a SQLAlchemy engine, a psycopg 3 "
        "connection or a postgresql:// URL."
    )


@dataclass
class LoadOptions:
    """How :func:`load_file` loads; every field is also one of its keywords (``if_exists="append"``)."""

    if_exists: str = "replace"
    types: dict[str, str] | None = None
    format: str | None = None
    progress: bool = True
    on_error: str = "reject"
    max_rejected: int | None = 1_000
    streams: int = 1

    def checked(self) -> LoadOptions:
        if self.if_exists not in ("replace", "append", "fail"):
            raise LoadError(f"if_exists must be replace, append or fail, not {self.if_exists!r}.")
        if self.on_error not in ("reject", "raise"):
            raise LoadError(f"on_error must be reject or raise, not {self.on_error!r}.")
        if not isinstance(self.streams, int) or self.streams < 1:
            raise LoadError(f"streams must be a whole number of at least 1, not {self.streams!r}.")
        return self


def load_file(path, table: str, *, conn_or_server, options: LoadOptions | None = None, **settings) -> LoadResult:
    """Load a CSV, CSV.gz or parquet file into ``table`` through ``COPY … FROM STDIN``.

    Similar to ``zcat FILE | psql -c "\\copy TABLE FROM STDIN WITH (FORMAT csv, HEADER true)"``,
    all in one transaction (see the module's docstring).

    Args:
        conn_or_server: a :class:`~dockermagic.ingest.postgres.PostgresServer`, a psycopg2 or psycopg 3
            connection (the load commits on it), a SQLAlchemy engine on either driver, or a URL
            (``postgresql://`` goes through psycopg2, ``postgresql+psycopg://`` through psycopg 3).
        options: a :class:`LoadOptions`; ``settings`` (its field names as keywords) override it:
        if_exists: ``"replace"`` (the table ends with exactly the file's rows), ``"append"``
            or ``"fail"`` (LoadError if the table exists).
        types: Postgres types for some columns, overriding the guessed ones.
        format: ``"csv"`` or ``"parquet"``; by default parquet files are recognised by content.
        progress: show a progress bar (tqdm).
        on_error: ``"reject"`` sets malformed rows aside; ``"raise"`` stops at the first one.
        max_rejected: more malformed rows than this and nothing is loaded (None: no limit).
        streams: COPY streams in parallel (each its own connection) for a replacing load; the
            target still changes in one transaction at the end. Needs ``conn_or_server`` to be a
            server, an engine or a URL (not a bare connection); otherwise one stream is used.

    Returns:
        A :class:`LoadResult`: rows loaded and rejected, seconds, rows/s, the rejected rows.

    Raises:
        LoadError: missing file, no header, bad arguments, the table exists with ``"fail"``, a column
            the table lacks, too many malformed rows, or the connection was lost (nothing changed).
    """
    opts = _options(options, settings)
    source = open_source(path, opts.format)
    header = source.header()
    types = column_types(header, source.arrow_types(), opts.types)
    started = time.monotonic()
    with _borrowed(conn_or_server) as (conn, connect):
        bar = Progress(source, opts.progress, table)

        def new_job(cur):
            return CopyJob(cur, source, table, header, types, progress=bar, max_rejected=opts.max_rejected,
                           on_error=opts.on_error)

        try:
            job = _copy(conn, connect, new_job, opts)
        except Exception as exc:
            error = _load_error(exc, conn, source.path.name, table)
            if error is None:
                raise
            raise error  # noqa: B904 (the cause is chosen in _load_error)
        finally:
            bar.close()
    return LoadResult(
        table=table, rows=job.loaded, seconds=time.monotonic() - started, rows_rejected=job.rejected,
        rejected=job.kept, rejected_table=job.rejected_table if job.rejected else None,
        source=str(source.path), notes=job.notes,
    )


def _options(options: LoadOptions | None, settings: dict) -> LoadOptions:
    unknown = sorted(set(settings) - set(LoadOptions.__dataclass_fields__))
    if unknown:
        raise LoadError(f"load_file has no setting {unknown[0]!r}: use {', '.join(LoadOptions.__dataclass_fields__)}.")
    return replace(options or LoadOptions(), **settings).checked()


@contextmanager
def _borrowed(conn_or_server):
    """(connection, connect) with autocommit off for the load; afterwards as it was, and closed if opened here."""
    conn, release, connect = _connection(conn_or_server)
    autocommit = conn.autocommit
    if autocommit:  # psycopg 3 refuses to set it at all inside a transaction, even to its value
        conn.autocommit = False
    try:
        yield conn, connect
    finally:
        if autocommit and not conn.closed:
            conn.autocommit = autocommit
        if release is not None:
            release()


def _copy(conn, connect, new_job, opts: LoadOptions):
    """Run the load's COPY (in parallel streams first when asked and possible); returns the CopyJob."""
    copied = None
    if opts.streams > 1 and connect is not None and opts.if_exists == "replace":
        copied = _copy_in_streams(conn, connect, new_job, opts.streams)
    # One transaction: committed at the end, rolled back on any exception.
    with pgdriver.transaction(conn), conn.cursor() as cur:
        job = new_job(cur)
        if copied is None:
            job.run(opts.if_exists)
        else:
            job.swap_in(copied)
    return job


def _load_error(exc: Exception, conn, file: str, table: str) -> LoadError | None:
    """One sentence for a driver error the user can act on (None: let ``exc`` through as it is).

    A lost connection keeps the driver's error as the cause; a column mismatch is all said in the sentence.
    """
    pg = pgdriver.driver(conn)
    if isinstance(exc, (pg.OperationalError, pg.InterfaceError)):
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        what = "The connection to Postgres was lost" if conn.closed else "Postgres stopped the load"
        error = LoadError(f"{what} while loading {file} into {table} ({why}); nothing was changed, run the load again.")
        error.__cause__ = exc
        return error
    if isinstance(exc, pg.errors.UndefinedColumn):
        error = LoadError(f"The table {table} does not match the file's columns: {exc.diag.message_primary}.")
    elif isinstance(exc, pg.errors.DuplicateColumn):
        error = LoadError(f"{file} names a column twice: {exc.diag.message_primary}.")
    else:
        return None
    error.__suppress_context__ = True
    return error


def _copy_in_streams(conn, connect, new_job, streams: int) -> int | None:
    """Rows COPYed into the staging table by ``streams`` connections (committed), or None when the
    one-stream path must do the load (a row Postgres rejected: that path sets it aside)."""
    from .parallelcopy import parallel_copy

    pg = pgdriver.driver(conn)
    with pgdriver.transaction(conn), conn.cursor() as cur:
        job = new_job(cur)
        job.target = f"{job.table}__staging"
        job.create(job.target, job.types)
        statement = job.statement(False)
    try:
        return parallel_copy(connect, job.source, statement, streams, job.progress.on_read)
    except pg.DataError:
        job.progress.restart(f"{job.table} (one stream)")
        return None
    except BaseException:
        if not conn.closed:  # the target was never touched; the staging table goes now, or next run
            try:
                with pgdriver.transaction(conn), conn.cursor() as cur:
                    cur.execute(job.sql.SQL("DROP TABLE IF EXISTS {}").format(job.ident(job.target)))
            except pg.Error:
                pass
        raise


def load_csv(path, table: str, **kwargs) -> LoadResult:
    """:func:`load_file` for a CSV or CSV.gz file with a header line."""
    return load_file(path, table, format="csv", **kwargs)


def load_parquet(path, table: str, **kwargs) -> LoadResult:
    """:func:`load_file` for a parquet file."""
    return load_file(path, table, format="parquet", **kwargs)


def load_zones(path, conn_or_server, table: str = "zones", **kwargs) -> LoadResult:
    """Load the taxi zone lookup: ``LocationID`` an integer, the rest text.

    COPY keeps ``Unknown``, ``NA`` and ``N/A`` as the text they are (only an empty field is NULL);
    pandas' ``read_csv`` would turn the last two into NaN unless told ``keep_default_na=False``.
    """
    source = open_source(path, "csv")
    types = {c: "INTEGER" if c.lower() == "locationid" else "TEXT" for c in source.header()}
    return load_file(path, table, conn_or_server=conn_or_server, types=types, format="csv", **kwargs)


def load_with_pandas(path, table: str, engine, *, chunksize: int = 100_000, if_exists: str = "replace",
                     progress: bool = True) -> LoadResult:
    """The course's way, kept for teaching: ``pandas.read_csv`` in chunks and ``DataFrame.to_sql``.

    Similar to the Zoomcamp notebook: ``df.head(0).to_sql(..., if_exists="replace")`` creates the
    table, then every chunk of ``chunksize`` rows is appended with ``to_sql``. Each chunk commits
    on its own, so an interrupted load leaves part of the file behind (the COPY loader does not).

    Args:
        engine: a SQLAlchemy engine, a URL, or a :class:`~dockermagic.ingest.postgres.PostgresServer`.
    """
    import pandas as pd
    import sqlalchemy.exc

    source = open_source(path)
    header = source.header()
    stamps = [c for c, t in column_types(header, source.arrow_types()).items() if t.startswith("TIMESTAMP")]
    own_engine = None  # one made here from a URL or a server is disposed here; the caller's is theirs
    if hasattr(engine, "engine") and callable(engine.engine):
        engine = own_engine = engine.engine()
    elif isinstance(engine, str):
        from sqlalchemy import create_engine

        # A bare postgresql:// goes through psycopg2, as the COPY loader's URLs do (SQLAlchemy 2.1
        # would pick psycopg 3, also installed).
        engine = own_engine = create_engine(re.sub(r"^postgres(?:ql)?://", "postgresql+psycopg2://", engine))
    if source.kind == "csv":
        chunks = pd.read_csv(source.path, iterator=True, chunksize=chunksize, low_memory=False)
    else:
        chunks = source.frames(chunksize)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc=f"{table} (pandas)", unit=" rows", unit_scale=True,
                   total=source.size if source.kind == "parquet" else None)
    started, rows, first = time.monotonic(), 0, True
    try:
        for df in chunks:
            for c in stamps:
                df[c] = pd.to_datetime(df[c])
            if first:
                df.head(0).to_sql(table, engine, if_exists=if_exists, index=False)
                first = False
            df.to_sql(table, engine, if_exists="append", index=False)
            rows += len(df)
            if bar is not None:
                bar.update(len(df))
    except sqlalchemy.exc.OperationalError as exc:
        why = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise LoadError(f"Postgres stopped the pandas load of {source.path.name} into {table} after {rows:,} rows "
                        f"({why}); the chunks before stay committed.") from None
    finally:
        chunks.close()  # the file, also when a chunk failed
        if own_engine is not None:
            own_engine.dispose()  # its pooled connections would stay open on the server
        if bar is not None:
            bar.close()
    return LoadResult(table=table, rows=rows, seconds=time.monotonic() - started, source=str(source.path),
                      method=f"pandas to_sql, chunks of {chunksize:,}")
