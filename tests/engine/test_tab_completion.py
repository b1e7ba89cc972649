"""Tab completion through IPython's completer API (what JupyterLab and terminal IPython call),
with live names from the real engine."""

from __future__ import annotations

import time

import pytest
from IPython.core.completer import provisionalcompleter

from dockermagic.cli.completion import LiveNames, complete
from dockermagic.magics import completer


@pytest.fixture
def tab(ip):
    """``tab(text)``: what Tab offers at the end of ``text`` in a real shell with dockermagic loaded.

    The matcher is registered afresh, so its one-second cache holds nothing from an earlier test."""
    completer.register(ip)

    def offered(text: str) -> list[str]:
        with provisionalcompleter():
            found = list(ip.Completer.completions(text, len(text)))
        assert len({(c.start, c.end) for c in found}) <= 1, "the matches replace different text"
        return [c.text for c in found]

    return offered


def _sleeper(client, cleanup, name: str, **kw):
    return cleanup.container(client.containers.run("debian:bookworm", ["sleep", "600"], detach=True, name=name,
                                                   labels=cleanup.labels, **kw))


def test_containers_for_stop_start_and_rm(tab, ip, client, cleanup, images):
    running = _sleeper(client, cleanup, cleanup.name("dmtab"))
    stopped = cleanup.container(client.containers.create("debian:bookworm", ["true"], name=cleanup.name("dmtab"),
                                                         labels=cleanup.labels))
    assert tab(f"%docker stop {running.name[:12]}") == [running.name]
    assert tab(f"%docker stop {stopped.name[:12]}") == []  # as the CLI: only running ones to stop
    assert tab(f"%docker start {stopped.name[:12]}") == [stopped.name]
    assert tab(f"%docker rm -f {running.name[:12]}") == [running.name]
    assert tab(f"%docker rm -f {running.name} {stopped.name[:12]}") == [stopped.name]  # repeatable
    assert tab(f"x = %docker logs --tail 5 {running.name[:12]}") == [running.name]
    assert tab(f"%docker exec {running.name[:12]}") == [running.name]
    # the text it replaces: the name's beginning, so the line reads %docker stop <name>
    text = f"%docker stop {running.name[:12]}"
    with provisionalcompleter():
        (only,) = ip.Completer.completions(text, len(text))
    assert text[:only.start] + only.text == f"%docker stop {running.name}"


def test_terminal_ipython_completes_through_prompt_toolkit(ip, client, cleanup, images):
    from IPython.terminal.ptutils import IPythonPTCompleter
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    completer.register(ip)
    box = _sleeper(client, cleanup, cleanup.name("dmtabpt"))
    text = f"%docker stop {box.name[:14]}"
    found = list(IPythonPTCompleter(shell=ip).get_completions(Document(text), CompleteEvent(completion_requested=True)))
    assert [(c.text, c.start_position) for c in found] == [(box.name, -len(box.name[:14]))]


def test_flags_and_their_values(tab, ip):
    completer.register(ip)  # again, as %reload_ext does: still one matcher, so no match shows twice
    assert [getattr(m, "matcher_identifier", None) for m in ip.Completer.custom_matchers].count(completer.IDENTIFIER) == 1
    assert tab("%docker run --rest") == ["--restart"]
    assert tab("%docker run --restart ") == ["always", "no", "on-failure", "unless-stopped"]
    assert tab("%docker network con") == ["connect"]
    assert tab("%docker container l") == ["list", "logs", "ls"]
    assert tab("%%dockerfile -t app --builder l") == ["legacy"]


def test_images_for_run_rmi_and_tag(tab, client, cleanup, images):
    repo = cleanup.name("dmtabimg")
    client.images.get("debian:bookworm").tag(repo, "v1")
    cleanup.image(f"{repo}:v1")
    assert tab(f"%docker run --rm {repo[:12]}") == [f"{repo}:v1"]
    assert tab(f"%docker rmi {repo[:12]}") == [f"{repo}:v1"]
    assert tab(f"%docker image inspect {repo[:12]}") == [f"{repo}:v1"]
    assert tab(f"%docker inspect --type image {repo[:12]}") == [f"{repo}:v1"]
    assert tab(f"%docker inspect --type=image {repo[:12]}") == [f"{repo}:v1"]
    assert tab(f"%docker inspect {repo[:12]}") == []  # containers, without --type
    assert "debian:bookworm" in tab("%docker run -d deb")


def test_networks_and_volumes(tab, client, cleanup, images):
    net = cleanup.network(client.networks.create(cleanup.name("dmtabnet"), labels=cleanup.labels))
    vol = cleanup.volume(client.volumes.create(cleanup.name("dmtabvol"), labels=cleanup.labels))
    box = _sleeper(client, cleanup, cleanup.name("dmtabbox"))
    assert tab(f"%docker network connect {net.name[:15]}") == [net.name]
    assert tab(f"%docker network connect {net.name} {box.name[:15]}") == [box.name]
    assert tab(f"%docker network rm {net.name[:15]}") == [net.name]
    assert tab(f"%docker run --network {net.name[:15]}") == [net.name]
    assert tab(f"%docker volume inspect {vol.name[:15]}") == [vol.name]
    assert tab(f"%docker volume rm {vol.name[:15]}") == [vol.name]


def test_a_line_inside_a_docker_cell(tab, client, cleanup, images):
    box = _sleeper(client, cleanup, cleanup.name("dmtabcell"))
    assert tab(f"%%docker\nps -a\nlogs {box.name[:15]}") == [box.name]
    assert tab("%%docker\nnetwork ls\nnetwork ins") == ["inspect"]


def test_compose_services_of_the_last_compose_cell(tab, ip, tmp_path):
    ip.run_cell_magic("compose", f"--project-dir {tmp_path}",
                      "services:\n  web:\n    image: debian:bookworm\n  worker:\n    image: debian:bookworm\n")
    assert tab("%compose logs w") == ["web", "worker"]
    assert tab("%compose exec wo") == ["worker"]


def test_at_most_one_engine_call_per_kind_per_second(client, cleanup, images):
    counting = _Counting(client)
    names = LiveNames(counting)
    first = _sleeper(client, cleanup, cleanup.name("dmtabttl"))
    started = time.monotonic()
    for i in range(40):  # forty key presses
        assert complete(f"%docker stop {first.name[:12 + i % 3]}", names=names).matches == [first.name]
        complete("%docker run --rm deb", names=names)
    assert time.monotonic() - started < names.ttl, "the key presses took too long to test the cache"
    assert counting.calls == {"containers": 1, "images": 1}
    # A container made meanwhile shows once the second is over: the cache is short, not stale.
    second = _sleeper(client, cleanup, first.name + "-2")
    assert complete(f"%docker stop {first.name}", names=names).matches == [first.name]
    time.sleep(names.ttl - (time.monotonic() - started) + 0.05)
    assert complete(f"%docker stop {first.name}", names=names).matches == [first.name, second.name]
    assert counting.calls == {"containers": 2, "images": 1}


class _Counting:
    """A docker client whose low-level API calls are counted by method name."""

    def __init__(self, real):
        self.calls: dict[str, int] = {}
        self.api = self
        self._real = real.api

    def __getattr__(self, name):
        method = getattr(self._real, name)

        def counted(*args, **kw):
            self.calls[name] = self.calls.get(name, 0) + 1
            return method(*args, **kw)

        return counted
