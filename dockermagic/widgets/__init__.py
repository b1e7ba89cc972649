"""Live widgets that follow the engine (the only module besides the magics importing ipywidgets).

ContainersView (a `docker ps -a` table with each row's own buttons; in widgets_containers.py),
NetworksView (one diagram per bridge network) and Dashboard (both plus images and volumes in tabs).
Each view follows the engine through an EventWatcher (the Dashboard's one watcher feeds all its tabs)
and refreshes only on events that concern it, so an idle view makes no engine calls. Each view has a
full plain-text form: terminal IPython shows that instead of the widget. A view made by a re-run
cell closes the one the cell's previous run made; close_all() closes every view (widgets_cells).
"""
from __future__ import annotations

import json
import threading
from typing import Any

import docker.errors
import ipywidgets as w

from .. import ownership
from ..client import get_client
from ..errors import from_docker_error
from ..engine.events import RESYNC
from ..engine.imagekit import standin_mark
from ..redaction import mask_inspect
from ..engine.summary import container_networks, network_row, published_ports
from .base import _Live
from .cells import close_all, forget
from .cluster import ClusterView
from .containers import ContainersView
from .parts import esc, html_table, network_diagram, nic, sync_pick, text_table

__all__ = ["ClusterView", "ContainersView", "NetworksView", "Dashboard", "close_all"]


_NETWORK_ACTIONS = {"connect", "disconnect", "create", "destroy"}
_CONTAINER_ACTIONS = {"start", "die", "destroy"}


