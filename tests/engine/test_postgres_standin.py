"""The Postgres image honours the official image's contract (stand-in or real)."""

from __future__ import annotations

import time

import psycopg2
import pytest

from dockermagic.engine.imagekit import STANDIN_LABEL, standin_description


def connect_when_ready(port: int, user: str, password: str, dbname: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return psycopg2.connect(host="127.0.0.1", port=port, user=user, password=password, dbname=dbname, connect_timeout=2)
        except psycopg2.OperationalError as exc:
            if "password authentication failed" in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def run_postgres(client, cleanup, data_dir, port, env):
    container = client.containers.run(
        "postgres:13",
        detach=True,
        name=cleanup.name("pg"),
        environment=env,
        volumes={str(data_dir): {"bind": "/var/lib/postgresql/data", "mode": "rw"}},
        ports={"5432/tcp": ("127.0.0.1", port)},
        labels=cleanup.labels,
    )
    return cleanup.container(container)


ENV = {"POSTGRES_USER": "root", "POSTGRES_PASSWORD": "root", "POSTGRES_DB": "ny_taxi"}


def test_data_survives_restart_and_recreate_and_password_is_checked(client, images, cleanup, port_5433, tmp_path):
    data_dir = tmp_path / "ny_taxi_postgres_data"
    data_dir.mkdir()
    container = run_postgres(client, cleanup, data_dir, port_5433, ENV)

    with connect_when_ready(port_5433, "root", "root", "ny_taxi") as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE trips (id int PRIMARY KEY, note text)")
        cur.execute("INSERT INTO trips VALUES (1, 'written before restart')")
    assert (data_dir / "PG_VERSION").exists(), "PGDATA must live in the host directory"

    container.restart(timeout=10)
    with connect_when_ready(port_5433, "root", "root", "ny_taxi") as conn, conn.cursor() as cur:
        cur.execute("SELECT note FROM trips WHERE id = 1")
        assert cur.fetchone() == ("written before restart",)

    container.remove(force=True, v=True)
    # Re-created on the same directory: no second initdb, so the old password still rules.
    recreated = run_postgres(client, cleanup, data_dir, port_5433, {**ENV, "POSTGRES_PASSWORD": "other"})
    with connect_when_ready(port_5433, "root", "root", "ny_taxi") as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM trips")
        assert cur.fetchone() == (1,)

    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(host="127.0.0.1", port=port_5433, user="root", password="wrong", dbname="ny_taxi", connect_timeout=5)
    assert recreated.status in ("created", "running")


def test_file_variants_and_init_scripts(client, images, cleanup, port_5433, tmp_path):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "pw").write_text("s3cret\n")
    init = tmp_path / "init"
    init.mkdir()
    (init / "01.sql").write_text("CREATE TABLE seeded (x int); INSERT INTO seeded VALUES (42);")
    container = client.containers.run(
        "postgres:13",
        detach=True,
        name=cleanup.name("pgfile"),
        environment={"POSTGRES_USER": "app", "POSTGRES_PASSWORD_FILE": "/run/secrets/pw", "POSTGRES_DB": "appdb"},
        volumes={str(secrets): {"bind": "/run/secrets", "mode": "ro"}, str(init): {"bind": "/docker-entrypoint-initdb.d", "mode": "ro"}},
        ports={"5432/tcp": ("127.0.0.1", port_5433)},
        labels=cleanup.labels,
    )
    cleanup.container(container)
    with connect_when_ready(port_5433, "app", "s3cret", "appdb") as conn, conn.cursor() as cur:
        cur.execute("SELECT x FROM seeded")
        assert cur.fetchone() == (42,)
        cur.execute("SHOW data_directory")
        assert cur.fetchone() == ("/var/lib/postgresql/data",)


def test_missing_password_fails_like_the_official_image(client, images, cleanup):
    container = cleanup.container(
        client.containers.run("postgres:13", detach=True, name=cleanup.name("pgnopw"), labels=cleanup.labels)
    )
    assert container.wait(timeout=30)["StatusCode"] != 0
    assert b"superuser password is not specified" in container.logs()


def test_standins_say_what_they_are(client, images):
    for ref in ("postgres:13", "python:3.9-slim", "nginx:stable-alpine", "node:14-alpine", "hello-world:latest", "debian:bookworm"):
        image = client.images.get(ref)
        what = standin_description(image)
        if what is None:  # a real image pulled from a registry carries no such label
            assert STANDIN_LABEL not in (image.attrs["Config"].get("Labels") or {})
        else:
            assert "standing in for the official" in what
