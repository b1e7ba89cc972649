"""``%%compose`` (the cell is the compose YAML) and ``%compose up|down|ps|logs|…``."""

import os
import shlex

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand

from .. import client as dm_client
from .. import compose
from ..errors import DockerMagicError

SUBCOMMANDS = {"up", "down", "ps", "logs", "config", "build", "restart", "exec", "stop", "start", "pull"}


@magics_class
class ComposeMagics(Magics):
    def __init__(self, shell=None, **kw):
        super().__init__(shell, **kw)
        self.project_dir = None
        self.project = None
        self.file = None

    @no_var_expand
    @line_cell_magic
    def compose(self, line, cell=None):
        """%%compose [-p NAME] [--project-dir DIR] [-f FILE]: save the cell as the project's compose file.

        %compose up [-d] [--build] [--wait] [service…] | down [-v] [--remove-orphans] | ps | logs [-f]
        [service] | config | build | restart | exec SERVICE CMD…: run the real Compose tool.
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
        project, pdir, file = None, os.getcwd(), "docker-compose.yml"
        it = iter(argv)
        for a in it:
            if a in ("-p", "--project-name"):
                project = next(it, None)
            elif a == "--project-dir":
                pdir = os.path.abspath(next(it, "."))
            elif a in ("-f", "--file"):
                file = next(it, None)
            else:
                raise UsageError(f"%%compose: unknown option {a!r}.")
        self.file = compose.write_project(cell, project_dir=pdir, file=file)
        self.project_dir, self.project = pdir, project
        print(f"Wrote {self.file}")

    def _run(self, argv):
        if not argv or argv[0] not in SUBCOMMANDS:
            raise UsageError(f"%compose: expected one of {', '.join(sorted(SUBCOMMANDS))}.")
        cwd = self.project_dir or os.getcwd()
        pre = (["-f", self.file] if self.file else []) + (["-p", self.project] if self.project else [])
        return compose.compose_command(pre + argv, cwd=cwd, client=dm_client.get_client())
