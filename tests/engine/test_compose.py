"""The seed's frontend/backend/db project through %%compose / %compose and the real Compose tool."""

import json
import os
import shutil
import socket
import time
import urllib.request

import psycopg2
import pytest
from IPython.core.error import UsageError

from dockermagic.cli.options import parse_compose
from dockermagic.errors import Interrupted

APPS = os.path.join(os.path.dirname(__file__), "..", "..", "notebooks", "apps")
LABEL = "com.docker.compose.project"


def _wait_http(url, timeout=60):
    end = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode()
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.5)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sweep(client, project):
    """Whatever Compose left of the project, by its label, and the images it built."""
    flt = {"label": f"{LABEL}={project}"}
    for c in client.containers.list(all=True, filters=flt):
        c.remove(force=True, v=True)
    for n in client.networks.list(filters=flt):
        n.remove()
    for v in client.volumes.list(filters=flt):
        v.remove(force=True)
    for img in client.images.list(filters={"reference": f"{project}*"}):
        client.images.remove(img.id, force=True)


def test_invalid_yaml_names_line(ip, tmp_path):
    with pytest.raises(UsageError, match="line 3"):
        ip.run_cell_magic("compose", f"--project-dir {tmp_path}", "services:\n  a:\n\timage: x\n")
    assert not (tmp_path / "compose.yaml").exists()
    # Valid YAML that Compose refuses: its own words, and the file is not saved.
    with pytest.raises(UsageError, match=r"Compose rejects the file: .*imagee.* The saved file was not changed"):
        ip.run_cell_magic("compose", f"-p dmbadkey --project-dir {tmp_path}", "services:\n  a:\n    imagee: x\n")
    assert os.listdir(tmp_path) == [], "neither the file nor the trial copy is left"


def test_unknown_subcommand_is_a_usage_error(ip):
    with pytest.raises(UsageError, match="not a subcommand"):
        ip.run_line_magic("compose", "upp -d")


def test_config_output_masks_secrets(ip, tmp_path, capsys):
    yml = ("services:\n  db:\n    image: postgres:13\n    environment:\n      - POSTGRES_USER=root\n"
           "      - POSTGRES_PASSWORD=hunter2pw\n      - DATABASE_URL=postgresql://root:hunter2url@db/x\n")
    ip.run_cell_magic("compose", f"-p dmmask --project-dir {tmp_path}", yml)
    ip.run_line_magic("compose", "config")
    out = capsys.readouterr().out
    assert "POSTGRES_USER: root" in out and "POSTGRES_PASSWORD: ••••••" in out
    assert "hunter2" not in out


def test_unwritable_project_dir_is_a_usage_error(ip, tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="Could not save the compose file"):
        ip.run_cell_magic("compose", f"--project-dir {tmp_path / 'file' / 'sub'}", "services:\n  a:\n    image: x\n")


