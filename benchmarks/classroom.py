"""A classroom on one engine: N learners, each in its own namespace, run notebook 02's flow at once.

    .venv/bin/python benchmarks/classroom.py [--learners 30] [--batch 5]

Every learner is a thread with its own namespaced client (``ownership.namespaced``), as its kernel on a
JupyterHub would have, and does what notebooks 02 and 03 do with the very same words: Postgres called
``pg-database`` on port 5433 (``start_postgres``), the yellow taxi sample loaded (``loader.load_file``),
a query. ``--batch`` learners run at a time (a pool: when one finishes the next starts).

Reported:
- collisions (must be 0): a learner that failed on a name or a port, a host port published twice, a
  container outside its learner's prefix, or a learner whose URL reaches another learner's database
  (each writes its name into its own database; afterwards each must read back exactly its own);
- time per learner (start_postgres + load + query: median and max) and the wall time;
- engine memory per learner, two ways: the containers' memory as the engine's stats report it (cgroup
  usage minus the inactive page cache, what ``docker stats`` shows), and the growth of the engine's
  processes (dockerd + containerd + the containers' shims, RSS) divided by N;
- reset: objects per namespace before and after ``ownership.reset(mine=True)`` for learner 1: it has
  none left, the other N-1 keep exactly the same objects and their Postgres still answers.

Everything the run makes carries ``org.dockermagic.benchmark=classroom-<run>``; at the end (also on
Ctrl-C, a kill or a failure) every namespace is reset and whatever still carries that label is removed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import fcntl
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

RUN = uuid.uuid4().hex[:6]
RUN_LABEL = f"org.dockermagic.benchmark=classroom-{RUN}"
# Before dockermagic is imported anywhere: default_labels() reads it on every create.
os.environ["DOCKERMAGIC_LABELS"] = ",".join(filter(None, [os.environ.get("DOCKERMAGIC_LABELS", ""), RUN_LABEL]))
os.environ.pop("DOCKERMAGIC_NAMESPACE", None)

from interrupt_cleanup import run  # noqa: E402

from dockermagic import ownership  # noqa: E402
from dockermagic.client import connect  # noqa: E402
from dockermagic.engine.cleanup import remove_labelled  # noqa: E402
from dockermagic.errors import DockerMagicError  # noqa: E402
from dockermagic.ingest import nyctlc  # noqa: E402
from dockermagic.ingest.loader import load_file  # noqa: E402
from dockermagic.ingest.postgres import start_postgres  # noqa: E402

QUERY = "SELECT count(*), round(avg(total_amount)::numeric, 2) FROM yellow_taxi_trips"


@dataclass
class Learner:
    index: int
    client: object  # a namespaced docker client
    lines: list[str] = field(default_factory=list)
    server: object = None
    seconds: float = 0.0
    rows: int = 0
    answer: tuple = ()
    error: str = ""

    @property
    def namespace(self) -> str:
        return self.client.namespace


def run_learner(learner: Learner, sample: str, stop: threading.Event) -> Learner:
    """Notebook 02's flow for one learner: Postgres on 5433, a load, a query, a marker row."""
    if stop.is_set():
        return learner
    started = time.monotonic()
    try:
        pg = learner.server = start_postgres("pg-database", client=learner.client, port=5433, user="root",
                                             password="root", db="ny_taxi", timeout=180, say=learner.lines.append)
        learner.rows = load_file(sample, "yellow_taxi_trips", conn_or_server=pg, progress=False).rows
        with pg.connect() as conn, conn.cursor() as cur:
            cur.execute(QUERY)
            learner.answer = tuple(cur.fetchone())
            cur.execute("CREATE TABLE IF NOT EXISTS learner (name text)")
            cur.execute("INSERT INTO learner VALUES (%s)", (learner.namespace,))
        conn.close()
    except DockerMagicError as exc:
        learner.error = str(exc)
    learner.seconds = time.monotonic() - started
    return learner


def reads_its_own(learner: Learner) -> bool:
    """Through its own URL, the learner's database holds exactly its own name."""
    import psycopg2

    try:
        with learner.server.connect(connect_timeout=10) as conn, conn.cursor() as cur:
            cur.execute("SELECT array_agg(name) FROM learner")
            names = cur.fetchone()[0]
        conn.close()
    except psycopg2.Error:  # gone, or another learner's server without the table
        return False
    return names == [learner.namespace]


def collisions(base, learners: list[Learner]) -> dict[str, int]:
    mine = base.api.containers(all=True, filters={"label": RUN_LABEL})
    ports = Counter(p["PublicPort"] for c in mine for p in c.get("Ports") or [] if p.get("PublicPort"))
    prefixes = {ownership.namespace_of(learner.client): learner for learner in learners}
    outside = [c for c in mine if (c.get("Labels") or {}).get(ownership.NAMESPACE_LABEL) not in prefixes
               or not c["Names"][0].lstrip("/").startswith(c["Labels"][ownership.NAMESPACE_LABEL] + "-")]
    return {
        "learners that failed": sum(1 for learner in learners if learner.error),
        "host ports published twice": sum(n - 1 for n in ports.values() if n > 1),
        "containers outside their learner's names": len(outside),
        "learners reaching another's database": sum(1 for learner in learners if learner.server and not reads_its_own(learner)),
    }


