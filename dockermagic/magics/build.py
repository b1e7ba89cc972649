"""``%%dockerfile``: the cell is the Dockerfile; options mirror ``docker build``.

The first line is read like a ``%docker`` line (POSIX quoting, ``{var}``/``$var``) against the
grammar's ``%%dockerfile`` table, so ``--build-arg MSG="hello world"`` is one argument.

In a notebook a build shows one line that updates in place (current step, elapsed time, last
output); the whole log stays on the result (``.log``). In a terminal the lines stream as they come.
"""

from __future__ import annotations

import os
import textwrap
import threading
import time

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class, no_var_expand
from IPython.display import Pretty, display

from ..cli import commands, grammar
from ..cli.options import build_options
from ..cli.words import split_words
from ..engine import build
from .. import client as dm_client
from ..errors import DockerMagicError


class CompactProgress:
    """A build.Progress for notebooks: one display that is updated, never appended to.

    A ticker thread keeps the elapsed time moving while a step prints nothing (``npm ci``).
    """

    def __init__(self, show=display, tick: float = 1.0, min_gap: float = 0.25):
        self._show, self._tick, self._min_gap = show, tick, min_gap
        self._handle = None
        self._lock = threading.Lock()
        self._state: build.BuildState | None = None
        self._shown_at, self._shown_step = 0.0, None
        self._done = threading.Event()
        self._ticker: threading.Thread | None = None
        self.updates = 0

    @staticmethod
    def describe(state: build.BuildState) -> str:
        if state.step is None:
            return f"[{state.elapsed:5.1f} s] sending the context…"
        text = (f"[{state.elapsed:5.1f} s] Step {state.step}/{state.steps}: "
                f"{textwrap.shorten(state.instruction, 60, placeholder='…')}")
        if state.cache_hits:
            text += f"  ({state.cache_hits} cached)"
        if state.step_output:
            text += f"  │ {textwrap.shorten(state.step_output[-1], 70, placeholder='…')}"
        return text

    def _render(self, text: str) -> None:
        with self._lock:
            if self._handle is None:
                self._handle = self._show(Pretty(text), display_id=True)
            else:
                self._handle.update(Pretty(text))
            self.updates += 1

    def _run_ticker(self) -> None:
        while not self._done.wait(self._tick):
            self._render(self.describe(self._state))

    def line(self, text: str, state: build.BuildState) -> None:
        self._state = state
        now = time.monotonic()
        if state.step != self._shown_step or now - self._shown_at >= self._min_gap:
            self._shown_at, self._shown_step = now, state.step
            self._render(self.describe(state))
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._run_ticker, name="dockermagic-build-ticker", daemon=True)
            self._ticker.start()

    def finish(self, state: build.BuildState, ok: bool, summary: str) -> None:
        self._done.set()
        if self._ticker is not None:
            self._ticker.join()
        if ok:
            self._render(summary + " Every line is in the result's .log.")
        else:  # the one line is gone: show what the failed step printed
            tail = state.step_output[-15:]
            self._render(summary + ("\n" + "\n".join(tail) if tail else ""))


def in_notebook(shell) -> bool:
    """A kernel talks to a front-end that can update a display; a terminal shell cannot."""
    return getattr(shell, "kernel", None) is not None


@magics_class
class BuildMagics(Magics):
    def __init__(self, shell=None, **kw):
        super().__init__(shell, **kw)
        # Every build started from this shell (%%dockerfile, %docker build, build_image) gets the
        # compact view when the shell is a notebook kernel.
        build.set_default_progress(lambda say: CompactProgress() if in_notebook(self.shell) else None)

    @no_var_expand
    @cell_magic
    def dockerfile(self, line, cell):
        """Replaced below by the grammar's help for %%dockerfile."""
        try:
            p = grammar.read(commands.DOCKERFILE, split_words(line, namespace=self.shell.user_ns))
            if p.help:
                return grammar.Help(grammar.help_text(commands.DOCKERFILE))
            return self._build(p, cell)
        except DockerMagicError as exc:
            # UsageError: one sentence (step, instruction, last lines), and "Run All" stops here.
            raise UsageError(str(exc)) from None
        except KeyboardInterrupt:
            raise UsageError("Build interrupted: the builder stopped it, nothing is left running.") from None

    def _build(self, p, cell):
        if not cell.strip():
            raise UsageError("%%dockerfile: the cell is empty; write the Dockerfile in it.")
        path, given = (p.args[0] if p.args else None), p.get("context")
        if path and given and os.path.abspath(path) != os.path.abspath(given):
            raise UsageError("%%dockerfile: give the context once, as PATH or as --context.")
        context = path or given or os.getcwd()
        if not os.path.isdir(context):
            raise UsageError(f"Build context {context} is not a directory.")
        quiet = {"say": lambda text: None, "progress": build.SilentProgress()} if p.get("quiet") else {}
        return build.build_from_text(cell, client=dm_client.get_client(), context=context, file=p.get("file"),
                                     overwrite=p.get("overwrite", False), options=build_options(p), **quiet)


BuildMagics.dockerfile.__doc__ = grammar.help_text(commands.DOCKERFILE)