def test_frontend_backend_db_up_and_down(ip, client, cleanup, tmp_path, images, port_5433, capsys):
    project = cleanup.name("dmcompose")
    for app in ("backend", "frontend"):
        shutil.copytree(os.path.join(APPS, app), tmp_path / app, ignore=shutil.ignore_patterns("node_modules", "build"))
    web, api = _free_port(), _free_port()
    yml = (open(os.path.join(APPS, "docker-compose.yml")).read()
           .replace("127.0.0.1:5000:5000", f"127.0.0.1:{api}:5000").replace("127.0.0.1:3000:80", f"127.0.0.1:{web}:80"))
    flt = {"label": f"{LABEL}={project}"}
    try:
        ip.run_cell_magic("compose", f"-p {project} --project-dir {tmp_path}", yml)
        ip.run_line_magic("compose", "up --build -d")
        table = ip.run_line_magic("compose", "ps")
        frame = table.to_frame()
        assert len(frame) == 3 and set(frame["state"]) == {"running"}
        services = {c.labels["com.docker.compose.service"]: c for c in client.containers.list(filters=flt)}
        assert set(services) == {"frontend", "backend", "db"}
        # depends_on: db, then backend, then frontend.
        started = {s: c.attrs["State"]["StartedAt"] for s, c in services.items()}
        assert started["db"] <= started["backend"] <= started["frontend"]

        # The db from the host, on the tutorial's port.
        end = time.time() + 60
        while True:
            try:
                with psycopg2.connect(host="127.0.0.1", port=5433, user="root", password="root", dbname="ny_taxi",
                                      connect_timeout=3) as conn, conn.cursor() as cur:
                    cur.execute("select current_database()")
                    assert cur.fetchone()[0] == "ny_taxi"
                break
            except psycopg2.OperationalError:
                if time.time() > end:
                    raise
                time.sleep(0.5)
        # The backend reaches "db" by its service name.
        assert "PostgreSQL" in json.loads(_wait_http(f"http://127.0.0.1:{api}/health"))["db"]
        # The frontend is served, and its nginx reaches "backend" by name.
        assert '<div id="root">' in _wait_http(f"http://127.0.0.1:{web}/")
        assert "PostgreSQL" in json.loads(_wait_http(f"http://127.0.0.1:{web}/api/health"))["db"]

        capsys.readouterr()
        ip.run_line_magic("compose", 'exec db psql -U root -d ny_taxi -tAc "select 40 + 2"')
        ip.run_line_magic("compose", "logs backend")
        ip.run_line_magic("compose", "config")
        out = capsys.readouterr().out
        assert "42" in out.splitlines() and "Running on" in out and "DATABASE_URL" in out
        assert len(ip.run_line_magic("compose", "ps backend")) == 1

        ip.run_line_magic("compose", "restart backend")
        assert "PostgreSQL" in json.loads(_wait_http(f"http://127.0.0.1:{api}/health"))["db"]

        # Compose's own message when it fails.
        with pytest.raises(UsageError, match=r"Compose exec failed: .*nosuch.* (is )?not running|Compose exec failed: No such service: nosuch"):
            ip.run_line_magic("compose", "exec nosuch true")

        # What `down -v` must remove is there first, so the checks after it mean something.
        assert [n.name for n in client.networks.list(filters=flt)] == [f"{project}_default"]
        [vol] = client.volumes.list(filters=flt)
        assert vol.name == f"{project}_ny_taxi_postgres_data"
        assert vol.attrs["Labels"]["com.docker.compose.volume"] == "ny_taxi_postgres_data"
        ip.run_line_magic("compose", "down -v")
        assert not client.containers.list(all=True, filters=flt)
        assert not client.networks.list(filters=flt)
        assert not client.volumes.list(filters=flt)
    finally:
        try:
            ip.run_line_magic("compose", "down -v --remove-orphans")
        finally:
            _sweep(client, project)


def test_debian_compose_v1_fallback(ip, client, cleanup, tmp_path, monkeypatch, images):
    """Where the v2 plugin is missing, Debian's docker-compose 1.29 runs the same forms."""
    from dockermagic.engine import compose

    v1 = shutil.which("docker-compose")
    assert v1, "scripts/setup.sh installs Debian's docker-compose"
    monkeypatch.setattr(compose, "compose_tool", lambda: (v1,))
    project = cleanup.name("dmcompose1").replace("-", "")
    flt = {"label": f"{LABEL}={project}"}
    yml = ("services:\n  sleeper:\n    image: debian:bookworm\n    command: [\"sleep\", \"300\"]\n    init: true\n"
           "    volumes:\n      - scratch:/scratch\nvolumes:\n  scratch:\n")
    try:
        ip.run_cell_magic("compose", f"-p {project} --project-dir {tmp_path}", yml)
        ip.run_line_magic("compose", "up -d")
        assert [r["state"] for r in ip.run_line_magic("compose", "ps").rows] == ["running"]
        ip.run_line_magic("compose", "exec sleeper touch /scratch/made-by-exec")
        ip.run_line_magic("compose", "down -v")
        assert not client.containers.list(all=True, filters=flt)
        assert not client.networks.list(filters=flt) and not client.volumes.list(filters=flt)
    finally:
        _sweep(client, project)


