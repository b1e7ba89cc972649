"""Nothing left running: in a real ipykernel, re-running a cell that opens a live view closes the view
its previous run opened, so threads and sockets stay where they were after any number of re-runs.

The kernel gets execute requests as JupyterLab sends them (the cell's id in the metadata) or as
nbclient and classic Notebook do (no id: the cell is its text)."""
from __future__ import annotations

import ast

import pytest
from jupyter_client.manager import start_new_kernel

COUNTS = '''
import os, threading, time
from dockermagic.client import get_client

def counts():
    """(threads, open sockets, dockermagic's threads by name) of this kernel. Not counted: the
    docker client's idle pooled connections, one per recently used URL (docker-py keeps up to 25
    pools), which grow with every new container other tests on the engine make; and a request a
    watcher is making for someone else's event just then (the fewest sockets of a few looks)."""
    looks = []
    for _ in range(6):
        time.sleep(0.1)
        looks.append(_look())
    return min(looks, key=lambda look: look[1])

def _look():
    socks = 0
    for fd in os.listdir('/proc/self/fd'):
        try:
            socks += os.readlink(f'/proc/self/fd/{fd}').startswith('socket:')
        except OSError:  # listdir's own fd, gone already
            pass
    pools = get_client().api.get_adapter('http+docker://localhost').pools
    pooled = 0
    for url in pools.keys():
        pool = pools.get(url)
        queue = list(pool.pool.queue) if pool is not None and pool.pool is not None else []
        pooled += sum(1 for conn in queue if conn is not None and getattr(conn, 'sock', None) is not None)
    ours = sorted(t.name for t in threading.enumerate() if t.name.startswith('dockermagic'))
    return threading.active_count(), socks - pooled, ours
'''


class Kernel:
    def __init__(self):
        self.km, self.kc = start_new_kernel(kernel_name="python3")

    def run(self, code: str, cell_id: str | None = None) -> str:
        """Run one cell; its printed output. A cell that fails fails the test with its traceback."""
        content = dict(code=code, silent=False, store_history=True, user_expressions={}, allow_stdin=False,
                       stop_on_error=True)
        msg = self.kc.session.msg("execute_request", content, metadata={"cellId": cell_id} if cell_id else {})
        self.kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        while (reply := self.kc.get_shell_msg(timeout=60))["parent_header"].get("msg_id") != msg_id:
            pass
        out, error = [], None
        while True:
            m = self.kc.get_iopub_msg(timeout=30)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            if m["msg_type"] == "stream":
                out.append(m["content"]["text"])
            elif m["msg_type"] == "error":
                error = "\n".join(m["content"]["traceback"])
            elif m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
        assert reply["content"]["status"] == "ok", error
        return "".join(out)

    def counts(self):
        return ast.literal_eval(self.run("print(counts())"))

    def settled(self, expected):
        """The counts once they equal `expected`, or after ~4 s: a leak stays, a request in flight
        (the engine is shared with other tests, whose events the views follow) goes."""
        for _ in range(6):
            now = self.counts()
            if now == expected:
                break
        return now

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture
def kernel(client, cleanup):
    k = Kernel()  # started after cleanup set DOCKERMAGIC_LABELS: whatever it made carries the test's label
    try:
        k.run("%load_ext dockermagic\n" + COUNTS)
        yield k
    finally:
        k.close()


@pytest.mark.parametrize("line, threads", [("ps --watch", ["dockermagic-events", "dockermagic-uptime"]),
                                           ("network ls --watch", ["dockermagic-events"]),
                                           ("dashboard", ["dockermagic-events", "dockermagic-uptime"])])
def test_five_reruns_of_a_watch_cell_leave_threads_and_sockets_where_they_were(kernel, line, threads):
    before = kernel.counts()
    assert before[2] == []
    cell = f"view = %docker {line}\nview"
    kernel.run(cell, cell_id="cell-watch")
    started = min(kernel.counts(), kernel.counts(), key=lambda counts: counts[1])
    assert started[2] == threads and started[0] == before[0] + len(threads)
    for _ in range(5):
        kernel.run(cell, cell_id="cell-watch")
        assert kernel.settled(started) == started
    # the one view left is the last run's, still live; close_all() ends it and its threads
    assert kernel.run("import dockermagic.widgets as W\nprint(view._watcher.alive, W.close_all())") == "True 1\n"
    # the event stream's connection went with it
    assert kernel.settled((before[0], started[1] - 1, [])) == (before[0], started[1] - 1, [])


def test_the_same_text_in_two_cells_and_cells_without_an_id(kernel):
    kernel.run("import dockermagic.widgets as W")
    # JupyterLab: two cells with the same text are two cells
    kernel.run("a = %docker network ls --watch", cell_id="cell-a")
    kernel.run("b = %docker network ls --watch", cell_id="cell-b")
    kernel.run("a2 = %docker network ls --watch", cell_id="cell-a")
    assert kernel.run("print(a._watcher.alive, b._watcher.alive, a2._watcher.alive)") == "False True True\n"
    # two views made by one run stay open together, and a re-run closes both
    two = "x = %docker network ls --watch\ny = W.NetworksView()"
    kernel.run(two, cell_id="cell-two")
    kernel.run("old = (x, y)")
    kernel.run(two, cell_id="cell-two")
    assert kernel.run("print([v._watcher.alive for v in (*old, x, y)])") == "[False, False, True, True]\n"
    # nbclient and classic Notebook send no cell id: the same text is the same cell
    kernel.run("n = %docker network ls --watch")
    kernel.run("first = n")
    kernel.run("n = %docker network ls --watch")
    assert kernel.run("print(first._watcher.alive, n._watcher.alive, first.comm is None)") == "False True True\n"
    assert kernel.run("print(W.close_all())") == "5\n"  # b, a2, the second x and y, n
