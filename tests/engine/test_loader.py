"""The COPY loader against real Postgres (the stand-in on 127.0.0.1:5433) and the real TLC samples."""

from __future__ import annotations

import gzip
import re
import threading
import time
from decimal import Decimal

import pandas as pd
import pytest

from dockermagic.ingest import copyjob, nyctlc
from dockermagic.errors import LoadError
from dockermagic.ingest.loader import load_csv, load_file, load_with_pandas, load_zones
from dockermagic.ingest.postgres import start_postgres


YELLOW = nyctlc.sample("yellow")  # the samples that ship with the package: 22,792 / 56,551 / 265 rows
GREEN = nyctlc.sample("green")
ZONES = nyctlc.sample("zones")


@pytest.fixture
def pg(client, images, cleanup, port_5433):
    server = start_postgres(cleanup.name("pgload"), port=port_5433, client=client, password="load-pw")
    yield server
    server.remove()


def query(pg, sql, *args):
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def column_types(pg, table):
    return dict(query(pg, "SELECT column_name, data_type FROM information_schema.columns "
                          "WHERE table_name = %s ORDER BY ordinal_position", table))


def tables(pg):
    return {t for (t,) in query(pg, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def cents(x: float) -> Decimal:
    return Decimal(str(round(x, 2)))


def test_yellow_csv_rows_types_and_sums_match_pandas(pg):
    expected = pd.read_csv(YELLOW)
    first = load_file(YELLOW, "yellow_taxi_data", conn_or_server=pg, progress=False)
    again = load_file(YELLOW, "yellow_taxi_data", conn_or_server=pg, progress=False, if_exists="replace")
    assert (first.rows, first.rows_rejected, first.rows_read) == (22792, 0, 22792) == (len(expected), 0, again.rows)
    assert first.seconds > 0 and first.rows_per_second > 0 and "22,792 rows loaded into yellow_taxi_data" in str(first)

    [(count, total, distance, first_pickup)] = query(
        pg, "SELECT count(*), sum(total_amount), sum(trip_distance), min(tpep_pickup_datetime) FROM yellow_taxi_data")
    assert count == 22792
    assert total == cents(expected["total_amount"].sum())
    assert abs(float(distance) - expected["trip_distance"].sum()) < 1e-6
    assert first_pickup == pd.to_datetime(expected["tpep_pickup_datetime"]).min().to_pydatetime()
    types = column_types(pg, "yellow_taxi_data")
    assert list(types) == list(expected.columns)
    assert types["tpep_pickup_datetime"] == "timestamp without time zone"
    assert types["total_amount"] == types["trip_distance"] == "numeric"
    assert types["VendorID"] == types["passenger_count"] == types["PULocationID"] == "integer"
    assert types["store_and_fwd_flag"] == "text"
    assert tables(pg) == {"yellow_taxi_data"}, "no staging or rejected table left behind"


def test_green_parquet_rows_types_nulls_and_sums_match_pandas(pg):
    expected = pd.read_parquet(GREEN)
    result = load_file(GREEN, "green_taxi_data", conn_or_server=pg, progress=False)
    assert (result.rows, result.rows_rejected) == (56551, 0) == (len(expected), 0)
    [(count, total, distance, ratecodes, ehail, pickup)] = query(
        pg, 'SELECT count(*), sum(total_amount), sum(trip_distance), count("RatecodeID"), count(ehail_fee), '
            "max(lpep_pickup_datetime) FROM green_taxi_data")
    assert count == 56551
    assert total == cents(expected["total_amount"].sum())
    assert abs(float(distance) - expected["trip_distance"].sum()) < 1e-6
    assert ratecodes == expected["RatecodeID"].notna().sum() == 56551 - 3415, "nullable integers keep their NULLs"
    assert ehail == 0
    assert pickup == expected["lpep_pickup_datetime"].max().to_pydatetime()
    types = column_types(pg, "green_taxi_data")
    assert types["lpep_pickup_datetime"] == "timestamp without time zone"
    assert types["RatecodeID"] == types["passenger_count"] == types["VendorID"] == "integer"
    assert types["fare_amount"] == types["ehail_fee"] == "numeric" and types["store_and_fwd_flag"] == "text"


def test_zone_lookup_keeps_unknown_and_na_as_text(pg):
    assert pd.read_csv(ZONES)["service_zone"].isna().sum() == 2, "what pandas does by default"
    result = load_zones(ZONES, pg, progress=False)
    assert result.rows == 265
    rows = query(pg, 'SELECT "LocationID", "Borough", "Zone", service_zone FROM zones WHERE "LocationID" >= 264 '
                     'ORDER BY 1')
    assert rows == [(264, "Unknown", "NV", "N/A"), (265, "Unknown", "NA", "N/A")]
    assert query(pg, "SELECT count(*) FROM zones WHERE \"Zone\" IS NULL OR service_zone IS NULL") == [(0,)]
    assert column_types(pg, "zones") == {"LocationID": "integer", "Borough": "text", "Zone": "text", "service_zone": "text"}


def test_gz_append_and_fail(pg, tmp_path):
    gz = tmp_path / "yellow.csv.gz"
    gz.write_bytes(gzip.compress(YELLOW.read_bytes()))
    assert load_csv(gz, "yellow", conn_or_server=pg, progress=False).rows == 22792
    assert load_csv(gz, "yellow", conn_or_server=pg, progress=False, if_exists="append").rows == 22792
    with pytest.raises(LoadError, match="The table yellow already exists and if_exists='fail'"):
        load_csv(gz, "yellow", conn_or_server=pg, if_exists="fail")
    assert query(pg, "SELECT count(*) FROM yellow") == [(2 * 22792,)]

    other = tmp_path / "other.csv"
    other.write_text("VendorID,surprise\n1,x\n")
    with pytest.raises(LoadError, match='The table yellow does not match the file.s columns: column "surprise" of relation "yellow" does not exist'):
        load_csv(other, "yellow", conn_or_server=pg, if_exists="append", progress=False)
    other.write_text("a,b,a\n1,2,3\n")
    with pytest.raises(LoadError, match='other.csv names a column twice: column "a" specified more than once'):
        load_csv(other, "yellow", conn_or_server=pg, progress=False)
    assert query(pg, "SELECT count(*) FROM yellow") == [(2 * 22792,)]


def test_malformed_lines_are_counted_saved_and_reported(pg, tmp_path):
    lines = YELLOW.read_text().splitlines(keepends=True)[:2001]  # header + 2,000 rows
    good = lines[10]
    bad = tmp_path / "bad.csv"
    body = list(lines)
    body[5] = good.replace(good.split(",")[1], "not-a-date", 1)              # line 6: bad timestamp
    body[100] = "1,2021-01-01 00:00:00,2021-01-01 00:10:00\n"                  # line 101: too few fields
    body[1500] = good.rstrip("\n") + ",surplus\n"                               # line 1501: one field too many
    fields = good.split(",")
    fields[6] = '"multi\nline"'                                                 # a valid quoted newline:
    body[1600] = ",".join(fields)                                               # lines 1601-1602, one record
    body[1800] = good.replace(",N,", ",N,x", 1)                                 # line 1802: PULocationID "x…"
    bad.write_text("".join(body))

    load_file(YELLOW, "trips", conn_or_server=pg, progress=False)
    with pytest.raises(LoadError, match=r"Line 6 of bad.csv was rejected: invalid input syntax for type timestamp: "
                                        r'"not-a-date" \(column tpep_pickup_datetime\); nothing was loaded'):
        load_file(bad, "trips", conn_or_server=pg, on_error="raise", progress=False)
    assert query(pg, "SELECT count(*) FROM trips") == [(22792,)], "a refused load changed nothing"
    shifted = tmp_path / "shifted.csv"  # the quoted newline makes record 10 start on line 11
    shifted.write_text(lines[0] + body[1600] + "".join(lines[1:8]) + body[1800])
    with pytest.raises(LoadError, match=r"Line 11 of shifted.csv was rejected: invalid input syntax for type integer"):
        load_file(shifted, "trips", conn_or_server=pg, on_error="raise", progress=False)

    result = load_file(bad, "trips", conn_or_server=pg, progress=False)
    assert [r.line for r in result.rejected] == [6, 101, 1501, 1802]
    assert (result.rows, result.rows_rejected, result.rows_read) == (1996, 4, 2000)
    assert "extra data after last expected column" in result.rejected[2].error
    assert result.rejected[2].text.endswith(",surplus")
    assert "1,996 rows loaded" in str(result) and "4 malformed rows rejected (lines 6, 101, 1501, 1802)" in str(result)
    assert "<td>1802</td>" in result._repr_html_()
    assert list(result.rejected_frame()["line"]) == [6, 101, 1501, 1802]
    assert query(pg, "SELECT count(*), count(*) FILTER (WHERE store_and_fwd_flag = 'multi\nline') FROM trips") == [(1996, 1)]
    saved = query(pg, "SELECT source, line, raw FROM trips_rejected ORDER BY line")
    assert [(s, n) for s, n, _ in saved] == [("bad.csv", 6), ("bad.csv", 101), ("bad.csv", 1501), ("bad.csv", 1802)]
    assert saved[1][2] == body[100].rstrip("\n")

    # Replacing with a clean file also replaces the rejected rows of the old load.
    load_file(YELLOW, "trips", conn_or_server=pg, progress=False)
    assert tables(pg) == {"trips"}


def test_integers_written_as_floats_load_and_are_cast_back(pg, tmp_path):
    lines = YELLOW.read_text().splitlines(keepends=True)[:501]
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        f = line.rstrip("\n").split(",")
        if i >= 100:  # like files that went through pandas: 1 -> 1.0
            f[0], f[3] = f[0] + ".0", f[3] + ".0"
        if i == 200:
            f[5] = "1.5"  # RatecodeID with a fraction: that column stays NUMERIC
        out.append(",".join(f) + "\n")
    floaty = tmp_path / "floaty.csv"
    floaty.write_text("".join(out))
    result = load_file(floaty, "floaty", conn_or_server=pg, progress=False)
    assert (result.rows, result.rows_rejected) == (500, 0)
    assert result.notes == ["Kept as NUMERIC (they hold fractions): RatecodeID."]
    types = column_types(pg, "floaty")
    assert types["VendorID"] == types["passenger_count"] == "integer" and types["RatecodeID"] == "numeric"
    assert query(pg, 'SELECT sum("VendorID") FROM floaty') == [(sum(int(float(x.split(",")[0])) for x in out[1:]),)]


def test_container_killed_mid_load_then_rerun_gives_exactly_the_source_rows(client, pg, tmp_path):
    lines = YELLOW.read_text().splitlines(keepends=True)
    big = tmp_path / "ten-times.csv"
    with open(big, "w") as fh:  # 227,920 rows: a load that lasts long enough to be interrupted
        fh.write(lines[0])
        for _ in range(10):
            fh.writelines(lines[1:])
    small = tmp_path / "first1000.csv"
    small.write_text("".join(lines[:1001]))
    assert load_file(small, "trips", conn_or_server=pg, progress=False).rows == 1000

    copied = []

    def kill_when_copy_is_under_way():
        watcher = pg.connect()
        # Autocommit: inside one transaction Postgres would show the same snapshot of the stats.
        watcher.autocommit = True
        try:
            with watcher.cursor() as cur:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    cur.execute("SELECT tuples_processed FROM pg_stat_progress_copy")
                    row = cur.fetchone()
                    if row and row[0] > 10_000:
                        copied.append(row[0])
                        client.api.kill(pg.name)
                        return
                    time.sleep(0.005)
        finally:
            watcher.close()

    killer = threading.Thread(target=kill_when_copy_is_under_way)
    killer.start()
    with pytest.raises(LoadError, match="connection to Postgres was lost while loading ten-times.csv into trips"):
        load_file(big, "trips", conn_or_server=pg, progress=False)
    killer.join()
    assert copied, "the kill happened during the COPY"
    assert client.containers.get(pg.name).status == "exited"

    again = start_postgres(pg.name, port=pg.port, password=pg.password, client=client)
    assert again.reused
    assert query(again, "SELECT count(*) FROM trips") == [(1000,)], "the interrupted load changed nothing"
    assert load_file(big, "trips", conn_or_server=again, progress=False).rows == 227920
    assert query(again, "SELECT count(*) FROM trips") == [(227920,)]
    assert tables(again) == {"trips"}


def test_ctrl_c_mid_load_leaves_the_table_and_the_connection_usable(pg, monkeypatch):
    load_file(YELLOW, "trips", conn_or_server=pg, progress=False, if_exists="replace")
    reads = []
    real = copyjob.Progress.on_read

    def interrupt_on_second_read(self, data, position):
        reads.append(position)
        if len(reads) == 2:
            raise KeyboardInterrupt
        return real(self, data, position)

    monkeypatch.setattr(copyjob.Progress, "on_read", interrupt_on_second_read)
    conn = pg.connect()
    try:
        with pytest.raises(KeyboardInterrupt):
            load_file(YELLOW, "trips", conn_or_server=conn, if_exists="append", progress=False)
        with conn.cursor() as cur:  # the caller's connection is still good, outside any transaction
            cur.execute("SELECT count(*) FROM trips")
            assert cur.fetchone() == (22792,)
    finally:
        conn.close()
    monkeypatch.undo()
    assert load_file(YELLOW, "trips", conn_or_server=pg, progress=False, if_exists="append").rows == 22792
    assert query(pg, "SELECT count(*) FROM trips") == [(2 * 22792,)]


def test_pandas_to_sql_path_gives_the_same_rows(pg):
    engine = pg.engine()
    ours = load_file(YELLOW, "yellow_copy", conn_or_server=engine, progress=False)  # an engine works too
    engine.dispose()
    theirs = load_with_pandas(YELLOW, "yellow_pandas", pg, chunksize=10_000, progress=False)
    assert theirs.rows == ours.rows == 22792 and "pandas to_sql" in theirs.method
    assert query(pg, "SELECT count(*), sum(total_amount)::numeric(12,2) FROM yellow_pandas") == \
        query(pg, "SELECT count(*), sum(total_amount) FROM yellow_copy")
    assert column_types(pg, "yellow_pandas")["tpep_pickup_datetime"] == "timestamp without time zone"


def test_connection_dropped_mid_load_changes_nothing(pg, tmp_path):
    lines = YELLOW.read_text().splitlines(keepends=True)
    big = tmp_path / "five-times.csv"
    big.write_text(lines[0] + "".join(lines[1:]) * 5)
    load_file(YELLOW, "trips", conn_or_server=pg, progress=False)
    dropped = []

    def terminate_the_copying_backend():
        watcher = pg.connect()
        watcher.autocommit = True
        try:
            with watcher.cursor() as cur:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and not dropped:
                    cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_progress_copy WHERE tuples_processed > 5000")
                    dropped.extend(cur.fetchall())
                    time.sleep(0.005)
        finally:
            watcher.close()

    killer = threading.Thread(target=terminate_the_copying_backend)
    killer.start()
    with pytest.raises(LoadError, match="connection to Postgres was lost while loading five-times.csv.*run the load again"):
        load_file(big, "trips", conn_or_server=pg, if_exists="append", progress=False)
    killer.join()
    assert dropped == [(True,)]
    assert query(pg, "SELECT count(*) FROM trips") == [(22792,)]
    assert load_file(big, "trips", conn_or_server=pg, if_exists="append", progress=False).rows == 5 * 22792
    assert query(pg, "SELECT count(*) FROM trips") == [(6 * 22792,)]


def test_parquet_rows_that_do_not_fit_are_rejected_by_row_number(pg, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    head = pq.read_table(GREEN).slice(0, 1000)
    stamps = head["lpep_pickup_datetime"].cast(pa.string()).to_pylist()
    stamps[9] = "soon"  # row 10
    stamps[499] = "2024-13-45 25:61:00"  # row 500
    odd = head.set_column(1, "lpep_pickup_datetime", pa.array(stamps, pa.string()))
    path = tmp_path / "odd.parquet"
    pq.write_table(odd, path)
    result = load_file(path, "odd", conn_or_server=pg, progress=False)
    assert [r.line for r in result.rejected] == [10, 500]
    assert "(column lpep_pickup_datetime)" in result.rejected[0].error and "soon" in result.rejected[0].text
    assert (result.rows, result.rows_rejected) == (998, 2)
    assert column_types(pg, "odd")["lpep_pickup_datetime"] == "timestamp without time zone"
    assert query(pg, "SELECT count(*) FROM odd") == [(998,)]


def test_two_streams_load_the_same_rows_fall_back_on_bad_rows_and_survive_a_kill(client, pg, tmp_path):
    expected = pd.read_csv(YELLOW)
    two = load_file(YELLOW, "trips", conn_or_server=pg.url, streams=2, progress=False)
    assert (two.rows, two.rows_rejected) == (22792, 0)
    assert query(pg, "SELECT count(*), sum(total_amount) FROM trips") == [(22792, cents(expected["total_amount"].sum()))]
    assert query(pg, "SELECT count(DISTINCT (tpep_pickup_datetime, tpep_dropoff_datetime, total_amount, \"PULocationID\")) "
                     "FROM trips") == [(len(expected.drop_duplicates(["tpep_pickup_datetime", "tpep_dropoff_datetime",
                                                                         "total_amount", "PULocationID"])),)]
    assert tables(pg) == {"trips"}

    lines = YELLOW.read_text().splitlines(keepends=True)
    body = list(lines)
    body[15000] = "1,2,3\n"  # line 15001
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(body))
    result = load_file(bad, "trips", conn_or_server=pg.url, streams=2, progress=False)
    assert ([r.line for r in result.rejected], result.rows) == ([15001], 22791), "one stream sets the row aside"
    assert tables(pg) == {"trips", "trips_rejected"}

    big = tmp_path / "ten-times.csv"
    big.write_text(lines[0] + "".join(lines[1:]) * 10)
    killed = []

    def kill_when_both_streams_copy():
        watcher = pg.connect()
        watcher.autocommit = True
        try:
            with watcher.cursor() as cur:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    cur.execute("SELECT count(*), sum(tuples_processed) FROM pg_stat_progress_copy")
                    n, done = cur.fetchone()
                    if n == 2 and done > 20_000:
                        killed.append(done)
                        client.api.kill(pg.name)
                        return
                    time.sleep(0.005)
        finally:
            watcher.close()

    killer = threading.Thread(target=kill_when_both_streams_copy)
    killer.start()
    with pytest.raises(LoadError, match="while loading ten-times.csv into trips"):
        load_file(big, "trips", conn_or_server=pg.url, streams=2, progress=False)
    killer.join()
    assert killed, "the kill happened while two streams were copying"
    again = start_postgres(pg.name, port=pg.port, password=pg.password, client=client)
    assert query(again, "SELECT count(*) FROM trips") == [(22791,)], "the target is as it was"
    assert load_file(big, "trips", conn_or_server=again, streams=2, progress=False).rows == 227920
    assert query(again, "SELECT count(*) FROM trips") == [(227920,)]
    assert tables(again) == {"trips"}, "the staging table of the killed load is gone"


def test_progress_bar_is_on_by_default_and_ends_at_the_file_size_rows_and_mb_s(pg, capsys):
    from tqdm import tqdm

    result = load_file(YELLOW, "yellow_bar", conn_or_server=pg)  # progress=True is the default
    assert result.rows == 22792
    err = capsys.readouterr().err
    # tqdm redraws the line with \r; the last frame is the bar as closed at the end of the load.
    last = [frame for frame in err.replace("\n", "\r").split("\r") if frame.strip()][-1]
    size = tqdm.format_sizeof(YELLOW.stat().st_size, divisor=1024)  # 2,074,351 bytes: "1.98M"
    assert last.startswith("yellow_bar: 100%"), last
    assert f"| {size}/{size} [" in last, (size, last)
    # tqdm's own byte rate, then the loader's postfix: the rows it counted and MB/s of CSV sent.
    assert re.search(r"[\d.]+[kMG]?B/s, 22,792 rows, \d+ MB/s into Postgres\]$", last.rstrip()), last
    assert query(pg, "SELECT count(*) FROM yellow_bar") == [(22792,)]