def test_wait_build_and_interrupted_logs_follow(ip, client, cleanup, tmp_path, images):
    """`up --wait`, `build` and `logs -f` (which runs until the cell is interrupted) with the v2 plugin."""
    import signal
    import threading

    from dockermagic.engine import compose

    if compose.compose_tool()[-1] != "compose":
        pytest.fail("scripts/compose-up.sh installs the Compose v2 plugin; it is missing")
    project = cleanup.name("dmcompose2")
    flt = {"label": f"{LABEL}={project}"}
    (tmp_path / "ticker").mkdir()
    (tmp_path / "ticker" / "Dockerfile").write_text(
        'FROM debian:bookworm\nCMD ["sh", "-c", "while true; do echo tick; sleep 0.2; done"]\n')
    yml = "services:\n  ticker:\n    build: ./ticker\n    init: true\n"
    try:
        ip.run_cell_magic("compose", f"-p {project} --project-dir {tmp_path}", yml)
        ip.run_line_magic("compose", "build")
        assert client.images.list(name=f"{project}-ticker")
        ip.run_line_magic("compose", "up --wait")  # returns once the service runs
        assert [r["state"] for r in ip.run_line_magic("compose", "ps").rows] == ["running"]
        timer = threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        start = time.monotonic()
        try:
            # Raised, not returned, so a %%docker cell stops at this line; the lines followed come along.
            with pytest.raises(Interrupted, match="^Interrupted: Compose logs stopped; .*%compose down stops it") as info:
                compose.compose_command(parse_compose(["-p", project, "logs", "-f"]), cwd=str(tmp_path))
        finally:
            timer.cancel()  # never let the signal reach whatever runs next
        lines = info.value.partial
        assert 1.0 < time.monotonic() - start < 10 and sum("tick" in l for l in lines) >= 3
        ip.run_line_magic("compose", "down -v")
        assert not client.containers.list(all=True, filters=flt)
    finally:
        _sweep(client, project)


SLEEPER = "    image: debian:bookworm\n    command: [\"sleep\", \"300\"]\n    init: true\n"


def test_name_from_the_yaml_profiles_tables_and_every_subcommand(ip, client, cleanup, tmp_path, images, capsys):
    """`name:` in the YAML decides the project; ps/ls/images are tables; run/top/stop/start pass through."""
    project = cleanup.name("dmcname").replace("-", "")
    flt = {"label": f"{LABEL}={project}"}
    yml = f"name: {project}\nservices:\n  sleeper:\n{SLEEPER}  extra:\n{SLEEPER}    profiles: [debug]\n"
    try:
        ip.run_cell_magic("compose", f"--project-dir {tmp_path}", yml)
        assert f"Saved {tmp_path}/compose.yaml" in capsys.readouterr().out
        ip.run_line_magic("compose", "up -d")
        assert [r["state"] for r in ip.run_line_magic("compose", "ps").rows] == ["running"]
        ip.run_line_magic("compose", "--profile debug up -d")
        assert len(ip.run_line_magic("compose", "ps")) == 2
        listed = ip.run_line_magic("compose", "ls")
        assert [r["status"] for r in listed.rows if r["name"] == project] == ["running(2)"]
        images_table = ip.run_line_magic("compose", "images")
        assert len(images_table) == 2 and {r["repository"] for r in images_table.rows} == {"debian"}
        capsys.readouterr()
        ip.run_line_magic("compose", "top sleeper")
        ip.run_line_magic("compose", "run --rm sleeper echo hello-from-run")
        out = capsys.readouterr().out
        assert "sleep 300" in out and "hello-from-run" in out
        ip.run_line_magic("compose", "stop sleeper")
        assert {r["state"] for r in ip.run_line_magic("compose", "ps -a sleeper").rows} == {"exited"}
        ip.run_line_magic("compose", "start sleeper")
        assert len(client.containers.list(filters=flt)) == 2, "run --rm left no container"
        # Compose's failure is said once: in the error, not also in the streamed output.
        with pytest.raises(UsageError, match=r"Compose exec failed: .*nosuch") as err:
            ip.run_line_magic("compose", "exec nosuch true")
        assert "nosuch" not in capsys.readouterr().out and "Compose exec failed" in str(err.value)
        ip.run_line_magic("compose", "--profile debug down")
        assert not client.containers.list(all=True, filters=flt)
    finally:
        _sweep(client, project)


