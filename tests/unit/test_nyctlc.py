"""nyctlc: URLs per colour and month, and the Postgres type of every column of every era."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dockermagic.ingest import nyctlc
from dockermagic.errors import DatasetError, DockerMagicError


def header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh))


def test_csv_url_for_the_backup_months():
    assert nyctlc.csv_url("yellow", 2021, 1) == (
        "https://github.com/DataTalksClub/nyc-tlc-data/releases/download/yellow/yellow_tripdata_2021-01.csv.gz"
    )
    assert nyctlc.csv_url("green", 2019, 1).endswith("/green/green_tripdata_2019-01.csv.gz")
    assert nyctlc.csv_url("green", 2021, 7).endswith("/green/green_tripdata_2021-07.csv.gz")
    assert nyctlc.csv_url("fhv", 2019, 12).endswith("/fhv/fhv_tripdata_2019-12.csv.gz")


@pytest.mark.parametrize("args", [
    ("yellow", 2021, 8), ("yellow", 2018, 12), ("green", 2022, 1), ("fhv", 2020, 1),
    ("fhvhv", 2020, 1), ("blue", 2020, 1), ("yellow", 2020, 13), ("yellow", 2020, 0),
])
def test_csv_url_out_of_range_is_one_sentence(args):
    with pytest.raises(DatasetError) as err:
        nyctlc.csv_url(*args)
    message = str(err.value)
    assert isinstance(err.value, DockerMagicError)
    assert message.endswith(".") and "\n" not in message


def test_csv_url_error_names_the_range():
    with pytest.raises(DatasetError, match=r"yellow months 2019-01 to 2021-07, not 2021-08"):
        nyctlc.csv_url("yellow", 2021, 8)


def test_parquet_url_and_range():
    assert nyctlc.parquet_url("green", 2024, 1) == (
        "https://d37ci6vzurychx.cloudfront.net/trip-data/green_tripdata_2024-01.parquet"
    )
    assert nyctlc.parquet_url("fhvhv", 2019, 2).endswith("/fhvhv_tripdata_2019-02.parquet")
    for bad in [("fhvhv", 2019, 1), ("green", 2013, 7), ("yellow", 2008, 12), ("yellow", 2999, 1)]:
        with pytest.raises(DatasetError):
            nyctlc.parquet_url(*bad)
    assert nyctlc.ZONES_URL.endswith("/misc/taxi_zone_lookup.csv")


def test_schema_of_the_real_yellow_2021_header():
    cols = header(nyctlc.sample("yellow"))
    types = nyctlc.schema("yellow", cols)
    assert list(types) == cols == list(nyctlc.CSV_COLUMNS["yellow"])
    assert types["tpep_pickup_datetime"] == types["tpep_dropoff_datetime"] == "TIMESTAMP"
    assert types["VendorID"] == types["passenger_count"] == types["PULocationID"] == "INTEGER"
    assert types["RatecodeID"] == types["payment_type"] == "INTEGER"
    assert types["total_amount"] == types["trip_distance"] == types["congestion_surcharge"] == "NUMERIC"
    assert types["store_and_fwd_flag"] == "TEXT"
    assert nyctlc.schema("yellow") == types


@pytest.mark.parametrize("colour,name", [
    ("green", "green-2019-10"), ("fhv", "fhv"), ("fhvhv", "fhvhv"), ("yellow", "yellow-2020-07"),
])
def test_every_real_csv_header_is_fully_known(colour, name):
    cols = header(nyctlc.sample(name))
    types = nyctlc.schema(colour, cols)
    assert list(types) == cols
    assert types[cols[0]] in ("INTEGER", "TEXT")
    # every column has its proper type: none fell through to TEXT except the text columns
    text = {c for c, t in types.items() if t == "TEXT"}
    assert text <= {"store_and_fwd_flag", "dispatching_base_num", "hvfhs_license_num", "SR_Flag"}


def test_green_schema_types():
    types = nyctlc.schema("green")
    assert types["lpep_pickup_datetime"] == "TIMESTAMP"
    assert types["ehail_fee"] == "NUMERIC" and types["trip_type"] == "INTEGER"


def test_schema_of_the_real_green_parquet_matches_its_arrow_types():
    arrow = pq.read_schema(nyctlc.sample("green"))
    types = nyctlc.schema("green", arrow.names)
    assert list(types) == arrow.names
    for field in arrow:
        pg = types[field.name]
        if str(field.type).startswith("timestamp"):
            assert pg == "TIMESTAMP", field.name
        elif str(field.type).startswith("int"):
            assert pg == "INTEGER", field.name
        elif field.type == "string":
            assert pg == "TEXT", field.name
    # doubles that hold codes are integers in Postgres; money stays exact
    assert types["RatecodeID"] == types["payment_type"] == types["passenger_count"] == "INTEGER"
    assert types["fare_amount"] == "NUMERIC"


def test_parquet_era_columns_match_case_insensitively():
    types = nyctlc.schema("yellow", ["VendorID", "airport_fee", "Airport_fee", "cbd_congestion_fee", "surprise"])
    assert types == {"VendorID": "INTEGER", "airport_fee": "NUMERIC", "Airport_fee": "NUMERIC",
                     "cbd_congestion_fee": "NUMERIC", "surprise": "TEXT"}
    fhv = nyctlc.schema("fhv", ["dispatching_base_num", "pickup_datetime", "dropOff_datetime",
                                "PUlocationID", "DOLOCATIONID", "SR_Flag", "Affiliated_base_number"])
    assert fhv["dropOff_datetime"] == "TIMESTAMP" and fhv["PUlocationID"] == fhv["DOLOCATIONID"] == "INTEGER"
    assert fhv["SR_Flag"] == fhv["Affiliated_base_number"] == "TEXT"
    hv = nyctlc.schema("fhvhv", nyctlc.PARQUET_COLUMNS["fhvhv"])
    assert hv["trip_time"] == "BIGINT" and hv["trip_miles"] == hv["airport_fee"] == hv["cbd_congestion_fee"] == "NUMERIC"
    assert hv["request_datetime"] == "TIMESTAMP" and hv["wav_match_flag"] == "TEXT"


def test_columns_of_another_colour_stay_text():
    # trip_miles is fhvhv's; in a yellow file it is unknown, so kept as text (nothing lost)
    assert nyctlc.schema("yellow", ["trip_miles"]) == {"trip_miles": "TEXT"}


def test_zone_schema_and_relaxed():
    cols = header(nyctlc.sample("zones"))
    assert nyctlc.schema("zones", cols) == {"LocationID": "INTEGER", "Borough": "TEXT", "Zone": "TEXT", "service_zone": "TEXT"}
    relaxed = nyctlc.relaxed(nyctlc.schema("yellow"))
    assert relaxed["VendorID"] == "NUMERIC" and relaxed["tpep_pickup_datetime"] == "TIMESTAMP"
    with pytest.raises(DatasetError, match="no NYC TLC colour 'purple'"):
        nyctlc.schema("purple", ["a"])


def data_rows(path: Path) -> int:
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    with open(path, newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def test_every_bundled_sample_is_a_real_file_with_its_rows():
    names = [s.name for s in nyctlc.samples()]
    assert names[:3] == ["yellow", "green", "zones"]
    assert {"yellow-2020-07", "green-2019-10", "fhv", "fhvhv"} <= set(names)
    for s in nyctlc.samples():
        path = nyctlc.sample(s.name)
        assert path.is_file() and path.parent.name in ("nyctlc_samples", "samples"), path
        assert data_rows(path) == s.rows, s.name
    assert nyctlc.sample() == nyctlc.sample("yellow")
    assert [data_rows(nyctlc.sample(n)) for n in ("yellow", "green", "zones")] == [22_792, 56_551, 265]


def test_sources_md_names_every_sample_with_its_bytes_rows_and_commit():
    folder = nyctlc.sample("zones").parent
    sources = (folder / "SOURCES.md").read_text()
    assert "terms-of-use" in sources and "nyctlc_samples" in sources
    for s in nyctlc.samples():
        row = next(line for line in sources.splitlines() if line.startswith(f"| `{s.file}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells[3]) == 40 and int(cells[3], 16), row  # the commit the file was taken at
        assert cells[4] == f"{nyctlc.sample(s.name).stat().st_size:,}", s.name
        assert cells[5] == f"{s.rows:,}", s.name


def test_an_unknown_sample_is_one_sentence_listing_the_names():
    with pytest.raises(DatasetError) as err:
        nyctlc.sample("purple")
    message = str(err.value)
    assert message.endswith(".") and "\n" not in message and "'purple'" in message
    assert all(s.name in message for s in nyctlc.samples())


def test_the_repo_data_folder_is_the_bundled_samples():
    link = Path(__file__).resolve().parents[2] / "data" / "nyc-tlc"
    assert link.is_symlink() and not Path(link.readlink()).is_absolute()  # works wherever the clone is
    assert link.resolve() == nyctlc.sample("zones").parent.resolve()
