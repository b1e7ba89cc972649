"""A remote engine for real: a second dockerd in its own network namespace (tests/remote_engine.py),
reached over mutual TLS (DOCKER_HOST + DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, and a docker context) and over
ssh:// (paramiko, an sshd in the namespace). The magics, a live view, %%dockerfile, %compose and
start_postgres + a load all run against it; the host's engine must not see any of it.

One engine for the whole session (~0.6 s to start, ~8 s to copy the two stand-in images into it).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import docker
import pytest

import dockermagic.client as dm_client
from dockermagic.errors import PostgresError
from dockermagic.ingest import nyctlc
from dockermagic.ingest.loader import load_file
from dockermagic.ingest.postgres import start_postgres
from dockermagic.widgets import ContainersView

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from remote_engine import RemoteEngine  # noqa: E402
from test_widgets_live import _wait  # noqa: E402  (pytest puts this folder on sys.path)

ENGINE_VARS = ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_CONTEXT", "DOCKER_CONFIG",
               "DOCKERMAGIC_NAMESPACE", "JUPYTERHUB_USER")  # names given here stay as given on the engine


@pytest.fixture(scope="session")
def remote(client, images):
    """The remote engine, with the stand-ins the tests use copied from the host's engine."""
    engine = RemoteEngine()
    try:
        engine.start()
        engine.load_images(["debian:bookworm", "postgres:13"])
        yield engine
    finally:
        engine.stop()
    assert not engine.workdir.exists()
    assert engine.netns not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not Path(f"/sys/class/net/dmr{engine.n}h").exists()


@pytest.fixture
def remote_socket(remote):
    """A client on the engine's own unix socket, to check what the magics did; the engine is emptied after each test."""
    c = docker.DockerClient(base_url=remote.socket, timeout=60)
    yield c
    for x in c.containers.list(all=True, sparse=True):
        with contextlib.suppress(docker.errors.NotFound):
            c.api.remove_container(x.id, force=True, v=True)
    for n in c.networks.list():
        if n.name not in ("bridge", "host", "none"):
            n.remove()
    for v in c.volumes.list():
        v.remove(force=True)
    for image in c.images.list():
        if not {"debian:bookworm", "postgres:13"} & set(image.tags):
            c.api.remove_image(image.id, force=True)
    c.close()


def _engine_env(monkeypatch, tmp_path, **env):
    """Only ``env`` names the engine; the user's ~/.docker is never read (an empty DOCKER_CONFIG)."""
    for var in ENGINE_VARS:
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "docker-config").mkdir(exist_ok=True)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    # As on these machines: a CA bundle in the environment that does not hold the engine's CA.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    dm_client.reset_client()


@pytest.fixture
def on_tls_env(remote, remote_socket, monkeypatch, tmp_path):
    _engine_env(monkeypatch, tmp_path, DOCKER_HOST=remote.tcp_url, DOCKER_TLS_VERIFY="1",
                DOCKER_CERT_PATH=str(remote.certs))
    yield remote
    dm_client.reset_client()


@pytest.fixture
def on_tls_context(remote, remote_socket, monkeypatch, tmp_path):
    _engine_env(monkeypatch, tmp_path)
    c = remote.certs
    for argv in (["context", "create", "dm-remote-tls", "--docker",
                  f"host={remote.tcp_url},ca={c}/ca.pem,cert={c}/cert.pem,key={c}/key.pem"],
                 ["context", "use", "dm-remote-tls"]):
        subprocess.run(["docker", *argv], check=True, capture_output=True)
    yield remote
    dm_client.reset_client()


@pytest.fixture
def on_ssh(remote, remote_socket, monkeypatch, tmp_path):
    _engine_env(monkeypatch, tmp_path, DOCKER_HOST=remote.ssh_url)
    monkeypatch.setenv("HOME", str(remote.ssh_home))  # its ~/.ssh: the key and the known_hosts line
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.setenv("PATH", f"{remote.ssh_bin}:{os.environ['PATH']}")  # the CLI's and Compose's ssh
    yield remote
    dm_client.reset_client()


