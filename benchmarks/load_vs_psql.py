"""loader.load_csv vs `zcat | psql \\copy` vs the Zoomcamp's pandas chunks + to_sql, one server, one run.

Loads a 1.37 M-row yellow-2021-01-shaped CSV.gz (data/expand_sample.py, cached under
data/generated/) into a throw-away Postgres container (start_postgres on a free loopback port, not
5433). Prints:

- ours / \\copy        (target <= 1.1; best of --repeat runs each, alternating)
- ours with streams=2 / \\copy   (two COPY connections into one staging table; same file, same runs)
- parquet: ours on a 1.36 M-row green 2024-01 parquet (the real file's 56,551 rows x 24,
  data/expand_sample.py expand_parquet) / `zcat | psql \\copy` of the same rows as CSV.gz
  (parquet_as_csv: pyarrow's rendering, what the loader sends) into a table LIKE ours
- to_sql / ours       (target >= 15; by default to_sql loads 137 k rows and the time is scaled
                       by 10 — pass --full-to-sql to load the whole month, ~2-3 min)
- our peak RSS at 137 k and at 1.37 M rows (target: flat, <= 250 MB), and of the streams=2 and
  parquet loads, each measured in a child process that runs only the load (its own getrusage
  RUSAGE_SELF ru_maxrss; the highest of the runs).

The \\copy table is created LIKE our loaded table, so both parse into the same column types.
The container is removed at the end.
Usage: ``python benchmarks/load_vs_psql.py [--full-to-sql] [--streams 2] [--repeat 5] [--no-parquet]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

from dockermagic.ingest import loader
from dockermagic.client import connect
from dockermagic.ingest.postgres import start_postgres

ROOT = Path(__file__).resolve().parents[1]
TENTH = 136_977  # a tenth of the month
PROGRESS = False  # --progress: time our load with its progress bar on


def _expand_module():
    spec = importlib.util.spec_from_file_location("expand_sample", ROOT / "data" / "expand_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def psql_copy(server, path: Path, table: str) -> float:
    """`zcat FILE | psql -c "\\copy TABLE FROM STDIN ..."`: two processes joined by a pipe, no shell."""
    env = dict(os.environ, PGPASSWORD=server.password)
    dsn = f"host={server.host} port={server.port} user={server.user} dbname={server.db}"
    start = time.perf_counter()
    zcat = subprocess.Popen(["zcat", str(path)], stdout=subprocess.PIPE)
    psql = subprocess.Popen(
        ["psql", dsn, "-v", "ON_ERROR_STOP=1", "-q", "-c", f"\\copy {table} FROM STDIN WITH (FORMAT csv, HEADER true)"],
        stdin=zcat.stdout, env=env, stdout=subprocess.DEVNULL,
    )
    zcat.stdout.close()  # psql holds the only read end: zcat gets SIGPIPE if psql dies
    if psql.wait() != 0 or zcat.wait() != 0:
        raise SystemExit(f"zcat | psql \\copy failed (psql {psql.returncode}, zcat {zcat.returncode})")
    return time.perf_counter() - start


CHILD = r"""
import json, os, resource, sys, time, inspect
from dockermagic.ingest import loader
from dockermagic.ingest.postgres import PostgresServer
srv = PostgresServer(name="bench", user=os.environ["B_USER"], password=os.environ["B_PASSWORD"],
                     db=os.environ["B_DB"], port=int(os.environ["B_PORT"]), image="postgres:13")
kwargs = {"conn_or_server": srv}
takes = inspect.signature(getattr(loader, "load_file", loader.load_csv)).parameters
if "progress" in takes:
    kwargs["progress"] = os.environ.get("B_PROGRESS") == "1"
if int(os.environ.get("B_STREAMS", "1")) > 1:
    kwargs["streams"] = int(os.environ["B_STREAMS"])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