class NetworksView(_Live, w.VBox):
    """Each bridge network as a small diagram: the host's bridge interface (docker0 for the default
    `bridge`), subnet, gateway, every attached container with its IP and aliases, and published host
    ports as host->container. `network inspect` details (secrets masked) are fetched only when asked
    for, with the inspect button or `inspect(name)`.

    Args:
        client: a docker client (default: the shared one).
        watch: follow the engine with an event stream of its own (a Dashboard passes False and feeds
            the view from its one stream).
        mine: only the networks and containers this user made (by owner labels; a shared network
            such as ``bridge`` shows when one of them is on it); by default True when a namespace
            is set (a shared engine), else False.
    """

    def __init__(self, client=None, watch: bool = True, mine: bool | None = None, **kwargs):
        self._client = client or get_client()
        self._mine = ownership.namespace_of(self._client) is not None if mine is None else mine
        self._networks: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._render_lock = threading.RLock()  # a pick inside a render renders again
        self.diagram = w.HTML()
        self.pick = w.Dropdown(description="network", options=[], value=None)
        self.inspect_button = w.Button(description="inspect")
        self.inspect_button.on_click(lambda _b: self.inspect())
        self.details = w.HTML()
        super().__init__([self.diagram, w.HBox([self.pick, self.inspect_button]), self.details], **kwargs)
        self._mark_live()
        if watch:
            self._start_watching(self._client)

    def inspect(self, name: str | None = None) -> dict[str, Any]:
        """Like `docker network inspect NAME` with secrets masked; shown under the diagrams.

        Returns the masked inspect dict ({} when nothing is picked or the network is gone).
        """
        name = name or self.pick.value
        if not name:
            self.details.value = "<i>Pick a network first, then press inspect.</i>"
            return {}
        try:
            attrs = mask_inspect(self._client.api.inspect_network(name))
        except Exception as exc:  # gone meanwhile: one sentence in the widget, as for the actions
            self.details.value = f"<b>{esc(from_docker_error(exc, f'inspect network {name}'))}</b>"
            return {}
        text = json.dumps(attrs, indent=2, ensure_ascii=False)
        self.details.value = f"<b>network inspect {esc(name)}</b><pre>{esc(text)}</pre>"
        return attrs

    def _on_event(self, event: dict[str, Any]) -> None:
        kind, action = event.get("Type"), (event.get("Action") or "").split(":")[0]
        if event is RESYNC:
            self._reload()
        elif kind == "container" and action in _CONTAINER_ACTIONS:
            # Targeted: only the networks showing this container, plus (on start) those it joined.
            cid = event.get("id") or ""
            nids = {n["id"] for n in self.networks() if any(cid.startswith(c["id"]) for c in n["containers"])}
            if action == "start":
                try:
                    nids |= {n["network_id"][:12] for n in container_networks(self._client.api.inspect_container(cid))}
                except docker.errors.NotFound:  # already gone again
                    pass
            if not nids:
                return
            for nid in nids:
                self._refresh(nid)
        elif kind == "network" and action in _NETWORK_ACTIONS:
            actor = event.get("Actor") or {}
            self._refresh(actor.get("ID", ""))
            # a container joining or leaving a network changes its interface names (eth0 or eth) in
            # the other networks it is on
            cid = (actor.get("Attributes") or {}).get("container") or ""
            for n in self.networks() if cid else ():
                if n["id"] != actor.get("ID", "")[:12] and any(cid.startswith(c["id"]) for c in n["containers"]):
                    self._refresh(n["id"])
        else:
            return
        self._render()

    def _reload(self) -> None:
        # Build the new state aside and swap it in, so readers never see a half-empty view.
        fresh = {}
        for n in self._client.api.networks(filters={"driver": "bridge"}):
            row = self._load(n["Id"])
            if row:
                fresh[row["id"]] = row
        with self._lock:
            self._networks = fresh

    def _refresh(self, nid: str) -> None:
        row = self._load(nid)
        with self._lock:
            if row:
                self._networks[row["id"]] = row
            else:  # destroyed between the event and the inspect
                self._networks.pop(nid[:12], None)

    def _load(self, nid: str) -> dict[str, Any] | None:
        """One bridge network's diagram data; None when it is gone or not a bridge."""
        if not nid:
            return None
        try:
            attrs = self._client.api.inspect_network(nid)
        except docker.errors.NotFound:
            return None
        if attrs.get("Driver") != "bridge":
            return None
        row = network_row(attrs)
        # The network inspect lacks aliases, ports and (for docker0) the gateway: ask each container.
        for c in row["containers"]:
            c.update(aliases=[], ports=[], nics=0)
            try:
                cattrs = self._client.api.inspect_container(c["id"])
            except docker.errors.NotFound:  # leaving: its own event follows
                continue
            if self._mine:
                if not ownership.is_mine((cattrs.get("Config") or {}).get("Labels"), self._client):
                    continue
                c["mine"] = True
            c["ports"] = published_ports(cattrs)
            nets = container_networks(cattrs)
            c["nics"] = len(nets)
            for n in nets:
                if n["network_id"].startswith(row["id"]):
                    c["aliases"] = n["aliases"]
                    row["gateway"] = row["gateway"] or n["gateway"]
        if self._mine:
            # what could not be inspected (leaving, or docker_gwbridge's swarm endpoints) is not mine either
            row["containers"] = [c for c in row["containers"] if c.pop("mine", False)]
            if not row["containers"] and not ownership.is_mine(attrs.get("Labels"), self._client):
                return None
        return row

    def networks(self) -> list[dict[str, Any]]:
        with self._lock:
            return sorted(self._networks.values(), key=lambda r: r["name"])

    def _render(self) -> None:
        nets = self.networks()
        parts = [network_diagram(n) for n in nets]
        with self._render_lock:
            sync_pick(self.pick, [n["name"] for n in nets])
            self.diagram.value = "".join(parts)
            self._refresh_snapshot()

    def _snapshot_html(self) -> str:
        return "".join(network_diagram(n) for n in self.networks()) or "<i>no bridge networks</i>"

    def __repr__(self) -> str:
        lines = []
        for n in self.networks():
            lines.append(f"{n['name']} ({n['bridge']}) subnet {n['subnet']} gateway {n['gateway']}")
            for c in n["containers"]:
                extra = (" aliases=" + ",".join(c["aliases"])) if c["aliases"] else ""
                lines.append(f"  {c['name']} {nic(c)} {c['ipv4']}{extra} {' '.join(c['ports'])}".rstrip())
        return "\n".join(lines)

    def _stop_view(self) -> None:
        self._stop_watching()
        if hasattr(self, "_networks"):
            self._refresh_snapshot(final=True)


