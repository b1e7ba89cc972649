"""Widgets benchmark: event-to-widget latency, engine calls while idle, and the containers view with
200 containers.

Run: .venv/bin/python benchmarks/widgets_events.py
Prints, each against a reference measured in the same run:
- idle: HTTP requests the views made per engine event seen over 3 s, with the uptime clock ticking
  every 0.5 s (other people's containers may cause events; with none the count must be 0), and the
  CPU time the process spent meanwhile;
- start->row latency (target <= 0.5 s) against the `start` call's own duration, and the part of it
  from the engine's start event (its timestamp) to the row: delivery, then inspect + render;
- 200 created containers: the view's first load (every row its own widgets: buttons + cells), as the
  default page of 50 rows and with every row at once, and one pass over every row, against `docker ps -a` (the CLI process) on the same containers; then
  start->row latency with those 200 rows present.
Every container made here carries a benchmark label and is removed at the end, also on Ctrl-C.
"""
from __future__ import annotations

import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import docker

from dockermagic.client import default_labels
from dockermagic.widgets import ContainersView, NetworksView

N = 200


def _models(widget):
    """The widget and every model under it (children, layout, style): what travels to the page."""
    yield widget
    for trait in ("layout", "style"):
        if getattr(widget, trait, None) is not None:
            yield getattr(widget, trait)
    for child in getattr(widget, "children", ()):
        yield from _models(child)


def _timed_events(view) -> dict[str, tuple[float, float, float]]:
    """Per container id, for its start event: (engine's timestamp, received, row updated), wall clock."""
    seen: dict[str, tuple[float, float, float]] = {}
    handler = view._watcher._on_event

    def timed(ev):
        received = time.time()
        handler(ev)
        if ev.get("Type") == "container" and ev.get("Action") == "start":
            seen[ev["id"]] = (ev["timeNano"] / 1e9, received, time.time())

    view._watcher._on_event = timed
    return seen


def _latency(client, view, name, labels) -> tuple[float, float]:
    """Seconds from `start` to the view's row showing running, and the start call's own seconds."""
    c = client.containers.create("debian:bookworm", ["sleep", "infinity"], name=name, labels=labels)
    t0 = time.perf_counter()
    c.start()
    ref = time.perf_counter() - t0
    while not any(r["name"] == name and r["state"] == "running" for r in view.rows()):
        if time.perf_counter() - t0 > 5:
            raise SystemExit(f"row {name} never appeared")
        time.sleep(0.002)
    latency = time.perf_counter() - t0
    time.sleep(0.05)
    stamp, received, done = view.timed[c.id]
    print(f"  engine's start event -> row updated {(done - stamp) * 1000:.0f} ms (delivery "
          f"{(received - stamp) * 1000:.0f} ms, inspect + render {(done - received) * 1000:.0f} ms)")
    return latency, ref


def main() -> None:
    client = docker.from_env()
    calls = []
    real_send = client.api.send

    def counting_send(request, **kw):  # every HTTP request of the views goes through here
        calls.append(request.path_url)
        return real_send(request, **kw)

    client.api.send = counting_send
    tag = uuid.uuid4().hex[:8]
    labels = {**default_labels(), "org.dockermagic.bench": tag}
    flt = f"label=org.dockermagic.bench={tag}"
    events = []
    cv = ContainersView(client=client, tick=0.5)  # a fast uptime clock: it must cost no engine calls
    nv = NetworksView(client=client)
    orig = cv._on_event

    def spy(ev):
        events.append(ev)
        orig(ev)

    cv._watcher._on_event = spy
    cv.timed = _timed_events(cv)
    big = None
    try:
        # --- idle
        n_calls, n_events, cpu0 = len(calls), len(events), time.process_time()
        time.sleep(3.0)
        idle_calls, idle_events = len(calls) - n_calls, len(events) - n_events
        idle_cpu = time.process_time() - cpu0
        print(f"idle 3 s (uptime clock every 0.5 s): {idle_calls} HTTP requests for {idle_events} engine events "
              f"(0 events -> must be 0 requests); process CPU {idle_cpu * 1000:.0f} ms in 3000 ms")

        # --- start -> row, few containers
        latency, ref = _latency(client, cv, f"bench-wv-{tag}", labels)
        print(f"start->row latency {latency * 1000:.0f} ms (target <= 500 ms); start call itself "
              f"{ref * 1000:.0f} ms; ratio {latency / ref:.2f}x")

        # --- 200 containers
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda i: client.containers.create(
                "debian:bookworm", ["true"], name=f"bench-wv200-{tag}-{i:03d}", labels=labels), range(N)))
        t0 = time.perf_counter()
        subprocess.run(["docker", "ps", "-a", "--filter", flt], check=True, capture_output=True)
        cli = time.perf_counter() - t0
        t0 = time.perf_counter()
        paged = ContainersView(client=client, filters=[flt], tick=None)  # the default: 50 rows a page
        paged_first = time.perf_counter() - t0
        paged_models = len({id(m) for m in _models(paged.table)})
        paged.close()
        print(f"{N + 1} containers, default page of 50 rows: first load + render {paged_first * 1000:.0f} ms "
              f"({paged_models} widget models); `docker ps -a` CLI {cli * 1000:.0f} ms; ratio {paged_first / cli:.1f}x")
        t0 = time.perf_counter()
        big = ContainersView(client=client, filters=[flt], tick=None, page_size=None)  # every row at once
        first = time.perf_counter() - t0
        assert len(big.rows()) == N + 1, len(big.rows())
        big.timed = _timed_events(big)
        renders = []
        for _ in range(5):
            t0 = time.perf_counter()
            big._render()
            renders.append(time.perf_counter() - t0)
        render = min(renders)
        one_id = big.rows()[N // 2]["id"]
        ones = []
        for _ in range(20):
            t0 = time.perf_counter()
            big._render({one_id})  # what one container's event costs after its inspect
            ones.append(time.perf_counter() - t0)
        print(f"one row's re-render among {N + 1} (an event's share): {min(ones) * 1000:.2f} ms")
        html_kib = sum(len(r.cells.value) for r in big._row_widgets.values()) // 1024
        models = len({id(m) for m in _models(big.table)})
        print(f"{N + 1} containers, all rows (page_size=None): first load + render {first * 1000:.0f} ms ({models} widget models, "
              f"{models / (N + 1):.1f} per row), a pass over every row "
              f"{render * 1000:.1f} ms (cells rebuilt, unchanged ones send nothing; {html_kib} KiB HTML); `docker ps -a` CLI "
              f"{cli * 1000:.0f} ms; ratios {first / cli:.1f}x and {render / cli:.2f}x")
        latency, ref = _latency(client, big, f"bench-wv200-{tag}-last", labels)
        print(f"start->row latency with {N + 1} rows {latency * 1000:.0f} ms (target <= 500 ms); start call "
              f"itself {ref * 1000:.0f} ms; ratio {latency / ref:.2f}x")
    finally:
        cv.close()
        nv.close()
        if big is not None:
            big.close()
        client.api.send = real_send
        mine = client.api.containers(all=True, filters={"label": f"org.dockermagic.bench={tag}"})
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda c: client.api.remove_container(c["Id"], force=True, v=True), mine))
        client.close()


if __name__ == "__main__":
    main()
