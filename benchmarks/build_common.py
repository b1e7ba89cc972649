"""What the build benchmarks share: the context they build, fair timing, and removing their tags."""

import os
import time


def make_context(ctx: str, files: int = 20, size: int = 512 * 1024) -> None:
    """A context of random files (nothing for a layer cache to guess), in ``ctx/data``."""
    os.makedirs(os.path.join(ctx, "data"))
    for i in range(files):
        with open(os.path.join(ctx, "data", f"f{i}"), "wb") as f:
            f.write(os.urandom(size))


def time_rotating(runs: list, times: dict, i: int) -> None:
    """Run each ``(name, fn)`` once, appending its seconds to ``times[name]``; round ``i`` starts with
    runner ``i % len(runs)``, so nobody always goes first (a warm page cache favours the second)."""
    k = i % len(runs)
    for which, run in runs[k:] + runs[:k]:
        start = time.perf_counter()
        run()
        times[which].append(time.perf_counter() - start)


def remove_tags(client, tags: list[str]) -> None:
    for t in tags:
        try:
            client.images.remove(t, force=True)
        except Exception:  # a tag never made (interrupted run) is fine
            pass
