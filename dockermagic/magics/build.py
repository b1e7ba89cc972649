"""``%%dockerfile``: the cell is the Dockerfile; options mirror ``docker build``."""

import os

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from .. import build
from .. import client as dm_client
from ..errors import DockerMagicError


def _pairs(items, what):
    out = {}
    for item in items or []:
        k, eq, v = item.partition("=")
        if not eq:
            raise UsageError(f"{what} takes KEY=VALUE, got {item!r}.")
        out[k] = v
    return out


@magics_class
class BuildMagics(Magics):
    @magic_arguments()
    @argument("-t", "--tag", action="append", default=[], help="name:tag for the image (repeatable)")
    @argument("-f", "--file", default=None, help="save the cell under this name in the context")
    @argument("--context", default=None, help="build context directory (default: the notebook's directory)")
    @argument("--build-arg", action="append", default=[], help="KEY=VALUE (repeatable)")
    @argument("--target", default=None, help="stage to build in a multi-stage Dockerfile")
    @argument("--no-cache", action="store_true", help="do not use the build cache")
    @argument("--pull", action="store_true", help="always try to pull newer base images")
    @argument("--label", action="append", default=[], help="KEY=VALUE image label (repeatable)")
    @argument("--network", default=None, help="network for RUN instructions")
    @no_var_expand
    @cell_magic
    def dockerfile(self, line, cell):
        """Build an image from the cell, like ``docker build``; returns a BuildResult."""
        try:
            args = parse_argstring(self.dockerfile, line)
        except Exception as exc:  # argparse exits; turn it into one sentence
            raise UsageError(f"%%dockerfile: {exc}") from None
        context = args.context or os.getcwd()
        if not os.path.isdir(context):
            raise UsageError(f"Build context {context} is not a directory.")
        try:
            return build.build_from_text(
                cell, client=dm_client.get_client(), context=context, file=args.file, tags=args.tag,
                buildargs=_pairs(args.build_arg, "--build-arg"), target=args.target, nocache=args.no_cache,
                pull=args.pull, labels=_pairs(args.label, "--label"), network_mode=args.network)
        except DockerMagicError as exc:
            # UsageError: one sentence (step, instruction, last lines), and "Run All" stops here.
            raise UsageError(str(exc)) from None
