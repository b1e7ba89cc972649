"""Write the tutorial pack's notebooks without outputs.

Each notebook's cells live in `source/nbNN_*.py` (NAME + CELLS); edit there, then run
`python notebooks/make_notebooks.py`.
"""

import importlib
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook

HERE = Path(__file__).resolve().parent


def write(name, cells, out_dir=HERE):
    nb = new_notebook(cells=cells)
    for i, cell in enumerate(nb.cells):  # stable ids: regenerating leaves unchanged notebooks unchanged
        cell.id = f"{name[:2]}-{i:02d}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, Path(out_dir) / name)


def main(out_dir=HERE):
    """Write every notebook into ``out_dir`` (the sync test passes a temporary folder)."""
    sys.path.insert(0, str(HERE))
    for path in sorted((HERE / "source").glob("nb[0-9][0-9]_*.py")):
        module = importlib.import_module(f"source.{path.stem}")
        write(module.NAME, module.CELLS, out_dir)
        print(f"wrote {module.NAME}")


if __name__ == "__main__":
    main()
