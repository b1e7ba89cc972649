"""Section 3: NYC taxi trips into Postgres — the course's pandas way and COPY, side by side."""

from ._cells import code, md

NAME = "03-nyc-taxi-ingest.ipynb"

CELLS = [
    md("""
# 3. NYC taxi trips into Postgres

Notebook 2 ran Postgres in a container on host port 5433. Here we start one the same way (and remove it
at the end) and fill it with real data: New York
City taxi trips, published month by month by the Taxi & Limousine Commission (TLC), and the lookup table
that names the taxi zones. We load the same file two ways and time them:

* the classic way, as in the Data Engineering Zoomcamp course: pandas reads the CSV in chunks and
  `to_sql` inserts each chunk;
* `COPY`, Postgres' own bulk-load command, through dockermagic's loader.

Then a few questions to the data in SQL.
"""),
    code("%load_ext dockermagic"),
    md("""
## A clean start

Remove what an earlier, interrupted run of this notebook may have left: its Postgres container. This
time the database files are not in a host folder: they are in an *anonymous volume*, a storage area
Docker creates and manages for the container (the `postgres` image asks for one for its data
directory). Removing the container with its volumes — `docker rm -f -v` in a terminal, `v=True` here —
deletes them too.

`get_client()` hands out the Docker SDK client that the `%docker` magics use, and the other imports are
dockermagic's Python functions for this notebook; each is explained where it is first used.
"""),
    code("""
import tempfile
import time
from pathlib import Path

import pandas as pd

from dockermagic import get_client

from dockermagic.ingest import nyctlc
from dockermagic.ingest.loader import load_file, load_with_pandas, load_zones
from dockermagic.ingest.postgres import start_postgres

engine_api = get_client()
for c in engine_api.containers.list(all=True, filters={"name": "nb03-"}):
    c.remove(force=True, v=True)
print("Clean start.")
"""),
    md("""
## Postgres in one call

Notebook 2 did it step by step: `docker run -d … -p 127.0.0.1:5433:5432 postgres:13`, then waiting until
the server accepts a connection. `start_postgres` does the same in one call: it starts the container
(or reuses one of that name with the same settings), waits until Postgres really answers, and returns
an object that knows the connection URL. The password is masked whenever the object is shown. Without
a `volume=` argument, the data goes into the anonymous volume described above.
"""),
    code("""
pg = start_postgres("nb03-postgres", user="root", password="root", db="ny_taxi", port=5433)
pg
"""),
    code("%docker ps --filter name=nb03-"),
    md("""
## Choosing a month

TLC publishes one file per month and per kind of vehicle ("colour"): `yellow` taxis, `green` taxis,
`fhv` (for-hire vehicles) and `fhvhv` (Uber, Lyft…). Today TLC serves them as **parquet** files; the
course uses the CSV.gz copies that DataTalksClub keeps, for 2019 to mid-2021. `nyctlc` knows both
addresses:
"""),
    code("""
print(nyctlc.csv_url("yellow", 2021, 1))
print(nyctlc.parquet_url("yellow", 2021, 1))
print(nyctlc.ZONES_URL)
"""),
    md("""
`nyctlc.download(url)` fetches such a file into a cache folder (with a progress bar, and resuming a
broken download). A full month is about 25 MB and 1.4 million trips — a lot for a quick tutorial, and
this notebook must also work without internet access. So dockermagic **ships real samples** inside the
package, and `nyctlc.sample(name)` gives the path of one: `"yellow"` is the first 22,792 trips of the
real January 2021 yellow CSV, `"green"` the whole real January 2024 green parquet file (56,551 trips),
`"zones"` the zone lookup. Every row is TLC's own; `SOURCES.md` next to the files says where each one
was taken from. The full month comes at the end of the loading part.
"""),
    code("""
YELLOW = nyctlc.sample("yellow")
GREEN = nyctlc.sample("green")
ZONES = nyctlc.sample("zones")
display(pd.DataFrame(nyctlc.samples()).set_index("name")[["rows", "about"]])
print("yellow trips:", YELLOW)
pd.read_csv(YELLOW, nrows=5)
"""),
    md("""
## The classic way: pandas chunks and `to_sql`

This is the course's code. `read_csv(..., iterator=True, chunksize=...)` reads the file a piece at a
time, so a big file does not have to fit in memory. The two time columns arrive as text and are turned
into timestamps. `head(0).to_sql(...)` creates the empty table from the column types pandas guessed;
then each chunk is appended with `to_sql`, which sends `INSERT` statements.

We run it on a slice — the first 10,000 trips, in chunks of 2,500 — because it is slow: the course
measured 10–17 seconds per chunk of 100,000 rows.
"""),
    code("""
work = Path(tempfile.mkdtemp(prefix="nb03-"))
SLICE = work / "yellow_slice.csv"
with open(YELLOW) as src, open(SLICE, "w") as dst:
    for i, line in enumerate(src):
        if i > 10_000:
            break
        dst.write(line)

db = pg.engine()  # SQLAlchemy, for pandas
started = time.perf_counter()
df_iter = pd.read_csv(SLICE, iterator=True, chunksize=2_500)
first = True
for df in df_iter:
    df.tpep_pickup_datetime = pd.to_datetime(df.tpep_pickup_datetime)
    df.tpep_dropoff_datetime = pd.to_datetime(df.tpep_dropoff_datetime)
    if first:
        df.head(n=0).to_sql(name="yellow_pandas", con=db, if_exists="replace", index=False)
        first = False
    df.to_sql(name="yellow_pandas", con=db, if_exists="append", index=False)
    print(f"inserted a chunk of {len(df):,} rows")
pandas_seconds = time.perf_counter() - started
pandas_rows = pd.read_sql("SELECT count(*) AS n FROM yellow_pandas", db)["n"][0]
print(f"pandas to_sql: {pandas_rows:,} rows in {pandas_seconds:.2f} s")
"""),
    md("""
Three things to notice. Each `to_sql` call commits on its own: stop the loop in the middle and the table
keeps half the file, and running it again duplicates rows. pandas decides the column types (numbers that
are sometimes missing become floating point). And every row travels as part of an `INSERT` statement
that Postgres must parse. (`load_with_pandas(path, table, engine, chunksize=...)` in `dockermagic.ingest.loader`
is this same loop, kept for comparisons.)

## The COPY loader

`COPY table FROM STDIN` is how Postgres loads files: the client streams the file's bytes, the server
parses them directly into rows. `psql`'s `\\copy` uses it. dockermagic's `load_file` streams the file
(CSV, CSV.gz or parquet) the same way, and adds what the loop above lacks:

* **all or nothing** — the rows go into a staging table that replaces the target in one transaction, so
  an interrupted load (Ctrl-C, the container killed) changes nothing and can simply be run again;
* **types chosen for the data** — timestamps, exact `NUMERIC` money, nullable integer ids;
* a progress bar and a result with rows/second.

First the same 10,000-row slice, to compare like with like, then the whole sample:
"""),
    code("""
copy_slice = load_file(SLICE, "yellow_copy_slice", conn_or_server=pg)
copy_slice
"""),
    code("""
side_by_side = pd.DataFrame(
    {"rows": [pandas_rows, copy_slice.rows],
     "seconds": [round(pandas_seconds, 2), round(copy_slice.seconds, 2)],
     "rows per second": [round(pandas_rows / pandas_seconds), round(copy_slice.rows_per_second)]},
    index=["pandas chunks + to_sql", "COPY (load_file)"],
)
print(f"COPY was {pandas_seconds / copy_slice.seconds:.0f}x faster on the same rows.")
side_by_side
"""),
    code("""
trips = load_file(YELLOW, "yellow_taxi_trips", conn_or_server=pg)
trips
"""),
    md("""
One `COPY` is handled by one Postgres process, which uses one CPU core. With `streams=2` the loader
reads the file once and sends it through two connections at the same time into the staging table,
then swaps it in (still all or nothing). On a full month this takes about two thirds of the time;
on a small sample the difference is lost in the noise. Loading again simply replaces the table:
"""),
    code("""
trips = load_file(YELLOW, "yellow_taxi_trips", conn_or_server=pg, streams=2)
trips
"""),
    md("""
### The whole month

The sample holds the first 22,792 trips of January 2021; the whole month has 1,369,765. With internet,
`nyctlc.download` fetches it from the address `csv_url` gave (25 MB, kept in `~/.cache/dockermagic/nyc-tlc`,
so a second run does not download it again) and the same `load_file` loads it: a few seconds with
`COPY`, minutes with the pandas loop. The cell below does that only when you set `FULL_MONTH = True`, so
by default this notebook never needs the network; without a connection, `download` says so in one
sentence. The rest of the notebook keeps using the sample.

No internet at all? The project's `data/expand_sample.py` makes a month-sized file out of the sample:
`python data/expand_sample.py` writes the sample's rows again and again, each pass 12 hours later, until
there are 1,369,765 of them (a CSV.gz of about 25 MB, in about 12 seconds). The project's loader
benchmark loads that file.
"""),
    code("""
FULL_MONTH = False  # True: download January 2021 (25 MB) and load all 1,369,765 trips

month_url = nyctlc.csv_url("yellow", 2021, 1)
if FULL_MONTH:
    month = load_file(nyctlc.download(month_url), "yellow_taxi_trips_month", conn_or_server=pg, streams=2)
    display(month)
else:
    print(f"FULL_MONTH is False: nothing downloaded. The month is {month_url}")
"""),
    md("""
The column types Postgres got — compare them with what pandas chose for `yellow_pandas`:
"""),
    code("""
types = pd.read_sql(
    "SELECT table_name, column_name, data_type FROM information_schema.columns "
    "WHERE table_name IN ('yellow_taxi_trips', 'yellow_pandas')", db)
types.pivot(index="column_name", columns="table_name", values="data_type").loc[list(pd.read_csv(YELLOW, nrows=0).columns)]
"""),
    md("""
### When a line is broken

Real files sometimes hold a damaged line: a field too many, a date that is not a date. `COPY` alone
would stop at the first one and load nothing. The loader instead sets such rows aside, tells you their
line numbers, and keeps them in a table `<table>_rejected`, so that rows read = rows loaded + rows
rejected. Here we break two lines of a small copy on purpose:
"""),
    code("""
lines = YELLOW.read_text().splitlines(keepends=True)[:1001]
lines[3] = lines[3].replace(lines[3].split(",")[1], "not a date", 1)  # line 4: not a timestamp
lines[500] = lines[500].rstrip("\\n") + ",one field too many\\n"        # line 501
BROKEN = work / "broken.csv"
BROKEN.write_text("".join(lines))

broken = load_file(BROKEN, "yellow_broken", conn_or_server=pg, progress=False)
print(broken)
broken.rejected_frame()
"""),
    md("""
## The zone lookup

Trips name their pickup and drop-off places by `LocationID`; the lookup table gives each id a borough and
a zone name. Careful with pandas here: by default it reads the text `NA` and `N/A` as *missing values*,
and this file uses them as real names (zone 265 is called `NA`, "not applicable", and its service zone is
`N/A`). `COPY` keeps text as text: only an empty field is NULL.
"""),
    code("""
print(pd.read_csv(ZONES).tail(2), "\\n")   # pandas' default: NaN where the file says NA and N/A
zones = load_zones(ZONES, pg, table="zones", progress=False)
print(zones)
pd.read_sql('SELECT * FROM zones WHERE "LocationID" >= 264', db)
"""),
    md("""
## The same loader for parquet

Since 2022 TLC publishes parquet files: columnar, compressed, with the types inside. The loader reads
them one batch of rows at a time (memory stays small however big the file) and streams them through
the same `COPY`:
"""),
    code("""
green = load_file(GREEN, "green_taxi_trips", conn_or_server=pg)
green
"""),
    md("""
## Asking the data questions

[JupySQL](https://jupysql.ploomber.io) adds `%sql` / `%%sql` to run SQL straight from a cell: `%load_ext
sql` loads it (as `%load_ext dockermagic` loaded ours), `displaylimit` caps how many rows a result shows,
and `%sql db --alias nyc` connects it to the same SQLAlchemy engine `db`, under the short name `nyc`.
While loading, JupySQL prints a few tips about its optional configuration file; you can ignore them.
Each query then says which connection it used and how many rows came back.
"""),
    code("""
%load_ext sql
%config SqlMagic.displaylimit = 10
%sql db --alias nyc
"""),
    md("""
Trips per pickup day. The sample is the first 22,792 trips of the January 2021 file, so nearly all are
from 1 January; the few dated 31 December or 2 January are in the real file too (real data is messy):
"""),
    code("""
%%sql
SELECT date(tpep_pickup_datetime) AS day, count(*) AS trips, round(avg(total_amount), 2) AS avg_total
FROM yellow_taxi_trips
GROUP BY 1
ORDER BY 1
"""),
    md("""
How people paid (payment type 1 is a card, 2 cash, 3 no charge, 4 a dispute), and what they tipped —
cash tips are not recorded:
"""),
    code("""
%%sql
SELECT payment_type, count(*) AS trips, round(avg(tip_amount), 2) AS avg_tip
FROM yellow_taxi_trips
GROUP BY 1
ORDER BY 2 DESC
"""),
    md("The busiest pickup zones, joining the trips with the lookup table:"),
    code("""
%%sql
SELECT z."Borough", z."Zone", count(*) AS pickups
FROM yellow_taxi_trips t
JOIN zones z ON z."LocationID" = t."PULocationID"
GROUP BY 1, 2
ORDER BY pickups DESC
LIMIT 5
"""),
    md("""
A result can also become a pandas DataFrame, for plots or further work. Trips that start or end in the
`Unknown` zones (264 and 265) are there too — the lookup kept their names:
"""),
    code("""
unknown = %sql SELECT count(*) AS trips FROM yellow_taxi_trips WHERE "PULocationID" IN (264, 265) OR "DOLocationID" IN (264, 265)
unknown.DataFrame()
"""),
    md("## Self-check"),
    code("""
c = engine_api.containers.get("nb03-postgres")
assert c.status == "running", "nb03-postgres is not running: run the start_postgres cell."
bindings = c.attrs["HostConfig"]["PortBindings"]["5432/tcp"]
assert bindings == [{"HostIp": "127.0.0.1", "HostPort": "5433"}], f"Unexpected port publishing: {bindings}"

source_rows = len(pd.read_csv(YELLOW))
n, total = pd.read_sql("SELECT count(*), sum(total_amount) FROM yellow_taxi_trips", db).iloc[0]
n = int(n)
assert n == source_rows, f"yellow_taxi_trips has {n:,} rows, the file {source_rows:,}: rerun the load cell."
assert round(float(total), 2) == round(pd.read_csv(YELLOW)["total_amount"].sum(), 2), "total_amount sums differ."
assert pd.read_sql("SELECT count(*) FROM yellow_pandas", db).iloc[0, 0] == 10_000, "The pandas slice is incomplete."
assert (broken.rows, broken.rows_rejected, [r.line for r in broken.rejected]) == (998, 2, [4, 501]), \\
    f"The broken-file demo should load 998 rows and reject lines 4 and 501, got {broken}."
z = pd.read_sql('SELECT count(*) AS n, count(*) FILTER (WHERE "Borough" = \\'Unknown\\') AS unknown, '
                "count(*) FILTER (WHERE service_zone = 'N/A') AS na FROM zones", db).iloc[0]
assert (z.n, z.unknown, z.na) == (265, 2, 2), f"The zone lookup should have 265 rows with its Unknown rows, got {dict(z)}."
g = pd.read_sql("SELECT count(*) FROM green_taxi_trips", db).iloc[0, 0]
assert g == len(pd.read_parquet(GREEN)) == 56_551, f"green_taxi_trips has {g:,} rows, the parquet file 56,551."
print(f"Self-check passed: {n:,} yellow trips (sums match the file), {g:,} green trips, the zone lookup, "
      f"and the loads compared side by side.")
"""),
    md("""
## Tidy up

Close the connections, remove the container together with its volume (where the database files were),
delete the temporary files, and check that host port 5433 is free again.
"""),
    code("""
import shutil
import socket

%sql --close nyc
db.dispose()
volumes = [m["Name"] for m in engine_api.containers.get("nb03-postgres").attrs["Mounts"] if m["Type"] == "volume"]
pg.remove()
shutil.rmtree(work, ignore_errors=True)


def port_free(port=5433):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT leftovers do not count
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


deadline = time.monotonic() + 10
while not port_free() and time.monotonic() < deadline:
    time.sleep(0.5)
assert not engine_api.containers.list(all=True, filters={"name": "nb03-"}), "The container is still there."
assert not [v for v in volumes if engine_api.volumes.list(filters={"name": v})], "The data volume is still there."
assert not work.exists()
print("Removed the container, its data volume and the temporary files;",
      "port 5433 is free." if port_free() else "port 5433 was taken again since, by something else.")
"""),
]
