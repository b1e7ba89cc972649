"""``%%dockerfile`` with BuildKit vs ``docker compose build`` of the same context, cold and cached.

Both go through BuildKit in the engine: the magic through its BuildKit client (see
dockermagic/engine/buildkit.py), Compose through its own. Cold = ``--no-cache`` (the build cache is not
used; the base image is on the engine for both); cached = nothing changed since the last build.
The magic runs in a real IPython shell with the extension loaded, its output captured. Best of 5
each, the order rotating so nobody always goes first; prints the ratios (target <= 1.05). The
legacy-builder comparison is benchmarks/build_vs_cli.py. Removes the tags it makes.
"""

import os
import subprocess
import tempfile
import uuid

from build_common import make_context, remove_tags, time_rotating
from IPython.testing.globalipapp import start_ipython
from IPython.utils.capture import capture_output

from dockermagic.engine.buildkit import find_client
from dockermagic.client import get_client
from dockermagic.engine.compose import compose_tool

DOCKERFILE = ("FROM debian:bookworm\nARG TARGETARCH\nCOPY data /data\n"
              "RUN --mount=type=cache,target=/var/cache/bench ls -l /data > /listing && sha256sum /data/* > /sums\n")
REPEAT = 5


def main():
    client = get_client()
    assert find_client(), "no BuildKit client on this machine"
    ip = start_ipython()
    ip.run_line_magic("load_ext", "dockermagic")
    project = f"dmbench{uuid.uuid4().hex[:8]}"
    tags = []
    try:
        with tempfile.TemporaryDirectory() as ctx:
            make_context(ctx)
            compose_file = os.path.join(ctx, "bench-compose.yaml")
            with open(compose_file, "w") as f:
                f.write(f"services:\n  img:\n    image: {project}:compose\n    build: .\n")
            tags.append(f"{project}:compose")
            # Saved once by the magic; later runs find the same text and leave the file alone.
            ip.run_cell_magic("dockerfile", f"-q -t {project}:warm --context {ctx}", DOCKERFILE)
            tags.append(f"{project}:warm")
            for cache in (False, True):
                times = {"magic": [], "compose": []}
                for i in range(REPEAT):
                    m = f"{project}:m{i}{int(cache)}"
                    tags.append(m)
                    line = f"-t {m} --context {ctx}" + ("" if cache else " --no-cache")
                    argv = [*compose_tool(), "-f", compose_file, "-p", project, "--progress", "plain", "build"]
                    argv += [] if cache else ["--no-cache"]

                    def magic():
                        with capture_output() as out:
                            ip.run_cell_magic("dockerfile", line, DOCKERFILE)
                        assert "writing image sha256:" in out.stdout, out.stdout[-500:]

                    def compose():
                        done = subprocess.run(argv, check=True, capture_output=True, text=True, cwd=ctx)
                        assert "writing image sha256:" in done.stdout + done.stderr, done.stderr[-500:]

                    runs = [("magic", magic), ("compose", compose)]
                    time_rotating(runs, times, i)
                best = {k: min(v) for k, v in times.items()}
                label = "cached" if cache else "cold"
                print(f"{label:>7}: %%dockerfile (BuildKit) {best['magic']:.2f}s  docker compose build "
                      f"{best['compose']:.2f}s  ratio {best['magic'] / best['compose']:.2f} (target <= 1.05)")
    finally:
        remove_tags(client, tags)


if __name__ == "__main__":
    main()