def _run_ps_logs_rm(ip, remote_socket, client, name):
    """%docker run/ps/logs/rm, checked on the remote engine's own socket and absent from the host's."""
    ip.run_line_magic("docker", f"run -d --name {name} debian:bookworm sh -c 'echo hello-remote; exec sleep 300'")
    assert remote_socket.containers.get(name).status == "running"
    assert not client.containers.list(all=True, filters={"name": name})  # not on the host's engine
    assert [r["name"] for r in ip.run_line_magic("docker", f"ps --filter name={name}").rows] == [name]
    assert _wait(lambda: ip.run_line_magic("docker", f"logs {name}") == ["hello-remote"], timeout=5)
    ip.run_line_magic("docker", f"rm -f {name}")
    assert not remote_socket.containers.list(all=True, filters={"name": name})


def test_tls_from_environment_magics_and_live_view(ip, client, on_tls_env, remote_socket):
    remote = on_tls_env
    engine = dm_client.get_client()
    assert engine.api.base_url == f"https://{remote.ip}:2376" and not engine.api.trust_env
    assert ip.run_line_magic("docker", "info").raw["DockerRootDir"] == f"{remote.workdir}/data"
    assert dm_client.remote_host(engine) == remote.ip and dm_client.remote_host(client) is None
    view = ContainersView(client=engine)  # its events come over TLS
    try:
        name = "dm-remote-live"
        remote_socket.containers.run("debian:bookworm", ["sleep", "300"], name=name, detach=True)
        assert _wait(lambda: any(r["name"] == name and r["state"] == "running" for r in view.rows()), timeout=5)
        remote_socket.containers.get(name).remove(force=True)
        assert _wait(lambda: view.row(name) is None, timeout=5)
    finally:
        view.close()
    _run_ps_logs_rm(ip, remote_socket, client, "dm-remote-tls-env")


def test_tls_context_dockerfile_and_compose(ip, client, on_tls_context, remote_socket, tmp_path):
    remote = on_tls_context
    assert dm_client.current_context() == ("dm-remote-tls", remote.tcp_url)
    assert ip.run_line_magic("docker", "info").raw["DockerRootDir"] == f"{remote.workdir}/data"
    _run_ps_logs_rm(ip, remote_socket, client, "dm-remote-ctx")

    tag = "dm-remote-built:1"
    res = ip.run_cell_magic("dockerfile", f"-t {tag} --context {tmp_path}",
                            "FROM debian:bookworm\nRUN echo built-remotely > /made\n")
    assert res.tags == [tag]
    assert remote_socket.containers.run(tag, ["cat", "/made"], remove=True).strip() == b"built-remotely"
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get(tag)

    _compose_up_ps_down(ip, client, remote_socket, tmp_path, "dm-remote-compose-ctx")


def _compose_up_ps_down(ip, client, remote_socket, tmp_path, project):
    """%compose up/ps/down: the project's container is on the remote engine, never on the host's."""
    flt = {"label": f"com.docker.compose.project={project}"}
    ip.run_cell_magic("compose", f"-p {project} --project-dir {tmp_path}",
                      "services:\n  web:\n    image: debian:bookworm\n    command: sleep 300\n    init: true\n")
    try:
        ip.run_line_magic("compose", "up -d")
        assert [r["state"] for r in ip.run_line_magic("compose", "ps").rows] == ["running"]
        assert len(remote_socket.containers.list(filters=flt)) == 1 and not client.containers.list(all=True, filters=flt)
    finally:
        ip.run_line_magic("compose", "down -t 1")
    assert not remote_socket.containers.list(all=True, filters=flt)


def test_compose_follows_tls_from_environment(ip, client, on_tls_env, remote_socket, tmp_path):
    _compose_up_ps_down(ip, client, remote_socket, tmp_path, "dm-remote-compose-env")


