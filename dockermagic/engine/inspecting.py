"""``docker inspect`` for containers, images, networks and volumes; secrets always masked."""

from __future__ import annotations

from ..errors import CommandError, NotFound, from_docker_error
from ..redaction import mask_inspect
from ..tables import json_html, json_text

TYPES = ("container", "image", "network", "volume")


class InspectResult:
    """What ``docker inspect`` prints: a JSON array, indented; collapsible in a notebook.

    ``.data`` is the list of dicts (one per name), masked by ``redaction.mask_inspect`` before it is
    stored: the raw values are never kept, so no display, repr or later formatting can show a password.
    ``x[0]``, ``len(x)`` and ``for d in x`` work on it. ``.to_frame()`` is the table view: ``rows`` when
    given (``network inspect``: driver, subnet, containers…), else one row per object with the nested
    keys flattened (``State.Status``, ``Config.Image``…).
    """

    def __init__(self, data: list[dict], rows: list[dict] | None = None):
        self.data = [mask_inspect(d) for d in data]
        self.rows = rows

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]

    def __iter__(self):
        return iter(self.data)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows) if self.rows is not None else pd.json_normalize(self.data)

    def __repr__(self) -> str:
        return json_text(self.data)

    def _repr_html_(self) -> str:
        return json_html(self.data)


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
