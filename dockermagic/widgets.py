"""Live widgets that follow the engine (the only module besides the magics importing ipywidgets).

ContainersView (a `docker ps -a` table), NetworksView (one diagram per bridge network) and Dashboard
(both plus images and volumes in tabs). Each view follows the engine through its own EventWatcher and
refreshes only on events that concern it, so an idle view makes no engine calls. Each view has a full
plain-text form: terminal IPython shows that instead of the widget.
"""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from typing import Any

import docker.errors
import ipywidgets as w

from .client import get_client
from .errors import from_docker_error
from .events import RESYNC, EventWatcher
from .imagekit import standin_mark
from .secrets import mask_inspect
from .summary import _parse_time, container_networks, container_row, network_row, published_ports
from .widgets_parts import (esc, filter_dict, html_table, mask_text, network_diagram, nic, status_text, sync_pick,
                            text_table, uptime)

__all__ = ["ContainersView", "NetworksView", "Dashboard"]

_COLUMNS = ("name", "image", "status", "uptime", "ports", "networks", "ips")
# Container events that change nothing a row shows (`%docker exec` alone sends three).
_NO_ROW_CHANGE = ("exec_", "attach", "resize", "top", "archive-path", "extract-to-dir", "copy", "export", "commit")


class _Live:
    """What the three views share: the first load is done before the constructor returns (so a
    view is never shown empty), and the plain text a terminal shows is the whole view — ipywidgets
    would cut it at 110 characters."""

    _watcher: EventWatcher

    def _start_watching(self, client, timeout: float = 10.0) -> None:
        self._watcher = EventWatcher(self._on_event, client=client)
        self._watcher.wait_ready(timeout)

    def _stop_watching(self) -> None:
        watcher = getattr(self, "_watcher", None)  # None when the constructor failed early
        if watcher is not None:
            watcher.close()

    def _close_parts(self) -> None:
        """Close the widgets inside: ipywidgets' close() leaves a box's children open in the kernel."""
        def walk(widget):
            for child in getattr(widget, "children", ()):
                walk(child)
                child.close()

        walk(self)

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = repr(self)
        return data


