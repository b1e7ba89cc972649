"""nyctlc: URLs per colour and month, and the Postgres type of every column of every era."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dockermagic import nyctlc
from dockermagic.errors import DatasetError, DockerMagicError


def shared_data() -> Path:
    override = os.environ.get("DOCKERMAGIC_SHARED_DATA")
    base = Path(override) if override else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return base / "nyc-tlc"


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
    cols = header(shared_data() / "yellow_tripdata_2021-01.head.csv")
    types = nyctlc.schema("yellow", cols)
    assert list(types) == cols == list(nyctlc.CSV_COLUMNS["yellow"])
    assert types["tpep_pickup_datetime"] == types["tpep_dropoff_datetime"] == "TIMESTAMP"
    assert types["VendorID"] == types["passenger_count"] == types["PULocationID"] == "INTEGER"
    assert types["RatecodeID"] == types["payment_type"] == "INTEGER"
    assert types["total_amount"] == types["trip_distance"] == types["congestion_surcharge"] == "NUMERIC"
    assert types["store_and_fwd_flag"] == "TEXT"
    assert nyctlc.schema("yellow") == types


@pytest.mark.parametrize("colour,name", [
    ("green", "samples/green_tripdata_2019-10.head1k.csv"),
    ("fhv", "samples/fhv_tripdata_2019-10.head1k.csv"),
    ("fhvhv", "samples/fhvhv_tripdata_2020-01.head1k.csv"),
    ("yellow", "samples/yellow_tripdata_2020-07.rides.csv"),
])
def test_every_real_csv_header_is_fully_known(colour, name):
    cols = header(shared_data() / name)
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
    arrow = pq.read_schema(shared_data() / "green_tripdata_2024-01.parquet")
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
    cols = header(shared_data() / "taxi_zone_lookup.csv")
    assert nyctlc.schema("zones", cols) == {"LocationID": "INTEGER", "Borough": "TEXT", "Zone": "TEXT", "service_zone": "TEXT"}
    relaxed = nyctlc.relaxed(nyctlc.schema("yellow"))
    assert relaxed["VendorID"] == "NUMERIC" and relaxed["tpep_pickup_datetime"] == "TIMESTAMP"
    with pytest.raises(DatasetError, match="no NYC TLC colour 'purple'"):
        nyctlc.schema("purple", ["a"])
