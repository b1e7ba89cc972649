"""start_postgres against the real engine, and load_csv into the Postgres it starts."""

from __future__ import annotations

import os
import socket
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from dockermagic.errors import PostgresError
from dockermagic.loader import load_csv
from dockermagic.postgres import start_postgres
from dockermagic.secrets import MASK


def shared_data() -> Path:
    """shared/ sits beside the repo root (here and in CI); DOCKERMAGIC_SHARED_DATA overrides."""
    override = os.environ.get("DOCKERMAGIC_SHARED_DATA")
    base = Path(override) if override else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return base / "nyc-tlc"


YELLOW_HEAD = shared_data() / "yellow_tripdata_2021-01.head.csv"


@pytest.fixture
def pg(client, images, cleanup, port_5433):
    server = start_postgres(cleanup.name("pg"), port=port_5433, client=client, password="s3cret-pw")
    yield server
    server.remove()


def test_start_connect_reuse_and_masked_repr(client, pg, port_5433):
    assert pg.url == f"postgresql+psycopg2://root:s3cret-pw@127.0.0.1:{port_5433}/ny_taxi"
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE marker (x int); INSERT INTO marker VALUES (7)")
    with pg.engine().connect() as sa:
        assert sa.exec_driver_sql("SELECT current_database(), current_user").one() == ("ny_taxi", "root")

    for shown in (repr(pg), str(pg), pg._repr_html_()):
        assert "s3cret-pw" not in shown and MASK in shown and pg.name in shown
    container = client.containers.get(pg.name)
    assert container.labels.get("org.dockermagic.created-by") == "dockermagic"
    assert container.attrs["HostConfig"]["PortBindings"]["5432/tcp"][0]["HostIp"] == "127.0.0.1"

    pg.stop()
    again = start_postgres(pg.name, port=port_5433, client=client, password="s3cret-pw")
    assert again.reused and client.containers.get(pg.name).id == container.id
    with again.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT x FROM marker")
        assert cur.fetchone() == (7,)


def test_reuse_with_other_settings_is_refused(client, pg, port_5433):
    with pytest.raises(PostgresError, match=rf"{pg.name} already exists with other settings: db 'ny_taxi' \(wanted 'other'\)"):
        start_postgres(pg.name, db="other", port=port_5433, client=client)
    with pytest.raises(PostgresError, match="image 'postgres:13' \\(wanted 'postgres:14'\\)"):
        start_postgres(pg.name, image="postgres:14", port=port_5433, client=client)


def test_port_taken_names_the_container_or_another_process(client, images, cleanup, port_5433):
    holder = cleanup.container(
        client.containers.run(
            "debian:bookworm", ["sleep", "120"], detach=True, name=cleanup.name("holder"),
            ports={"5432/tcp": ("127.0.0.1", port_5433)}, labels=cleanup.labels,
        )
    )
    wanted = cleanup.name("pg")
    with pytest.raises(PostgresError) as err:
        start_postgres(wanted, port=port_5433, client=client, timeout=10)
    assert str(err.value) == f"Host port {port_5433} is already taken by the container {holder.name}; stop it or pass another port=."
    assert not client.containers.list(all=True, filters={"name": f"^/{wanted}$"}), "nothing created"
    holder.remove(force=True)

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the container's socket may be in TIME_WAIT
        s.bind(("127.0.0.1", port_5433))
        s.listen()
        with pytest.raises(PostgresError, match=f"Host port {port_5433} is already taken by another process"):
            start_postgres(wanted, port=port_5433, client=client, timeout=10)


def test_load_yellow_head_twice_replaces_and_sums_match_pandas(pg):
    expected = pd.read_csv(YELLOW_HEAD)
    assert len(expected) == 22792
    first = load_csv(YELLOW_HEAD, "yellow_taxi_data", conn_or_server=pg)
    assert first.rows == 22792 and first.seconds > 0
    second = load_csv(YELLOW_HEAD, "yellow_taxi_data", conn_or_server=pg, if_exists="replace")
    assert second.rows == 22792
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute('SELECT count(*), sum(total_amount), sum(trip_distance) FROM yellow_taxi_data')
        count, total, distance = cur.fetchone()
        cur.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'yellow_taxi_data' ORDER BY ordinal_position"
        )
        types = dict(cur.fetchall())
        cur.execute("SELECT to_regclass('yellow_taxi_data__staging')")
        assert cur.fetchone() == (None,), "no staging table left behind"
    assert count == 22792
    assert total == Decimal(str(round(expected["total_amount"].sum(), 2)))
    assert distance == Decimal(str(round(expected["trip_distance"].sum(), 2)))
    assert types["tpep_pickup_datetime"] == "timestamp without time zone"
    assert types["total_amount"] == "numeric" and types["store_and_fwd_flag"] == "text"


