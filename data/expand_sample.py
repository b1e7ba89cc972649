"""Expand a real yellow-2021 CSV sample to a full month's size (1,369,765 rows) as CSV.gz, for benchmarks.

The sample's rows are written again and again, each pass with its pickup and dropoff times moved
by another 12 hours (wrapping within January), until the row count is reached. The last 5% of the
rows get the blank VendorID / passenger_count / RatecodeID / store_and_fwd_flag / payment_type that
the real month ends with. Every other byte of every row is the sample's own.

Streaming: the sample is re-read for every pass and the output is written row by row, so memory
stays flat whatever the size. Deterministic: the same sample and row count give the same bytes
(the gzip header carries no timestamp). The result is written to ``OUT.part`` and renamed, so an
existing output file is always complete and is reused as a cache.

Usage::

    python data/expand_sample.py                      # -> data/generated/yellow_tripdata_2021-01.expanded.csv.gz
    python data/expand_sample.py --rows 136977 OUT.csv.gz
"""

from __future__ import annotations

import argparse
import gzip
import os
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
MONTH_ROWS = 1_369_765  # rows in the real yellow_tripdata_2021-01.csv
GENERATED = HERE / "generated"
BLANK_COLUMNS = ("VendorID", "passenger_count", "RatecodeID", "store_and_fwd_flag", "payment_type")
TIME_COLUMNS = ("tpep_pickup_datetime", "tpep_dropoff_datetime")
SHIFT = timedelta(hours=12)
WRAP = 29  # passes shift by 0, 12 h, ... up to 14 days before wrapping: dates stay in the month


def shared_sample() -> Path:
    """The real sample in ../shared/data/nyc-tlc (beside the repo root); DOCKERMAGIC_SHARED_DATA overrides."""
    override = os.environ.get("DOCKERMAGIC_SHARED_DATA")
    base = Path(override) if override else HERE.parent.parent / "shared" / "data"
    return base / "nyc-tlc" / "yellow_tripdata_2021-01.head.csv"


def default_output(rows: int = MONTH_ROWS) -> Path:
    suffix = "" if rows == MONTH_ROWS else f".{rows}"
    return GENERATED / f"yellow_tripdata_2021-01.expanded{suffix}.csv.gz"


def _shift(stamp: str, delta: timedelta) -> str:
    return (datetime.fromisoformat(stamp) + delta).strftime("%Y-%m-%d %H:%M:%S")


def expand(sample: Path | None = None, out: Path | None = None, rows: int = MONTH_ROWS, *,
           blank_fraction: float = 0.05, force: bool = False) -> Path:
    """Write ``rows`` data rows shaped like ``sample`` to ``out`` (CSV.gz); reuse ``out`` if it exists.

    The sample must be a plain CSV with a header, no quoted fields (TLC's trip CSVs have none).
    """
    sample = Path(sample) if sample else shared_sample()
    out = Path(out) if out else default_output(rows)
    if out.is_file() and not force:
        return out
    with open(sample, encoding="utf-8-sig") as fh:
        header = fh.readline().rstrip("\r\n")
    names = header.split(",")
    times = [names.index(c) for c in TIME_COLUMNS]
    blanks = [names.index(c) for c in BLANK_COLUMNS]
    first_blank = rows - int(rows * blank_fraction)

    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    written, sweep = 0, 0
    with open(part, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0, filename="") as gz:
        gz.write((header + "\n").encode())
        while written < rows:
            delta = SHIFT * (sweep % WRAP)
            batch = []
            with open(sample, encoding="utf-8-sig") as fh:
                fh.readline()
                for line in fh:
                    if written >= rows:
                        break
                    fields = line.rstrip("\r\n").split(",")
                    if len(fields) != len(names):
                        continue  # a cut-off last line in a truncated sample
                    if delta:
                        for i in times:
                            fields[i] = _shift(fields[i], delta)
                    if written >= first_blank:
                        for i in blanks:
                            fields[i] = ""
                    batch.append(",".join(fields))
                    written += 1
                    if len(batch) >= 10_000:
                        gz.write(("\n".join(batch) + "\n").encode())
                        batch.clear()
            if batch:
                gz.write(("\n".join(batch) + "\n").encode())
            sweep += 1
            if written == 0:
                raise ValueError(f"{sample} has no data rows with {len(names)} fields.")
    part.replace(out)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=None, help="output .csv.gz (default under data/generated/)")
    parser.add_argument("--sample", type=Path, default=None, help="real sample CSV (default: the shared yellow 2021-01 head)")
    parser.add_argument("--rows", type=int, default=MONTH_ROWS)
    parser.add_argument("--force", action="store_true", help="rewrite even if the output exists")
    args = parser.parse_args(argv)
    print(expand(args.sample, args.out, args.rows, force=args.force))


if __name__ == "__main__":
    main()
