"""Shared fixtures: a real engine, and bookkeeping that removes everything a test makes.

Every container, network and volume dockermagic creates carries the labels from
``DOCKERMAGIC_LABELS``; the ``cleanup`` fixture sets a label unique to the test and, when
the test ends (passed or failed), force-removes whatever carries it, plus anything the test
registered by hand (objects made straight through the SDK, image tags).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import uuid

import docker
import pytest

from dockermagic.engine.cleanup import force_remove_container as _remove_container

TEST_LABEL = "org.dockermagic.test"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Label values start with this run's id, so the end-of-run sweep finds this run's leftovers
# and never touches another pytest run's objects on the same engine.
RUN_ID = uuid.uuid4().hex[:8]


def random_name(prefix: str = "dmtest") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def client():
    """A docker client for the real engine. Missing engine: an error in CI, a skip elsewhere."""
    from dockermagic.client import connect
    from dockermagic.errors import EngineUnavailable

    try:
        c = connect()
    except EngineUnavailable as exc:
        if IN_CI:
            pytest.fail(f"CI=true and {exc}", pytrace=False)
        pytest.skip(str(exc))
    dangling_before = _dangling(c)
    yield c
    # A rebuilt tag, or a tag removed with noprune, leaves its old image untagged ("dangling"):
    # not a tag the tests could register, but still left behind. Remove the ones this run made.
    for image_id in _dangling(c) - dangling_before:
        with contextlib.suppress(docker.errors.APIError):
            c.api.remove_image(image_id, noprune=False)
    c.close()


def _dangling(c) -> set[str]:
    return {i["Id"] for i in c.api.images(filters={"dangling": True})}


class Resources:
    """Records what a test makes and removes it all at teardown, in a safe order."""

    def __init__(self, client: docker.DockerClient, label_value: str):
        self.client = client
        self.label_value = label_value
        self.containers: list[str] = []
        self.networks: list[str] = []
        self.volumes: list[str] = []
        self.images: list[str] = []
        self.paths: list[str] = []

    @property
    def labels(self) -> dict[str, str]:
        return {TEST_LABEL: self.label_value}

    def name(self, prefix: str = "dmtest") -> str:
        """A fresh random name; whatever the test makes under it is removed afterwards."""
        n = random_name(prefix)
        self.containers.append(n)
        self.networks.append(n)
        self.volumes.append(n)
        return n

    def container(self, c):
        self.containers.append(getattr(c, "id", c))
        return c

    def network(self, n):
        self.networks.append(getattr(n, "id", n))
        return n

    def volume(self, v):
        self.volumes.append(getattr(v, "name", v))
        return v

    def image(self, ref: str) -> str:
        self.images.append(ref)
        return ref

    def cleanup(self) -> list[str]:
        c, left = self.client, []
        flt = {"label": f"{TEST_LABEL}={self.label_value}"}
        ids = set(self.containers) | {x.id for x in c.containers.list(all=True, sparse=True, filters=flt)}
        for cid in ids:
            _remove_container(c, cid)
        net_ids = set(self.networks) | {n.id for n in c.networks.list(filters=flt)}
        for nid in net_ids:
            with contextlib.suppress(docker.errors.NotFound):
                net = c.networks.get(nid)
                net.reload()
                for cont in net.attrs.get("Containers") or {}:
                    with contextlib.suppress(docker.errors.APIError):
                        net.disconnect(cont, force=True)
                net.remove()
        vol_names = set(self.volumes) | {v.name for v in c.volumes.list(filters=flt)}
        for vname in vol_names:
            with contextlib.suppress(docker.errors.NotFound):
                c.api.remove_volume(vname, force=True)
        for ref in self.images:
            with contextlib.suppress(docker.errors.ImageNotFound):
                c.api.remove_image(ref, force=True, noprune=False)
        # Anything still carrying the label is a leak the test did not account for.
        left += [x.name for x in c.containers.list(all=True, sparse=True, filters=flt)]
        left += [n.name for n in c.networks.list(filters=flt)]
        left += [v.name for v in c.volumes.list(filters=flt)]
        return left


@pytest.fixture
def cleanup(client, monkeypatch, request):
    """Records and force-removes every container, network, volume and tag a test creates."""
    value = f"{RUN_ID}-{request.node.name[:40]}-{uuid.uuid4().hex[:6]}"
    inherited = os.environ.get("DOCKERMAGIC_LABELS", "")
    monkeypatch.setenv("DOCKERMAGIC_LABELS", ",".join(filter(None, [inherited, f"{TEST_LABEL}={value}"])))
    res = Resources(client, value)
    yield res
    left = res.cleanup()
    assert not left, f"could not remove test objects: {left}"


@contextlib.contextmanager
def host_port_lock(port: int):
    """Serialise tests that need one fixed host port (5433) across concurrent pytest runs."""
    with open(f"/tmp/dockermagic-port-{port}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield port
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.fixture
def port_5433(cleanup):
    """Host port 5433, as the tutorial uses it, held by this test alone.

    The test's objects are removed before the lock is let go: pytest tears fixtures down
    in reverse order, so otherwise the next test could find 5433 still published.
    """
    with host_port_lock(5433) as port:
        yield port
        cleanup.cleanup()


@pytest.fixture(scope="session")
def images(client):
    """The stand-in (or real) images the tests use; built once if missing."""
    from dockermagic.engine.imagekit import DEFAULT_IMAGES, ensure_images

    return ensure_images(DEFAULT_IMAGES, client=client, say=lambda line: None)


@pytest.fixture
def ip():
    """A real IPython shell with dockermagic loaded."""
    from IPython.testing.globalipapp import start_ipython, get_ipython

    # start_ipython() returns None once the global test shell exists (second test on).
    shell = start_ipython() or get_ipython()
    shell.run_line_magic("load_ext", "dockermagic")
    yield shell


def _leftovers(client: docker.DockerClient) -> list[str]:
    """Objects labelled by this run that are still on the engine."""
    flt = {"label": TEST_LABEL}
    mine = lambda labels: (labels or {}).get(TEST_LABEL, "").startswith(RUN_ID)  # noqa: E731
    found = [f"container {c['Names'][0].lstrip('/')}" for c in client.api.containers(all=True, filters=flt) if mine(c.get("Labels"))]
    found += [f"network {n['Name']}" for n in client.api.networks(filters=flt) if mine(n.get("Labels"))]
    found += [f"volume {v['Name']}" for v in (client.api.volumes(filters=flt).get("Volumes") or []) if mine(v.get("Labels"))]
    return found


def pytest_sessionfinish(session, exitstatus):
    """The run fails if it left anything behind on the engine."""
    try:
        from dockermagic.client import connect

        c = connect(timeout=10)
    except Exception:
        return
    try:
        left = _leftovers(c)
    finally:
        c.close()
    if left:
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            "LEAK: the tests left these on the engine: " + ", ".join(left), red=True
        )
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _python_ctrl_c():
    """Every test starts with Python's own Ctrl-C handler. A runner started in the background (`cmd &`
    in a script, some CI runners) inherits SIGINT as ignored, and a test that ran a kernel or a server
    can leave another handler behind; the Ctrl-C tests (SIGINT, interrupt_main) would then wait
    forever for an interrupt that never comes."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
