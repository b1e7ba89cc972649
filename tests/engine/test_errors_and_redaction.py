"""Issue 12 against the real engine: typed errors keep kind, status and cause; a registry's "not
found" is one sentence and no stand-in; secrets learned from -e are masked wherever they come back
(logs, exec, attached run split across chunks, inspect, ps --format, errors)."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import uuid

import docker.errors
import pytest
from IPython.core.error import UsageError

from dockermagic import errors

from dockermagic.engine import imagekit, lifecycle, pulling

from dockermagic import redaction
from dockermagic.cli.routes import run_command
from dockermagic.redaction import MASK


def _secret(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"  # 12 characters, unique to the run


def test_not_found_and_conflict_keep_status_and_cause(client, cleanup, images, ip):
    missing = cleanup.name("dm-missing")
    with pytest.raises(errors.NotFound) as info:
        lifecycle.start([missing], client=client)
    assert info.value.status_code == 404 and isinstance(info.value.__cause__, docker.errors.NotFound)
    assert str(info.value) == f"Docker could not find container {missing}: No such container: {missing}."
    with pytest.raises(UsageError, match=f"^Docker could not find container {missing}: No such container") as shown:
        ip.run_line_magic("docker", f"start {missing}")
    assert shown.value.__cause__ is None and shown.value.__suppress_context__  # only the magic drops it

    name = cleanup.name("dm-conflict")
    run_command(f"run -d --name {name} debian:bookworm sleep 60", client=client)
    with pytest.raises(errors.Conflict) as info:
        run_command(f"run -d --name {name} debian:bookworm sleep 60", client=client)
    assert info.value.status_code == 409 and isinstance(info.value.__cause__, docker.errors.APIError)
    with pytest.raises(errors.Conflict, match="running container"):
        run_command(f"rm {name}", client=client)  # running, no -f: the engine refuses with 409
    assert client.containers.get(name).status == "running"


class _Registry(http.server.BaseHTTPRequestHandler):
    """A registry on loopback that knows no manifest: what a mistyped tag meets."""

    def _answer(self, body: bool = True):
        found = self.path.rstrip("/") == "/v2"
        data = json.dumps({} if found else {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown",
                                                        "detail": {"Tag": self.path.rsplit("/", 1)[-1]}}]})
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data.encode())

    def do_GET(self):
        self._answer()

    def do_HEAD(self):
        self._answer(body=False)

    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the engine tries TLS first; that handshake is not HTTP


@pytest.fixture
def loopback_registry():
    server = _QuietServer(("127.0.0.1", 0), _Registry)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    t.join(5)


@pytest.fixture
def pulls_on(monkeypatch):
    monkeypatch.delenv("DOCKERMAGIC_NO_PULL", raising=False)  # only loopback registries are asked here
    monkeypatch.setattr(imagekit, "_registry_unreachable", False)


def test_a_tag_the_registry_does_not_have_is_one_sentence_and_no_stand_in(client, cleanup, images, pulls_on,
                                                                          loopback_registry, monkeypatch):
    repo = f"{loopback_registry}/postgres"
    monkeypatch.setitem(imagekit.STANDINS, repo, imagekit.STANDINS["postgres"])  # as if it had a stand-in
    ref = cleanup.image(f"{repo}:99")
    with pytest.raises(errors.NotInRegistry) as info:
        imagekit.ensure_image(ref, client=client, say=lambda _l: None)
    assert str(info.value) == (f"The registry has no image {ref} (manifest for {ref} not found: manifest unknown: "
                               "manifest unknown); check the name and the tag.")
    assert info.value.status_code == 404 and isinstance(info.value.__cause__, docker.errors.NotFound)
    with pytest.raises(errors.NotInRegistry):
        pulling.pull(ref, client=client, say=lambda _l: None)
    with pytest.raises(errors.NotInRegistry):
        run_command(f"run --rm {ref}", client=client, out=lambda _l: None)
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get(ref)  # nothing was tagged under the mistyped name
    assert imagekit.pulls_allowed()  # and a registry that answered is not "no registry"


def test_no_registry_at_all_is_still_the_stand_in_path(client, pulls_on):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    said = []
    assert imagekit.try_pull(f"127.0.0.1:{port}/postgres:1", client=client, say=said.append) is False
    assert "no registry answers" in said[0] and "connection refused" in said[0]
    assert not imagekit.pulls_allowed()


def test_secrets_from_run_are_masked_wherever_they_come_back(client, cleanup, images, ip, capsys):
    pw, tok, label = _secret("pw"), _secret("tk"), _secret("lb")
    name = cleanup.name("dm-redact")
    script = ('printf "%s" "${DB_PASS%????}"; sleep 0.5; echo "${DB_PASS#????????}"; export -p; '
              'echo "{\\"user\\": \\"u\\", \\"DB_PASS\\": \\"$DB_PASS\\"}"; echo "x: 1 API_TOKEN: $API_TOKEN"; sleep 60')
    shown: list[str] = []
    ip.run_line_magic("docker", f"run -d --name {name} -e DB_PASS={pw} -e API_TOKEN={tok} -e MONKEY=banana "
                                f"-l db.password={label} debian:bookworm sh -c '{script}'")
    import time

    end = time.monotonic() + 10
    while "API_TOKEN" not in client.containers.get(name).logs().decode() and time.monotonic() < end:
        time.sleep(0.2)
    logs = ip.run_line_magic("docker", f"logs {name}")
    execd = run_command(["exec", name, "sh", "-c", 'printf "%s" "${API_TOKEN%????}"; sleep 0.5; '
                         'echo "${API_TOKEN#????????}"; env'], client=client, out=shown.append)
    attached = run_command(["run", "--rm", "-e", f"DB_PASS={pw}", "debian:bookworm", "sh", "-c",
                            'printf "%s" "${DB_PASS%????}"; sleep 0.5; echo "${DB_PASS#????????}"'],
                           client=client, out=shown.append)
    inspected = ip.run_line_magic("docker", f"inspect {name}")
    labels = ip.run_line_magic("docker", f"ps --filter name={name} --format '{{{{.Labels}}}}'")
    with pytest.raises(UsageError) as refused:
        ip.run_line_magic("docker", f"run --rm --network net-{pw} debian:bookworm true")
    everything = "\n".join([logs.text, logs._repr_html_(), execd.output, "\n".join(shown), repr(inspected),
                            inspected._repr_html_(), "\n".join(labels), str(refused.value), capsys.readouterr().out])
    for secret in (pw, tok, label):
        assert secret not in everything
    assert f"export DB_PASS='{MASK}'" in logs.text and f'"DB_PASS": "{MASK}"' in logs.text  # dash's export -p
    assert f"API_TOKEN: {MASK}" in logs.text and "export MONKEY='banana'" in logs.text
    assert logs[0] == MASK and shown.count(MASK) == 2  # each secret printed in two writes, masked whole
    assert f"db.password={MASK}" in labels[0] and "net-" in str(refused.value)
    assert attached is None and "MONKEY=banana" in execd.output  # run --rm: the container is gone, nothing returned


def test_a_containers_env_is_learned_from_inspect(client, cleanup, images):
    name = cleanup.name("dm-learn")
    value = _secret("in")
    c = cleanup.container(client.containers.run(
        "debian:bookworm", ["sh", "-c", f"echo {value}; sleep 60"], name=name, detach=True,
        environment=[f"SERVICE_TOKEN={value}"], labels=cleanup.labels,
        healthcheck={"test": ["CMD-SHELL", f"check --token {value}"], "interval": 10**9 * 30}))
    import time

    end = time.monotonic() + 10
    while not c.logs() and time.monotonic() < end:
        time.sleep(0.2)
    redaction.forget_all()
    try:
        assert run_command(["logs", name], client=client)[0] == value  # not known yet, and no pattern
        raw = run_command(["inspect", name], client=client)
        assert value not in repr(raw) and value in str(c.attrs)  # Cmd, Args, Healthcheck, Env all masked
        assert run_command(["logs", name], client=client)[0] == MASK  # learned from Config.Env
    finally:
        redaction.forget_all()
