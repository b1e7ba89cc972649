"""Load a CSV (or CSV.gz) into Postgres with COPY, all or nothing.

Similar to ``zcat FILE | psql -c "\\copy TABLE FROM STDIN WITH (FORMAT csv, HEADER true)"``, but the
rows go into a staging table that replaces (or is appended to) the target inside ONE transaction:
if the load is interrupted at any point (Ctrl-C, the container killed, the connection dropped)
the transaction rolls back and the table is as it was, so a rerun ends with exactly the file's rows.
"""

from __future__ import annotations

import csv
import gzip
import time
from dataclasses import dataclass
from pathlib import Path

from dockermagic.errors import LoadError

# Postgres types of the TLC trip-record columns (yellow and green CSV, 2019-2021). Integer-like
# columns are NUMERIC, not INTEGER: later rows of the 2021 files write them as floats ("1.0").
_TIMESTAMP = {"tpep_pickup_datetime", "tpep_dropoff_datetime", "lpep_pickup_datetime", "lpep_dropoff_datetime"}
_NUMERIC = {
    "vendorid", "passenger_count", "trip_distance", "ratecodeid", "pulocationid", "dolocationid",
    "payment_type", "fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount", "ehail_fee",
    "improvement_surcharge", "total_amount", "congestion_surcharge", "trip_type", "airport_fee",
}
# Big reads: copy_expert's default 8 KiB chunks cost a round of Python per chunk.
_CHUNK = 1 << 20


def column_type(name: str) -> str:
    """Postgres type for a TLC column name; unknown columns stay TEXT (nothing is lost)."""
    if name in _TIMESTAMP:
        return "TIMESTAMP"
    if name.lower() in _NUMERIC:
        return "NUMERIC"
    return "TEXT"


@dataclass
class LoadResult:
    """What a load did: rows loaded into ``table`` and how long it took."""

    table: str
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else float("inf")

    def __str__(self) -> str:
        return f"{self.rows:,} rows loaded into {self.table} in {self.seconds:.2f} s ({self.rows_per_second:,.0f} rows/s)"


def _open(path: Path):
    """Binary stream of the CSV text; .gz is decompressed while streaming (bounded memory)."""
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def read_header(path: Path) -> list[str]:
    with _open(path) as fh:
        line = fh.readline().decode("utf-8-sig")
    header = next(csv.reader([line]), [])
    if not header or not all(h.strip() for h in header):
        raise LoadError(f"{path} has no CSV header line naming every column.")
    return [h.strip() for h in header]


def _connection(conn_or_server):
    """(connection, owned): a psycopg2 connection, opened here if given a PostgresServer."""
    if hasattr(conn_or_server, "cursor"):
        return conn_or_server, False
    if hasattr(conn_or_server, "connect"):
        return conn_or_server.connect(), True
    raise LoadError("conn_or_server must be a psycopg2 connection or a PostgresServer.")


def load_csv(path, table: str, *, conn_or_server, if_exists: str = "replace") -> LoadResult:
    """Load a CSV or CSV.gz file with a header line into ``table`` through ``COPY … FROM STDIN``.

    Args:
        if_exists: ``"replace"`` (the table ends with exactly the file's rows), ``"append"``
            or ``"fail"`` (LoadError if the table exists).

    Returns:
        A :class:`LoadResult` with the rows loaded and the seconds taken.

    Raises:
        LoadError: missing file, no header, bad ``if_exists``, or the table exists with ``"fail"``.
        psycopg2.Error: Postgres rejected the data or went away; nothing was changed.
    """
    from psycopg2 import sql

    path = Path(path)
    if if_exists not in ("replace", "append", "fail"):
        raise LoadError(f"if_exists must be replace, append or fail, not {if_exists!r}.")
    if not path.is_file():
        raise LoadError(f"There is no file {path} to load.")
    header = read_header(path)
    staging = f"{table}__staging"
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(h), sql.SQL(column_type(h))) for h in header
    )
    started = time.monotonic()
    conn, owned = _connection(conn_or_server)
    try:
        # `with conn` = one transaction: committed at the end, rolled back on any exception.
        with conn, conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", (sql.Identifier(table).as_string(cur),))
            exists = cur.fetchone()[0]
            if exists and if_exists == "fail":
                raise LoadError(f"The table {table} already exists and if_exists='fail'.")
            # A staging table left by a crashed earlier run cannot exist (it was never committed),
            # but a user's table of that name would collide: drop it inside this transaction.
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(staging)))
            cur.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(staging), columns))
            copy = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER true)").format(
                sql.Identifier(staging), sql.SQL(", ").join(map(sql.Identifier, header))
            )
            with _open(path) as fh:
                cur.copy_expert(copy.as_string(cur), fh, size=_CHUNK)
            rows = cur.rowcount
            if exists and if_exists == "append":
                cur.execute(sql.SQL("INSERT INTO {} SELECT * FROM {}").format(sql.Identifier(table), sql.Identifier(staging)))
                cur.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(staging)))
            else:
                cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
                cur.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(sql.Identifier(staging), sql.Identifier(table)))
    finally:
        if owned:
            conn.close()
    return LoadResult(table=table, rows=rows, seconds=time.monotonic() - started)
