"""psycopg 3 beside psycopg2, against a real containerised Postgres: the course's bare postgresql://
URL works with SQLAlchemy, and the COPY loader takes a psycopg 3 connection or engine as it is."""

from __future__ import annotations

import gzip
import socket

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine, text

from dockermagic.errors import LoadError
from dockermagic.ingest.loader import load_csv, load_file
from dockermagic.ingest.postgres import start_postgres

HEADER = ("VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,PULocationID,"
          "DOLocationID,fare_amount,total_amount")
ROWS = 4_000
BAD_LINE = 1_235  # the file's line (header = line 1) holding a timestamp Postgres refuses


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pg(client, images, cleanup):
    """Postgres on a free loopback port (5433 stays free for the tests that need it); the cleanup
    fixture's label goes with it, so it is removed when the test ends, passed or failed."""
    server = start_postgres(cleanup.name("pg3"), port=_free_port(), client=client)
    yield server
    server.remove()


@pytest.fixture
def trips(tmp_path):
    """A yellow-taxi CSV.gz: ROWS good rows plus one malformed line."""
    lines = [HEADER]
    for i in range(ROWS):
        minute = i % 60
        lines.append(f"{1 + i % 2},2021-01-01 00:{minute:02d}:00,2021-01-01 01:{minute:02d}:00,{1 + i % 4},"
                     f"{i % 17}.5,{1 + i % 265},{1 + (i * 7) % 265},{i % 40}.25,{i % 50}.75")
    lines.insert(BAD_LINE - 1, "1,not-a-time,2021-01-01 01:00:00,1,1.0,1,1,1.0,1.0")
    path = tmp_path / "yellow_tripdata_2021-01.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return path


def _url(pg, scheme: str = "postgresql") -> str:
    return f"{scheme}://{pg.user}:{pg.password}@{pg.host}:{pg.port}/{pg.db}"


def _count(pg, table: str) -> int:
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        return cur.fetchone()[0]


def test_both_url_forms_work_with_sqlalchemy(pg):
    for scheme, driver in (("postgresql", "psycopg"), ("postgresql+psycopg2", "psycopg2")):
        engine = create_engine(_url(pg, scheme))
        try:
            assert engine.dialect.driver == driver
            with engine.connect() as sa:
                assert sa.execute(text("SELECT current_database(), current_user")).one() == ("ny_taxi", "root")
        finally:
            engine.dispose()


def test_load_on_a_psycopg3_connection(pg, trips):
    with psycopg.connect(_url(pg)) as conn:
        for _run in range(2):  # a rerun ends with exactly the file's rows again
            result = load_file(trips, "trips_pg3_conn", conn_or_server=conn, progress=False)
            assert (result.rows, result.rows_rejected) == (ROWS, 1)
            assert [r.line for r in result.rejected] == [BAD_LINE]
            assert _count(pg, "trips_pg3_conn") == ROWS
            assert _count(pg, "trips_pg3_conn_rejected") == 1
        # the caller's connection is still open and usable, autocommit as it was
        assert not conn.closed and conn.autocommit is False
        assert conn.execute("SELECT count(*) FROM trips_pg3_conn WHERE fare_amount > 0").fetchone()[0] > 0
        conn.rollback()

        with pytest.raises(LoadError, match="already exists and if_exists='fail'"):
            load_csv(trips, "trips_pg3_conn", conn_or_server=conn, if_exists="fail", progress=False)
        assert conn.execute("SELECT count(*) FROM trips_pg3_conn").fetchone()[0] == ROWS  # rolled back, usable


def test_load_on_a_psycopg3_engine_one_and_two_streams(pg, trips, tmp_path):
    engine = create_engine(_url(pg))  # the course's bare URL: SQLAlchemy 2.1 picks psycopg 3
    try:
        assert engine.dialect.driver == "psycopg"
        for streams in (1, 2, 2):
            result = load_csv(trips, "trips_pg3_engine", conn_or_server=engine, streams=streams, progress=False)
            assert (result.rows, result.rows_rejected) == (ROWS, 1)
            assert _count(pg, "trips_pg3_engine") == ROWS

        good = tmp_path / "good.csv"
        good.write_text("\n".join(line for i, line in enumerate(gzip.decompress(trips.read_bytes()).decode()
                                                                .splitlines(), 1) if i != BAD_LINE) + "\n")
        for _run in range(2):  # no rejected row: the two streams do the whole load
            result = load_csv(good, "trips_pg3_streams", conn_or_server=engine, streams=2, progress=False)
            assert (result.rows, result.rows_rejected) == (ROWS, 0)
            assert _count(pg, "trips_pg3_streams") == ROWS

        table = pa.table({"LocationID": list(range(1, 266)), "Zone": [f"zone {i}" for i in range(1, 266)]})
        pq.write_table(table, tmp_path / "zones.parquet")
        for _run in range(2):
            assert load_file(tmp_path / "zones.parquet", "zones_pg3", conn_or_server=engine, progress=False).rows == 265
        assert _count(pg, "zones_pg3") == 265
        with engine.connect() as sa:  # the pool's connection went back in a usable state
            assert sa.execute(text("SELECT min(\"LocationID\"), max(\"LocationID\") FROM zones_pg3")).one() == (1, 265)
    finally:
        engine.dispose()


def test_psycopg3_url_string(pg, trips):
    result = load_csv(trips, "trips_pg3_url", conn_or_server=_url(pg, "postgresql+psycopg"), progress=False)
    assert (result.rows, result.rows_rejected) == (ROWS, 1)
    assert _count(pg, "trips_pg3_url") == ROWS
