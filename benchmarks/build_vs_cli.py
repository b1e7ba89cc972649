"""build_image (what %%dockerfile calls) vs the `docker build` CLI (legacy builder), same context, one run.

Prints the time ratio with and without cache (best of 5 each, alternating which goes first);
target <= 1.05. Removes the tags it makes.
"""

import os
import subprocess
import tempfile
import time
import uuid

from dockermagic.build import build_image
from dockermagic.client import connect

DOCKERFILE = "FROM debian:bookworm\nCOPY data /data\nRUN ls -l /data > /listing && sha256sum /data/* > /sums\n"


def main():
    client = connect()
    tags = []
    with tempfile.TemporaryDirectory() as ctx:
        os.makedirs(os.path.join(ctx, "data"))
        for i in range(20):
            with open(os.path.join(ctx, "data", f"f{i}"), "wb") as f:
                f.write(os.urandom(512 * 1024))
        with open(os.path.join(ctx, "Dockerfile"), "w") as f:
            f.write(DOCKERFILE)
        env = dict(os.environ, DOCKER_BUILDKIT="0")
        for cache in (False, True):
            t_api, t_cli = [], []
            for i in range(5):
                a, c = f"dmbench-{uuid.uuid4().hex[:8]}:a", f"dmbench-{uuid.uuid4().hex[:8]}:c"
                tags += [a, c]
                argv = ["docker", "build", "-q", "-t", c] + ([] if cache else ["--no-cache"]) + [ctx]
                runs = [("api", lambda: build_image(ctx, client=client, tags=[a], nocache=not cache, say=lambda s: None)),
                        ("cli", lambda: subprocess.run(argv, env=env, check=True, capture_output=True))]
                for which, run in (runs if i % 2 == 0 else runs[::-1]):  # alternate who goes first
                    start = time.perf_counter()
                    run()
                    (t_api if which == "api" else t_cli).append(time.perf_counter() - start)
            api, cli = min(t_api), min(t_cli)
            label = "with cache" if cache else "no cache"
            print(f"{label:>10}: build_image {api:.2f}s  docker build {cli:.2f}s  ratio {api / cli:.2f} (target <= 1.05)")
    for t in tags:
        try:
            client.images.remove(t, force=True)
        except Exception:
            pass


if __name__ == "__main__":
    main()
