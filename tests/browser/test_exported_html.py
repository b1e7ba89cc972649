"""The executed pack's HTML shows the live views' snapshots with the network off.

Notebook 06 runs through scripts/run_pack.py (the main job's own code: nbclient, then nbconvert's
HTMLExporter); Debian's Chromium opens the HTML file from disk with every non-file request aborted.
The network widget's output then needs JavaScript from a CDN and shows nothing; its snapshot, an
output of its own, must show the bridge, its subnet and the containers' addresses.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import nbformat

from labkit import chromium

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
NOTEBOOK = ROOT / "notebooks" / "06-networks.ipynb"


def _self_check(nb) -> dict[str, str]:
    """The addresses the notebook's self-check read from the engine: {container: IPv4}."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            if text.startswith("Self-check passed: "):
                return ast.literal_eval(text.split(": ", 1)[1].strip())
    raise AssertionError("notebook 06 printed no self-check result")


def test_network_picture_in_the_exported_html_offline(tmp_path, cleanup, images, port_5433):
    # port_5433: notebooks of the pack run one at a time (their containers have fixed names)
    out = tmp_path / "out"
    env = {**os.environ, "DOCKERMAGIC_NO_PULL": "1"}  # carries the cleanup fixture's labels to the kernel
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "run_pack.py"), str(out), "--notebooks", str(NOTEBOOK)],
                         capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    html = out / "06-networks.html"
    attached = _self_check(nbformat.read(out / "06-networks.ipynb", as_version=4))
    assert set(attached) == {"nb06-a", "nb06-b", "nb06-c"}, attached

    ARTIFACTS.mkdir(exist_ok=True)
    blocked: list[str] = []

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with chromium() as browser:
        ctx = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
        try:
            ctx.route("**/*", only_files)
            page = ctx.new_page()
            page.goto(html.as_uri())
            snapshot = page.locator(".dockermagic-snapshot").first
            snapshot.wait_for(state="visible", timeout=10000)
            snapshot.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "exported-06-networks-page.png"))
            snapshot.screenshot(path=str(ARTIFACTS / "exported-06-networks.png"))
            text = snapshot.inner_text()
            (ARTIFACTS / "exported-06-networks.txt").write_text(text)
        finally:
            ctx.close()
    assert "NetworksView as of" in text and "network nb06-user-defined-bridge" in text
    assert "bridge docker0" in text and "bridge br-" in text
    assert "subnet 192.168.100.0/24" in text and "gateway 192.168.100.1" in text
    for name, ip in attached.items():
        assert name in text and ip in text, f"{name} {ip} not in the picture:\n{text}"
    assert "eth 192.168.100." in text  # nb06-a after `network connect`: two interfaces
    # what the page asked the internet for (and did not get): nothing the picture needed
    print("blocked:", sorted({u.split("?")[0] for u in blocked}))