load = loader.load_file if sys.argv[1].endswith(".parquet") else loader.load_csv
result = load(sys.argv[1], sys.argv[2], **kwargs)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rows": result.rows, "base_kb": base,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def ours(server, path: Path, table: str, streams: int = 1) -> dict:
    """load_csv (load_file for parquet) in a fresh child process: its time and its own peak RSS."""
    env = dict(os.environ, B_USER=server.user, B_PASSWORD=server.password, B_DB=server.db, B_PORT=str(server.port),
               B_PROGRESS="1" if PROGRESS else "0", B_STREAMS=str(streams))
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), table], env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"our load into {table} failed:\n{out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def zoomcamp_to_sql(server, path: Path, table: str) -> tuple[float, int]:
    """The course's loop: read_csv chunks of 100 k, parse the two timestamps, to_sql append."""
    import pandas as pd

    engine = server.engine()
    start = time.perf_counter()
    rows = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the DtypeWarning the course shows on every run
        for i, df in enumerate(pd.read_csv(path, iterator=True, chunksize=100_000)):
            df.tpep_pickup_datetime = pd.to_datetime(df.tpep_pickup_datetime)
            df.tpep_dropoff_datetime = pd.to_datetime(df.tpep_dropoff_datetime)
            if i == 0:
                df.head(n=0).to_sql(name=table, con=engine, if_exists="replace")
            df.to_sql(name=table, con=engine, if_exists="append")
            rows += len(df)
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, rows


def count(server, table: str) -> tuple[int, str, str]:
    with server.connect() as conn, conn.cursor() as cur:
        cur.execute(f'SELECT count(*), sum(total_amount)::numeric(14,2)::text, sum(trip_distance)::numeric(14,2)::text FROM "{table}"')
        return cur.fetchone()


def column_types(server, table: str) -> str:
    with server.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
                    "ORDER BY ordinal_position", (table,))
        return ", ".join(f"{c} {t}" for c, t in cur.fetchall())


