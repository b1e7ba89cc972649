"""The tutorial's backend: a tiny Flask app that answers from the db service."""

import os
import signal
import sys

import psycopg2
from flask import Flask, jsonify

app = Flask(__name__)


def query(sql):
    with psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=5) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


@app.errorhandler(psycopg2.OperationalError)
def database_unreachable(exc):
    # Right after `compose up` the database may not accept connections yet: say so in one log
    # line and a 503 (callers retry) instead of a traceback per request.
    reason = str(exc).strip().splitlines()[0]
    app.logger.warning("database not reachable: %s", reason)
    return jsonify(status="database not reachable", error=reason), 503


@app.get("/")
def hello():
    return jsonify(service="backend", message="Hello from Flask")


@app.get("/health")
def health():
    return jsonify(status="ok", db=query("select version()"))


@app.get("/trips/count")
def trips_count():
    exists = query("select to_regclass('public.yellow_taxi_data') is not null")
    return jsonify(count=query("select count(*) from yellow_taxi_data") if exists else 0)


if __name__ == "__main__":
    # In a container this program is process 1, and the kernel ignores SIGTERM for process 1
    # unless it asks for it: without this line `docker stop` waits 10 s and then kills it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app.run(host="0.0.0.0", port=5000)
