"""Write data/yellow_tripdata_synthetic.csv: made-up yellow trips with the exact 2021 CSV layout.

Every value is invented (seeded random numbers); nothing comes from TLC. The file exists so the
notebooks have something to load with no network and no shared data. Rerunning writes the same
bytes. Usage: ``python data/make_synthetic.py [--rows 300] [OUT]``.
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

HEADER = (
    "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,RatecodeID,"
    "store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,mta_tax,tip_amount,"
    "tolls_amount,improvement_surcharge,total_amount,congestion_surcharge"
)
HERE = Path(__file__).resolve().parent
OUT = HERE / "yellow_tripdata_synthetic.csv"
CENTS = Decimal("0.01")


def _money(x: float) -> Decimal:
    return Decimal(str(x)).quantize(CENTS)


def _fmt(d: Decimal) -> str:
    # TLC writes 8 not 8.00 and 0.5 not 0.50; do the same so the file reads like theirs
    text = format(d.normalize(), "f")
    return text


def rows(n: int, seed: int = 2021):
    rng = random.Random(seed)
    start = datetime(2021, 1, 1)
    for i in range(n):
        pickup = start + timedelta(seconds=rng.randrange(31 * 24 * 3600))
        miles = round(rng.lognormvariate(0.6, 0.8), 2)
        minutes = max(1, int(miles * rng.uniform(3, 6)))
        dropoff = pickup + timedelta(minutes=minutes, seconds=rng.randrange(60))
        fare = _money(2.5 + 2.5 * miles + 0.5 * minutes / 2)
        extra = _money(rng.choice([0, 0.5, 1, 3]))
        mta, improvement = Decimal("0.5"), Decimal("0.3")
        card = rng.random() < 0.7
        tip = _money(float(fare) * rng.choice([0.15, 0.2, 0.25])) if card else Decimal(0)
        tolls = _money(6.12) if miles > 10 and rng.random() < 0.3 else Decimal(0)
        congestion = Decimal("2.5") if rng.random() < 0.85 else Decimal(0)
        total = fare + extra + mta + tip + tolls + improvement + congestion
        # The real month ends with trips whose vendor, passenger count, rate code, flag and payment
        # type are blank (what gives the course its DtypeWarning): the last 5% here do the same.
        blank = i >= n * 0.95
        yield [
            "" if blank else str(rng.choice([1, 2])),
            pickup.strftime("%Y-%m-%d %H:%M:%S"),
            dropoff.strftime("%Y-%m-%d %H:%M:%S"),
            "" if blank else str(rng.choice([1, 1, 1, 1, 2, 3, 5, 6])),
            f"{miles:.2f}",
            "" if blank else "1",
            "" if blank else ("Y" if rng.random() < 0.02 else "N"),
            str(rng.randint(1, 263)),
            str(rng.randint(1, 263)),
            "" if blank else ("1" if card else str(rng.choice([2, 2, 3, 4]))),
            *(_fmt(v) for v in (fare, extra, mta, tip, tolls, improvement, total, congestion)),
        ]


def write(out: Path = OUT, n: int = 300) -> Path:
    with open(out, "w", newline="\n") as fh:
        fh.write(HEADER + "\n")
        for row in rows(n):
            fh.write(",".join(row) + "\n")
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=OUT)
    parser.add_argument("--rows", type=int, default=300)
    args = parser.parse_args(argv)
    print(write(args.out, args.rows))


if __name__ == "__main__":
    main()
