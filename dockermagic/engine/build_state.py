"""What a build reports while it runs and when it ends, whichever builder runs it.

``BuildState`` follows the legacy builder's lines (``Step 2/5 : RUN …``; ``buildkit.BuildKitState``
follows BuildKit's); a ``Progress`` receives every line: plain lines by default (a terminal), a
compact updating view that the magics register for notebooks (``set_default_progress``), so no
module here needs IPython. ``BuildResult`` is the finished build.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

import docker

from ..errors import BuildFailed

Say = Callable[[str], None]
_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # the engine colours a RUN step's stderr red
# Engine bookkeeping lines, not the output of the step's command.
_ENGINE_LINE = re.compile(r"^\s*(---> |Removing intermediate container|Successfully (built|tagged))")


@dataclass
class BuildState:
    """What a build has done so far; handed to the Progress with every line."""

    step: int | None = None
    steps: int = 0
    instruction: str = ""
    cache_hits: int = 0
    started: float = field(default_factory=time.monotonic)
    log: list[str] = field(default_factory=list)
    step_output: list[str] = field(default_factory=list)  # what the current step's command printed

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def feed(self, line: str) -> None:
        m = _STEP.match(line)
        if m:
            self.step, self.steps, self.instruction = int(m.group(1)), int(m.group(2)), m.group(3)
            self.step_output = []
        elif "---> Using cache" in line:
            self.cache_hits += 1
        elif line.strip() and not _ENGINE_LINE.match(line):
            self.step_output.append(line)
        self.log.append(line)


class Progress(Protocol):
    """Receives every line of a build, then its end (``ok`` false on failure)."""

    def line(self, text: str, state: BuildState) -> None: ...

    def finish(self, state: BuildState, ok: bool, summary: str) -> None: ...


class PlainProgress:
    """Every line as it comes, as ``docker build`` prints it in a terminal."""

    def __init__(self, say: Say = print):
        self.say = say

    def line(self, text: str, state: BuildState) -> None:
        self.say(text)

    def finish(self, state: BuildState, ok: bool, summary: str) -> None:
        if ok:
            self.say(summary)


class SilentProgress:
    """Nothing while it runs (``docker build -q``); the result still holds every line."""

    def line(self, text: str, state: BuildState) -> None:
        pass

    def finish(self, state: BuildState, ok: bool, summary: str) -> None:
        pass


_default_progress: Callable[[Say], Progress | None] | None = None


def set_default_progress(factory: Callable[[Say], Progress | None] | None) -> None:
    """Choose the Progress used when a caller gives none (the magics install a notebook view)."""
    global _default_progress
    _default_progress = factory


def _progress_for(say: Say) -> Progress:
    made = _default_progress(say) if _default_progress else None
    return made or PlainProgress(say)


@dataclass
class BuildResult:
    """A finished build: like the last lines of ``docker build`` plus ``docker history``."""

    image_id: str
    tags: list[str]
    size: int
    seconds: float
    steps: int
    cache_hits: int
    log: list[str] = field(default_factory=list, repr=False)
    history_rows: list[dict] | None = field(default=None, repr=False)
    client: docker.DockerClient | None = field(default=None, repr=False, compare=False)

    @property
    def history(self):
        """The image's layers, newest first, as a DataFrame (like ``docker history``)."""
        import pandas as pd

        if self.history_rows is None:  # asked for on first use: a build need not pay for it
            self.history_rows = self.client.api.history(self.image_id) if self.client else []

        rows = [{"created_by": r.get("CreatedBy", ""), "size_mb": round((r.get("Size") or 0) / 1e6, 1),
                 "created": pd.Timestamp(r.get("Created", 0), unit="s", tz="UTC"),
                 "id": (r.get("Id") or "")[7:19] if (r.get("Id") or "").startswith("sha256:") else "<missing>",
                 "tags": ", ".join(r.get("Tags") or [])} for r in self.history_rows]
        return pd.DataFrame(rows, columns=["id", "created_by", "size_mb", "created", "tags"])

    def __repr__(self) -> str:
        return (f"BuildResult({self.image_id[:19]} tags={self.tags} size={self.size / 1e6:.1f} MB "
                f"time={self.seconds:.1f}s steps={self.steps} cached={self.cache_hits})")


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".").strip()
    return f"{text}." if text else ""


def _failure(state: BuildState, error: str) -> BuildFailed:
    """BuildFailed naming the step, its instruction, the engine's reason and the step's last output."""
    where = f"step {state.step}/{state.steps} ({state.instruction})" if state.step else "the start"
    tail = state.step_output[-5:]
    last = (" Last output: " + _sentence(" | ".join(l.strip() for l in tail))) if tail else ""
    return BuildFailed(f"Build failed at {where}: {_sentence(error) or 'no reason given.'}{last}",
                       step=state.step, instruction=state.instruction, last_lines=tail)


class LineJoiner:
    """Whole output lines from the engine's stream messages.

    The engine cuts a line into several messages (a RUN step's stderr arrives as the process writes
    it), so a message is not a line: text is held until its newline arrives.
    """

    def __init__(self):
        self._pending = ""

    def feed(self, text: str) -> list[str]:
        whole, _, self._pending = (self._pending + _ANSI.sub("", text)).rpartition("\n")
        return self._keep(whole)

    def flush(self) -> list[str]:
        rest, self._pending = self._pending, ""
        return self._keep(rest)

    @staticmethod
    def _keep(text: str) -> list[str]:
        # the engine also sends bare newlines as messages of their own
        return [line for line in text.splitlines() if line.strip()]
