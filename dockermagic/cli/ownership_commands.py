"""``%docker ps --mine`` and ``%docker reset [--dry-run] [--notebook|--mine]``: the shared-engine words.

``ps`` keeps its grammar and handler (``commands.py``, ``handlers.py``); this module registers it once
more with ``--mine``, which turns into the owner label filters before the usual handler runs.
"""

from __future__ import annotations

import dataclasses

from .. import ownership
from ..errors import CommandError
from . import commands
from .grammar import Command, flag, register
from .handlers import HANDLERS
from .routes import add_route

MINE = flag("mine", "--mine", help="Only what I made: my owner label (and namespace) (dockermagic)")

PS = dataclasses.replace(commands.PS, flags=(*commands.PS.flags, MINE))

RESET = Command(
    "reset", "Remove what this notebook (or --mine: I) made: containers, networks, volumes, images (dockermagic)",
    flags=(flag("dry_run", "--dry-run", help="Only list what would be removed"),
           flag("notebook", "--notebook", help="What this notebook made, by its label (the default)"),
           MINE),
    notes="Lists what it removes first; found by labels (owner, namespace, notebook), never by name, so on a\n"
          "shared engine another learner's objects are never touched. From code: dockermagic.reset(mine=...).")

register(PS, RESET)


def _ps(p, ctx):
    if p.get("mine"):
        mine = [f"label={label}" for label in ownership.mine_filters(ctx.client)]
        p = dataclasses.replace(p, flags={**p.flags, "filter": [*(p.get("filter") or []), *mine]})
    return HANDLERS["ps"](p, ctx)


def _reset(p, ctx):
    if p.get("mine") and p.get("notebook"):
        raise CommandError("'docker reset' takes --notebook or --mine, not both.")
    return ownership.reset(mine=p.get("mine", False), dry_run=p.get("dry_run", False), client=ctx.client,
                           say=ctx.out)


add_route("ps", _ps)
add_route("reset", _reset)
