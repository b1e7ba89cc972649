"""Time ``%docker ps`` (through a real IPython shell) against the ``docker ps`` CLI with 50 running
containers, in the same run; print the ratio (target ≤ 0.5). Containers are removed even on Ctrl-C."""

import subprocess
import time
import uuid

from IPython.testing.globalipapp import start_ipython

from dockermagic.client import default_labels, get_client

N, REPEAT = 50, 20
# dockermagic's own labels too, so a run killed before its finally leaves findable containers.
label = {**default_labels(), "dockermagic.bench": uuid.uuid4().hex[:8]}
client = get_client()
made = []
try:
    for i in range(N):
        made.append(client.containers.run("debian:bookworm", ["sleep", "600"], detach=True, labels=label))
    ip = start_ipython()
    ip.run_line_magic("load_ext", "dockermagic")

    def best(fn):
        times = []
        for _ in range(REPEAT):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    def magic():
        r = ip.run_line_magic("docker", "ps")
        r._repr_html_()
        assert len(r) >= N

    cli = best(lambda: subprocess.run(["docker", "ps"], check=True, capture_output=True))
    ours = best(magic)
    print(f"docker ps CLI: {cli * 1000:.1f} ms   %docker ps (+HTML): {ours * 1000:.1f} ms   ratio {ours / cli:.2f}")
finally:
    for c in made:
        c.remove(force=True, v=True)
