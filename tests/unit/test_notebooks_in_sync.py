"""The committed notebooks are what notebooks/source/*.py make (nobody edited one side only)."""

import importlib.util
import sys
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_committed_notebooks_match_their_sources(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location("make_notebooks", NOTEBOOKS / "make_notebooks.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    monkeypatch.setattr(sys, "path", list(sys.path))  # main() puts notebooks/ first; undo that afterwards
    make.main(tmp_path)

    made = sorted(p.name for p in tmp_path.glob("*.ipynb"))
    committed = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    assert made == committed, "a notebook has no source module, or a source module's notebook is not committed"
    stale = []
    for name in made:
        fresh, kept = (nbformat.read(d / name, as_version=4) for d in (tmp_path, NOTEBOOKS))
        if [(c.cell_type, c.source) for c in fresh.cells] != [(c.cell_type, c.source) for c in kept.cells]:
            stale.append(name)
    assert not stale, f"{', '.join(stale)} differ from notebooks/source; run: python notebooks/make_notebooks.py"
