"""Expand a real yellow-2021 CSV sample to a full month's size (1,369,765 rows) as CSV.gz, for benchmarks.

By default the sample is the one that ships with dockermagic (``nyctlc.sample("yellow")``: the first
22,792 rows of TLC's January 2021 CSV); ``--sample`` takes any other yellow 2019-2021 CSV, such as
a month you downloaded with ``nyctlc.download``.

The sample's rows are written again and again, each pass with its pickup and dropoff times moved
by another 12 hours (wrapping within January), until the row count is reached. The last 5% of the
rows get the blank VendorID / passenger_count / RatecodeID / store_and_fwd_flag / payment_type that
the real month ends with. Every other byte of every row is the sample's own.

Streaming: the sample is re-read for every pass and the output is written row by row, so memory
stays flat whatever the size. Deterministic: the same sample and row count give the same bytes
(the gzip header carries no timestamp). The result is written to ``OUT.part`` and renamed, so an
existing output file is always complete and is reused as a cache.

``expand_parquet`` does the same for the real green 2024-01 parquet file (``nyctlc.sample("green")``:
56,551 rows, 24 passes -> 1,357,224 rows, one row group per pass, timestamps moved like above) and
``parquet_as_csv`` writes a parquet file's rows as CSV.gz (pyarrow's CSV writer, the rendering the
loader sends to COPY), so ``\\copy`` can be timed on exactly the same rows.

Usage::

    python data/expand_sample.py                      # -> data/generated/yellow_tripdata_2021-01.expanded.csv.gz
    python data/expand_sample.py --rows 136977 OUT.csv.gz
    python data/expand_sample.py --green              # -> data/generated/green_tripdata_2024-01.expanded.parquet (+ .csv.gz)
"""

from __future__ import annotations

import argparse
import gzip
from datetime import datetime, timedelta
from pathlib import Path

from dockermagic.ingest import nyctlc

HERE = Path(__file__).resolve().parent
MONTH_ROWS = 1_369_765  # rows in the real yellow_tripdata_2021-01.csv
GREEN_ROWS = 24 * 56_551  # 1,357,224: 24 passes over the real green_tripdata_2024-01.parquet
GENERATED = HERE / "generated"
BLANK_COLUMNS = ("VendorID", "passenger_count", "RatecodeID", "store_and_fwd_flag", "payment_type")
TIME_COLUMNS = ("tpep_pickup_datetime", "tpep_dropoff_datetime")
SHIFT = timedelta(hours=12)
WRAP = 29  # passes shift by 0, 12 h, ... up to 14 days before wrapping: dates stay in the month


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
    sample = Path(sample) if sample else nyctlc.sample("yellow")
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


def expand_parquet(sample: Path | None = None, out: Path | None = None, rows: int = GREEN_ROWS, *,
                   force: bool = False) -> Path:
    """Write ``rows`` rows of the real green parquet ``sample`` (again and again, timestamps moved
    by 12 h a pass) to ``out``; reuse ``out`` if it exists. One row group per pass: flat memory."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    sample = Path(sample) if sample else nyctlc.sample("green")
    out = Path(out) if out else GENERATED / (
        "green_tripdata_2024-01.expanded.parquet" if rows == GREEN_ROWS else f"green_tripdata_2024-01.expanded.{rows}.parquet")
    if out.is_file() and not force:
        return out
    table = pq.read_table(sample)  # one month of green trips: ~60 k rows, a few MB
    if table.num_rows == 0:
        raise ValueError(f"{sample} has no rows.")
    stamps = [i for i, f in enumerate(table.schema) if pa.types.is_timestamp(f.type)]
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    written, sweep = 0, 0
    with pq.ParquetWriter(part, table.schema, compression="snappy") as writer:  # TLC's own compression
        while written < rows:
            chunk = table.slice(0, min(table.num_rows, rows - written))
            delta = pa.scalar(SHIFT * (sweep % WRAP), pa.duration("us"))
            for i in stamps:
                chunk = chunk.set_column(i, chunk.schema.field(i), pc.add(chunk.column(i), delta))
            writer.write_table(chunk)
            written += chunk.num_rows
            sweep += 1
    part.replace(out)
    return out


def parquet_as_csv(parquet: Path, out: Path | None = None, *, force: bool = False) -> Path:
    """The rows of ``parquet`` as CSV.gz with a header (next to it by default); reuse ``out`` if it exists."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    parquet = Path(parquet)
    out = Path(out) if out else parquet.with_suffix(".csv.gz")
    if out.is_file() and not force:
        return out
    part = out.with_name(out.name + ".part")
    source = pq.ParquetFile(parquet)
    with open(part, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0, filename="") as gz:
        with pacsv.CSVWriter(gz, source.schema_arrow) as writer:
            for batch in source.iter_batches(batch_size=65_536):
                writer.write_batch(batch)
    part.replace(out)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=None, help="output .csv.gz (default under data/generated/)")
    parser.add_argument("--sample", type=Path, default=None,
                        help="your own sample: a yellow 2019-2021 CSV, or with --green a green parquet "
                             "(default: the bundled yellow 2021-01 head / green 2024-01 parquet)")
    parser.add_argument("--rows", type=int, default=MONTH_ROWS)
    parser.add_argument("--force", action="store_true", help="rewrite even if the output exists")
    parser.add_argument("--green", action="store_true",
                        help="expand the green parquet instead (default 1,357,224 rows) and write it as CSV.gz too")
    args = parser.parse_args(argv)
    if args.green:
        parquet = expand_parquet(args.sample, args.out, args.rows if args.rows != MONTH_ROWS else GREEN_ROWS,
                                 force=args.force)
        print(parquet)
        print(parquet_as_csv(parquet, force=args.force))
        return
    print(expand(args.sample, args.out, args.rows, force=args.force))


if __name__ == "__main__":
    main()
