"""The loaders leave nothing open: no connection on the server after load_with_pandas (it disposes the
engine it made), no file handle on a parquet file after any load, a failed one included (IPython
keeps the last error, and with it whatever its traceback holds)."""
from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dockermagic.ingest import nyctlc
from dockermagic.errors import LoadError
from dockermagic.ingest.loader import load_file, load_with_pandas
from dockermagic.ingest.sources import open_source
from dockermagic.ingest.postgres import start_postgres

GREEN = nyctlc.sample("green")  # parquet, 56,551 rows
YELLOW = nyctlc.sample("yellow")
ZONES = nyctlc.sample("zones")


@pytest.fixture
def pg(client, images, cleanup, port_5433):
    server = start_postgres(cleanup.name("pgclose"), port=port_5433, client=client)
    yield server
    server.remove()


def _connections(pg) -> int:
    """Sessions on the database besides the one asking."""
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()")
        n = cur.fetchone()[0]
    conn.close()  # psycopg2's `with` ends the transaction, not the connection
    return n


def _handles(path) -> int:
    """This process's open file descriptors on `path`."""
    target, n = str(path.resolve()), 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            n += os.readlink(f"/proc/self/fd/{fd}") == target
        except OSError:  # listdir's own fd
            pass
    return n


@pytest.fixture(params=["csv", "parquet"])
def small(request, tmp_path):
    """2,000 rows of a TLC sample: to_sql is slow, and what is measured here does not need more."""
    if request.param == "csv":
        path = tmp_path / "yellow.csv"
        path.write_text("".join(YELLOW.read_text().splitlines(keepends=True)[:2001]))
    else:
        path = tmp_path / "green.parquet"
        pq.write_table(pq.read_table(GREEN).slice(0, 2000), path)
    return path


def test_load_with_pandas_disposes_the_engine_it_made(pg, small):
    before = _connections(pg)
    for target in (pg.url, pg):  # a URL, a PostgresServer: either way the engine is made here
        assert load_with_pandas(small, "trips", target, chunksize=500, progress=False).rows == 2000
        assert _connections(pg) == before
        assert _handles(small) == 0


def test_load_with_pandas_leaves_the_callers_engine_open(pg):
    from sqlalchemy import create_engine, text

    engine = create_engine(pg.url)
    try:
        load_with_pandas(ZONES, "zones", engine, progress=False)
        with engine.connect() as conn:  # still usable: not disposed behind the caller's back
            assert conn.execute(text("SELECT count(*) FROM zones")).scalar() == 265
    finally:
        engine.dispose()
    assert _connections(pg) == 0


def test_no_parquet_handle_stays_open(pg, tmp_path):
    assert _handles(GREEN) == 0
    source = open_source(GREEN)  # reads the footer (size, schema) and lets go of the file
    assert (source.size, _handles(GREEN)) == (56_551, 0)
    assert sum(1 for _ in source.records()) == 56_551 and _handles(GREEN) == 0
    assert load_file(GREEN, "green", conn_or_server=pg, progress=False).rows == 56_551
    assert _handles(GREEN) == 0
    assert load_file(GREEN, "green", conn_or_server=pg, progress=False, streams=2).rows == 56_551
    assert _handles(GREEN) == 0
    # a load that fails on a row: the error (and its traceback) lives on, the file handle does not
    head = pq.read_table(GREEN).slice(0, 500)
    stamps = head["lpep_pickup_datetime"].cast(pa.string()).to_pylist()
    stamps[99] = "soon"
    odd = tmp_path / "odd.parquet"
    pq.write_table(head.set_column(1, "lpep_pickup_datetime", pa.array(stamps, pa.string())), odd)
    with pytest.raises(LoadError, match="Row 100 of odd.parquet was rejected") as failed:
        load_file(odd, "odd", conn_or_server=pg, progress=False, on_error="raise")
    assert failed.value.__traceback__ is not None and _handles(odd) == 0
