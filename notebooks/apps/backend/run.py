"""The tutorial's backend: a tiny Flask app that answers from the db service."""

import os

import psycopg2
from flask import Flask, jsonify

app = Flask(__name__)


def query(sql):
    with psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=5) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


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
    app.run(host="0.0.0.0", port=5000)
