"""The NYC TLC trip records: where each month lives, and the Postgres type of every column.

Similar to what the course types by hand::

    wget https://github.com/DataTalksClub/nyc-tlc-data/releases/download/yellow/yellow_tripdata_2021-01.csv.gz

``csv_url`` points at the DataTalksClub CSV.gz backup (TLC took its own CSVs down in 2022),
``parquet_url`` at TLC's parquet CDN, ``ZONES_URL`` at the zone lookup. ``schema`` gives the
Postgres type of each column for any era's header, and :func:`download` fetches a URL into a
cache directory with resume, size check and a progress bar. :func:`sample` returns one of the real
samples that ship inside the package (no network needed): ``sample("yellow")`` is the first 22,792
trips of January 2021, ``sample("green")`` the whole January 2024 green parquet, ``sample("zones")``
the zone lookup; :func:`samples` lists them all.

Types: timestamps ``TIMESTAMP``; money, distances and surcharges ``NUMERIC`` (exact, so sums match
to the cent); ids, codes and counts nullable ``INTEGER`` (``trip_time`` in seconds ``BIGINT``);
flags and base numbers ``TEXT``. A column this module does not know stays ``TEXT``: nothing is lost.

Integers written as floats. The real Jan-2021 yellow sample (TLC's own CSV export: ``.20`` style
distances) writes every integer column as ``1``; Postgres' integer input would reject ``1.0``.
Files that went through pandas (the DataTalksClub FHV 2019 backup was rewritten from TLC's parquet:
its header has the parquet's ``dropOff_datetime,PUlocationID,...,Affiliated_base_number``) write
nullable integers as ``264.0``. So ``schema`` answers the *right* type (INTEGER) and the loader
COPYs into it; a loader that meets ``"1.0"`` should COPY that file with :func:`relaxed` types
(INTEGER -> NUMERIC, which accepts both spellings exactly) and cast back with
``ALTER COLUMN c TYPE INTEGER USING c::integer``, rather than reject the rows. For parquet the
double columns holding integers (``passenger_count``, ``RatecodeID``, ``payment_type``...) are
integral and cast to INTEGER losslessly.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from .downloads import DEFAULT_CACHE, download
from ..errors import DatasetError

__all__ = [
    "COLOURS", "CSV_COLUMNS", "PARQUET_COLUMNS", "ZONES_URL", "ZONES_BACKUP_URL", "ZONE_COLUMNS",
    "csv_url", "parquet_url", "schema", "relaxed", "download", "download_month", "DEFAULT_CACHE",
    "Sample", "SAMPLES", "sample", "samples",
]

COLOURS = ("yellow", "green", "fhv", "fhvhv")

BACKUP = "https://github.com/DataTalksClub/nyc-tlc-data/releases/download"
CDN = "https://d37ci6vzurychx.cloudfront.net"
ZONES_URL = f"{CDN}/misc/taxi_zone_lookup.csv"
ZONES_BACKUP_URL = f"{BACKUP}/misc/taxi_zone_lookup.csv"

# (first, last) month of the DataTalksClub CSV backup per colour; fhvhv was never backed up as CSV.
CSV_MONTHS = {
    "yellow": ((2019, 1), (2021, 7)),
    "green": ((2019, 1), (2021, 7)),
    "fhv": ((2019, 1), (2019, 12)),
}
# First month TLC publishes as parquet per colour (the last is whatever TLC has released by now).
PARQUET_FIRST = {"yellow": (2009, 1), "green": (2013, 8), "fhv": (2015, 1), "fhvhv": (2019, 2)}

# Headers, exactly as the files spell them (verified against the bundled samples where we have one).
_YELLOW = (
    "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,RatecodeID,"
    "store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,mta_tax,tip_amount,"
    "tolls_amount,improvement_surcharge,total_amount,congestion_surcharge"
).split(",")
_GREEN = (
    "VendorID,lpep_pickup_datetime,lpep_dropoff_datetime,store_and_fwd_flag,RatecodeID,PULocationID,"
    "DOLocationID,passenger_count,trip_distance,fare_amount,extra,mta_tax,tip_amount,tolls_amount,"
    "ehail_fee,improvement_surcharge,total_amount,payment_type,trip_type,congestion_surcharge"
).split(",")
# The DataTalksClub FHV backup was rewritten from TLC's parquet, hence its spelling; TLC's original
# 2019 CSV said dropoff_datetime,PULocationID,DOLocationID,SR_Flag (matching is case-insensitive).
_FHV = "dispatching_base_num,pickup_datetime,dropOff_datetime,PUlocationID,DOlocationID,SR_Flag,Affiliated_base_number".split(",")
_FHVHV_CSV = "hvfhs_license_num,dispatching_base_num,pickup_datetime,dropoff_datetime,PULocationID,DOLocationID,SR_Flag".split(",")
_FHVHV = (
    "hvfhs_license_num,dispatching_base_num,originating_base_num,request_datetime,on_scene_datetime,"
    "pickup_datetime,dropoff_datetime,PULocationID,DOLocationID,trip_miles,trip_time,base_passenger_fare,"
    "tolls,bcf,sales_tax,congestion_surcharge,airport_fee,tips,driver_pay,shared_request_flag,"
    "shared_match_flag,access_a_ride_flag,wav_request_flag,wav_match_flag,cbd_congestion_fee"
).split(",")

CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "yellow": tuple(_YELLOW),
    "green": tuple(_GREEN),
    "fhv": tuple(_FHV),
    "fhvhv": tuple(_FHVHV_CSV),
}
# Latest parquet layout. Yellow says airport_fee in 2022 and Airport_fee from 2023; both colours
# gained cbd_congestion_fee in 2025 (Manhattan congestion pricing).
PARQUET_COLUMNS: dict[str, tuple[str, ...]] = {
    "yellow": tuple(_YELLOW + ["Airport_fee", "cbd_congestion_fee"]),
    "green": tuple(_GREEN + ["cbd_congestion_fee"]),
    "fhv": tuple(_FHV),
    "fhvhv": tuple(_FHVHV),
}
ZONE_COLUMNS = ("LocationID", "Borough", "Zone", "service_zone")

_INTEGER = {
    "vendorid", "passenger_count", "ratecodeid", "pulocationid", "dolocationid", "payment_type",
    "trip_type", "locationid",
}
_BIGINT = {"trip_time"}
_TIMESTAMP = {
    "tpep_pickup_datetime", "tpep_dropoff_datetime", "lpep_pickup_datetime", "lpep_dropoff_datetime",
    "pickup_datetime", "dropoff_datetime", "request_datetime", "on_scene_datetime",
}
_NUMERIC = {
    "trip_distance", "trip_miles", "fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount",
    "ehail_fee", "improvement_surcharge", "total_amount", "congestion_surcharge", "airport_fee",
    "cbd_congestion_fee", "base_passenger_fare", "tolls", "bcf", "sales_tax", "tips", "driver_pay",
}


def _type_of(lower: str) -> str:
    if lower in _TIMESTAMP:
        return "TIMESTAMP"
    if lower in _INTEGER:
        return "INTEGER"
    if lower in _BIGINT:
        return "BIGINT"
    if lower in _NUMERIC:
        return "NUMERIC"
    return "TEXT"


def _known(colour: str) -> set[str]:
    if colour == "zones":
        return {c.lower() for c in ZONE_COLUMNS}
    return {c.lower() for c in CSV_COLUMNS[colour] + PARQUET_COLUMNS[colour]}


def _check_colour(colour: str, allowed=COLOURS) -> str:
    if colour not in allowed:
        raise DatasetError(f"There is no NYC TLC colour {colour!r}: use one of {', '.join(allowed)}.")
    return colour


def schema(colour: str, columns=None) -> dict[str, str]:
    """Postgres type for each column of a ``colour`` file, in the file's order and spelling.

    ``columns`` is the file's header (CSV or parquet, any era); names match case-insensitively
    (``Airport_fee`` = ``airport_fee``, ``PUlocationID`` = ``PULocationID``). A column unknown for
    that colour is ``TEXT``. Without ``columns``, the colour's 2019-2021 CSV header is used.
    ``colour="zones"`` types the zone lookup (``LocationID INTEGER``, the rest ``TEXT``, so the
    ``Unknown``/``N/A`` values stay text).

    Returns:
        ``{column: "TIMESTAMP" | "NUMERIC" | "INTEGER" | "BIGINT" | "TEXT"}``.

    Raises:
        DatasetError: unknown colour.
    """
    _check_colour(colour, COLOURS + ("zones",))
    if columns is None:
        columns = ZONE_COLUMNS if colour == "zones" else CSV_COLUMNS[colour]
    known = _known(colour)
    out: dict[str, str] = {}
    for name in columns:
        lower = name.strip().lower()
        out[name] = _type_of(lower) if lower in known else "TEXT"
    return out


def relaxed(types: dict[str, str]) -> dict[str, str]:
    """The same schema with integer columns as NUMERIC, for CSVs that write integers as ``1.0``."""
    return {c: "NUMERIC" if t in ("INTEGER", "BIGINT", "SMALLINT") else t for c, t in types.items()}


def _month(year: int, month: int) -> tuple[int, int]:
    if not (isinstance(year, int) and isinstance(month, int)) or not 1 <= month <= 12:
        raise DatasetError(f"A month is a year and a month number 1-12, not {year!r}-{month!r}.")
    return year, month


def csv_url(colour: str, year: int, month: int) -> str:
    """URL of one month's CSV.gz in the DataTalksClub backup (what the course downloads).

    Raises:
        DatasetError: unknown colour, or a month the backup does not hold
            (yellow/green 2019-01..2021-07, fhv 2019; fhvhv: none).
    """
    _check_colour(colour)
    ym = _month(year, month)
    if colour not in CSV_MONTHS:
        raise DatasetError(f"The CSV backup has no {colour} files; use parquet_url({colour!r}, {year}, {month}).")
    first, last = CSV_MONTHS[colour]
    if not first <= ym <= last:
        raise DatasetError(
            f"The CSV backup has {colour} months {first[0]}-{first[1]:02d} to {last[0]}-{last[1]:02d}, "
            f"not {year}-{month:02d}."
        )
    return f"{BACKUP}/{colour}/{colour}_tripdata_{year}-{month:02d}.csv.gz"


def parquet_url(colour: str, year: int, month: int) -> str:
    """URL of one month's parquet file on TLC's CDN.

    Raises:
        DatasetError: unknown colour, or a month before TLC's first file for the colour or in the future.
    """
    _check_colour(colour)
    ym = _month(year, month)
    first = PARQUET_FIRST[colour]
    today = date.today()
    if ym < first or ym > (today.year, today.month):
        raise DatasetError(
            f"TLC publishes {colour} parquet files from {first[0]}-{first[1]:02d} to the last released month, "
            f"not {year}-{month:02d}."
        )
    return f"{CDN}/trip-data/{colour}_tripdata_{year}-{month:02d}.parquet"


def download_month(colour: str, year: int, month: int, *, format: str = "csv", cache_dir=None,
                   progress: bool = True, mirror: str | None = None):
    """Download one month (``format="csv"``: the CSV.gz backup, ``"parquet"``: TLC's CDN) into the cache.

    Similar to the course's ``wget {url}``; see :func:`download` for the cache, resume and errors.
    ``mirror`` is a base URL serving the same file names (a classroom server, a local copy).

    Returns:
        The path of the complete file.

    Raises:
        DatasetError: unknown colour or format, or a month that has no file.
        DownloadError: offline, unreachable, HTTP error, size mismatch.
    """
    if format not in ("csv", "parquet"):
        raise DatasetError(f"format must be csv or parquet, not {format!r}.")
    url = csv_url(colour, year, month) if format == "csv" else parquet_url(colour, year, month)
    if mirror:
        url = f"{mirror.rstrip('/')}/{url.rsplit('/', 1)[1]}"
    return download(url, cache_dir, progress=progress)


class Sample(NamedTuple):
    """A real TLC file that ships with dockermagic (see ``nyctlc_samples/SOURCES.md`` for each one's origin)."""

    name: str
    file: str  # relative to the package's nyctlc_samples folder
    colour: str  # a COLOURS entry, or "zones"
    rows: int  # data rows, header not counted
    about: str


# The table lives beside the files it describes (its origins are in SOURCES.md there).
SAMPLES: dict[str, Sample] = {s["name"]: Sample(**s) for s in json.loads(
    (resources.files("dockermagic.ingest") / "nyctlc_samples" / "samples.json").read_text(encoding="utf-8"))}


def samples() -> list[Sample]:
    """Every bundled sample: name, file, colour, rows and where it comes from."""
    return list(SAMPLES.values())


def sample(name: str = "yellow") -> Path:
    """Path of a real TLC sample that ships inside the package: no download, works offline.

    ================  ===========================================  ======  =====================
    name              file                                         rows    origin
    ================  ===========================================  ======  =====================
    yellow            yellow_tripdata_2021-01.head.csv             22,792  Jan 2021 yellow, head
    green             green_tripdata_2024-01.parquet               56,551  Jan 2024 green, whole
    zones             taxi_zone_lookup.csv                         265     TLC zone lookup
    yellow-2020-07    samples/yellow_tripdata_2020-07.rides.csv    266     Jul 2020 yellow
    green-2019-10     samples/green_tripdata_2019-10.head1k.csv    8       Oct 2019 green, 1 KB
    fhv               samples/fhv_tripdata_2019-10.head1k.csv      16      Oct 2019 FHV, 1 KB
    fhvhv             samples/fhvhv_tripdata_2020-01.head1k.csv    14      Jan 2020 FHVHV, 1 KB
    ================  ===========================================  ======  =====================

    All are NYC TLC open data taken byte for byte from public repositories; ``SOURCES.md`` beside
    them gives each file's repository, commit and terms. The full month is
    ``download(csv_url("yellow", 2021, 1))`` (1,369,765 rows).

    Returns:
        The file's path (read-only use: it is the installed package's own copy).

    Raises:
        DatasetError: a name that is not in the table above.
    """
    if name not in SAMPLES:
        raise DatasetError(f"There is no bundled NYC TLC sample {name!r}: use one of {', '.join(SAMPLES)}.")
    resource = resources.files("dockermagic.ingest") / "nyctlc_samples" / SAMPLES[name].file
    if isinstance(resource, Path):
        return resource
    # Imported from a zip: give the caller a real file, extracted once into the download cache.
    path = DEFAULT_CACHE / "samples" / SAMPLES[name].file
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        with resource.open("rb") as src, open(path.with_name(path.name + ".part"), "wb") as dst:
            shutil.copyfileobj(src, dst)
        path.with_name(path.name + ".part").replace(path)
    return path
