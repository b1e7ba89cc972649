"""The live views in a real browser: JupyterLab on loopback, Debian's Chromium driven by Playwright.

What only a browser shows: the widget models reach the page, the HTML renders, and updates a
background thread makes after the cell finished still arrive (ipykernel 7 + ipywidgets 8).
Screenshots land in test-artifacts/ (gitignored) for a human to look at when this fails.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import docker
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, token: str, path: str, method: str = "GET"):
    req = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        body = resp.read()
    return json.loads(body) if body else None


class Lab:
    def __init__(self, base: str, token: str, proc: subprocess.Popen, log: Path):
        self.base, self.token, self.proc, self.log = base, token, proc, log

    def url(self, path: str) -> str:
        return f"{self.base}{path}?token={self.token}"


@pytest.fixture
def lab(tmp_path, cleanup):
    """JupyterLab from this venv on 127.0.0.1:<free port> with a token; shut down with its kernels."""
    root = tmp_path / "root"
    root.mkdir()
    settings = tmp_path / "settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    # Without this the "official Jupyter news" pop-up asks for a click (and tries the internet).
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # ...and without this a "Select Kernel" dialog waits for a click before the kernel starts.
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"autoStartDefaultKernel": True}))
    port, token = _free_port(), os.urandom(16).hex()
    # os.environ already carries the cleanup fixture's DOCKERMAGIC_LABELS: the kernel inherits it,
    # so whatever %docker run makes in the notebook is removed with the test's own objects.
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           # no user-level kernelspecs or IPython profile: the kernel is this venv's, as in CI
           "JUPYTER_DATA_DIR": str(tmp_path / "data"), "IPYTHONDIR": str(tmp_path / "ipython"),
           "DOCKERMAGIC_NO_PULL": "1"}
    log = tmp_path / "lab.log"
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
            f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
    server = Lab(f"http://127.0.0.1:{port}", token, proc, log)
    server.root = root
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _api(server.base, token, "/api/status")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield server
    finally:
        try:  # kernels first: a server killed outright would orphan them
            for s in _api(server.base, token, "/api/sessions") or []:
                _api(server.base, token, f"/api/sessions/{s['id']}", method="DELETE")
            _api(server.base, token, "/api/shutdown", method="POST")
        except OSError:
            pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()


def _notebook(path: Path, label: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (
        "%load_ext dockermagic",
        # only this test's containers: other tests on the engine come and go meanwhile
        f"%docker ps --watch --filter label={label}",
        "%docker network ls --watch",
        "%docker dashboard",
    )]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _new_cell(page, source: str) -> None:
    """Add a cell at the end holding `source`, ready to run. The text goes in as one input event,
    once the editor has focus: typed key by key, a slow start would turn letters into notebook
    shortcuts, and the completer could take the Enter."""
    page.click(".jp-Notebook .jp-Cell:last-child .jp-InputArea-prompt")
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # command mode: a new cell below...
    page.keyboard.press("Enter")  # ...then edit it
    editor = page.locator(".jp-Notebook .jp-Cell.jp-mod-active .cm-content")
    page.wait_for_selector(".jp-Notebook .jp-Cell.jp-mod-active .cm-editor.cm-focused", timeout=5000)
    page.keyboard.insert_text(source)
    end = time.monotonic() + 5
    while editor.inner_text().strip() != source:
        if time.monotonic() > end:
            raise AssertionError(f"the new cell holds {editor.inner_text()!r}, not {source!r}")
        time.sleep(0.05)


def _shoot(page, stage: str) -> None:
    """The whole page, plus each view on its own (the notebook scrolls inside the page, so a
    full-page shot would miss the views further down)."""
    page.screenshot(path=str(ARTIFACTS / f"jupyterlab-{stage}.png"))
    outputs = page.locator(".jp-OutputArea-output")
    for name, locator in (("containers", outputs.filter(has=page.locator("th:text-is('uptime')")).first),
                          ("networks", outputs.filter(has_text="host · network").first)):
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=str(ARTIFACTS / f"jupyterlab-{stage}-{name}.png"))


def _run_all(page) -> None:
    """Run > Run All Cells, once the kernel is idle; again if the click landed before the notebook
    took it (menu items stay disabled until the notebook panel is the current widget)."""
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=30000)
    page.click(".jp-Notebook .jp-Cell .jp-InputArea-prompt")  # make the notebook the current widget
    for _ in range(5):
        page.click('.lm-MenuBar-itemLabel:text-is("Run")')
        page.click('.lm-Menu-item[data-command="runmenu:run-all"]')
        try:  # a prompt turns into [*] or [1] once the run started
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]"
                ".some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent))", timeout=3000)
            return
        except Exception:
            page.keyboard.press("Escape")
    raise AssertionError("Run All never started the notebook's cells")


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
    _notebook(lab.root / "views.ipynb", f"org.dockermagic.test={cleanup.label_value}")

    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    try:
        page.goto(lab.url("/lab/tree/views.ipynb"))
        _run_all(page)
        _wait_text(page, [a.name, b.name, a_ip, b_ip, a_ip_net, f"127.0.0.1:{a_port}->80/tcp",
                          net.name, "web-alias", "docker0"], timeout=20)
        _shoot(page, "views")

        # A new cell with %docker run: the views (displayed by earlier cells) must pick it up.
        c_name = cleanup.name("brc")
        line = f"%docker run -d --name {c_name} --network {net.name} -p 127.0.0.1::8080 debian:bookworm sleep 600"
        _new_cell(page, line)
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