def execute(server, statement: str) -> None:
    conn = server.connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full-to-sql", action="store_true", help="to_sql the whole month instead of 137 k rows x 10")
    parser.add_argument("--progress", action="store_true", help="time our load with its progress bar drawn")
    parser.add_argument("--repeat", type=int, default=5, help="runs of ours and \\copy each (best is kept)")
    parser.add_argument("--streams", type=int, default=2, help="also time ours with this many COPY streams (1: skip)")
    parser.add_argument("--no-parquet", action="store_true", help="skip the green parquet case")
    args = parser.parse_args(argv)
    global PROGRESS
    PROGRESS = args.progress

    expand = _expand_module()
    started = time.perf_counter()
    month = expand.expand(rows=expand.MONTH_ROWS)
    tenth = expand.expand(rows=TENTH)
    print(f"data: {month.name} ({month.stat().st_size / 2**20:.1f} MiB), {tenth.name} "
          f"(ready in {time.perf_counter() - started:.1f} s)")
    if not args.no_parquet:
        started = time.perf_counter()
        green = expand.expand_parquet()
        green_csv = expand.parquet_as_csv(green)
        print(f"data: {green.name} ({green.stat().st_size / 2**20:.1f} MiB), {green_csv.name} "
              f"({green_csv.stat().st_size / 2**20:.1f} MiB) (ready in {time.perf_counter() - started:.1f} s)")

    client = connect()
    port = free_port()
    name = f"dmbench-pg-{secrets.token_hex(4)}"
    server = start_postgres(name, port=port, client=client, password=secrets.token_urlsafe(12))
    try:
        print(f"postgres: {server!r}")
        params = inspect.signature(getattr(loader, "load_file", loader.load_csv)).parameters
        print(f"loader parameters: {', '.join(params)}; progress bar {'on' if PROGRESS else 'off'} for ours")

        small = ours(server, tenth, "trips_small")
        t_ours, t_copy, t_two, t_pq, t_pq_copy = [], [], [], [], []
        rss_two = rss_pq = 0
        for i in range(args.repeat):
            big = ours(server, month, "trips_ours")
            t_ours.append(big["seconds"])
            if i == 0:
                execute(server, 'CREATE TABLE trips_copy (LIKE trips_ours)')
            else:
                execute(server, "TRUNCATE trips_copy")
            t_copy.append(psql_copy(server, month, "trips_copy"))
            line = f"run {i + 1}: ours {t_ours[-1]:.2f} s, \\copy {t_copy[-1]:.2f} s"
            if args.streams > 1:
                two = ours(server, month, "trips_two", streams=args.streams)
                assert two["rows"] == expand.MONTH_ROWS, two
                t_two.append(two["seconds"])
                rss_two = max(rss_two, two["maxrss_kb"])
                line += f", streams={args.streams} {t_two[-1]:.2f} s"
            if not args.no_parquet:
                pq_run = ours(server, green, "green_ours")
                t_pq.append(pq_run["seconds"])
                rss_pq = max(rss_pq, pq_run["maxrss_kb"])
                if i == 0:
                    execute(server, "CREATE TABLE green_copy (LIKE green_ours)")
                else:
                    execute(server, "TRUNCATE green_copy")
                t_pq_copy.append(psql_copy(server, green_csv, "green_copy"))
                line += f"; green parquet ours {t_pq[-1]:.2f} s, CSV.gz \\copy {t_pq_copy[-1]:.2f} s"
            print(line, flush=True)

        if args.full_to_sql:
            t_sql, sql_rows = zoomcamp_to_sql(server, month, "trips_to_sql")
            t_sql_month, how = t_sql, "full month"
        else:
            t_sql, sql_rows = zoomcamp_to_sql(server, tenth, "trips_to_sql")
            t_sql_month, how = t_sql * expand.MONTH_ROWS / sql_rows, f"{sql_rows:,} rows in {t_sql:.1f} s, scaled x{expand.MONTH_ROWS / sql_rows:.0f}"

        mine, theirs = count(server, "trips_ours"), count(server, "trips_copy")
        assert mine == theirs and mine[0] == expand.MONTH_ROWS, (mine, theirs)
        if args.streams > 1:
            assert count(server, "trips_two") == mine, "streams=2 loaded other rows"
        if not args.no_parquet:
            green_mine, green_theirs = count(server, "green_ours"), count(server, "green_copy")
            assert green_mine == green_theirs and green_mine[0] == expand.GREEN_ROWS, (green_mine, green_theirs)
        assert count(server, "trips_to_sql")[0] == sql_rows

        best_ours, best_copy = min(t_ours), min(t_copy)
        med_ours, med_copy = statistics.median(t_ours), statistics.median(t_copy)
        print()
        print(f"column types: {column_types(server, 'trips_ours')}")
        print(f"rows: {mine[0]:,} in both tables, sum(total_amount) {mine[1]}, sum(trip_distance) {mine[2]}")
        print(f"ours (loader.load_csv)  {best_ours:6.2f} s  ({mine[0] / best_ours:,.0f} rows/s)")
        print(f"zcat | psql \\copy       {best_copy:6.2f} s")
        print(f"to_sql (Zoomcamp)       {t_sql_month:6.1f} s  ({how})")
        print(f"ours / \\copy   = {best_ours / best_copy:.2f}   (target <= 1.1; medians: {med_ours / med_copy:.2f})")
        print(f"to_sql / ours  = {t_sql_month / best_ours:.1f}   (target >= 15)")
        if args.streams > 1:
            print(f"ours streams={args.streams} {min(t_two):6.2f} s  (same file, same server)")
            print(f"streams={args.streams} / \\copy = {min(t_two) / best_copy:.2f}   "
                  f"(medians: {statistics.median(t_two) / med_copy:.2f}); peak RSS {rss_two / 1024:.0f} MB")
        if not args.no_parquet:
            print(f"green parquet: {green_mine[0]:,} rows in both tables, sum(total_amount) {green_mine[1]}")
            print(f"ours (parquet)          {min(t_pq):6.2f} s  ({green_mine[0] / min(t_pq):,.0f} rows/s)")
            print(f"zcat | psql \\copy (CSV) {min(t_pq_copy):6.2f} s")
            print(f"parquet / \\copy = {min(t_pq) / min(t_pq_copy):.2f}   "
                  f"(medians: {statistics.median(t_pq) / statistics.median(t_pq_copy):.2f}); "
                  f"peak RSS {rss_pq / 1024:.0f} MB")
        print(f"our peak RSS: {small['maxrss_kb'] / 1024:.0f} MB at {small['rows']:,} rows, "
              f"{big['maxrss_kb'] / 1024:.0f} MB at {big['rows']:,} rows "
              f"(python + imports alone: {big['base_kb'] / 1024:.0f} MB; target flat, <= 250 MB)")
    finally:
        server.remove()
        print(f"removed container {name}")


if __name__ == "__main__":
    main()
