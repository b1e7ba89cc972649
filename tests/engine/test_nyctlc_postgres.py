"""nyctlc.schema against real Postgres: every real CSV sample COPYs into its types, sums match."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import socket
from decimal import Decimal
from pathlib import Path

import pytest

from dockermagic.ingest import nyctlc
from dockermagic.ingest.postgres import start_postgres

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    # not 5433: this test needs no fixed port, so it does not queue behind the 5433 lock
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def pg(client, images, cleanup):
    server = start_postgres(cleanup.name("nyctlc-pg"), port=free_port(), client=client, password="pw-nyctlc")
    yield server
    server.remove()


def copy_with_schema(pg, path: Path, colour: str, table: str) -> dict[str, str]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    types = nyctlc.schema(colour, header)
    columns = ", ".join(f'"{c}" {t}' for c, t in types.items())
    with pg.connect() as conn, conn.cursor() as cur, open(path, "rb") as fh:
        cur.execute(f'DROP TABLE IF EXISTS "{table}"; CREATE TABLE "{table}" ({columns})')
        cur.copy_expert(f'COPY "{table}" FROM STDIN WITH (FORMAT csv, HEADER true)', fh)
    return types


def column_types(pg, table: str) -> dict[str, str]:
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s", (table,))
        return dict(cur.fetchall())


SAMPLES = [
    ("yellow", "yellow", 22_792),
    ("yellow", "yellow-2020-07", 266),
    ("green", "green-2019-10", 8),
    ("fhv", "fhv", 16),
    ("fhvhv", "fhvhv", 14),
    ("zones", "zones", 265),
]
PG_NAMES = {"TIMESTAMP": "timestamp without time zone", "INTEGER": "integer", "BIGINT": "bigint",
            "NUMERIC": "numeric", "TEXT": "text"}


def test_real_samples_copy_into_the_schema_types(pg):
    for colour, name, rows in SAMPLES:
        table = f"t_{colour}_{rows}"
        types = copy_with_schema(pg, nyctlc.sample(name), colour, table)
        with pg.connect() as conn, conn.cursor() as cur:
            cur.execute(f'SELECT count(*) FROM "{table}"')
            assert cur.fetchone()[0] == rows, name
        assert column_types(pg, table) == {c: PG_NAMES[t] for c, t in types.items()}, name
    yellow_sums_match_the_file_to_the_cent(pg)
    zone_lookup_keeps_its_na_text(pg)


def yellow_sums_match_the_file_to_the_cent(pg):
    path = nyctlc.sample("yellow")
    copy_with_schema(pg, path, "yellow", "yellow_sums")
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    total = sum(Decimal(r["total_amount"]) for r in rows)
    distance = sum(Decimal(r["trip_distance"]) for r in rows)
    passengers = sum(int(r["passenger_count"]) for r in rows)
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute('SELECT sum(total_amount), sum(trip_distance), sum(passenger_count), '
                    'min(tpep_pickup_datetime)::text FROM yellow_sums')
        assert cur.fetchone() == (total, distance, passengers, min(r["tpep_pickup_datetime"] for r in rows))


def test_blank_integers_of_a_month_end_load_as_null(pg, tmp_path):
    # The real month ends with blank VendorID/passenger_count/RatecodeID/payment_type; the bundled
    # head has none, so expand_sample blanks the last 5 % of 300 real rows the same way.
    spec = importlib.util.spec_from_file_location("expand_sample", ROOT / "data" / "expand_sample.py")
    expand = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(expand)
    month_end = tmp_path / "month_end.csv"
    month_end.write_bytes(gzip.decompress(expand.expand(None, tmp_path / "end.csv.gz", rows=300).read_bytes()))
    copy_with_schema(pg, month_end, "yellow", "month_end")
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*), count(\"VendorID\"), count(passenger_count), count(\"RatecodeID\"), "
                    "count(payment_type), count(store_and_fwd_flag) FROM month_end")
        assert cur.fetchone() == (300, 285, 285, 285, 285, 285)


def zone_lookup_keeps_its_na_text(pg):
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute('SELECT "LocationID", "Borough", "Zone", service_zone FROM t_zones_265 WHERE "LocationID" >= 264 ORDER BY 1')
        assert cur.fetchall() == [(264, "Unknown", "NV", "N/A"), (265, "Unknown", "NA", "N/A")]
