import json
import os
import shutil
import socket
import time
import urllib.request

import pytest
from IPython.core.error import UsageError

APPS = os.path.join(os.path.dirname(__file__), "..", "..", "notebooks", "apps")
LABEL = "com.docker.compose.project"


def _wait_json(url, timeout=60):
    end = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return json.load(r)
        except Exception:
            if time.time() > end:
                raise
            time.sleep(0.5)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_invalid_yaml_names_line(ip, tmp_path):
    with pytest.raises(UsageError, match="line 3"):
        ip.run_cell_magic("compose", f"--project-dir {tmp_path}", "services:\n  a:\n\timage: x\n")


def test_backend_db_up_and_down(ip, client, cleanup, tmp_path, images, port_5433):
    project = cleanup.name("dmcompose")
    shutil.copytree(os.path.join(APPS, "backend"), tmp_path / "backend")
    port = _free_port()
    yml = open(os.path.join(APPS, "docker-compose.yml")).read().replace("127.0.0.1:5000:5000", f"127.0.0.1:{port}:5000")
    try:
        ip.run_cell_magic("compose", f"-p {project} --project-dir {tmp_path}", yml)
        ip.run_line_magic("compose", "up -d --build")
        table = ip.run_line_magic("compose", "ps")
        assert len(table) == 2
        with socket.create_connection(("127.0.0.1", 5433), timeout=30):
            pass
        health = _wait_json(f"http://127.0.0.1:{port}/health")  # backend reaches "db" by name
        assert "PostgreSQL" in health["db"]
        ip.run_line_magic("compose", "down -v")
        f = {"label": f"{LABEL}={project}"}
        assert not client.containers.list(all=True, filters=f)
        assert not client.networks.list(filters=f)
        assert not client.volumes.list(filters=f)
    finally:
        try:
            ip.run_line_magic("compose", "down -v --remove-orphans")
        finally:
            for c in client.containers.list(all=True, filters={"label": f"{LABEL}={project}"}):
                c.remove(force=True, v=True)
            for n in client.networks.list(filters={"label": f"{LABEL}={project}"}):
                n.remove()
            for v in client.volumes.list(filters={"label": f"{LABEL}={project}"}):
                v.remove(force=True)
            for img in client.images.list(filters={"reference": f"{project}*"}):
                client.images.remove(img.id, force=True)
