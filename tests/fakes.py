"""A fake docker client for the parsing layer: every call the routes of ``dispatch`` make, with
answers shaped like the engine's, and checks that no unvalidated number reaches it.

Only for pure parsing and formatting tests (the property tests): everything else uses the real
engine. Unknown names raise the SDK's own ``NotFound``, built from a real HTTP response.
"""

from __future__ import annotations

import json

import docker.errors
import requests

KNOWN = ("web", "db")
INT32 = 2**31 - 1


def api_error(status: int, message: str) -> docker.errors.APIError:
    """The exception docker-py raises for an engine answer with this status and message."""
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps({"message": message}).encode()
    response.url = "http+docker://localhost/v1.41/x"
    try:
        docker.errors.create_api_error_from_http_exception(requests.exceptions.HTTPError(response=response))
    except docker.errors.APIError as exc:
        return exc
    raise AssertionError("docker-py raised nothing")


def _check(ok: bool, what: str, value) -> None:
    if not ok:
        raise AssertionError(f"unvalidated {what} reached the engine: {value!r}")


def _check_int(value, what: str, low: int, high: int) -> None:
    _check(isinstance(value, int) and not isinstance(value, bool) and low <= value <= high, what, value)


def _check_port_binding(binding) -> None:
    if isinstance(binding, list):
        for b in binding:
            _check_port_binding(b)
        return
    if isinstance(binding, tuple):
        binding = binding[1] if len(binding) > 1 else None
    if binding is None:
        return
    if isinstance(binding, str):  # a host range for one container port: "8000-8010"
        first, _, last = binding.partition("-")
        _check(first.isascii() and first.isdigit() and last.isascii() and last.isdigit()
               and 0 <= int(first) <= int(last) <= 65535, "host port range", binding)
        return
    _check_int(binding, "host port", 0, 65535)


class _Stream(list):
    """A streamed answer: chunks, and close() as the SDK's streams have it."""

    def close(self):
        self.closed = True


class _WaitAnswer:
    def json(self):
        return {"StatusCode": 0}

    def close(self):
        pass


class FakeContainer:
    def __init__(self, name: str, env: list[str] | None = None):
        self.name = name
        self.id = (name.encode().hex() + "0" * 64)[:64]
        self.status = "running"
        self.attrs = {"Id": self.id, "Name": "/" + name, "State": {"Status": "running", "Running": True, "Pid": 42},
                      "Config": {"Env": env or ["PATH=/bin"], "Cmd": ["sleep", "1"], "Image": "img",
                                 "Labels": {"a": "b"}},
                      "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]},
                                          "Networks": {}}}

    def logs(self, stream=False, follow=False, tail="all", since=None, timestamps=False):
        _check(tail == "all" or (isinstance(tail, int) and tail >= 0), "--tail", tail)
        if since is not None:
            _check_int(since, "--since", 1, 253402300799)
        chunks = [b"hello ", b"world\nPASSWORD=x\n", b"\xff\xfe half"]
        return _Stream(chunks) if stream else b"".join(chunks)

    def wait(self, condition=None):
        return {"StatusCode": 0}

    def reload(self):
        pass

    def stop(self, timeout=None):
        if timeout is not None:
            _check_int(timeout, "stop -t", 0, INT32)

    def restart(self, timeout=None):
        if timeout is not None:
            _check_int(timeout, "restart -t", 0, INT32)

    def start(self):
        pass

    def kill(self, signal=None):
        pass

    def remove(self, force=False, v=False):
        pass


class FakeImage:
    def __init__(self, ref: str):
        self.id = "sha256:" + "1" * 64
        self.tags = [ref]
        self.attrs = {"Id": self.id, "Config": {"Labels": {}, "Volumes": None}}

    def tag(self, repo, tag=None):
        return True


class FakeNetwork:
    def __init__(self, name: str):
        self.name = name
        self.attrs = {"Id": "2" * 64, "Name": name, "Driver": "bridge", "IPAM": {"Config": []}, "Containers": {}}

    def connect(self, container, **kw):
        pass

    def disconnect(self, container, **kw):
        pass

    def remove(self):
        pass


def _known(kind: str, name: str) -> None:
    if name not in KNOWN:
        raise api_error(404, f"No such {kind}: {name}")


