"""The containers view in a real browser: 200 containers rendered by JupyterLab in Chromium, and
engine event -> page latency.

Run: .venv/bin/python benchmarks/widgets_browser.py   (needs `chromium`: scripts/setup.sh --tests)
Prints, each against a reference measured in the same run:
- Shift+Enter on `ContainersView(...)` with 200 containers -> its first page of 50 rows in the page,
  and with page_size=None -> all 200 rows (the view loads from the engine, the widget models travel
  to the page, the rows render), against Shift+Enter on the same rows as a plain HTML output (no
  engine, no widgets);
- `start` of one of them -> its row says running in the page (target <= 0.5 s), against the `start`
  call's own duration.
Every container made here carries a benchmark label and is removed at the end, also on Ctrl-C.
"""
from __future__ import annotations

import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker

from dockermagic.client import default_labels

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
from labkit import chromium, jupyterlab, new_cell, run_all, wait_executed, write_notebook  # noqa: E402

N = 200
# each row of the live view is four widgets (three buttons, its cells); the header is not a row
WIDGET_ROWS = "() => document.querySelectorAll('.jp-Notebook .dockermagic-cells').length"
PLAIN_ROWS = "() => { const t = [...document.querySelectorAll('.jp-Notebook .jp-RenderedHTMLCommon table')]" \
             ".find(t => !t.closest('.widget-html')); return t ? t.querySelectorAll('tr').length : 0 }"


def _until(page, js: str, rows: int, timeout: float = 30.0) -> None:
    page.wait_for_function(f"n => ({js})() === n", arg=rows, polling="raf", timeout=timeout * 1000)


def main() -> None:
    client = docker.from_env()
    tag = uuid.uuid4().hex[:8]
    label = f"org.dockermagic.bench={tag}"
    labels = {**default_labels(), "org.dockermagic.bench": tag}
    try:
        with ThreadPoolExecutor(4) as pool:
            made = list(pool.map(lambda i: client.containers.create(
                "debian:bookworm", ["sleep", "infinity"], name=f"bench-wb-{tag}-{i:03d}", labels=labels), range(N)))
        with tempfile.TemporaryDirectory() as tmp, jupyterlab(Path(tmp)) as lab, chromium() as browser:
            write_notebook(lab.root / "bench.ipynb", [
                "%load_ext dockermagic\nfrom IPython.display import HTML\nfrom dockermagic.widgets import ContainersView"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(lab.url("/lab/tree/bench.ipynb"))
            run_all(page, lab, "bench.ipynb")
            wait_executed(page, lab, "bench.ipynb", 1)
            time.sleep(1.0)  # the first cell done

            # the default: a page of 50 rows (and the pager)
            new_cell(page, f'paged = ContainersView(filters=["label={label}"], tick=None)\npaged')
            t0 = time.perf_counter()
            page.keyboard.press("Shift+Enter")
            _until(page, WIDGET_ROWS, 50)
            paged = time.perf_counter() - t0
            new_cell(page, "paged.close()")
            page.keyboard.press("Shift+Enter")
            page.wait_for_function(f"() => ({WIDGET_ROWS})() === 0", polling="raf", timeout=30000)

            new_cell(page, f'view = ContainersView(filters=["label={label}"], tick=None, page_size=None)\nview')
            t0 = time.perf_counter()
            page.keyboard.press("Shift+Enter")
            _until(page, WIDGET_ROWS, N)
            widget = time.perf_counter() - t0

            # the same rows' HTML (header included) as one plain output: no widgets, no buttons
            new_cell(page, "HTML('<table>' + ''.join(f'<tr><td>{h.value}</td></tr>' for h in "
                           "[view.header, *(r.cells for r in view._row_widgets.values())]) + '</table>')")
            t0 = time.perf_counter()
            page.keyboard.press("Shift+Enter")
            _until(page, PLAIN_ROWS, N + 1)
            plain = time.perf_counter() - t0
            print(f"{N} containers: Shift+Enter -> rows in the page: the live view's first page (50 rows) "
                  f"{paged * 1000:.0f} ms, all {N} rows at once (page_size=None) {widget * 1000:.0f} ms, the same "
                  f"{N} rows as plain HTML {plain * 1000:.0f} ms; ratios {paged / plain:.1f}x and {widget / plain:.1f}x")

            target = made[N // 2]
            t0 = time.perf_counter()
            target.start()
            ref = time.perf_counter() - t0
            page.wait_for_function(
                "name => [...document.querySelectorAll('.jp-Notebook .dockermagic-cells')]"
                ".some(r => r.textContent.includes(name) && r.textContent.includes('running'))",
                arg=target.name, polling="raf", timeout=10000)
            latency = time.perf_counter() - t0
            print(f"start -> row running in the page {latency * 1000:.0f} ms (target <= 500 ms); start call "
                  f"itself {ref * 1000:.0f} ms; ratio {latency / ref:.2f}x")
            page.close()
    finally:
        mine = client.api.containers(all=True, filters={"label": label})
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda c: client.api.remove_container(c["Id"], force=True, v=True), mine))
        client.close()


if __name__ == "__main__":
    main()