def test_ssh_dockerfile_and_compose(ip, client, on_ssh, remote_socket, tmp_path):
    tag = "dm-remote-built-ssh:1"
    res = ip.run_cell_magic("dockerfile", f"-t {tag} --context {tmp_path}",
                            "FROM debian:bookworm\nRUN echo over-ssh > /made\n")
    assert res.tags == [tag]
    assert remote_socket.containers.run(tag, ["cat", "/made"], remove=True).strip() == b"over-ssh"
    _compose_up_ps_down(ip, client, remote_socket, tmp_path, "dm-remote-compose-ssh")


def test_ssh_magics_postgres_load_and_query(ip, client, on_ssh, remote_socket, capsys):
    remote = on_ssh
    engine = dm_client.get_client()
    assert engine.api.base_url == "http+docker://ssh" and dm_client.remote_host(engine) == remote.ip
    _run_ps_logs_rm(ip, remote_socket, client, "dm-remote-ssh")

    capsys.readouterr()
    pg = start_postgres("dm-remote-pg", port=5433, password="remote-pw")
    said = capsys.readouterr().out
    assert pg.host == remote.ip and f"@{remote.ip}:5433/ny_taxi" in pg.url
    assert said.count("\n") == 1 and f"uses {remote.ip}:5433, not 127.0.0.1" in said
    assert not client.containers.list(all=True, filters={"name": "dm-remote-pg"})
    result = load_file(nyctlc.sample("zones"), "zones", conn_or_server=pg, progress=False)
    assert result.rows == 265
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*), inet_server_addr() IS NOT NULL FROM zones")
        assert cur.fetchone() == (265, True)
    again = start_postgres("dm-remote-pg", port=5433, password="remote-pw", say=lambda line: None)
    assert again.reused and again.url == pg.url


def test_loopback_port_on_a_remote_engine_is_explained(ip, client, on_tls_env, remote_socket, capsys):
    remote = on_tls_env
    ip.run_line_magic("docker", "run -d --name dm-remote-lo -p 127.0.0.1:8089:80 debian:bookworm sleep 300")
    assert capsys.readouterr().out.count(f"loopback of the engine's machine {remote.ip}, not of this one") == 1
    remote_socket.containers.get("dm-remote-lo").remove(force=True)
    ip.run_line_magic("docker", "run -d --name dm-remote-lo -p 0.0.0.0:8089:80 debian:bookworm sleep 300")
    assert "loopback" not in capsys.readouterr().out
    remote_socket.containers.get("dm-remote-lo").remove(force=True)
    remote_socket.containers.create(
        "postgres:13", name="dm-remote-loopback", ports={"5432/tcp": ("127.0.0.1", 5434)},
        environment={"POSTGRES_USER": "root", "POSTGRES_PASSWORD": "root", "POSTGRES_DB": "ny_taxi"})
    with pytest.raises(PostgresError) as err:
        start_postgres("dm-remote-loopback", port=5434, say=lambda line: None)
    assert f"loopback of the engine's machine {remote.ip}, not of this one" in str(err.value)
    with pytest.raises(PostgresError, match="no setting 'prot'"):
        start_postgres("dm-remote-loopback", prot=5434)


def test_tls_with_a_foreign_ca_is_one_sentence(remote, monkeypatch, tmp_path):
    certs = tmp_path / "certs"
    certs.mkdir()
    for f in ("cert.pem", "key.pem"):
        (certs / f).write_bytes((remote.certs / f).read_bytes())
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", tmp_path / "k.pem", "-out", certs / "ca.pem", "-days", "1", "-subj", "/CN=other"],
                   check=True, capture_output=True)
    _engine_env(monkeypatch, tmp_path, DOCKER_HOST=remote.tcp_url, DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(certs))
    from dockermagic.errors import EngineUnavailable

    with pytest.raises(EngineUnavailable, match=f"No Docker engine answers at {remote.tcp_url}"):
        dm_client.connect(timeout=5)