class ContainersView(_Live, w.VBox):
    """Like `docker ps -a`, kept current from the engine's event stream.

    Columns: name, image ("(stand-in)" when the image kit built it), status with health, uptime,
    published ports, networks and IPs. Below the table one action bar — stop, start, remove, logs —
    acts on the row picked in the dropdown (highlighted in the table). One bar instead of buttons in
    every row keeps a refresh to one HTML update even with hundreds of containers.

    Args:
        client: a docker client (default: the shared one).
        filters: ``key=value`` strings as for ``docker ps --filter`` (``label=app``, ``name=db``), or
            the engine's dict form; only matching containers are shown.
        tick: seconds between re-renders of the uptime column while a container runs (from the rows
            already loaded: no engine calls); None for never.

    Raises:
        CommandError: a filter is not ``key=value``.
    """

    def __init__(self, client=None, filters: list[str] | dict[str, Any] | None = None,
                 tick: float | None = 30.0, **kwargs):
        self._client = client or get_client()
        self._filters = filter_dict(filters)
        self._rows: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._render_lock = threading.RLock()  # a pick inside a render renders again
        self._closed = threading.Event()
        self.table = w.HTML()
        self.pick = w.Dropdown(description="container", options=[], value=None)
        self.pick.observe(lambda _change: getattr(self.pick, "_syncing", False) or self._render(), names="value")
        self.buttons = {a: w.Button(description=a) for a in ("stop", "start", "remove", "logs")}
        for action, button in self.buttons.items():
            button.on_click(lambda _b, a=action: self.act(a))
        self.logs = w.HTML()
        super().__init__([self.table, w.HBox([self.pick, *self.buttons.values()]), self.logs], **kwargs)
        self._start_watching(self._client)
        if tick:
            threading.Thread(target=self._clock, args=(tick,), name="dockermagic-uptime", daemon=True).start()

    def act(self, action: str, name: str | None = None) -> None:
        """Run a row action on `name` (default: the picked container), as the CLI would:
        stop (`docker stop -t 2`: the click waits at most 2 s), start, remove (`docker rm -f -v`),
        logs (`docker logs --tail 50`, secrets masked). The outcome or the failure, in one sentence,
        shows under the table: a click has no traceback to read.
        """
        if action not in self.buttons:
            raise ValueError(f"Unknown action {action!r}; use one of {', '.join(self.buttons)}.")
        name = name or self.pick.value
        if not name:
            self.logs.value = f"<i>Pick a container first, then press {esc(action)}.</i>"
            return
        try:
            c = self._client.containers.get(name)
            if action == "stop":
                c.stop(timeout=2)
            elif action == "start":
                c.start()
            elif action == "remove":
                c.remove(force=True, v=True)
            else:
                text = mask_text(c.logs(tail=50).decode(errors="replace"))
                self.logs.value = f"<b>logs {esc(name)}</b> (last 50 lines)<pre>{esc(text)}</pre>"
                return
            self.logs.value = f"<i>{esc(action)} {esc(name)}: done.</i>"
        except Exception as exc:
            self.logs.value = f"<b>{esc(from_docker_error(exc, f'{action} container {name}'))}</b>"

    def _on_event(self, event: dict[str, Any]) -> None:
        if event is RESYNC:
            ids = [c["Id"] for c in self._client.api.containers(all=True, filters=self._filters or None)]
            fresh = {}
            for cid in ids:
                row = self._load(cid, listed=True)
                if row:
                    fresh[row["id"]] = row
            with self._lock:  # swapped in whole: readers never see a half-loaded view
                self._rows = fresh
        elif event.get("Type") == "container" and event.get("id"):
            if (event.get("Action") or "").startswith(_NO_ROW_CHANGE):
                return
            row = self._load(event["id"])
            with self._lock:
                if row:
                    self._rows[row["id"]] = row
                else:  # removed between the event and the inspect
                    self._rows.pop(event["id"][:12], None)
        else:
            return
        self._render()

    def _load(self, cid: str, listed: bool = False) -> dict[str, Any] | None:
        """The row for one container; None when it is gone or the filters leave it out. Other
        engine errors go up to the watcher, which reconnects and resyncs."""
        api = self._client.api
        # The engine applies the filters: one list call for this container decides if it shows.
        if self._filters and not listed and not api.containers(all=True, filters={**self._filters, "id": [cid]}):
            return None
        try:
            attrs = api.inspect_container(cid)
        except docker.errors.NotFound:  # removed between the event (or the list) and the inspect
            return None
        row = container_row(attrs)
        row["status"] = status_text(attrs)
        row["started"] = _parse_time((attrs.get("State") or {}).get("StartedAt"))
        return row

    def rows(self) -> list[dict[str, Any]]:
        with self._lock:
            return sorted(self._rows.values(), key=lambda r: r["name"])

    def _cells(self, r: dict[str, Any], now: datetime) -> list[str]:
        image = r["image"] + (" (stand-in)" if r["stand_in"] else "")
        return [r["name"], image, r["status"], uptime(r, now), ", ".join(r["ports"]),
                ", ".join(r["networks"]), ", ".join(r["ips"])]

    def _render(self) -> None:
        # The watcher thread, the uptime clock and the kernel (a pick, a click) all render.
        with self._render_lock:
            rows, now = self.rows(), datetime.now(timezone.utc)
            names = [r["name"] for r in rows]
            sync_pick(self.pick, names)
            marked = names.index(self.pick.value) if self.pick.value in names else None
            self.table.value = html_table(_COLUMNS, [self._cells(r, now) for r in rows], marked)

    def _clock(self, tick: float) -> None:
        while not self._closed.wait(tick):
            if any(r["state"] == "running" for r in self.rows()):
                self._render()

    def __repr__(self) -> str:
        now = datetime.now(timezone.utc)
        return text_table(_COLUMNS, [self._cells(r, now) for r in self.rows()])

    def close(self) -> None:
        if hasattr(self, "_closed"):  # not when the constructor failed (ipywidgets closes in __del__)
            self._closed.set()
        self._stop_watching()
        self._close_parts()
        super().close()


