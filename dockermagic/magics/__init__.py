"""IPython magics: the only modules (with ``dockermagic.widgets``) that import IPython.

One ``Magics`` class per topic, one module each; ``register`` is called by ``%load_ext``.
"""

from __future__ import annotations


def register(ipython) -> None:
    from .build import BuildMagics
    from .compose import ComposeMagics
    from .docker import DockerMagics

    for magics in (DockerMagics, BuildMagics, ComposeMagics):
        ipython.register_magics(magics)
    from .completer import register as add_completion
    add_completion(ipython)
