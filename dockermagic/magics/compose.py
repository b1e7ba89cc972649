"""``%%compose`` (the cell is the compose YAML) and ``%compose up|down|ps|logs|…``."""

from __future__ import annotations

import os
import shlex

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand

from .. import client as dm_client
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
        """%%compose [-p NAME] [--project-dir DIR] [-f FILE]: check the cell's YAML, have Compose validate
        it, and save it as the file Compose reads in that folder (``compose.yaml`` unless another of
        Compose's file names is already there, or ``-f FILE``).

        %compose [GLOBAL OPTIONS] SUBCOMMAND [ARGS]: run the real Compose tool (v2 plugin, else
        docker-compose v1) on the last ``%%compose`` project, e.g. ``up -d --build``, ``down -v``,
        ``ps``, ``ls``, ``images``, ``logs -f web``, ``exec db psql``, ``run --rm web pytest``, ``top``,
        ``stop``, ``start``, ``pull``, ``config``; global options ``-f`` (several), ``-p``,
        ``--env-file``, ``--profile``, ``--project-directory``. ``ps``, ``ls`` and ``images`` return
        tables (``.to_frame()`` gives a DataFrame); the others stream Compose's lines.
        """
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            raise UsageError(f"%compose: {exc}.") from None
        try:
            if cell is not None:
                return self._define(argv, cell)
            return self._run(argv)
        except DockerMagicError as exc:
            raise UsageError(str(exc)) from None

    def _define(self, argv, cell):
        project, pdir, file = compose.parse_define(argv, os.getcwd())
        saved = compose_project.write_project(cell, project_dir=pdir, file=file, project=project)
        # Compose finds its own file in the folder (and its override with it): -f only for another name.
        self.file = saved if file else None
        self.project_dir, self.project = pdir, project
        print(f"Saved {saved}: the file Compose reads for this project" + (f" ({project})" if project else "") + ".")

    def _run(self, argv):
        if not argv:
            raise UsageError(f"%compose: which subcommand? One of {', '.join(compose.SUBCOMMANDS)}.")
        # The remembered project goes first; options on the line come after and win.
        given_files = any(a in ("-f", "--file") or a.startswith("--file=") for a in argv)
        pre = (["-f", self.file] if self.file and not given_files else []) + (["-p", self.project] if self.project else [])
        result = compose.compose_command(pre + argv, cwd=self.project_dir or os.getcwd(),
                                         client=dm_client.get_client())
        # Streamed lines were already shown; only a table is worth returning to Out[].
        return None if isinstance(result, list) else result
