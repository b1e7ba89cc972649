"""The loader's pure parts: reading sources, cutting records, choosing types, showing results."""

from __future__ import annotations

import gzip
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dockermagic.errors import LoadError
from dockermagic.ingest.loader import LoadResult, RejectedRow, column_types, guess_colour, load_file
from dockermagic.ingest.sources import CsvSource, ParquetSource, _split_records, open_source

YELLOW_HEADER = ("VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,RatecodeID,"
                 "store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,mta_tax,tip_amount,"
                 "tolls_amount,improvement_surcharge,total_amount,congestion_surcharge").split(",")


def records(data: bytes, **kw):
    kw = {"first_number": 1, "by_line": True, "skip": 1, **kw}
    return list(_split_records(io.BytesIO(data), **kw))


def test_records_are_numbered_by_their_first_line_and_quoted_newlines_stay_in_one_record():
    data = b'a,b\n1,2\n"x\ny",3\n"say ""hi""",4\n5,6'
    assert records(data) == [(2, b"1,2\n"), (3, b'"x\ny",3\n'), (5, b'"say ""hi""",4\n'), (6, b"5,6\n")]
    assert records(data, by_line=False, skip=0)[2] == (3, b'"x\ny",3\n')


def test_an_unterminated_quote_ends_its_record_after_max_record_bytes(monkeypatch):
    monkeypatch.setattr("dockermagic.ingest.sources.MAX_RECORD", 20)
    out = records(b'h\n"open,1\n2,2\n3,3\n4,4\n5,5\n6,6\n7,7\n')
    assert out[0][0] == 2 and out[0][1].startswith(b'"open') and len(out[0][1]) >= 20
    assert sum(r.count(b"\n") for _, r in out) == 7, "every data line is in exactly one record"


def test_csv_and_gz_sources_give_the_header(tmp_path):
    plain = tmp_path / "t.csv"
    plain.write_bytes(b'\xef\xbb\xbf"LocationID","Borough"\r\n1,"EWR"\r\n')
    gz = tmp_path / "t.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    for path in (plain, gz):
        src = open_source(path)
        assert isinstance(src, CsvSource) and src.header() == ["LocationID", "Borough"]
        assert list(src.records()) == [(2, b'1,"EWR"\r\n')]
    with pytest.raises(LoadError, match="has no CSV header line naming every column"):
        (tmp_path / "empty.csv").write_bytes(b"\n")
        open_source(tmp_path / "empty.csv").header()


def test_parquet_source_streams_csv_rows_and_maps_arrow_types(tmp_path):
    path = tmp_path / "t.parquet"
    table = pa.table({
        "n": pa.array([1, None, 3], pa.int32()), "x": [1.5, 2.0, None], "s": ["a", None, 'q"uote'],
        "t": pa.array([0, 1_000_000, None], pa.timestamp("us")),
    })
    pq.write_table(table, path)
    src = open_source(path)
    assert isinstance(src, ParquetSource) and src.size == 3
    assert src.header() == ["n", "x", "s", "t"]
    assert src.arrow_types() == {"n": "INTEGER", "x": "DOUBLE PRECISION", "s": "TEXT", "t": "TIMESTAMP"}
    rows = list(src.records())
    assert [n for n, _ in rows] == [1, 2, 3]
    assert rows[0][1] == b'1,1.5,"a",1970-01-01 00:00:00.000000\n'
    assert rows[1][1] == b",2,,1970-01-01 00:00:01.000000\n", "NULLs are empty, unquoted: COPY reads them as NULL"
    assert rows[2][1] == b'3,,"q""uote",\n'


