"""scripts/run_pack.py, the main job: executed notebooks and HTML in a folder, a summary, an exit code."""

import importlib.util
import os
import re
import shutil
import signal
import threading
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from dockermagic.client import NOTEBOOK_LABEL

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


_pack_spec = importlib.util.spec_from_file_location("test_pack", Path(__file__).with_name("test_pack.py"))
test_pack = importlib.util.module_from_spec(_pack_spec)
_pack_spec.loader.exec_module(test_pack)
STARTS_POSTGRES = re.compile(r"start_postgres\(|^%docker run\b.*\bpostgres", re.M)


def _fail_after_postgres_starts(path):
    """Put a failing cell right after the cell that starts the notebook's Postgres (found by content)."""
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and STARTS_POSTGRES.search(c.source))
    nb.cells.insert(at + 1, new_code_cell("raise RuntimeError('injected: this notebook fails with its Postgres running')"))
    nbformat.write(nb, path)


def test_a_failed_notebook_leaves_nothing_that_breaks_the_next(tmp_path, client, port_5433, capsys):
    """03 fails before its tidy-up with nb03-postgres on 5433; run_pack removes it by label, so 04-06 pass
    (05 publishes 5433 itself) and the engine holds nothing of any of them afterwards."""
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns(
        "source", "__pycache__", "*_postgres_data", "node_modules"))
    names = ["03-nyc-taxi-ingest.ipynb", "04-dockerfiles.ipynb", "05-compose.ipynb", "06-networks.ipynb"]
    paths = [tmp_path / "notebooks" / n for n in names]
    _fail_after_postgres_starts(paths[0])
    code = run_pack.main([str(tmp_path / "out"), "--notebooks", *map(str, paths)])
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert code != 0, printed
    assert any(l.startswith("  FAILED 03-nyc-taxi-ingest.ipynb") and "injected" in l for l in lines), printed
    for name in names[1:]:
        assert any(l.startswith(f"  ok     {name}") for l in lines), printed
    [removed] = [l for l in lines if l.startswith("  removed after 03-nyc-taxi-ingest.ipynb: ")]
    assert "container nb03-postgres" in removed, printed
    assert "could not remove" not in printed
    assert "1 of 4 notebooks failed: 03-nyc-taxi-ingest.ipynb" in lines[-1], printed
    for path in paths:
        label = f"{NOTEBOOK_LABEL}={path}"
        assert not client.api.containers(all=True, filters={"label": label}), f"{path.name}: containers left"
        assert not client.api.networks(filters={"label": label}), f"{path.name}: networks left"
        assert not client.api.volumes(filters={"label": label}).get("Volumes"), f"{path.name}: volumes left"
        assert not client.api.images(filters={"label": label}), f"{path.name}: images left"
        assert not test_pack.left_behind(client, path), f"{path.name} left these on the engine"


def test_stopped_by_hand_the_notebooks_objects_are_still_removed(tmp_path, client, cleanup, capsys):
    """Ctrl-C while a notebook runs: that notebook fails (nbclient turns it into an error) or run_pack
    stops; either way what the notebook made so far is removed first."""
    name = cleanup.name("dmstopped")
    path = _notebook(tmp_path / "stopped.ipynb", "%load_ext dockermagic",
                     f"%docker run -d --init --name {name} debian:bookworm sleep 300", "import time; time.sleep(120)")

    def interrupt_once_running():
        for _ in range(600):  # the container exists: the notebook is in its sleeping cell
            if client.api.containers(all=True, filters={"name": name}):
                break
            time.sleep(0.1)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_once_running, daemon=True).start()
    try:
        code = run_pack.main([str(tmp_path / "out"), "--notebooks", path])
    except KeyboardInterrupt:
        code = "stopped"
    printed = capsys.readouterr().out
    assert code == "stopped" or (code == 1 and "  FAILED stopped.ipynb" in printed), printed
    assert f"  removed after stopped.ipynb: container {name}" in printed
    assert not client.api.containers(all=True, filters={"name": name})
