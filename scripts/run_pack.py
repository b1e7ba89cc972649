"""Execute the tutorial pack headlessly and write the executed notebooks and HTML to a folder.

Usage: python scripts/run_pack.py [OUT_DIR] [--notebooks a.ipynb b.ipynb]

Every notebook is run whatever happened to the one before (a cell error, a timeout, a kernel that
died); the last lines name what failed, and the exit code is 1 when anything did. Each notebook's
kernel gets DOCKERMAGIC_NOTEBOOK=<its path>, so everything it creates carries that label; after it
ends, passed or failed, whatever still carries the label is removed and named, so a notebook that
failed before its tidy-up cell cannot hold a port or a name the next one needs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from dockermagic.engine.cleanup import Removal, remove_labelled
from dockermagic.client import NOTEBOOK_LABEL, connect
from dockermagic.errors import EngineUnavailable

ROOT = Path(__file__).resolve().parent.parent


def pack_notebooks() -> list[Path]:
    """The pack in reading order: files named NN-*.ipynb in notebooks/."""
    return sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def write_html(nb, out: Path) -> str | None:
    """The HTML next to the executed notebook; the reason as one line when it could not be made."""
    try:
        from nbconvert import HTMLExporter

        html, _ = HTMLExporter().from_notebook_node(nb)
        out.with_suffix(".html").write_text(html)
    except Exception as exc:  # noqa: BLE001 - any exporter failure is reported, the run goes on
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


def execute(path: Path, out_dir: Path, timeout: int = 900) -> tuple[str | None, str | None]:
    """Run one notebook and write its executed copy and HTML to ``out_dir``, even when a cell fails.

    Returns (why execution failed, why there is no HTML), each None when all went well. Any
    exception counts: a cell error, a timeout, a kernel that died or would not start.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    failure = None
    try:
        client.execute(env={**os.environ, "DOCKERMAGIC_NOTEBOOK": str(path)})
    except Exception as exc:  # noqa: BLE001 - one notebook's failure must not stop the pack
        failure = _reason(exc)
    nbformat.write(nb, out_dir / path.name)
    return failure, write_html(nb, out_dir / path.name)


def tidy_up(path: Path) -> Removal:
    """Remove what the notebook left on the engine: everything carrying its label."""
    try:
        engine = connect(timeout=60)
    except EngineUnavailable:  # nothing can be left on an engine that does not answer
        return Removal()
    try:
        if engine.info()["Swarm"]["LocalNodeState"] != "inactive" or Path("/run/dm-swarm").exists():
            # notebook 07 failed before its tidy-up: leave the swarm first (a service would restart
            # every task container removed below), stop the lab's second engine
            subprocess.run(["bash", str(ROOT / "scripts" / "swarm-lab.sh"), "down"], capture_output=True)
        return remove_labelled(f"{NOTEBOOK_LABEL}={path}", client=engine)
    finally:
        engine.close()


def _report(path: Path, removal: Removal, left: list[str]) -> None:
    if removal.removed:
        print(f"  removed after {path.name}: {', '.join(removal.removed)}")
    if removal.failed:
        left.append(path.name)
        print(f"  could not remove after {path.name}: {', '.join(removal.failed)}")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, CellExecutionError):
        # ename/evalue, not the text's last line: a UsageError comes with no traceback, so the text
        # ends with the cell's source and a rule
        return f"{exc.ename}: {exc.evalue}".strip().splitlines()[0]
    return f"{type(exc).__name__}: {exc}".strip().splitlines()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", nargs="?", default=str(ROOT / "out"))
    parser.add_argument("--notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    out_dir = Path(args.out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    notebooks = args.notebooks or pack_notebooks()
    if not notebooks:
        print("run_pack: no notebooks found in notebooks/", file=sys.stderr)
        return 1
    failed, no_html, left = [], [], []
    for path in notebooks:
        started = time.monotonic()
        try:
            failure, html_error = execute(path.resolve(), out_dir)
        except Exception as exc:  # noqa: BLE001 - an unreadable notebook or an unwritable out_dir
            failure, html_error = _reason(exc), "the notebook was not executed"
        except KeyboardInterrupt:  # stopped by hand: still take away what the notebook made so far
            _report(path, tidy_up(path.resolve()), [])
            raise
        took = f"({time.monotonic() - started:.1f} s)"
        if failure:
            failed.append(path.name)
            print(f"  FAILED {path.name} {took}: {failure}")
        else:
            print(f"  ok     {path.name}  {took}")
        if html_error:
            no_html.append(path.name)
            print(f"  no HTML for {path.name}: {html_error}")
        _report(path, tidy_up(path.resolve()), left)
    print(f"run_pack: executed notebooks and HTML are in {out_dir}")
    if failed:
        print(f"run_pack: {len(failed)} of {len(notebooks)} notebooks failed: {', '.join(failed)}")
    if no_html:
        print(f"run_pack: no HTML was written for: {', '.join(no_html)}")
    if left:
        print(f"run_pack: objects of these notebooks are still on the engine: {', '.join(left)}")
    return 1 if failed or no_html or left else 0


if __name__ == "__main__":
    sys.exit(main())
