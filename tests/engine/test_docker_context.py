"""A docker CLI context naming the real engine's socket is followed when DOCKER_HOST is unset."""

import hashlib
import json
import os

import dockermagic.client as dm_client

# Where this engine really is: the local socket, or DOCKER_HOST if the run set one.
ENDPOINT = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def test_current_context_on_the_real_socket_connects(client, ip, tmp_path, monkeypatch):
    for var in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    name = "dm-real"
    meta = tmp_path / ".docker" / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps(
        {"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": ENDPOINT}}}))
    (tmp_path / ".docker" / "config.json").write_text(json.dumps({"currentContext": name}))
    assert dm_client.current_context() == (name, ENDPOINT)
    dm_client.reset_client()
    try:
        assert dm_client.connect(timeout=10).info()["ID"] == client.info()["ID"]
        assert ip.run_line_magic("docker", "info").raw["ID"] == client.info()["ID"]  # the magic too
    finally:
        dm_client.reset_client()
