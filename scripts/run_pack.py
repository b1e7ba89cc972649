"""Execute the tutorial pack headlessly and write the executed notebooks and HTML to a folder.

Usage: python scripts/run_pack.py [OUT_DIR] [--notebooks a.ipynb b.ipynb]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent


def pack_notebooks() -> list[Path]:
    """The pack in reading order: files named NN-*.ipynb in notebooks/."""
    return sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def execute(path: Path, out_dir: Path, timeout: int = 900) -> Path:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    finally:
        out = out_dir / path.name
        nbformat.write(nb, out)
        try:
            from nbconvert import HTMLExporter

            html, _ = HTMLExporter().from_notebook_node(nb)
            out.with_suffix(".html").write_text(html)
        except Exception as exc:  # HTML is a convenience; the executed notebook is the record
            print(f"  (no HTML for {path.name}: {exc})")
    return out


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
    failed = []
    for path in notebooks:
        started = time.monotonic()
        try:
            execute(path.resolve(), out_dir)
            print(f"  ok     {path.name}  ({time.monotonic() - started:.1f} s)")
        except CellExecutionError as exc:
            failed.append(path.name)
            print(f"  FAILED {path.name}: {str(exc).strip().splitlines()[-1]}")
    print(f"run_pack: executed notebooks and HTML are in {out_dir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