def test_missing_file_and_bad_arguments_are_one_sentence(tmp_path):
    with pytest.raises(LoadError, match=r"There is no file .*nope.csv to load\."):
        open_source(tmp_path / "nope.csv")
    (tmp_path / "t.csv").write_text("a\n1\n")
    with pytest.raises(LoadError, match="format must be csv or parquet, not 'xlsx'"):
        open_source(tmp_path / "t.csv", "xlsx")
    with pytest.raises(LoadError, match="if_exists must be replace, append or fail, not 'merge'"):
        load_file(tmp_path / "t.csv", "t", conn_or_server=None, if_exists="merge")
    with pytest.raises(LoadError, match="streams must be a whole number of at least 1, not 0"):
        load_file(tmp_path / "t.csv", "t", conn_or_server=None, streams=0)
    with pytest.raises(LoadError, match="on_error must be reject or raise"):
        load_file(tmp_path / "t.csv", "t", conn_or_server=None, on_error="ignore")
    with pytest.raises(LoadError, match="conn_or_server must be a PostgresServer, a psycopg2 connection, a SQLAlchemy engine"):
        load_file(tmp_path / "t.csv", "t", conn_or_server="mysql://x", progress=False)
    with pytest.raises(LoadError, match=r"Could not connect to Postgres \(.*127.0.0.1.*\)\."):
        load_file(tmp_path / "t.csv", "t", conn_or_server="postgresql://u:pw@127.0.0.1:1/db?connect_timeout=2", progress=False)
    with pytest.raises(LoadError, match="is not a readable parquet file"):
        (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
        open_source(tmp_path / "bad.parquet")


def test_types_come_from_the_tlc_schema_then_the_file_then_text():
    assert guess_colour(YELLOW_HEADER) == "yellow"
    assert guess_colour(["LocationID", "Borough", "Zone", "service_zone"]) == "zones"
    assert guess_colour(["a", "b"]) is None
    types = column_types(YELLOW_HEADER)
    assert types["tpep_pickup_datetime"] == "TIMESTAMP" and types["total_amount"] == "NUMERIC"
    assert types["VendorID"] == "INTEGER" and types["store_and_fwd_flag"] == "TEXT"
    # A parquet column the schema does not know keeps the parquet's own type; `types` wins over both.
    types = column_types(YELLOW_HEADER + ["new_col"], {"new_col": "BIGINT", "VendorID": "BIGINT"},
                         {"store_and_fwd_flag": "CHAR(1)"})
    assert types["new_col"] == "BIGINT" and types["VendorID"] == "INTEGER" and types["store_and_fwd_flag"] == "CHAR(1)"
    assert column_types(["a", "b"]) == {"a": "TEXT", "b": "TEXT"}


def test_result_reports_loaded_rejected_and_speed():
    rejected = [RejectedRow(6, "extra data after last expected column", "1,2,<b>")]
    r = LoadResult(table="trips", rows=99, seconds=2.0, rows_rejected=1, rejected=rejected, rejected_table="trips_rejected")
    assert r.rows_read == 100 and r.rows_per_second == 50 and r.rows_loaded == 99
    assert str(r) == ("99 rows loaded into trips in 2.00 s (50 rows/s, COPY); 1 malformed rows rejected (lines 6), "
                      "kept in trips_rejected")
    assert repr(r) == "LoadResult(table='trips', rows=99, rows_rejected=1, seconds=2.00, rows_per_second=50)"
    html = r._repr_html_()
    assert "<td>6</td>" in html and "&lt;b&gt;" in html and "<b>" not in html.split("rejected")[-1].split("text")[-1]
    assert r.rejected_frame().to_dict("records") == [{"line": 6, "error": "extra data after last expected column", "text": "1,2,<b>"}]
    assert "rejected" not in str(LoadResult(table="t", rows=1, seconds=0.5))


def test_parallel_pieces_end_on_record_boundaries_and_keep_every_byte(tmp_path, monkeypatch):
    import queue
    import threading

    from dockermagic.ingest import parallelcopy

    assert parallelcopy._cut(b'1,"a\nb"\n2,x\n3,"open\n') == len(b'1,"a\nb"\n2,x\n')
    assert parallelcopy._cut(b'1,"a\nb') == 0
    monkeypatch.setattr(parallelcopy, "CHUNK", 7)  # reads far smaller than the records
    monkeypatch.setattr("dockermagic.ingest.sources.CHUNK", 7)
    rows = [f'{i},"line\nbreak {i}",x\n' if i % 3 == 0 else f"{i},plain,y\n" for i in range(50)]
    path = tmp_path / "q.csv"
    path.write_text("n,s,t\n" + "".join(rows))
    pieces: queue.Queue = queue.Queue()
    parallelcopy._split(CsvSource(path), pieces, 2, threading.Event(), lambda data, pos: None)
    got = []
    while (item := pieces.get_nowait()) is not parallelcopy._END:
        assert item.count(b'"') % 2 == 0 and item.endswith(b"\n"), item
        got.append(item)
    assert b"".join(got).decode() == "".join(rows) and len(got) > 20
    assert pieces.get_nowait() is parallelcopy._END and pieces.empty(), "one end marker per stream"


def test_pandas_load_takes_a_bare_postgresql_url_and_says_what_failed(tmp_path):
    from dockermagic.ingest.loader import load_with_pandas

    # SQLAlchemy 2.1 would pick psycopg 3 for postgresql:// (not installed): the real problem must be what is said.
    with pytest.raises(LoadError, match="no file"):
        load_with_pandas(tmp_path / "missing.csv", "t", "postgresql://root:pw@127.0.0.1:1/x", progress=False)
    zones = tmp_path / "taxi_zones.csv"
    zones.write_text("LocationID,Borough,Zone,service_zone\n1,EWR,Newark Airport,EWR\n")
    with pytest.raises(LoadError, match=r"pandas load of taxi_zones.csv into t after 0 rows \(connection"):
        load_with_pandas(zones, "t", "postgresql://root:pw@127.0.0.1:1/x", progress=False)


def test_load_options_are_one_dataclass_and_keywords_override_it(tmp_path):
    from dockermagic.ingest.loader import LoadOptions, _options

    base = LoadOptions(if_exists="append", streams=2)
    assert _options(base, {"streams": 1}) == LoadOptions(if_exists="append", streams=1)
    assert base.streams == 2  # the caller's options are not changed
    with pytest.raises(LoadError, match="^load_file has no setting 'chunk': use if_exists, types"):
        load_file(tmp_path / "x.csv", "t", conn_or_server=None, chunk=5)
    with pytest.raises(LoadError, match="^if_exists must be"):
        load_file(tmp_path / "x.csv", "t", conn_or_server=None, options=LoadOptions(if_exists="merge"))