class Dashboard(_Live, w.Tab):
    """Containers, networks, images and volumes in tabs; images/volumes refresh on their events.
    One event stream (one thread, one engine connection) feeds all four tabs. With a namespace set
    the containers, networks and volumes are the learner's own; the images are everyone's.

    Args:
        client: a docker client (default: the shared one).
    """

    def __init__(self, client=None, **kwargs):
        self._client = client or get_client()
        self.containers = ContainersView(client=self._client, watch=False)
        self.networks = NetworksView(client=self._client, watch=False)
        forget(self.containers)  # tabs: they close with the Dashboard, not on their own
        forget(self.networks)
        self.images = w.HTML()
        self.volumes = w.HTML()
        self._image_rows: list[list[str]] = []
        self._volume_rows: list[list[str]] = []
        super().__init__([self.containers, self.networks, self.images, self.volumes], **kwargs)
        self.titles = ("Containers", "Networks", "Images", "Volumes")
        self._mark_live()
        self.containers._snapshot_parent = self.networks._snapshot_parent = self
        self._start_watching(self._client)

    def _on_event(self, event: dict[str, Any]) -> None:
        """Each event to every tab. A tab that fails (engine gone mid-update) does not keep the event
        from the others; the failure then goes to the watcher, which reconnects and resyncs all."""
        failure = None
        for listener in (self.containers._on_event, self.networks._on_event, self._on_own_event):
            try:
                listener(event)
            except Exception as exc:
                failure = failure or exc
        if failure is not None:
            raise failure

    def _on_own_event(self, event: dict[str, Any]) -> None:
        kind = event.get("Type")
        if event is RESYNC or kind == "image":
            self._images()
        if event is RESYNC or kind == "volume":
            self._volumes()

    def _images(self) -> None:
        rows = []
        for img in self._client.api.images():
            for tag in img.get("RepoTags") or ["<none>:<none>"]:
                # images built on a stand-in inherit its label but are the user's own
                mark = " (stand-in)" if standin_mark(tag, img.get("Labels")) else ""
                rows.append([tag + mark, img["Id"].split(":")[-1][:12], f"{img.get('Size', 0) / 1e6:.1f}MB"])
        self._image_rows = sorted(rows)
        self.images.value = html_table(["repository:tag", "id", "size"], self._image_rows)
        self._refresh_snapshot()

    def _volumes(self) -> None:
        mine = ownership.with_mine({}, self._client)  # a learner's own volumes on a shared engine
        vols = self._client.api.volumes(filters=mine or None).get("Volumes") or []
        self._volume_rows = sorted([v["Name"], v.get("Driver", ""), v.get("Mountpoint", "")] for v in vols)
        self.volumes.value = html_table(["name", "driver", "mountpoint"], self._volume_rows)
        self._refresh_snapshot()

    def _snapshot_html(self) -> str:
        """The four tabs one under the other."""
        if not hasattr(self, "volumes"):  # a tab's first render, before the constructor is done
            return ""
        parts = zip(self.titles, (self.containers._snapshot_html(), self.networks._snapshot_html(),
                                  self.images.value, self.volumes.value))
        return "".join(f"<h4 style='margin:8px 0 2px'>{esc(title)}</h4>{body}" for title, body in parts)

    def __repr__(self) -> str:
        return "\n\n".join([
            "CONTAINERS\n" + repr(self.containers),
            "NETWORKS\n" + repr(self.networks),
            "IMAGES\n" + text_table(("repository:tag", "id", "size"), self._image_rows),
            "VOLUMES\n" + text_table(("name", "driver", "mountpoint"), self._volume_rows),
        ])

    def _stop_view(self) -> None:
        if hasattr(self, "containers"):
            self.containers._closed.set()  # a resync under way stops at the next container
        self._stop_watching()
        if hasattr(self, "volumes"):
            self._refresh_snapshot(final=True)
        for view in (getattr(self, "containers", None), getattr(self, "networks", None)):
            if view is not None:
                view.close()
