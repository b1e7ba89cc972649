"""``docker network …`` subcommands as plain functions taking ``client=``."""

from __future__ import annotations

from docker.types import IPAMConfig, IPAMPool

from ..client import labels_with_defaults
from .each import for_each
from ..errors import CommandError, from_docker_error
from ..values import parse_filters
from .summary import network_row
from .inspecting import InspectResult
from ..tables import html_table, text_grid


class NetworkList:
    """Result of ``network ls``: the CLI's columns (NETWORK ID, NAME, DRIVER, SCOPE), then subnet,
    gateway and internal; rows from summary.network_row. HTML, text, ``.to_frame()``."""

    COLUMNS = ["id", "name", "driver", "scope", "subnet", "gateway", "internal"]
    HEAD = ["NETWORK ID", "NAME", "DRIVER", "SCOPE", "SUBNET", "GATEWAY", "INTERNAL"]

    def __init__(self, rows):
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows)

    def _cells(self):
        return [[str(r.get(c, "")).lower() if c == "internal" else r.get(c, "") for c in self.COLUMNS]
                for r in self.rows]

    def __repr__(self):
        return text_grid(self.HEAD, self._cells())

    def _repr_html_(self):
        return html_table(self.HEAD, self._cells())


def create(name: str, *, client, driver: str = "bridge", subnet=None, gateway=None, ip_range=None,
           internal: bool = False, labels: list[str] | None = None):
    """Create a network. Similar to ``docker network create``; carries default_labels()."""
    ipam = None
    if subnet or gateway or ip_range:
        ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=subnet, gateway=gateway, iprange=ip_range)])
    try:
        return client.networks.create(name, driver=driver, ipam=ipam, internal=internal,
                                      labels=labels_with_defaults(labels))
    except Exception as exc:
        raise from_docker_error(exc, f"create network {name}") from exc


def _get(name, client):
    try:
        return client.networks.get(name)
    except Exception as exc:
        raise from_docker_error(exc, f"find network {name}") from exc


def ls(*, client) -> NetworkList:
    """List networks. Similar to ``docker network ls``."""
    try:
        raw = client.api.networks()
    except Exception as exc:
        raise from_docker_error(exc, "list networks") from exc
    return NetworkList([network_row(n) for n in raw])


def inspect(names: list[str], *, client) -> InspectResult:
    """Similar to ``docker network inspect``: the JSON array; ``.rows``/``.to_frame()`` hold driver,
    subnet, gateway and the attached containers, one row per network."""
    if not names:
        raise CommandError("'docker network inspect' needs at least one network.")
    attrs = [_get(n, client).attrs for n in names]
    return InspectResult(attrs, rows=[network_row(a) for a in attrs])


def connect(network: str, container: str, *, client, ip=None, aliases=None):
    """Similar to ``docker network connect [--ip] [--alias]``."""
    try:
        _get(network, client).connect(container, ipv4_address=ip, aliases=aliases)
    except Exception as exc:
        raise from_docker_error(exc, f"connect {container} to {network}") from exc


def disconnect(network: str, container: str, *, client, force: bool = False):
    """Similar to ``docker network disconnect``."""
    try:
        _get(network, client).disconnect(container, force=force)
    except Exception as exc:
        raise from_docker_error(exc, f"disconnect {container} from {network}") from exc


def rm(names: list[str], *, client):
    """Similar to ``docker network rm``. Returns the names given."""
    return for_each(names, lambda n: _get(n, client).remove(), command="network rm", kind="network",
                    doing="remove")


def prune(*, client, filters: list[str] | None = None) -> list[str]:
    """Remove networks no container uses, matching ``filters``. Similar to ``docker network prune -f``."""
    by_key = parse_filters(filters)
    try:
        return client.api.prune_networks(filters=by_key or None).get("NetworksDeleted") or []
    except Exception as exc:
        raise from_docker_error(exc, "prune networks") from exc
