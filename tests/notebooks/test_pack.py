"""The tutorial pack: every notebook runs twice in a row against the real engine; committed without outputs."""

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from dockermagic.client import NOTEBOOK_LABEL

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9][0-9]-*.ipynb"))
# image tags a notebook builds: `%%dockerfile ... -t TAG` and `%docker build ... -t TAG`
BUILT_TAG = re.compile(r"^%*(?:dockerfile|docker build)\b[^\n]*?\s(?:-t|--tag)[ =](\S+)", re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name} has outputs"


def left_behind(client, path) -> list[str]:
    """What notebook NN made and is still on the engine.

    Everything carrying the notebook's label (``DOCKERMAGIC_NOTEBOOK=<path>`` in its kernel), and by
    name: notebooks name what they make ``nbNN-…``; Compose (notebook 5, project ``nbNN``) names its
    containers ``nbNN-service-1``, its network and volumes ``nbNN_…`` and its images ``nbNN-service``.
    Image tags a notebook builds under other names are read from its build cells.
    """
    labelled = {"label": f"{NOTEBOOK_LABEL}={path}"}
    found = {f"container {c['Names'][0].lstrip('/')}" for c in client.api.containers(all=True, filters=labelled)}
    found |= {f"network {n['Name']}" for n in client.api.networks(filters=labelled)}
    found |= {f"volume {v['Name']}" for v in client.api.volumes(filters=labelled).get("Volumes") or []}
    found |= {f"image {i['Id'][7:19]}" for i in client.api.images(filters=labelled)}
    stem = f"nb{path.name[:2]}"
    mine = lambda name: name.lstrip("/").startswith((f"{stem}-", f"{stem}_"))  # noqa: E731
    project = {"label": f"com.docker.compose.project={stem}"}
    found |= {f"container {c['Names'][0].lstrip('/')}" for c in client.api.containers(all=True)
              if mine(c["Names"][0]) or (c["Labels"] or {}).get("com.docker.compose.project") == stem}
    found |= {f"network {n.name}" for n in client.networks.list() if mine(n.name)}
    found |= {f"network {n.name}" for n in client.networks.list(filters=project)}
    found |= {f"volume {v.name}" for v in client.volumes.list() if mine(v.name)}
    found |= {f"volume {v.name}" for v in client.volumes.list(filters=project)}
    cells = nbformat.read(path, as_version=4).cells
    built = {t for c in cells if c.cell_type == "code" for t in BUILT_TAG.findall(c.source)}
    for image in client.images.list():
        found |= {f"image {t}" for t in image.tags if mine(t) or t in built}
    return sorted(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_twice_in_a_row(path, client, port_5433):
    for _ in range(2):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
                       ).execute(env={**os.environ, "DOCKERMAGIC_NOTEBOOK": str(path)})
    assert not left_behind(client, path), f"{path.name} left these on the engine after its tidy-up cell"