def test_failed_load_leaves_the_old_table(pg, tmp_path):
    load_csv(YELLOW_HEAD, "trips", conn_or_server=pg)
    broken = tmp_path / "broken.csv"
    lines = YELLOW_HEAD.read_text().splitlines(keepends=True)
    broken.write_text("".join(lines[:1000]) + "1,not-a-date,2021-01-01 00:00:00,1,1,1,N,1,1,1,1,1,1,1,1,1,1,1\n")
    import psycopg2

    with pytest.raises(psycopg2.DataError):
        load_csv(broken, "trips", conn_or_server=pg)
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM trips")
        assert cur.fetchone() == (22792,)


def test_gz_append_and_fail(pg, tmp_path):
    import gzip

    from dockermagic.errors import LoadError

    gz = tmp_path / "yellow.csv.gz"
    gz.write_bytes(gzip.compress(YELLOW_HEAD.read_bytes()))
    assert load_csv(gz, "yellow", conn_or_server=pg).rows == 22792
    assert load_csv(gz, "yellow", conn_or_server=pg, if_exists="append").rows == 22792
    with pytest.raises(LoadError, match="The table yellow already exists and if_exists='fail'"):
        load_csv(gz, "yellow", conn_or_server=pg, if_exists="fail")
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM yellow")
        assert cur.fetchone() == (2 * 22792,)


def test_container_killed_mid_load_then_rerun_gives_exactly_the_source_rows(client, pg, tmp_path, monkeypatch):
    import psycopg2

    from dockermagic import loader

    small = tmp_path / "first1000.csv"
    small.write_text("".join(YELLOW_HEAD.read_text().splitlines(keepends=True)[:1001]))
    assert load_csv(small, "trips", conn_or_server=pg).rows == 1000

    real_open = loader._open

    class KillsTheServer:
        """Hands COPY a chunk, then kills the Postgres container before the next one."""

        def __init__(self, path):
            self.fh, self.reads = real_open(path), 0

        def read(self, size=-1):
            self.reads += 1
            if self.reads == 2:
                client.api.kill(pg.name)
            return self.fh.read(min(size, 64 * 1024))

        def readline(self, *a):
            return self.fh.readline(*a)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    monkeypatch.setattr(loader, "_open", KillsTheServer)
    with pytest.raises(psycopg2.Error):
        load_csv(YELLOW_HEAD, "trips", conn_or_server=pg)
    monkeypatch.setattr(loader, "_open", real_open)

    again = start_postgres(pg.name, port=pg.port, password=pg.password, client=client)
    assert again.reused
    with again.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM trips")
        assert cur.fetchone() == (1000,), "the interrupted load changed nothing"
    assert load_csv(YELLOW_HEAD, "trips", conn_or_server=again).rows == 22792
    with again.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM trips")
        assert cur.fetchone() == (22792,)


def test_never_ready_shows_the_last_log_lines(client, images, cleanup, port_5433):
    # The official image (and the stand-in) refuses to start without a superuser password.
    with pytest.raises(PostgresError, match="(?s)exited.*superuser password is not specified"):
        start_postgres(cleanup.name("pgnopw"), password="", port=port_5433, client=client, timeout=20)


def test_named_volume_keeps_data_across_recreate_and_other_volume_is_refused(client, images, cleanup, port_5433, tmp_path):
    name, volume = cleanup.name("pgvol"), cleanup.name("pgdata")
    server = start_postgres(name, volume=volume, password="p@ss:w/rd", port=port_5433, client=client)
    assert "p@ss" not in repr(server) and "p%40ss%3Aw%2Frd" not in repr(server)
    with server.engine().begin() as sa:  # the URL quotes the password's special characters
        sa.exec_driver_sql("CREATE TABLE kept (x int); INSERT INTO kept VALUES (1)")
    assert client.volumes.get(volume).attrs["Labels"].get("org.dockermagic.created-by") == "dockermagic"
    with pytest.raises(PostgresError, match=f"volume '{volume}' \\(wanted '{tmp_path}'\\)"):
        start_postgres(name, volume=str(tmp_path), password="p@ss:w/rd", port=port_5433, client=client)
    server.remove()
    again = start_postgres(name, volume=volume, password="p@ss:w/rd", port=port_5433, client=client)
    assert not again.reused
    with again.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT x FROM kept")
        assert cur.fetchone() == (1,)
