"""``docker inspect`` for containers, images, networks and volumes; secrets always masked."""

from __future__ import annotations

import html
import json

from ..errors import CommandError, NotFound, from_docker_error
from ..redaction import mask_inspect

TYPES = ("container", "image", "network", "volume")


class InspectResult:
    """Inspect dicts, masked by ``secrets.mask_inspect`` before they are stored.

    ``.data`` is the list of masked dicts (one per name); the raw values are never kept, so
    no display, repr or later formatting can show a password.
    """

    def __init__(self, data: list[dict]):
        self.data = [mask_inspect(d) for d in data]

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]

    def to_frame(self):
        """One row per object, nested keys flattened (``State.Status``, ``Config.Image``…)."""
        import pandas as pd

        return pd.json_normalize(self.data)

    def __repr__(self) -> str:
        return json.dumps(self.data, indent=2, default=str)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(repr(self))}</pre>"


def _lookup(name: str, kind: str, client) -> dict:
    api = client.api
    return {"container": api.inspect_container, "image": api.inspect_image,
            "network": api.inspect_network, "volume": api.inspect_volume}[kind](name)


def inspect(names: list[str], *, client, type: str | None = None) -> InspectResult:
    """Similar to ``docker inspect [--type T] NAME...``: tries container, image, network, volume.

    Raises:
        CommandError: no names, or an unknown ``--type``.
        NotFound: a name matches no object of the types tried.
        DockerMagicError: the engine refused otherwise (EngineUnavailable when it does not answer).
    """
    import docker.errors

    if not names:
        raise CommandError("'docker inspect' needs at least one name.")
    if type is not None and type not in TYPES:
        raise CommandError(f"'docker inspect --type' must be one of {', '.join(TYPES)}, not {type!r}.")
    out = []
    for n in names:
        missing = None
        for kind in [type] if type else TYPES:
            try:
                out.append(_lookup(n, kind, client))
                break
            except docker.errors.NotFound as exc:
                missing = exc
            except Exception as exc:
                raise from_docker_error(exc, f"inspect {n}") from exc
        else:
            raise NotFound(f"No {type or 'container, image, network or volume'} is named {n!r}.",
                           status_code=404) from missing
    return InspectResult(out)
