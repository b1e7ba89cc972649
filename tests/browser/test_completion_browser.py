"""Tab in a JupyterLab cell offers a running container's name (the kernel's completer, through the page).

JupyterLab inserts a lone match without showing a list, so two containers share the typed prefix:
the completer's list must show both names.
"""
from __future__ import annotations

import time

from labkit import kernel_of, new_cell, run_all, wait_executed, write_notebook
from test_jupyterlab import ARTIFACTS, browser, lab  # noqa: F401  (the fixtures: JupyterLab, Chromium)


def test_tab_offers_a_running_containers_name(lab, browser, client, cleanup, images):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    stem = cleanup.name("dmtab")
    names = [f"{stem}-one", f"{stem}-two"]
    for name in names:
        cleanup.container(client.containers.run("debian:bookworm", ["sleep", "600"], detach=True, name=name,
                                                labels=cleanup.labels))
    write_notebook(lab.root / "tab.ipynb", ["%load_ext dockermagic"])
    ctx = browser.new_context(viewport={"width": 1200, "height": 800})
    page = ctx.new_page()
    try:
        page.goto(lab.url("/lab/tree/tab.ipynb"))
        run_all(page, lab, "tab.ipynb")
        wait_executed(page, lab, "tab.ipynb", 1)
        new_cell(page, f"%docker stop {stem[:12]}")
        kernel_of(lab, "tab.ipynb")
        t0 = time.monotonic()
        page.keyboard.press("Tab")
        popup = page.locator(".jp-Completer")
        popup.wait_for(state="visible", timeout=10000)
        for name in names:
            popup.locator(".jp-Completer-item", has_text=name).wait_for(timeout=5000)
        print(f"Tab -> list shown in {time.monotonic() - t0:.2f} s")
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-tab-completion.png"))
        # Choosing one puts it on the line.
        page.keyboard.press("Enter")
        editor = page.locator(".jp-Notebook .jp-Cell.jp-mod-active .cm-content")
        end = time.monotonic() + 5
        while not any(editor.inner_text().strip() == f"%docker stop {n}" for n in names):
            assert time.monotonic() < end, f"the cell holds {editor.inner_text()!r} after choosing a match"
            time.sleep(0.05)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-tab-failure.png"))
        raise
    finally:
        ctx.close()