def _rss_kib(pid: int, field: str = "Rss:") -> int:
    """Resident memory of a process; ``"Pss:"`` shares pages used by several processes among them
    (30 shims run one binary: RSS would count its pages 30 times)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith(field))
    except (OSError, StopIteration):
        return 0


def engine_rss_kib() -> int:
    """dockerd (from its pid file) and the containerd it manages (its child)."""
    try:
        dockerd = int(open("/var/run/docker.pid").read())
    except (OSError, ValueError):
        return 0
    children = open(f"/proc/{dockerd}/task/{dockerd}/children").read().split()
    return _rss_kib(dockerd) + sum(_rss_kib(int(pid)) for pid in children)


def memory(base, learners: list[Learner]) -> tuple[float, float]:
    """(container working set, shims RSS) in MiB, summed over the learners' containers."""
    working, shims = 0, 0
    for learner in learners:
        if not learner.server:
            continue
        cid = base.api.inspect_container(learner.client.space.engine_name("pg-database"))["Id"]
        stats = base.api.stats(cid, stream=False, one_shot=True)["memory_stats"]
        inner = stats.get("stats") or {}
        working += stats.get("usage", 0) - inner.get("total_inactive_file", inner.get("inactive_file", 0))
        pid = base.api.inspect_container(cid)["State"]["Pid"]
        shim = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])  # the parent: the shim
        shims += _rss_kib(shim, "Pss:") * 1024
    return working / 2**20, shims / 2**20


def census(base, learners: list[Learner]) -> dict[str, set[str]]:
    """Per namespace: the ids of its containers, volumes and networks on the engine."""
    out = {}
    for learner in learners:
        flt = {"label": [f"{ownership.NAMESPACE_LABEL}={learner.namespace}", RUN_LABEL]}
        ids = {c["Id"] for c in base.api.containers(all=True, filters=flt)}
        ids |= {v["Name"] for v in base.api.volumes(filters=flt).get("Volumes") or []}
        ids |= {n["Id"] for n in base.api.networks(filters=flt)}
        out[learner.namespace] = ids
    return out


def reset_one(base, learners: list[Learner]) -> dict[str, object]:
    """Reset learner 1; the others must keep the same objects and still answer."""
    before = census(base, learners)
    first = learners[0]
    table = ownership.reset(mine=True, client=first.client, say=first.lines.append)
    after = census(base, learners)
    others = learners[1:]
    return {
        "objects of learner 1 before": len(before[first.namespace]),
        "its reset removed": [f"{row['kind']} {row['name']}" for row in table.rows if row["result"] == "removed"],
        "objects of learner 1 after": len(after[first.namespace]),
        "other learners changed": sum(1 for x in others if before[x.namespace] != after[x.namespace]),
        "other objects before/after": (sum(len(before[x.namespace]) for x in others),
                                       sum(len(after[x.namespace]) for x in others)),
        "other learners still answering": sum(1 for x in others if x.server and reads_its_own(x)),
    }


def clean_up(base, learners: list[Learner]) -> None:
    for learner in learners:
        try:
            ownership.reset(mine=True, client=learner.client, say=lambda line: None)
        except Exception as exc:  # the sweep below still removes it
            print(f"reset of {learner.namespace} failed: {exc}", file=sys.stderr)
    left = remove_labelled(RUN_LABEL, client=base)
    if left.failed:
        print(f"could not remove: {left.failed}", file=sys.stderr)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--batch", type=int, default=5, help="learners running at the same time")
    args = parser.parse_args(argv)
    base = connect(timeout=300)
    sample = nyctlc.sample("yellow")
    learners = []
    for i in range(1, args.learners + 1):
        lines: list[str] = []  # where each learner's "5433 → 2xxxx" line goes
        learners.append(Learner(i, ownership.namespaced(base, f"cls{RUN}-{i:02d}", say=lines.append), lines))
    stop = threading.Event()
    rss_before = engine_rss_kib()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.batch)
    # The tests that need host port 5433 take this lock; hold it so they wait instead of failing.
    lock = open("/tmp/dockermagic-port-5433.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        list(pool.map(lambda learner: run_learner(learner, sample, stop), learners))
        wall = time.monotonic() - started
        report(base, learners, wall, rss_before, args)
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)  # a running learner finishes; then nothing is left making things
        clean_up(base, learners)
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    return 0


def report(base, learners: list[Learner], wall: float, rss_before: int, args) -> None:
    n = len(learners)
    for learner in learners:
        if learner.error:
            print(f"  {learner.namespace}: {learner.error}")
    moved = sum(1 for learner in learners if any("→" in line for line in learner.lines))
    ports = sorted(learner.server.port for learner in learners if learner.server)
    print(f"{n} learners, {args.batch} at a time, on one engine: wall {wall:.1f} s")
    print(f"  each asked for 5433: {n - moved} got it, {moved} were moved (one line each); "
          f"start_postgres().port: {len(set(ports))} distinct, {ports[0]}..{ports[-1]}")
    times = sorted(learner.seconds for learner in learners)
    print(f"  time per learner (Postgres + load of {max(lr.rows for lr in learners)} rows + query): "
          f"median {statistics.median(times):.1f} s, max {times[-1]:.1f} s")
    answers = Counter(learner.answer for learner in learners)
    print(f"  answers to the query: {dict(answers)}")
    found = collisions(base, learners)
    print(f"  collisions: {sum(found.values())}  {found}")
    working, shims = memory(base, learners)
    print(f"  memory per learner: {working / n:.1f} MiB in the container (engine stats: usage - inactive file) "
          f"+ {shims / n:.1f} MiB its containerd shim (PSS); dockerd+containerd RSS {rss_before / 1024:.0f} MiB "
          f"before, {engine_rss_kib() / 1024:.0f} MiB with {n} learners")
    result = reset_one(base, learners)
    print(f"  reset of learner 1 ({learners[0].namespace}): {result}")


if __name__ == "__main__":
    run(main)
