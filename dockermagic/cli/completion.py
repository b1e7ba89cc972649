"""Tab completion for the magics' command lines, without IPython.

``complete(text, cursor)`` reads the cell (or line) the way the magics will, finds the command
word, flag or argument the cursor is in, and answers from the grammar table: subcommands, the
flags of the subcommand on the line, the choices of a flag's value, and live names by the
argument's kind (containers, images, networks, volumes; a Compose project's services).

Live names come from ``LiveNames``: a front-end asks on every key press (JupyterLab's
continuous hints, a held Tab), so each kind is listed at most once per second, and an engine
that does not answer costs one short timeout, then no calls for a few seconds: completion never
raises and never hangs the prompt. ``magics/completer.py`` hooks this into IPython's completer.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable

from . import grammar


@dataclass(frozen=True)
class Completions:
    """What replaces ``fragment`` (the text just before the cursor): one of ``matches``."""

    fragment: str
    matches: list[str] = field(default_factory=list)
    kind: str = ""  # what the matches are, as a front-end's list labels them: "command", "flag", "container"…


def _container_names(api) -> list[tuple[str, bool]]:
    # Names holding a second "/" are legacy --link aliases, not names a command takes.
    return [(n[1:], c.get("State") == "running") for c in api.containers(all=True)
            for n in c.get("Names") or [] if n.count("/") == 1]


def _image_names(api) -> list[str]:
    return sorted({t for i in api.images() for t in i.get("RepoTags") or [] if t != "<none>:<none>"})


_FETCH: dict[str, Callable] = {
    "container": _container_names,
    "image": _image_names,
    "network": lambda api: [n["Name"] for n in api.networks()],
    "volume": lambda api: [v["Name"] for v in api.volumes().get("Volumes") or []],
}


class LiveNames:
    """The engine's names by kind, each kind listed at most once per ``ttl`` seconds.

    Args:
        client: a docker client to ask; or
        connect: a callable that makes one on first use (the magic's, with a short timeout).
        ttl: seconds a list stays fresh.
        retry_after: seconds without engine calls after the engine failed to answer.
    """

    def __init__(self, client=None, *, connect: Callable | None = None, ttl: float = 1.0,
                 retry_after: float = 5.0):
        self._client, self._connect = client, connect
        self.ttl, self.retry_after = ttl, retry_after
        self._cache: dict[str, tuple[float, list]] = {}
        self._down_until = 0.0
        self._lock = threading.Lock()

    def get(self, kind: str) -> list:
        """The names of ``kind`` (containers as ``(name, running)`` pairs); ``[]`` when the engine
        does not answer."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(kind)
            if hit and now - hit[0] < self.ttl:
                return hit[1]
            names = self._fetch(kind, now)
            self._cache[kind] = (now, names)
            return names

    def _fetch(self, kind: str, now: float) -> list:
        if now < self._down_until:
            return []
        try:
            if self._client is None and self._connect is not None:
                self._client = self._connect()
            return list(_FETCH[kind](self._client.api)) if self._client is not None else []
        except Exception:  # no engine, a timeout, a refusal: while typing, that is just no names
            self._down_until = now + self.retry_after
            return []


def services_in(path: str | None) -> list[str]:
    """The services of the Compose file at ``path``; ``[]`` when there is none or it does not parse.

    Read from the file the last ``%%compose`` saved, never by running Compose: completion must
    answer in milliseconds.
    """
    if not path:
        return []
    import yaml

    try:
        with open(path) as f:
            data = yaml.safe_load(f)
        return sorted(data["services"])
    except Exception:  # a missing, half-written or invalid file: no services to offer
        return []


# --- Where the cursor is -------------------------------------------------------------------------

_LINE_MAGIC = re.compile(r"(?:^|(?<=[\s=(]))%(docker|compose)(?=\s|$)", re.M)
_CELL_MAGIC = re.compile(r"\s*%%(\w+)(?=\s|$)")


@dataclass(frozen=True)
class _Spot:
    """The magic the cursor is in and that command's text up to the cursor."""

    magic: str  # "docker", "compose", or the cell magic's first line: "dockerfile-line", "compose-line"
    before: str


def _spot(text: str, cursor: int) -> _Spot | None:
    start = text.rfind("\n", 0, cursor) + 1
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    cell = _CELL_MAGIC.match(first)
    if cell and cell.group(1) in ("docker", "dockerfile", "compose"):
        if start == 0:
            return _Spot(f"{cell.group(1)}-line", text[cell.end():cursor]) if cell.group(1) != "docker" else None
        if cell.group(1) != "docker":
            return None  # a Dockerfile or Compose YAML
        while start > first_end + 1 and text[:start - 1].endswith("\\"):
            start = text.rfind("\n", 0, start - 1) + 1  # a continued line belongs to the one above
        return _Spot("docker", text[start:cursor].replace("\\\n", " "))
    found = list(_LINE_MAGIC.finditer(text, start, cursor))
    return _Spot(found[-1].group(1), text[found[-1].end():cursor]) if found else None


def _words(before: str) -> tuple[list[str], str, str] | None:
    """The finished words, and the word the cursor is in as read and as typed; None in a comment."""
    words, part, raw, quote, started = [], [], [], None, False
    chars = iter(before)
    for ch in chars:
        if quote is None and ch in " \t":
            if started:
                words.append("".join(part))
            part, raw, started = [], [], False
            continue
        raw.append(ch)
        if quote is None and ch == "#" and not started:
            return None
        started = True
        if ch == quote:
            quote = None
        elif quote is None and ch in "'\"":
            quote = ch
        elif ch == "\\" and quote != "'":
            nxt = next(chars, "")
            raw.append(nxt)
            part.append(nxt)
        else:
            part.append(ch)
    return words, "".join(part), "".join(raw)


def _matching(prefix: str, candidates) -> list[str]:
    return sorted({c for c in candidates if c.startswith(prefix)})


# --- What to offer -------------------------------------------------------------------------------

# The CLI's own completion offers only running containers to these, and only stopped ones to start.
_RUNNING_ONLY = {"stop", "kill", "pause", "exec", "top", "port", "attach", "stats"}
_STOPPED_ONLY = {"start", "unpause"}


@dataclass
class _Ask:
    """Where live names come from while one completion is worked out."""

    live: LiveNames
    compose_file: Callable[[], str | None]


def _live(kind: str, command_name: str, ask: _Ask) -> list[str]:
    if kind == "service":
        return services_in(ask.compose_file())
    if kind not in _FETCH:
        return []
    names = ask.live.get(kind)
    if kind != "container":
        return names
    verb = command_name.split()[-1]
    return [n for n, running in names
            if not (verb in _RUNNING_ONLY and not running) and not (verb in _STOPPED_ONLY and running)]


# Values worth offering where the grammar cannot list choices: ``on-failure:3`` is valid too.
_HINTS = {"--restart": ("no", "always", "unless-stopped", "on-failure")}


def _values(item, prefix: str, command_name: str, ask: _Ask) -> Completions:
    """What a flag's value or a positional argument may be: its choices, else live names of its kind."""
    if item is None:
        return Completions(prefix)
    offered = item.choices or next((_HINTS[n] for n in getattr(item, "names", ()) if n in _HINTS), ())
    if offered:
        return Completions(prefix, _matching(prefix, offered), "value")
    return Completions(prefix, _matching(prefix, _live(item.kind, command_name, ask)), item.kind)


def _flag_awaiting_value(word: str, by_name: dict):
    """The flag whose value the next word is (``--name``, ``-e``, ``-de``), or None."""
    if word.startswith("--"):
        f = by_name.get(word)
        return f if f is not None and f.takes_value else None
    for j in range(1, len(word)):
        f = by_name.get("-" + word[j])
        if f is not None and f.takes_value:
            return f if j == len(word) - 1 else None  # -ePW=x holds its value
    return None


@dataclass
class _Scan:
    """The words after a command's name, read as its parser will: positional words so far, the
    flag still waiting for its value, whether ``--`` ended the flags, where the first positional is."""

    positional: list[str] = field(default_factory=list)
    pending: object = None
    flags_over: bool = False
    first_at: int | None = None
    values: dict = field(default_factory=dict)  # flag values given, by dest


def _scan(command, rest: list[str]) -> _Scan:
    by_name = {n: f for f in command.flags for n in f.names}
    scan = _Scan()
    for i, word in enumerate(rest):
        if scan.pending is not None:
            scan.values[scan.pending.dest], scan.pending = word, None
        elif word == "--" and not scan.flags_over:
            scan.flags_over = True
        elif scan.flags_over or not word.startswith("-") or word == "-":
            scan.positional.append(word)
            scan.first_at = i if scan.first_at is None else scan.first_at
        else:
            scan.pending = _flag_awaiting_value(word, by_name)
            name, eq, value = word.partition("=")
            if eq and name in by_name:
                scan.values[by_name[name].dest] = value
    return scan


def _in_command(command, rest: list[str], partial: str, ask: _Ask) -> Completions:
    """Completions for the word after ``rest``, the words already typed after ``command``'s name."""
    scan = _scan(command, rest)
    if command.stops_at_positional and scan.positional:
        return Completions(partial)  # the container's own command line: not docker's
    if scan.pending is not None:
        return _values(scan.pending, partial, command.name, ask)
    if partial.startswith("-") and not scan.flags_over:
        name, eq, value = partial.partition("=")
        if eq:
            return _values(next((f for f in command.flags if name in f.names), None), value, command.name, ask)
        spellings = [n for f in command.flags for n in f.names] + ["--help"]
        return Completions(partial, _matching(partial, [n for n in spellings if n.startswith("--") or partial == "-"]),
                           "flag")
    args, at = command.args, len(scan.positional)
    arg = args[at] if at < len(args) else (args[-1] if args and args[-1].repeat else None)
    if arg is not None and scan.values.get("type") in _FETCH:  # inspect --type image NAME: NAME is an image
        arg = replace(arg, kind=scan.values["type"])
    if arg is not None and arg.kind == "subcommand" and not arg.choices:  # help network con
        return Completions(partial, _matching(partial, _next_words(scan.positional)), "command")
    return _values(arg, partial, command.name, ask)


# Compose subcommands that take no service names.
_NO_SERVICES = {"config", "down", "ls", "version"}


def _compose(words: list[str], partial: str, ask: _Ask) -> Completions:
    """``%compose``/``docker compose``: global options and the subcommand from the table, then the
    project's services (one for exec/run, whose next words are the service's command)."""
    command, _ = grammar.find(["compose"])
    scan = _scan(command, words)
    if not scan.positional or command is None:
        return _in_command(command, words, partial, ask) if command else Completions(partial)
    sub, after = words[scan.first_at], words[scan.first_at + 1:]
    named = sum(not w.startswith("-") for w in after)
    if partial.startswith("-") or sub in _NO_SERVICES or (sub in ("exec", "run") and named):
        return Completions(partial)  # the subcommand's own options are Compose's to know
    return Completions(partial, _matching(partial, services_in(ask.compose_file())), "service")


def _spellings() -> set[str]:
    return {key for c in grammar.commands() for key in (c.name, *c.aliases) if not key.startswith("%")}


def _next_words(words: list[str]) -> set[str]:
    """The command words that may follow ``words`` (no words: the first ones)."""
    if not words:
        return {s.split()[0] for s in _spellings()}
    return {s.split()[1] for s in _spellings() if len(words) == 1 and s.startswith(words[0] + " ")}


def _docker(words: list[str], partial: str, ask: _Ask) -> Completions:
    if words[:1] == ["docker"]:
        words = words[1:]
    if words[:1] in (["compose"], ["docker-compose"]):
        return _compose(words[1:], partial, ask)
    following = _next_words(words)
    if not words or (following and words[0] not in _spellings()):
        return Completions(partial, _matching(partial, following), "command")
    command, n = grammar.find(words)
    if command is None:
        return Completions(partial)
    return _in_command(command, words[n:], partial, ask)


def complete(text: str, cursor: int | None = None, *, names: LiveNames | None = None, client=None,
             compose_file: str | Callable[[], str | None] | None = None) -> Completions | None:
    """What Tab offers at ``cursor`` (an offset into ``text``, default its end) in a magic's line.

    Args:
        text: the cell (or the line) as in the editor: ``%docker stop we``, a ``%%docker`` cell,
            ``x = %docker run --rest``, ``%%dockerfile -t app --bui``.
        names: where live names come from (keep one between calls: it is the cache); else
        client: a docker client to ask (no cache kept).
        compose_file: the ``%%compose`` project's file (or a callable giving it), for services.

    Returns:
        ``Completions`` (the fragment before the cursor and what may replace it), or None when
        the cursor is not in a line of a dockermagic magic.
    """
    cursor = len(text) if cursor is None else cursor
    spot = _spot(text, cursor)
    if spot is None:
        return None
    read = _words(spot.before)
    if read is None:
        return Completions("")  # in a comment
    words, partial, typed = read
    if typed != partial:
        return Completions(typed)  # quoted or escaped: names need neither, so nothing to offer
    ask = _Ask(names or LiveNames(client),
               compose_file if callable(compose_file) else (lambda: compose_file))
    if spot.magic == "docker":
        return _docker(words, partial, ask)
    if spot.magic == "compose":
        return _compose(words, partial, ask)
    command, _ = grammar.find(["%%" + spot.magic.removesuffix("-line")])
    return _in_command(command, words, partial, ask) if command else Completions(partial)
