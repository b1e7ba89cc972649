"""``%%compose`` (the cell is the compose YAML) and ``%compose up|down|ps|logs|…``."""

from __future__ import annotations

import os
import shlex

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand

from .. import client as dm_client
from .. import compose
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
        """%%compose [-p NAME] [--project-dir DIR] [-f FILE]: check the cell's YAML, save it as the project's file.

        %compose [-p NAME] [-f FILE] up [-d] [--build] [--wait] [service…] | down [-v] [--remove-orphans]
        | ps [-a] [service…] | logs [-f] [service] | config | build | restart | exec SERVICE CMD…:
        run the real Compose tool (v2 plugin, else docker-compose v1) on the last ``%%compose`` project.
        ``ps`` returns a table (``.to_frame()`` gives a DataFrame); the others return Compose's lines.
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
        self.file = compose.write_project(cell, project_dir=pdir, file=file)
        self.project_dir, self.project = pdir, project
        print(f"Saved {self.file}" + (f" (project {project})" if project else ""))

    def _run(self, argv):
        if not argv:
            raise UsageError(f"%compose: which subcommand? One of {', '.join(compose.SUBCOMMANDS)}.")
        # The remembered project goes first; options on the line come after and win.
        pre = (["-f", self.file] if self.file else []) + (["-p", self.project] if self.project else [])
        result = compose.compose_command(pre + argv, cwd=self.project_dir or os.getcwd(),
                                         client=dm_client.get_client())
        # Streamed lines were already shown; only a table is worth returning to Out[].
        return result if isinstance(result, compose.containers.ContainerList) else None
