"""dockermagic: the Docker engine, from Jupyter.

``%load_ext dockermagic`` registers the magics; everything they do is also a plain function
in this package that takes ``client=``.
"""

from __future__ import annotations

from .client import connect, get_client
from .errors import CommandError, DockerMagicError, EngineUnavailable, ImageKitError
from .engine.imagekit import ensure_image, ensure_images, standin_notice
from .ownership import namespaced, reset

__all__ = [
    "CommandError",
    "DockerMagicError",
    "EngineUnavailable",
    "ImageKitError",
    "connect",
    "ensure_image",
    "ensure_images",
    "get_client",
    "load_ipython_extension",
    "namespaced",
    "reset",
    "standin_notice",
]

__version__ = "0.1.0"


def load_ipython_extension(ipython) -> None:
    """``%load_ext dockermagic``."""
    from .magics import register

    register(ipython)


def unload_ipython_extension(ipython) -> None:
    pass
