"""Issue 12: engine failures keep their kind, status and cause; a vanished engine is the how-to-start
sentence; a registry's "not found" is a one-sentence error naming the tag, never a stand-in.

The docker-py exceptions are the real ones (built from real HTTP responses, or raised by a real
client talking to a socket that is missing or hangs up): no engine is needed to produce them.
"""

from __future__ import annotations

import socket
import threading

import docker
import docker.errors
import pytest

from dockermagic import errors

from dockermagic.engine import containers, imagekit, pulling
from dockermagic.client import START_HINT
from dockermagic.cli.routes import run_command
from fakes import FakeClient, api_error


@pytest.mark.parametrize("status, message, cls", [
    (404, "No such container: web", errors.NotFound),
    (409, "Conflict. The container name \"/web\" is already in use", errors.Conflict),
    (400, "invalid reference format", errors.InvalidRequest),
    (500, "driver failed programming external connectivity", errors.EngineError),
])
def test_api_errors_keep_kind_status_and_cause(status, message, cls):
    original = api_error(status, message)
    try:
        raise errors.from_docker_error(original, "start container web") from original
    except errors.DockerMagicError as exc:
        assert type(exc) is cls and exc.status_code == status and exc.__cause__ is original
        assert str(exc) == f"Docker could not start container web: {message}."


def test_the_plain_api_raises_not_found_with_its_cause():
    client = FakeClient()
    with pytest.raises(errors.NotFound) as info:
        containers.port("missing", client=client)
    assert info.value.status_code == 404 and isinstance(info.value.__cause__, docker.errors.NotFound)
    with pytest.raises(errors.NotFound):
        run_command("inspect missing", client=client)


def _assert_engine_unavailable(client):
    with pytest.raises(errors.EngineUnavailable) as info:
        containers.ps(client=client)
    assert START_HINT in str(info.value) and "Connection aborted" not in str(info.value)
    assert info.value.__cause__ is not None and errors.is_connection_error(info.value.__cause__)
    with pytest.raises(errors.EngineUnavailable, match="start Docker"):
        run_command("rm -f web", client=client)
    with pytest.raises(errors.EngineUnavailable, match="start Docker"):
        run_command("run img", client=client)  # through the image kit, which catches nothing itself


def test_a_missing_socket_is_engine_unavailable(tmp_path):
    client = docker.DockerClient(base_url=f"unix://{tmp_path}/gone.sock", version="1.41")
    _assert_engine_unavailable(client)


def test_an_engine_that_hangs_up_mid_session_is_engine_unavailable(tmp_path):
    path = str(tmp_path / "dying.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(8)
    stop = threading.Event()

    def hang_up():  # accept and close at once: requests says "Connection aborted."
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.close()

    t = threading.Thread(target=hang_up, daemon=True)
    t.start()
    try:
        _assert_engine_unavailable(docker.DockerClient(base_url=f"unix://{path}", version="1.41"))
    finally:
        stop.set()
        t.join(2)
        server.close()


MANIFEST_UNKNOWN = "manifest for postgres:99 not found: manifest unknown: manifest unknown"
NO_REGISTRY = ('Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io '
               "on 127.0.0.53:53: no such host")


def test_what_counts_as_the_registry_saying_not_found():
    assert errors.registry_answered_missing(api_error(404, MANIFEST_UNKNOWN))
    assert errors.registry_answered_missing(api_error(404, "pull access denied for nosuch, repository does "
                                                             "not exist or may require 'docker login'"))
    assert errors.registry_answered_missing(errors.DockerMagicError(f"The pull failed: {MANIFEST_UNKNOWN}."))
    assert not errors.registry_answered_missing(api_error(500, NO_REGISTRY))
    assert not errors.registry_answered_missing(api_error(500, "net/http: request canceled while waiting "
                                                                 "for connection"))


class RegistryClient(FakeClient):
    """A client whose pulls fail the way the engine answers, and which has no image yet."""

    def __init__(self, failure):
        super().__init__()
        self.tagged = []
        self.api.pull = self._pull
        self.api.tag = lambda *a, **kw: self.tagged.append(a)
        self.api.build = lambda **kw: (_ for _ in ()).throw(AssertionError("a stand-in was built"))
        self.images.get = self._no_image
        self.failure = failure

    def _pull(self, repo, tag=None, **kw):
        raise self.failure

    def _no_image(self, ref):
        raise api_error(404, f"No such image: {ref}")


@pytest.fixture
def pulls_on(monkeypatch):
    monkeypatch.delenv("DOCKERMAGIC_NO_PULL", raising=False)
    monkeypatch.setattr(imagekit, "_registry_unreachable", False)


def test_a_mistyped_tag_is_one_sentence_and_never_a_stand_in(pulls_on):
    client = RegistryClient(api_error(404, MANIFEST_UNKNOWN))
    for attempt in (lambda: imagekit.ensure_image("postgres:99", client=client, say=lambda _l: None),
                    lambda: pulling.pull("postgres:99", client=client, say=lambda _l: None),
                    lambda: run_command("run -d postgres:99", client=client, out=lambda _l: None)):
        with pytest.raises(errors.NotInRegistry, match=r"^The registry has no image postgres:99 \(manifest "
                                                      r"for postgres:99 not found.*\); check the name and the tag\.$"):
            attempt()
    assert client.tagged == [] and imagekit.pulls_allowed()  # nothing tagged; pulls not switched off


def test_no_registry_still_falls_back_to_the_stand_in(pulls_on):
    client = RegistryClient(api_error(500, NO_REGISTRY))
    assert imagekit.try_pull("postgres:99", client=client, say=lambda _l: None) is False
    assert not imagekit.pulls_allowed()  # found out once per process, never retried in a loop



def test_only_connection_failures_are_engine_unavailable():
    assert not errors.is_connection_error(FileNotFoundError(2, "No such file or directory: 'app.env'"))
    assert type(errors.from_docker_error(ValueError("bad"), "read app.env")) is errors.DockerMagicError
    assert isinstance(errors.from_docker_error(ConnectionResetError(104, "reset"), "list containers"),
                      errors.EngineUnavailable)


def test_the_plain_run_function_says_engine_unavailable_too(tmp_path):
    from dockermagic.engine.running import run

    client = docker.DockerClient(base_url=f"unix://{tmp_path}/gone.sock", version="1.41")
    with pytest.raises(errors.EngineUnavailable, match="start Docker") as info:
        run("img", client=client, say=lambda _l: None)
    assert errors.is_connection_error(info.value.__cause__)
