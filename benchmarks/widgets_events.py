"""Widgets benchmark: event-to-widget latency after a container starts, and engine calls while idle.

Run: .venv/bin/python benchmarks/widgets_events.py
Prints the start->row latency (target <= 0.5 s) against the reference measured in the same run (the
`start` call's own duration), and the HTTP requests the idle views made per engine event seen (other
people's containers may cause events; with none the count must be 0).
"""
from __future__ import annotations

import time
import uuid

import docker

from dockermagic.client import default_labels
from dockermagic.widgets import ContainersView, NetworksView


def main() -> None:
    client = docker.from_env()
    calls = []
    real_send = client.api.send

    def counting_send(request, **kw):  # every HTTP request of the views goes through here
        calls.append(request.path_url)
        return real_send(request, **kw)

    client.api.send = counting_send
    events = []
    cv = ContainersView(client=client)
    nv = NetworksView(client=client)
    orig = cv._on_event

    def spy(ev):
        events.append(ev)
        orig(ev)

    cv._watcher._on_event = spy
    labels = {**default_labels(), "org.dockermagic.bench": uuid.uuid4().hex[:8]}
    name = "bench-wv-" + uuid.uuid4().hex[:8]
    c = None
    try:
        time.sleep(1.0)  # initial resync done
        n_calls, n_events = len(calls), len(events)
        time.sleep(3.0)
        idle_calls, idle_events = len(calls) - n_calls, len(events) - n_events
        c = client.containers.create("debian:bookworm", ["sleep", "infinity"], name=name, labels=labels)
        t0 = time.perf_counter()
        c.start()
        ref = time.perf_counter() - t0
        while not any(r["name"] == name and r["state"] == "running" for r in cv.rows()):
            if time.perf_counter() - t0 > 5:
                raise SystemExit("row never appeared")
            time.sleep(0.005)
        latency = time.perf_counter() - t0
        print(f"idle 3 s: {idle_calls} HTTP requests for {idle_events} engine events "
              f"(0 events -> must be 0 requests)")
        print(f"start->row latency {latency * 1000:.0f} ms (target <= 500 ms); start call itself "
              f"{ref * 1000:.0f} ms; ratio {latency / ref:.2f}x")
    finally:
        cv.close()
        nv.close()
        if c is not None:
            c.remove(force=True)
        client.close()


if __name__ == "__main__":
    main()
