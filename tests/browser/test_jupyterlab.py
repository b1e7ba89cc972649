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

from labkit import chromium, jupyterlab, new_cell, run_all, write_notebook

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


def _shoot(page, stage: str) -> None:
    """The whole page, plus each view on its own (the notebook scrolls inside the page, so a
    full-page shot would miss the views further down)."""
    page.screenshot(path=str(ARTIFACTS / f"jupyterlab-{stage}.png"))
    outputs = page.locator(".jp-OutputArea-output")
    for name, locator in (("containers", outputs.filter(has=page.locator("th:text-is('uptime')")).first),
                          ("networks", outputs.filter(has_text="host · network").first)):
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=str(ARTIFACTS / f"jupyterlab-{stage}-{name}.png"))


def _wait_text(page, texts, timeout=10.0, selector=".jp-Notebook"):
    """Wait until every text is in the notebook's rendered text; return that text."""
    end = time.monotonic() + timeout
    while True:
        body = page.inner_text(selector)
        if all(t in body for t in texts):
            return body
        if time.monotonic() > end:
            missing = [t for t in texts if t not in body]
            (ARTIFACTS / "jupyterlab-failure.txt").write_text(body)
            raise AssertionError(f"not rendered within {timeout} s: {missing} (page text in test-artifacts/)")
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
    ])

    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    try:
        page.goto(lab.url("/lab/tree/views.ipynb"))
        run_all(page)
        _wait_text(page, [a.name, b.name, a_ip, b_ip, a_ip_net, f"127.0.0.1:{a_port}->80/tcp",
                          net.name, "web-alias", "docker0"], timeout=20)
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
        _wait_text(page, [c_ip, f"127.0.0.1:{c_port}->8080/tcp", f"host 127.0.0.1:{c_port}"], timeout=5)
        _shoot(page, "after-run")
        print(f"run -> rendered in {time.monotonic() - t0:.2f} s")

        # The row actions from the browser: pick the new container, stop it; the click runs in the
        # kernel, the engine's die event comes back through the watcher thread to this page.
        ps_view = page.locator(".jp-OutputArea-output", has=page.locator("th:text-is('uptime')")).first
        ps_view.locator("select").select_option(c_name)
        ps_view.locator("button:text-is('stop')").click()
        _wait_text(page, ["exited (137)"], timeout=8)
        assert client.containers.get(c_name).status == "exited"
        ps_view.locator("button:text-is('logs')").click()
        _wait_text(page, [f"logs {c_name}"], timeout=5)
        _shoot(page, "after-stop")

        # The dashboard: its tabs switch in the page and show the engine's images and volumes.
        dash = page.locator(".jp-OutputArea-output .widget-tab").first
        dash.locator(".lm-TabBar-tab", has_text="Images").click()
        assert "debian:bookworm (stand-in)" in _wait_text(page, ["repository:tag"], timeout=5)
        dash.locator(".lm-TabBar-tab", has_text="Volumes").click()
        _wait_text(page, ["mountpoint"], timeout=5)
        dash.screenshot(path=str(ARTIFACTS / "jupyterlab-dashboard.png"))
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-failure.png"))
        (ARTIFACTS / "jupyterlab-failure.txt").write_text(page.inner_text(".jp-Notebook"))
        raise
    finally:
        ctx.close()


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
