"""data/expand_sample.py: the month-size expander, fed by the bundled real samples by default."""

from __future__ import annotations

import csv
import gzip
import importlib.util
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from dockermagic.ingest import nyctlc

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


def test_expand_sample_rows_shifts_blanks_and_determinism(tmp_path):
    expand = load("expand_sample")
    sample = nyctlc.sample("yellow")
    first = expand.expand(None, tmp_path / "a.csv.gz", rows=30_000)
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
    assert expand.expand(nyctlc.sample("yellow"), out, rows=10).read_bytes() == b"cached"
    assert gzip.decompress(expand.expand(nyctlc.sample("yellow"), out, rows=10, force=True).read_bytes()).count(b"\n") == 11


def test_expand_refuses_a_sample_without_rows(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(nyctlc.CSV_COLUMNS["yellow"]) + "\n")
    with pytest.raises(ValueError, match="no data rows"):
        load("expand_sample").expand(empty, tmp_path / "o.csv.gz", rows=5)


def test_the_command_line_takes_a_users_own_sample(tmp_path, capsys):
    mine = tmp_path / "my_month.csv"
    mine.write_bytes(b"".join(nyctlc.sample("yellow").read_bytes().splitlines(keepends=True)[:4]))  # header + 3 rows
    out = tmp_path / "mine.csv.gz"
    load("expand_sample").main(["--sample", str(mine), "--rows", "7", str(out)])
    assert capsys.readouterr().out.strip() == str(out)
    lines = gzip.decompress(out.read_bytes()).decode().splitlines()
    assert len(lines) == 8 and lines[1] == mine.read_text().splitlines()[1]


def test_expand_parquet_repeats_the_bundled_green_month(tmp_path):
    import pyarrow.parquet as pq

    expand = load("expand_sample")
    out = expand.expand_parquet(out=tmp_path / "g.parquet", rows=60_000)
    table = pq.read_table(out, columns=["lpep_pickup_datetime"])
    original = pq.read_table(nyctlc.sample("green"), columns=["lpep_pickup_datetime"])
    assert table.num_rows == 60_000 and original.num_rows == 56_551
    shifted = table.column(0)[56_551].as_py() - original.column(0)[0].as_py()
    assert shifted.total_seconds() == 12 * 3600
