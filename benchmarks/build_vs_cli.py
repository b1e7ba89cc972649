"""``%%dockerfile --builder legacy`` (and build_image) vs the ``docker build`` CLI's legacy builder, same context.

The magic runs in a real IPython shell with the extension loaded, its output captured (the plain lines a
terminal user sees); the CLI is the legacy builder (``DOCKER_BUILDKIT=0``: the SDK only speaks the legacy
API), its output captured too. The BuildKit comparison is benchmarks/build_buildkit_vs_compose.py. Prints the ratios with and without cache (best of 5 each, the order rotating
so nobody always goes first); target <= 1.05. Removes the tags it makes (and so their layers).
"""

import os
import subprocess
import tempfile
import uuid

from build_common import make_context, remove_tags, time_rotating
from IPython.testing.globalipapp import start_ipython
from IPython.utils.capture import capture_output

from dockermagic.engine.build import build_image
from dockermagic.client import get_client

DOCKERFILE = "FROM debian:bookworm\nCOPY data /data\nRUN ls -l /data > /listing && sha256sum /data/* > /sums\n"
REPEAT = 5


def main():
    client = get_client()
    ip = start_ipython()
    ip.run_line_magic("load_ext", "dockermagic")
    tags = []
    try:
        with tempfile.TemporaryDirectory() as ctx:
            make_context(ctx)
            with open(os.path.join(ctx, "Dockerfile"), "w") as f:
                f.write(DOCKERFILE)  # the magic rewrites it with the same text each time
            env = dict(os.environ, DOCKER_BUILDKIT="0")
            for cache in (False, True):
                times = {"magic": [], "api": [], "cli": []}
                for i in range(REPEAT):
                    m, a, c = (f"dmbench-{uuid.uuid4().hex[:8]}:{k}" for k in ("m", "a", "c"))
                    tags += [m, a, c]
                    line = f"--builder legacy -t {m} --context {ctx}" + ("" if cache else " --no-cache")
                    argv = ["docker", "build", "-t", c] + ([] if cache else ["--no-cache"]) + [ctx]

                    def magic():
                        with capture_output() as out:
                            ip.run_cell_magic("dockerfile", line, DOCKERFILE)
                        assert "Successfully built" in out.stdout, out.stdout[-500:]

                    def cli():
                        done = subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
                        assert "Successfully built" in done.stdout, done.stdout[-500:]

                    runs = [("magic", magic), ("cli", cli),
                            ("api", lambda: build_image(ctx, client=client, tags=[a], nocache=not cache,
                                                        builder="legacy", say=lambda s: None))]
                    time_rotating(runs, times, i)
                best = {k: min(v) for k, v in times.items()}
                label = "with cache" if cache else "no cache"
                print(f"{label:>10}: %%dockerfile {best['magic']:.2f}s  build_image {best['api']:.2f}s  "
                      f"docker build (DOCKER_BUILDKIT=0) {best['cli']:.2f}s  ratios "
                      f"{best['magic'] / best['cli']:.2f} and {best['api'] / best['cli']:.2f} (target <= 1.05)")
    finally:
        remove_tags(client, tags)


if __name__ == "__main__":
    main()
