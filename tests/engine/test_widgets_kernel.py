"""The views inside a real ipykernel (7.x), headless: updates the watcher thread makes while other
cells run reach the kernel's client as widget state, and no cell gets stray output from the thread."""
import nbformat
from nbclient import NotebookClient


def test_thread_updates_reach_the_client_and_no_other_cell(client, cleanup, images, tmp_path):
    label = f"org.dockermagic.test={cleanup.label_value}"
    name = cleanup.name("wk")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in (
        f'%load_ext dockermagic\nview = %docker ps --watch --filter label={label}\nview',
        "import docker, time\n"
        f"docker.from_env().containers.run('debian:bookworm', ['sleep', 'infinity'], detach=True, name='{name}', "
        f"labels={{'org.dockermagic.test': '{cleanup.label_value}'}})\n"
        # nbclient records only messages sent while a cell runs (a browser takes them any time): the
        # thread's updates for this run must come before the cell ends
        "time.sleep(1.5)",
        "end = time.monotonic() + 5\n"
        f"while not any(r['name'] == '{name}' and r['state'] == 'running' for r in view.rows()):\n"
        "    assert time.monotonic() < end\n"
        "    time.sleep(0.05)\n"
        "time.sleep(0.5)\n"
        "print('seen')",
    )]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    first, run, wait = nb.cells
    cid = client.containers.get(name).id
    live, snapshot = first.outputs
    model_id = live["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert live["data"]["text/plain"].startswith("ContainersView: a live view")
    # the snapshot beside it, refreshed by the thread while cell 2 ran: the new row, running
    html = snapshot["data"]["text/html"]
    assert f"dockermagic-snapshot-{model_id}" in html
    assert any(name in line and "running" in line for line in snapshot["data"]["text/plain"].splitlines())
    assert name in html and "running" in html
    assert run.outputs == []
    assert [o.get("text") for o in wait.outputs] == ["seen\n"]
    # the row's models, as the kernel last sent them: the row the thread added after cell 1 finished,
    # with its own stop button
    state = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    assert f"dockermagic-live-{model_id}" in state[model_id]["state"]["_dom_classes"]
    cells = [m["state"]["value"] for m in state.values() if m["model_name"] == "HTMLModel"]
    assert any(name in t and "running" in t for t in cells), cells
    buttons = [m["state"] for m in state.values() if m["model_name"] == "ButtonModel"]
    shown = [b["description"] for b in buttons if f"dockermagic-{cid[:12]}" in b["_dom_classes"]]
    assert shown == ["stop", "logs", "remove"], shown