_NETWORK_ACTIONS = {"connect", "disconnect", "create", "destroy"}
_CONTAINER_ACTIONS = {"start", "die", "destroy"}


class NetworksView(_Live, w.VBox):
    """Each bridge network as a small diagram: the host's bridge interface (docker0 for the default
    `bridge`), subnet, gateway, every attached container with its IP and aliases, and published host
    ports as host->container. `network inspect` details (secrets masked) are fetched only when asked
    for, with the inspect button or `inspect(name)`.

    Args:
        client: a docker client (default: the shared one).
    """

    def __init__(self, client=None, **kwargs):
        self._client = client or get_client()
        self._networks: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._render_lock = threading.RLock()  # a pick inside a render renders again
        self.diagram = w.HTML()
        self.pick = w.Dropdown(description="network", options=[], value=None)
        self.inspect_button = w.Button(description="inspect")
        self.inspect_button.on_click(lambda _b: self.inspect())
        self.details = w.HTML()
        super().__init__([self.diagram, w.HBox([self.pick, self.inspect_button]), self.details], **kwargs)
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
            self._refresh((event.get("Actor") or {}).get("ID", ""))
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
            c["ports"] = published_ports(cattrs)
            nets = container_networks(cattrs)
            c["nics"] = len(nets)
            for n in nets:
                if n["network_id"].startswith(row["id"]):
                    c["aliases"] = n["aliases"]
                    row["gateway"] = row["gateway"] or n["gateway"]
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

    def __repr__(self) -> str:
        lines = []
        for n in self.networks():
            lines.append(f"{n['name']} ({n['bridge']}) subnet {n['subnet']} gateway {n['gateway']}")
            for c in n["containers"]:
                extra = (" aliases=" + ",".join(c["aliases"])) if c["aliases"] else ""
                lines.append(f"  {c['name']} {nic(c)} {c['ipv4']}{extra} {' '.join(c['ports'])}".rstrip())
        return "\n".join(lines)

    def close(self) -> None:
        self._stop_watching()
        self._close_parts()
        super().close()


class Dashboard(_Live, w.Tab):
    """Containers, networks, images and volumes in tabs; images/volumes refresh on their events.

    Args:
        client: a docker client (default: the shared one).
    """

    def __init__(self, client=None, **kwargs):
        self._client = client or get_client()
        self.containers = ContainersView(client=self._client)
        self.networks = NetworksView(client=self._client)
        self.images = w.HTML()
        self.volumes = w.HTML()
        self._image_rows: list[list[str]] = []
        self._volume_rows: list[list[str]] = []
        super().__init__([self.containers, self.networks, self.images, self.volumes], **kwargs)
        self.titles = ("Containers", "Networks", "Images", "Volumes")
        self._start_watching(self._client)

    def _on_event(self, event: dict[str, Any]) -> None:
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

    def _volumes(self) -> None:
        vols = self._client.api.volumes().get("Volumes") or []
        self._volume_rows = sorted([v["Name"], v.get("Driver", ""), v.get("Mountpoint", "")] for v in vols)
        self.volumes.value = html_table(["name", "driver", "mountpoint"], self._volume_rows)

    def __repr__(self) -> str:
        return "\n\n".join([
            "CONTAINERS\n" + repr(self.containers),
            "NETWORKS\n" + repr(self.networks),
            "IMAGES\n" + text_table(("repository:tag", "id", "size"), self._image_rows),
            "VOLUMES\n" + text_table(("name", "driver", "mountpoint"), self._volume_rows),
        ])

    def close(self) -> None:
        self._stop_watching()
        for view in (getattr(self, "containers", None), getattr(self, "networks", None)):
            if view is not None:
                view.close()
        self._close_parts()
        super().close()
