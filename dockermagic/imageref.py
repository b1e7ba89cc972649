"""Image references: ``[registry[:port]/]repository[:tag][@digest]``, read the way the docker CLI reads them.

The first path component is a registry only when it looks like a host (has a ``.`` or a ``:``, or is
``localhost``): ``team/app`` is a Docker Hub repository, ``registry.local:5000/app`` is not. A ``:`` after
the last ``/`` starts the tag, so ``localhost:5000/app`` has no tag (``latest`` is implied).

    >>> parse("nginx").canonical
    'docker.io/library/nginx:latest'
    >>> parse("docker.io/library/nginx:stable-alpine").familiar
    'nginx:stable-alpine'
    >>> split("localhost:5000/app")
    ('localhost:5000/app', 'latest')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import CommandError

DEFAULT_REGISTRY = "docker.io"
DEFAULT_TAG = "latest"
_HUB_NAMES = ("docker.io", "index.docker.io", "registry-1.docker.io")

# The docker CLI's reference grammar (distribution/reference), cut down to what users type.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_VALID = re.compile(rf"^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*"
                    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[a-z0-9]+:[a-fA-F0-9]{32,})?$")


@dataclass(frozen=True)
class ImageRef:
    """One image reference, split into its parts (empty strings for parts not written)."""

    registry: str  # "" when the reference names none (Docker Hub is implied)
    path: str  # "nginx", "library/nginx", "team/app": as written, without registry, tag or digest
    tag: str
    digest: str

    @property
    def repository(self) -> str:
        """Registry and path as written: what ``docker images`` shows in REPOSITORY."""
        return f"{self.registry}/{self.path}" if self.registry else self.path

    @property
    def short_repository(self) -> str:
        """The repository in the CLI's familiar form: ``nginx``, not ``docker.io/library/nginx``."""
        if self.registry and self.registry not in _HUB_NAMES:
            return self.repository
        return self.path.removeprefix("library/")

    @property
    def familiar(self) -> str:
        """``nginx:latest``: the short form the CLI prints (tag defaulted, Hub prefixes dropped)."""
        return self._with(self.short_repository)

    @property
    def canonical(self) -> str:
        """``docker.io/library/nginx:latest``: the fully qualified form."""
        registry = DEFAULT_REGISTRY if not self.registry or self.registry in _HUB_NAMES else self.registry
        path = self.path
        if registry == DEFAULT_REGISTRY and "/" not in path:
            path = f"library/{path}"
        return self._with(f"{registry}/{path}")

    def _with(self, repository: str) -> str:
        if self.digest:
            return f"{repository}{':' + self.tag if self.tag else ''}@{self.digest}"
        return f"{repository}:{self.tag or DEFAULT_TAG}"


def parse(ref: str) -> ImageRef:
    """Split ``ref`` into registry, path, tag and digest (no validation: see :func:`is_valid`)."""
    rest, _, digest = ref.partition("@")
    name, tag = rest, ""
    if ":" in rest.rsplit("/", 1)[-1]:
        name, _, tag = rest.rpartition(":")
    first, slash, remainder = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return ImageRef(first, remainder, tag, digest)
    return ImageRef("", name, tag, digest)


def split(ref: str) -> tuple[str, str]:
    """``"postgres:13"`` → ``("postgres", "13")``: repository as written, and the tag (``latest`` when
    missing) or the digest, the way the engine's pull and tag calls take them."""
    parsed = parse(ref)
    return parsed.repository, parsed.digest or parsed.tag or DEFAULT_TAG


def familiar(ref: str) -> str:
    """``docker.io/library/nginx`` → ``nginx:latest``."""
    return parse(ref).familiar


def canonical(ref: str) -> str:
    """``nginx`` → ``docker.io/library/nginx:latest``."""
    return parse(ref).canonical


def is_valid(ref: str, *, digest: bool = True) -> bool:
    """Whether the engine would accept ``ref`` as an image reference (lowercase path, tag ≤ 128
    characters); ``digest=False`` for a name to give an image (``tag``, ``build -t``), which has none."""
    return len(ref) <= 255 and bool(_VALID.match(ref)) and (digest or "@" not in ref)


def check_name(name: str) -> str:
    """``name`` if an image can be given it (``tag``, ``build -t``), else one sentence (CommandError)."""
    if not is_valid(name, digest=False):
        raise CommandError(f"{name!r} is not a valid image name: use lowercase letters, digits and . _ - "
                           "(e.g. myapp:1.0, registry.local:5000/team/app:dev).")
    return name
