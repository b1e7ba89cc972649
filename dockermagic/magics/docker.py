"""``%docker`` / ``%%docker``: the docker CLI's syntax, carried out by ``dockermagic.cli.routes``.

IPython's own ``{var}``/``$var`` expansion is switched off (``@no_var_expand``): it would turn
the Go template ``{{.Names}}`` into ``{.Names}`` and expand inside single quotes.
``cli/words.py`` reads the text as a POSIX shell does and expands the notebook's
variables itself, each value as one word. A DockerMagicError (typed: NotFound, Conflict,
EngineUnavailable, …) is shown as its sentence; here, and only here, the traceback is dropped.
Ctrl-C is one too (``Interrupted``, raised by the routes): IPython would show a KeyboardInterrupt's
traceback, so the line saying what still runs is shown as a UsageError, and the cell stops there.

The live views (``ps --watch``, ``network ls --watch``, ``dashboard``) are the magic's own: it hands
them to the routes as ``live``, so the plain API never imports ipywidgets.
"""

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.display import display

from ..cli import routes
from ..errors import DockerMagicError


def _widgets():
    from .. import widgets  # on first use: loading the extension stays quick

    return widgets


LIVE = {
    "ps --watch": lambda p, ctx: _widgets().ContainersView(client=ctx.client, filters=p.get("filter")),
    "network ls --watch": lambda p, ctx: _widgets().NetworksView(client=ctx.client),
    "dashboard": lambda p, ctx: _widgets().Dashboard(client=ctx.client),
}


@magics_class
class DockerMagics(Magics):
    @no_var_expand
    @line_cell_magic
    def docker(self, line, cell=None):
        """Replaced below by ``routes.usage()``, so ``%docker?`` lists the subcommands."""
        ns = self.shell.user_ns
        try:
            if cell is None:
                return routes.run_command(line, namespace=ns, live=LIVE)
            if line.strip():
                raise UsageError(f"%%docker takes no arguments on its first line, got {line.strip()!r}; "
                                 "put the commands in the cell.")
            # Every command's result shows, not only the last one's (which is also returned).
            return routes.run_cell(cell, namespace=ns, show=display, live=LIVE)
        except DockerMagicError as exc:  # Interrupted too: Ctrl-C is one line, not a traceback
            raise UsageError(str(exc)) from None
        except KeyboardInterrupt:  # the routes name every cut command; this is Ctrl-C while reading the text
            raise UsageError("Interrupted before any docker command ran; nothing is left running.") from None


DockerMagics.docker.__doc__ = routes.usage()
