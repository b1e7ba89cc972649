"""JupyterLab on loopback and Debian's Chromium, for the browser test and the browser benchmark.

Never `playwright install`: Playwright drives /usr/bin/chromium (apt package `chromium`).
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running server: `root` is its notebook directory, `url(path)` carries the token."""

    def __init__(self, base: str, token: str, root: Path, proc: subprocess.Popen, log: Path):
        self.base, self.token, self.root, self.proc, self.log = base, token, root, proc, log

    def url(self, path: str) -> str:
        return f"{self.base}{path}?token={self.token}"

    def api(self, path: str, method: str = "GET"):
        req = urllib.request.Request(f"{self.base}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            body = resp.read()
        return json.loads(body) if body else None


@contextlib.contextmanager
def jupyterlab(tmp: Path, env: dict[str, str] | None = None, timeout: float = 30.0):
    """JupyterLab from this venv on 127.0.0.1:<free port> with a random token, private settings and
    data dirs; on exit its kernels are shut down, then the server.

    Args:
        tmp: an empty directory for the server's root and its settings.
        env: the server's (and so the kernels') environment; default os.environ.
    """
    root, settings = tmp / "root", tmp / "settings"
    root.mkdir()
    for plugin, values in (
            # Without this the "official Jupyter news" pop-up asks for a click (and tries the internet)...
            ("apputils-extension/notification", {"fetchNews": "false", "checkForUpdates": False}),
            # ...and without this a "Select Kernel" dialog waits for a click before the kernel starts.
            ("notebook-extension/tracker", {"autoStartDefaultKernel": True})):
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    # No build check: the page asks for one as it loads, and on two busy cores it kept the server
    # from answering for ~12 s, long enough for the theme's style sheet to time out (an error dialog).
    labconfig = tmp / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(json.dumps({"buildCheck": False, "buildAvailable": False}))
    port, token = _free_port(), os.urandom(16).hex()
    env = {**(env if env is not None else os.environ), "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp / "config"),
           # no user-level kernelspecs or IPython profile: the kernel is this venv's, as in CI
           "JUPYTER_DATA_DIR": str(tmp / "data"), "IPYTHONDIR": str(tmp / "ipython")}
    log = tmp / "lab.log"
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
            f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            # the default ('pypi') extension manager asks PyPI for listings: the test talks to loopback only
            "--LabApp.extension_manager=readonly"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
    lab = Lab(f"http://127.0.0.1:{port}", token, root, proc, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                lab.api("/api/status")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.2)
        yield lab
    finally:
        try:  # kernels first: a server killed outright would orphan them
            for s in lab.api("/api/sessions") or []:
                lab.api(f"/api/sessions/{s['id']}", method="DELETE")
            lab.api("/api/shutdown", method="POST")
        except OSError:
            pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@contextlib.contextmanager
def chromium():
    """Headless Chromium (Debian's) under Playwright; a fresh temporary profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def write_notebook(path: Path, sources: list[str]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def kernel_of(lab: Lab, path: str, timeout: float = 30.0) -> dict:
    """The kernel of the notebook `path` (relative to the server's root) once the server reports it
    idle: the session JupyterLab opened for it (`/api/sessions`), then that kernel's own state
    (`/api/kernels/{id}`, from the kernel's status messages). What the page shows is not waited on:
    JupyterLab 4.6 can keep its status-bar execution indicator in the page but hidden."""
    deadline = time.monotonic() + timeout
    seen = "no session"
    while True:
        sessions = [s for s in lab.api("/api/sessions") or [] if s.get("path") == path and s.get("kernel")]
        if sessions:
            kernel = lab.api(f"/api/kernels/{sessions[0]['kernel']['id']}")
            seen = f"kernel {kernel['id'][:8]} {kernel.get('execution_state')}"
            if kernel.get("execution_state") == "idle":
                return kernel
        if time.monotonic() > deadline:
            raise AssertionError(f"the kernel of {path} was not idle within {timeout:g} s ({seen})")
        time.sleep(0.1)


def run_all(page, lab: Lab, path: str) -> None:
    """Run > Run All Cells, once the notebook's kernel is idle (see kernel_of); again if the click
    landed before the notebook took it (menu items stay disabled until the notebook panel is the
    current widget). Returns once a cell's prompt shows it started: [*] or its execution count."""
    kernel_of(lab, path)
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


def wait_executed(page, lab: Lab, path: str, cells: int, timeout: float = 60.0) -> None:
    """Until the first `cells` cells show an execution count ([1], [2], ...: never [*] or [ ]) and
    the kernel is idle again: the run is over, whatever the status bar shows."""
    page.wait_for_function(
        "n => { const p = [...document.querySelectorAll('.jp-Notebook .jp-Cell .jp-InputPrompt')].slice(0, n);"
        " return p.length === n && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }",
        arg=cells, timeout=timeout * 1000)
    kernel_of(lab, path, timeout)


def new_cell(page, source: str) -> None:
    """Add a cell at the end holding `source`, ready to run (Shift+Enter). The text goes in as one
    input event, once the editor has focus: typed key by key, a slow start would turn letters into
    notebook shortcuts, and the completer could take the Enter."""
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
