"""scripts/run_pack.py, the main job: executed notebooks and HTML in a folder, a summary, an exit code."""

import importlib.util
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("run_pack", ROOT / "scripts" / "run_pack.py")
run_pack = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_pack)


def _notebook(path, *sources):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return str(path)


def test_two_pack_notebooks_are_executed_with_html(tmp_path, client, port_5433, capsys):
    # port_5433: the pack's notebooks use fixed names (nb01-…), so they never run twice at once.
    out = tmp_path / "out"
    names = ["00-index.ipynb", "01-containers.ipynb"]
    code = run_pack.main([str(out), "--notebooks", *(str(ROOT / "notebooks" / n) for n in names)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    for name in names:
        nb = nbformat.read(out / name, as_version=4)
        assert all(c.execution_count for c in nb.cells if c.cell_type == "code"), f"{name} not executed"
        assert "<html" in (out / name).with_suffix(".html").read_text()[:2000].lower()
    outputs = [o for c in nbformat.read(out / names[1], as_version=4).cells if c.cell_type == "code" for o in c.outputs]
    assert outputs and not [o for o in outputs if o.output_type == "error"]
    assert f"run_pack: executed notebooks and HTML are in {out}" in printed
    assert "FAILED" not in printed and "no HTML" not in printed


def test_a_failing_or_dying_notebook_is_named_and_the_rest_still_runs(tmp_path, capsys):
    raises = _notebook(tmp_path / "raises.ipynb", "x = 1", "raise RuntimeError('boom from the test')")
    dies = _notebook(tmp_path / "dies.ipynb", "import os\nos._exit(3)")
    fine = _notebook(tmp_path / "fine.ipynb", "print('still ran')")
    out = tmp_path / "out"
    code = run_pack.main([str(out), "--notebooks", raises, dies, fine])
    printed = capsys.readouterr().out
    assert code != 0
    assert "FAILED raises.ipynb" in printed and "boom from the test" in printed
    assert "FAILED dies.ipynb" in printed
    assert "ok     fine.ipynb" in printed
    assert f"run_pack: executed notebooks and HTML are in {out}" in printed
    assert "2 of 3 notebooks failed: raises.ipynb, dies.ipynb" in printed.splitlines()[-1]
    # the failed notebook is still written, with its error, so it can be read
    [cell] = [c for c in nbformat.read(out / "raises.ipynb", as_version=4).cells if c.outputs]
    assert cell.outputs[0]["ename"] == "RuntimeError"
    assert (out / "raises.html").exists() and (out / "fine.html").exists()
