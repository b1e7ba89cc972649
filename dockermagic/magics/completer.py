"""Tab completion for ``%docker``, ``%%docker`` lines, ``%compose`` and the first lines of
``%%dockerfile`` and ``%%compose``, answered by ``dockermagic.cli.completion``.

One matcher of IPython's Matcher API v2 in ``Completer.custom_matchers``: terminal IPython and
ipykernel (JupyterLab, Notebook) both complete through ``Completer.completions``, and a v2
matcher sees the whole cell, so a line inside a ``%%docker`` cell completes as a ``%docker``
line does; the older ``complete_command`` hook only sees lines that start with the magic.
"""

from __future__ import annotations

import os

from IPython.core.completer import SimpleCompletion, context_matcher

from .. import client as dm_client
from ..cli import completion
from ..engine import compose_project

IDENTIFIER = "dockermagic.completer"
# A Tab must not wait on an engine that does not answer: its own client, with a short timeout.
ENGINE_TIMEOUT = 2.0


def _compose_file(ipython) -> str:
    """The file ``%compose`` runs on: the last ``%%compose`` project's, else Compose's in the cwd."""
    magics = ipython.magics_manager.registry.get("ComposeMagics")
    project_dir = getattr(magics, "project_dir", None) or os.getcwd()
    return compose_project.compose_file_for(project_dir, getattr(magics, "file", None))


def make_matcher(ipython, names: completion.LiveNames):
    """The matcher for ``ipython``, taking live names from ``names``."""

    @context_matcher(identifier=IDENTIFIER)
    def dockermagic_matcher(context):
        lines = context.full_text.split("\n")
        cursor = sum(len(line) + 1 for line in lines[:context.cursor_line]) + context.cursor_position
        found = completion.complete(context.full_text, cursor, names=names,
                                    compose_file=lambda: _compose_file(ipython))
        if found is None or not found.matches:
            return {"completions": [], "suppress": False}  # not ours: Python names, paths
        # Ours alone: Jedi's Python names make no sense inside a docker command line.
        return {"completions": [SimpleCompletion(m, type=found.kind or "docker") for m in found.matches],
                "matched_fragment": found.fragment, "suppress": True, "ordered": True}

    return dockermagic_matcher


def register(ipython) -> None:
    """Add the matcher to ``ipython``'s completer (once, also after ``%reload_ext``)."""
    names = completion.LiveNames(connect=lambda: dm_client.connect(timeout=ENGINE_TIMEOUT))
    matchers = ipython.Completer.custom_matchers
    matchers[:] = [m for m in matchers if getattr(m, "matcher_identifier", None) != IDENTIFIER]
    matchers.append(make_matcher(ipython, names))
