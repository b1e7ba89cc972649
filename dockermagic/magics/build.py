"""Placeholder: filled in by its issue."""

from IPython.core.magic import Magics, magics_class


@magics_class
class BuildMagics(Magics):
    pass
