"""The live views in a real browser: JupyterLab on loopback, Debian's Chromium driven by Playwright.

What only a browser shows: the widget models reach the page, the HTML renders, and updates a
background thread makes after the cell finished still arrive (ipykernel 7 + ipywidgets 8).
Screenshots land in test-artifacts/ (gitignored) for a human to look at when this fails.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import docker
import pytest

from labkit import chromium, jupyterlab, new_cell, run_all, wait_executed, write_notebook

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def lab(tmp_path, cleanup):
    """JupyterLab on loopback. os.environ already carries the cleanup fixture's DOCKERMAGIC_LABELS:
    the kernel inherits it, so whatever %docker run makes in the notebook goes with the test's objects."""
    try:
        with jupyterlab(tmp_path, env={**os.environ, "DOCKERMAGIC_NO_PULL": "1"}) as server:
            yield server
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


# The notebook's cells: 0 loads the extension, then one view each.
PS, NETWORKS, DASHBOARD, PAGED = 1, 2, 3, 4


def _output(page, cell: int):
    """The rendered output of the notebook's cell `cell` (0-based)."""
    return page.locator(".jp-Notebook .jp-Cell").nth(cell).locator(".jp-OutputArea-output").first


def _shoot(page, stage: str) -> None:
    """The page, plus each view on its own (the notebook scrolls inside the page, so a full-page
    shot would miss the views further down)."""
    page.screenshot(path=str(ARTIFACTS / f"jupyterlab-{stage}.png"))
    for name, cell in (("containers", PS), ("networks", NETWORKS)):
        view = _output(page, cell)
        view.scroll_into_view_if_needed()
        view.screenshot(path=str(ARTIFACTS / f"jupyterlab-{stage}-{name}.png"))


def _wait_text(where, texts, timeout=10.0) -> str:
    """Wait until every text is in the rendered text of `where` (a locator); return that text."""
    end = time.monotonic() + timeout
    while True:
        body = where.inner_text() if where.count() else ""
        if all(t in body for t in texts):
            return body
        if time.monotonic() > end:
            missing = [t for t in texts if t not in body]
            (ARTIFACTS / "jupyterlab-failure.txt").write_text(body)
            raise AssertionError(f"not rendered within {timeout} s: {missing} (its text in test-artifacts/)")
        time.sleep(0.1)


