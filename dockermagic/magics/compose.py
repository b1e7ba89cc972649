"""``%%compose`` (the cell is the compose YAML) and ``%compose up|down|ps|logs|…``.

The first line and ``%compose`` are read like a ``%docker`` line (``cli/words.py``: POSIX quoting,
``{var}``/``$var``) against the grammar's Compose tables, the same ones ``%docker compose`` uses.
"""

from __future__ import annotations

import os

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand

from .. import client as dm_client
from ..cli import commands, grammar, options
from ..cli.words import split_words
from ..engine import compose, compose_project
from ..errors import DockerMagicError


@magics_class
class ComposeMagics(Magics):
    """Remembers the last ``%%compose`` project, so ``%compose up`` needs no options."""

    def __init__(self, shell=None, **kw):
        super().__init__(shell, **kw)
        self.project_dir: str | None = None
        self.project: str | None = None
        self.file: str | None = None

    @no_var_expand
    @line_cell_magic
    def compose(self, line, cell=None):
        """Replaced below by the grammar's help for %%compose and %compose."""
        try:
            argv = split_words(line, namespace=self.shell.user_ns)
            table = commands.COMPOSE_DEFINE if cell is not None else commands.COMPOSE
            if grammar.read(table, argv, check=False).help:
                return grammar.Help(grammar.help_text(table))
            if cell is not None:
                return self._define(argv, cell)
            return self._run(argv)
        except DockerMagicError as exc:
            raise UsageError(str(exc)) from None

    def _define(self, argv, cell):
        project, pdir, file = options.parse_define(argv, os.getcwd())
        saved = compose_project.write_project(cell, project_dir=pdir, file=file, project=project)
        # Compose finds its own file in the folder (and its override with it): -f only for another name.
        self.file = saved if file else None
        self.project_dir, self.project = pdir, project
        print(f"Saved {saved}: the file Compose reads for this project" + (f" ({project})" if project else "") + ".")

    def _run(self, argv):
        if not argv:
            raise UsageError(f"%compose: which subcommand? One of {', '.join(compose.SUBCOMMANDS)}.")
        call = options.parse_compose(argv)
        # The remembered project, unless the line names its own.
        if self.file and not call.all_files:
            call.file = self.file
        if self.project and not call.project:
            call.project = self.project
        result = compose.compose_command(call, cwd=self.project_dir or os.getcwd(), client=dm_client.get_client())
        # Streamed lines were already shown; only a table is worth returning to Out[].
        return None if isinstance(result, list) else result


ComposeMagics.compose.__doc__ = (grammar.help_text(commands.COMPOSE_DEFINE) + "\n"
                                 + grammar.help_text(commands.COMPOSE).replace("docker compose", "%compose", 1))