def test_compose_yaml_in_place_env_name_env_file_several_files_and_last_good_file(ip, client, cleanup, tmp_path,
                                                                                   images, capsys):
    project = cleanup.name("dmcenv").replace("-", "")
    flt = {"label": f"{LABEL}={project}"}
    (tmp_path / "compose.yaml").write_text("services:\n  old:\n    image: debian:bookworm\n")
    (tmp_path / ".env").write_text(f"COMPOSE_PROJECT_NAME={project}\n")
    (tmp_path / "nap.env").write_text("NAP=299\n")
    (tmp_path / "more.yaml").write_text("services:\n  sleeper:\n    labels:\n      from: more\n")
    try:
        ip.run_cell_magic("compose", f"--project-dir {tmp_path}",
                          "services:\n  sleeper:\n    image: debian:bookworm\n    command: [\"sleep\", \"${NAP:-300}\"]\n"
                          "    init: true\n")
        assert "sleeper" in (tmp_path / "compose.yaml").read_text(), "the file Compose reads, updated in place"
        assert not (tmp_path / "docker-compose.yml").exists()
        ip.run_line_magic("compose", "--env-file .env --env-file nap.env -f compose.yaml -f more.yaml up -d")
        [row] = ip.run_line_magic("compose", "ps").rows  # the name from .env
        [c] = client.containers.list(filters=flt)
        assert c.attrs["Config"]["Cmd"] == ["sleep", "299"] and c.labels["from"] == "more"
        # A file Compose rejects does not replace the last good one: down still works from it.
        with pytest.raises(UsageError, match="Compose rejects the file"):
            ip.run_cell_magic("compose", f"--project-dir {tmp_path}", "services:\n  sleeper:\n    imagee: x\n")
        assert "sleep" in (tmp_path / "compose.yaml").read_text()
        ip.run_line_magic("compose", "down")
        assert not client.containers.list(all=True, filters=flt)
    finally:
        _sweep(client, project)


def test_no_hidden_pulls(ip, client, cleanup, tmp_path, images, monkeypatch):
    """With DOCKERMAGIC_NO_PULL=1 a missing image is one sentence naming the service, before Compose runs."""
    monkeypatch.setenv("DOCKERMAGIC_NO_PULL", "1")
    project = cleanup.name("dmcpull").replace("-", "")
    missing = f"{project}/nowhere:1"
    ip.run_cell_magic("compose", f"-p {project} --project-dir {tmp_path}",
                      f"services:\n  app:\n    image: {missing}\n")
    with pytest.raises(UsageError, match=rf"Service app needs the image {missing}: .*not on this engine"):
        ip.run_line_magic("compose", "up -d")
    assert not client.containers.list(all=True, filters={"label": f"{LABEL}={project}"})
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Dockerfile").write_text("# syntax=docker/dockerfile:1.4\nFROM debian:bookworm\n")
    ip.run_cell_magic("compose", f"-p {project} --project-dir {tmp_path}", "services:\n  web:\n    build: ./web\n")
    with pytest.raises(UsageError, match=r"Service web: The Dockerfile's first line '# syntax=docker/dockerfile:1.4'"):
        ip.run_line_magic("compose", "build")
    # A local-only image (no registry knows it) runs: Compose is told --pull never and uses it.
    local = cleanup.image(cleanup.name("dmclocal") + ":only")  # not under the project's name: _sweep
    client.images.get("debian:bookworm").tag(local)
    ip.run_cell_magic("compose", f"-p {project} --project-dir {tmp_path}",
                      f"services:\n  app:\n    image: {local}\n    command: [\"true\"]\n")
    try:
        ip.run_line_magic("compose", "run --rm app")
        ip.run_line_magic("compose", "pull")
    finally:
        ip.run_line_magic("compose", "down")
        _sweep(client, project)
