"""The docker CLI's current context decides the endpoint when DOCKER_HOST is unset (no engine needed)."""

import hashlib
import json

import pytest

from dockermagic.client import connect, current_context
from dockermagic.errors import EngineUnavailable


def write_context(home, name, host, *, current=True):
    """What `docker context create NAME --docker host=HOST` + `docker context use NAME` write."""
    docker_dir = home / ".docker"
    meta = docker_dir / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps(
        {"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}}}))
    if current:
        (docker_dir / "config.json").write_text(json.dumps({"currentContext": name}))


@pytest.fixture
def home(tmp_path, monkeypatch):
    for var in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_current_context_endpoint_is_used(home):
    write_context(home, "dm-broken", f"unix://{home}/nothing-here.sock")
    assert current_context() == ("dm-broken", f"unix://{home}/nothing-here.sock")
    with pytest.raises(EngineUnavailable, match=r"nothing-here.sock \(docker context dm-broken\).*start Docker"):
        connect(timeout=5)


def test_docker_context_env_and_docker_host_win(home, monkeypatch):
    write_context(home, "dm-a", "unix:///a.sock")
    write_context(home, "dm-b", "unix:///b.sock", current=False)
    monkeypatch.setenv("DOCKER_CONTEXT", "dm-b")
    assert current_context() == ("dm-b", "unix:///b.sock")
    monkeypatch.setenv("DOCKER_HOST", "unix:///c.sock")
    assert current_context() is None  # the CLI, too, lets DOCKER_HOST win


def test_default_or_no_config_means_the_local_socket(home):
    assert current_context() is None
    (home / ".docker").mkdir()
    (home / ".docker" / "config.json").write_text(json.dumps({"currentContext": "default"}))
    assert current_context() is None


def test_missing_context_is_one_sentence(home):
    (home / ".docker").mkdir()
    (home / ".docker" / "config.json").write_text(json.dumps({"currentContext": "dm-gone"}))
    with pytest.raises(EngineUnavailable, match="'dm-gone'.*does not exist.*docker context use default"):
        connect(timeout=5)


def test_user_labels_join_the_default_ones(monkeypatch):
    from dockermagic.client import labels_with_defaults

    from dockermagic.ownership import current_user

    monkeypatch.setenv("DOCKERMAGIC_LABELS", "org.dockermagic.test=run1")
    assert labels_with_defaults(["role=web", "tier"]) == {
        "org.dockermagic.created-by": "dockermagic", "org.dockermagic.owner": current_user(),
        "org.dockermagic.test": "run1", "role": "web", "tier": ""}