class _Containers:
    def get(self, name):
        _known("container", str(name))
        return FakeContainer(str(name))

    def run(self, image, command=None, **kw):
        return self.create(image, command, **kw)

    def create(self, image, command=None, *, ports=None, restart_policy=None, environment=None, **kw):
        for key, binding in (ports or {}).items():
            number, _, proto = key.partition("/")
            _check(number.isascii() and number.isdigit() and 1 <= int(number) <= 65535
                   and proto in ("tcp", "udp", "sctp"), "container port", key)
            _check_port_binding(binding)
        if restart_policy and "MaximumRetryCount" in restart_policy:
            _check_int(restart_policy["MaximumRetryCount"], "--restart on-failure:N", 0, INT32)
        return FakeContainer(kw.get("name") or "web", environment)


class _Images:
    def get(self, ref):
        return FakeImage(str(ref))

    def remove(self, name, force=False):
        _known("image", str(name))


class _Volumes:
    def get(self, name):
        _known("volume", str(name))

    def create(self, name=None, **kw):
        return name


class _Networks:
    def get(self, name):
        _known("network", str(name))
        return FakeNetwork(str(name))

    def create(self, name, **kw):
        return FakeNetwork(name)


class _API:
    api_version = "1.41"
    base_url = "http+docker://localhost"

    def containers(self, all=False, filters=None, limit=-1):
        _check_int(limit, "ps -n", -1, INT32)
        return [{"Id": FakeContainer(n).id, "Names": ["/" + n], "Image": "img", "Command": "sleep 1",
                 "State": "running", "Status": "Up", "Ports": [], "Labels": {"DB_PASSWORD": "x"},
                 "NetworkSettings": {"Networks": {}}} for n in KNOWN]

    def inspect_container(self, name):
        _known("container", name)
        return FakeContainer(name, ["DB_PASSWORD=abcdef"]).attrs

    def inspect_image(self, name):
        _known("image", name)
        return FakeImage(name).attrs

    def inspect_network(self, name):
        _known("network", name)
        return FakeNetwork(name).attrs

    def inspect_volume(self, name):
        _known("volume", name)
        return {"Name": name, "Driver": "local"}

    def create_endpoint_config(self, **kw):
        return kw

    # an attached run: attach, then a wait registered before start (running.ExitCode)
    def attach(self, cid, **kw):
        return _Stream([b"attached ", b"output\n"])

    def _url(self, path, *args):
        return path.format(*args)

    def _post(self, url, params=None, stream=False, timeout=None):
        return _WaitAnswer()

    def _raise_for_status(self, response):
        pass

    def exec_create(self, cid, cmd, **kw):
        return {"Id": "e1"}

    def exec_start(self, eid, stream=False, detach=False):
        return _Stream([b"out", b"put\n"]) if stream else b""

    def exec_inspect(self, eid):
        return {"ExitCode": 0}

    def images(self, name=None, all=False):
        return [{"Id": "sha256:" + "1" * 64, "RepoTags": ["img:latest"], "Created": 0, "Size": 1000}]

    def pull(self, repo, tag=None, stream=False, decode=False):
        return iter([{"status": "Pulling from x", "id": tag}, {"status": "Digest: sha256:1"}])

    def tag(self, *a, **kw):
        return True

    def top(self, cid, ps_args=None):
        return {"Titles": ["PID", "CMD"], "Processes": [["1", "sleep 1"]]}

    def stats(self, cid, stream=False):
        return {"cpu_stats": {}, "precpu_stats": {}, "memory_stats": {}}

    def networks(self):
        return [FakeNetwork(n).attrs for n in KNOWN]

    def prune_networks(self, filters=None):
        return {"NetworksDeleted": []}

    def volumes(self, filters=None):
        return {"Volumes": [{"Name": n, "Driver": "local"} for n in KNOWN]}

    def remove_volume(self, name, force=False):
        _known("volume", name)

    def prune_volumes(self, filters=None):
        return {"VolumesDeleted": []}


class FakeClient:
    """What ``dispatch`` may ask of a docker client, answered without an engine."""

    def __init__(self):
        self.api = _API()
        self.containers = _Containers()
        self.images = _Images()
        self.volumes = _Volumes()
        self.networks = _Networks()

    def version(self):
        return {"Version": "20.10", "ApiVersion": "1.41", "Os": "linux", "Arch": "amd64"}

    def info(self):
        return {"Name": "fake", "HttpProxy": "http://user:proxypw9@proxy:3128"}
