"""start_postgres against the real engine (the loader's tests are in test_loader.py)."""

from __future__ import annotations

import socket

import pytest

from dockermagic.errors import PostgresError
from dockermagic.ingest.postgres import start_postgres
from dockermagic.redaction import MASK


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
    [data] = [m for m in container.attrs["Mounts"] if m["Destination"] == "/var/lib/postgresql/data"]
    assert client.volumes.get(data["Name"]).attrs["Labels"]["org.dockermagic.created-by"] == "dockermagic"

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


def test_bad_arguments_and_a_gone_container_are_one_sentence(client, images, cleanup):
    import docker.errors

    from dockermagic.errors import DockerMagicError, NotFound
    from dockermagic.ingest.postgres import PostgresServer

    with pytest.raises(PostgresError, match="port must be a host port number"):
        start_postgres(cleanup.name("pgport"), port="5433", client=client)
    with pytest.raises(DockerMagicError, match="could not create volume bad vol!") as bad_volume:
        start_postgres(cleanup.name("pgvol"), volume="bad vol!", port=59998, client=client)
    gone = PostgresServer(cleanup.name("pggone"), "root", "pw", "db", 59998, "postgres:13", client=client)
    with pytest.raises(NotFound, match="could not stop container") as stopped:
        gone.stop()
    # plain-API users keep the engine's own error as the cause (only the magic hides the traceback)
    assert isinstance(bad_volume.value.__cause__, docker.errors.APIError)
    assert isinstance(stopped.value.__cause__, docker.errors.NotFound)


def test_host_directory_volume_holds_the_data_files(client, images, cleanup, port_5433, tmp_path):
    data = tmp_path / "ny_taxi_postgres_data"
    server = start_postgres(cleanup.name("pghost"), volume=str(data), port=port_5433, client=client)
    try:
        with server.connect() as conn, conn.cursor() as cur:
            cur.execute("SHOW server_version_num")
            major = int(cur.fetchone()[0]) // 10000
        conn.close()
        # initdb wrote the server's cluster into the host folder (a stand-in may be a newer major)
        assert (data / "PG_VERSION").read_text().strip() == str(major)
        [mount] = [m for m in client.containers.get(server.name).attrs["Mounts"]
                   if m["Destination"] == "/var/lib/postgresql/data"]
        assert mount["Type"] == "bind" and mount["Source"] == str(data)
    finally:
        server.remove()
    assert not client.containers.list(all=True, filters={"name": f"^/{server.name}$"})
    assert (data / "PG_VERSION").exists()  # removing the container leaves the host folder's data
