"""data/: the committed synthetic sample and the month-size expander."""

from __future__ import annotations

import csv
import gzip
import importlib.util
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from dockermagic import nyctlc

DATA = Path(__file__).resolve().parents[2] / "data"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_row(types: dict[str, str], row: dict[str, str]) -> None:
    """Every value parses as its column's Postgres type (blank = NULL)."""
    for name, pg in types.items():
        value = row[name]
        if value == "":
            continue
        if pg == "TIMESTAMP":
            datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        elif pg == "INTEGER":
            assert value.isdigit(), (name, value)
        elif pg == "NUMERIC":
            Decimal(value)


def test_synthetic_sample_has_the_exact_yellow_2021_layout():
    path = DATA / "yellow_tripdata_synthetic.csv"
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert tuple(reader.fieldnames) == nyctlc.CSV_COLUMNS["yellow"]
    assert len(rows) == 300
    types = nyctlc.schema("yellow", reader.fieldnames)
    parts = ["fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount", "improvement_surcharge", "congestion_surcharge"]
    for row in rows:
        check_row(types, row)
        assert sum(Decimal(row[c]) for c in parts) == Decimal(row["total_amount"])
        assert row["tpep_pickup_datetime"].startswith("2021-01-") and row["tpep_dropoff_datetime"] > row["tpep_pickup_datetime"]
    blank = [r for r in rows if r["VendorID"] == ""]
    assert len(blank) == 15 and all(r["passenger_count"] == r["payment_type"] == "" for r in blank)
    assert "synthetic" in (DATA / "README.md").read_text().lower()


def test_synthetic_sample_is_what_the_generator_writes(tmp_path):
    out = load("make_synthetic").write(tmp_path / "again.csv")
    assert out.read_bytes() == (DATA / "yellow_tripdata_synthetic.csv").read_bytes()


def test_expand_sample_rows_shifts_blanks_and_determinism(tmp_path):
    expand = load("expand_sample")
    sample = expand.shared_sample()
    first = expand.expand(sample, tmp_path / "a.csv.gz", rows=30_000)
    second = expand.expand(sample, tmp_path / "b.csv.gz", rows=30_000)
    assert first.read_bytes() == second.read_bytes()
    assert not (tmp_path / "a.csv.gz.part").exists()
    with gzip.open(first, "rt", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert tuple(reader.fieldnames) == nyctlc.CSV_COLUMNS["yellow"]
    assert len(rows) == 30_000
    with open(sample, newline="") as fh:
        original = list(csv.DictReader(fh))
    # pass 2 repeats the sample 12 hours later, everything else unchanged
    assert rows[0] == original[0]
    again = rows[len(original)]
    assert again["total_amount"] == original[0]["total_amount"]
    shifted = datetime.fromisoformat(again["tpep_pickup_datetime"]) - datetime.fromisoformat(original[0]["tpep_pickup_datetime"])
    assert shifted.total_seconds() == 12 * 3600
    blank = [r for r in rows if r["VendorID"] == ""]
    assert len(blank) == 1_500 and rows[-1]["RatecodeID"] == rows[-1]["store_and_fwd_flag"] == ""
    types = nyctlc.schema("yellow", reader.fieldnames)
    for row in rows[::997]:
        check_row(types, row)


def test_expand_reuses_an_existing_output(tmp_path):
    expand = load("expand_sample")
    out = tmp_path / "x.csv.gz"
    out.write_bytes(b"cached")
    assert expand.expand(expand.shared_sample(), out, rows=10).read_bytes() == b"cached"
    assert gzip.decompress(expand.expand(expand.shared_sample(), out, rows=10, force=True).read_bytes()).count(b"\n") == 11


def test_expand_refuses_a_sample_without_rows(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(nyctlc.CSV_COLUMNS["yellow"]) + "\n")
    with pytest.raises(ValueError, match="no data rows"):
        load("expand_sample").expand(empty, tmp_path / "o.csv.gz", rows=5)