def test_views_render_and_follow_a_run(lab, browser, client, cleanup, images):
    ARTIFACTS.mkdir(exist_ok=True)
    net = client.networks.create(cleanup.name("brn"), driver="bridge", labels=cleanup.labels)
    cleanup.network(net)
    a = cleanup.container(client.containers.run(
        "debian:bookworm", ["sleep", "600"], detach=True, name=cleanup.name("bra"), labels=cleanup.labels,
        ports={"80/tcp": ("127.0.0.1", None)}))
    b = cleanup.container(client.containers.run(
        "debian:bookworm", ["sleep", "600"], detach=True, name=cleanup.name("brb"), labels=cleanup.labels,
        network=net.name))
    net.connect(a, aliases=["web-alias"])
    a.reload(), b.reload()
    a_ip = a.attrs["NetworkSettings"]["Networks"]["bridge"]["IPAddress"]
    a_ip_net = a.attrs["NetworkSettings"]["Networks"][net.name]["IPAddress"]
    b_ip = b.attrs["NetworkSettings"]["Networks"][net.name]["IPAddress"]
    a_port = a.attrs["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]
    write_notebook(lab.root / "views.ipynb", [
        "%load_ext dockermagic",
        # only this test's containers: other tests on the engine come and go meanwhile
        f"%docker ps --watch --filter label=org.dockermagic.test={cleanup.label_value}",
        "%docker network ls --watch",
        "%docker dashboard",
        # one row a page: the pager
        "from dockermagic.widgets import ContainersView\n"
        f"paged = ContainersView(filters=['label=org.dockermagic.test={cleanup.label_value}'], page_size=1)\npaged",
    ])

    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    try:
        page.goto(lab.url("/lab/tree/views.ipynb"))
        run_all(page, lab, "views.ipynb")
        wait_executed(page, lab, "views.ipynb", PAGED + 1)
        ps, nets, dash = _output(page, PS), _output(page, NETWORKS), _output(page, DASHBOARD)
        _wait_text(ps, [a.name, b.name, a_ip, a_ip_net, b_ip, f"127.0.0.1:{a_port}->80/tcp"], timeout=20)
        _wait_text(nets, ["bridge docker0", net.name, f"eth {a_ip}", f"eth {a_ip_net}", "aliases: web-alias",
                          f"host 127.0.0.1:{a_port} \u2192 80/tcp", b.name, f"eth0 {b_ip}"])
        # each view's static snapshot (for exports) is in the page, hidden beside its live view
        snapshots = page.locator(".jp-Notebook .dockermagic-snapshot")
        assert snapshots.count() == 4 and not any(snapshots.nth(i).is_visible() for i in range(4))
        _shoot(page, "views")

        # A new cell with %docker run: the views (displayed by earlier cells) must pick it up.
        c_name = cleanup.name("brc")
        line = f"%docker run -d --name {c_name} --network {net.name} -p 127.0.0.1::8080 debian:bookworm sleep 600"
        new_cell(page, line)
        t0 = time.monotonic()
        page.keyboard.press("Shift+Enter")
        c = _wait_running(client, c_name)
        c_ip = c.attrs["NetworkSettings"]["Networks"][net.name]["IPAddress"]
        c_port = c.attrs["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"]
        _wait_text(ps, [c_name, c_ip, f"127.0.0.1:{c_port}->8080/tcp"], timeout=5)
        _wait_text(nets, [c_name, f"eth0 {c_ip}", f"host 127.0.0.1:{c_port} \u2192 8080/tcp"], timeout=5)
        _shoot(page, "after-run")
        print(f"run -> rendered in {time.monotonic() - t0:.2f} s")

        # The row actions from the browser: the stop button in the new container's own row; the click
        # runs in the kernel, the engine's die event comes back through the watcher thread to this row.
        row = _Row(ps, c)
        assert c_name in row.cells.inner_text()
        assert row.button("start").count() == 0  # running: stop is offered, not start
        row.button("stop").click()
        _wait_text(row.cells, ["exited (137)"], timeout=8)
        _wait_text(ps, [f"stop {c_name}: done."], timeout=5)
        assert client.containers.get(c_name).status == "exited"
        for other in (a, b):  # the other rows: untouched, their containers run on
            assert client.containers.get(other.id).status == "running"
            assert "running" in _Row(ps, other).cells.inner_text() and _Row(ps, other).button("stop").count() == 1
        row.button("start").wait_for(timeout=5000)  # exited: its button says start now
        assert row.button("stop").count() == 0
        _wait_gone(nets, c_name)  # a stopped container leaves its networks
        row.button("logs").click()
        _wait_text(ps, [f"logs {c_name}"], timeout=5)
        _shoot(page, "after-stop")

        # The dashboard: its tabs switch in the page and show the engine's images and volumes.
        dash.locator(".lm-TabBar-tab", has_text="Images").click()
        assert "debian:bookworm (stand-in)" in _wait_text(dash, ["repository:tag"], timeout=5)
        dash.locator(".lm-TabBar-tab", has_text="Volumes").click()
        _wait_text(dash, ["mountpoint"], timeout=5)
        dash.screenshot(path=str(ARTIFACTS / "jupyterlab-dashboard.png"))

        # A view with more rows than its page: prev/next in the page move through them.
        paged = _output(page, PAGED)
        paged.scroll_into_view_if_needed()
        _wait_text(paged, ["rows 1–1 of 3", a.name], timeout=5)
        paged.locator("button:text-is('next ▶')").click()
        assert a.name not in _wait_text(paged, ["rows 2–2 of 3", b.name], timeout=5)
        paged.screenshot(path=str(ARTIFACTS / "jupyterlab-paged.png"))

        # A closed view leaves its last picture: the live view goes, its snapshot shows (all rows).
        new_cell(page, "paged.close()")
        page.keyboard.press("Shift+Enter")
        snapshot = page.locator(".jp-Notebook .jp-Cell").nth(PAGED).locator(".dockermagic-snapshot")
        snapshot.wait_for(state="visible", timeout=5000)
        assert all(name in snapshot.inner_text() for name in (a.name, b.name, c_name))
        snapshot.screenshot(path=str(ARTIFACTS / "jupyterlab-closed-snapshot.png"))
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-failure.png"))
        (ARTIFACTS / "jupyterlab-failure.txt").write_text(page.inner_text(".jp-Notebook"))
        raise
    finally:
        ctx.close()


class _Row:
    """The row of container `c` in the containers view: each of its widgets (three buttons, the cells)
    carries the class dockermagic-<short id>."""

    def __init__(self, view, c):
        self._view, self._mark = view, f"dockermagic-{c.id[:12]}"
        self.cells = view.locator(f".dockermagic-cells.{self._mark}")
        self.cells.wait_for(timeout=5000)

    def button(self, label: str):
        return self._view.locator(f"button.{self._mark}:text-is('{label}')")


def _wait_gone(where, text, timeout=5.0) -> None:
    end = time.monotonic() + timeout
    while text in where.inner_text():
        if time.monotonic() > end:
            raise AssertionError(f"{text} still shown after {timeout} s")
        time.sleep(0.1)


def _wait_running(client, name, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            c = client.containers.get(name)
            if c.status == "running":
                return c
        except docker.errors.NotFound:
            pass
        time.sleep(0.1)
    raise AssertionError(f"%docker run in the notebook did not start {name}")
