"""Live widgets that follow the engine (the only module besides the magics importing ipywidgets).

ContainersView (a `docker ps -a` table), NetworksView (one diagram per bridge network) and Dashboard
(both plus images and volumes in tabs). Each view follows the engine through its own EventWatcher and
refreshes only on events that concern it, so an idle view makes no engine calls.
"""
from __future__ import annotations

import html
import threading
from typing import Any

import ipywidgets as w

from .client import get_client
from .events import RESYNC, EventWatcher
from .secrets import mask_url
from .summary import container_networks, container_row, network_row, published_ports

__all__ = ["ContainersView", "NetworksView", "Dashboard"]

_COLUMNS = ("name", "image", "status", "ports", "networks", "ips")


class ContainersView(w.VBox):
    """Like `docker ps -a`, kept current from the engine's event stream.

    Args:
        client: a docker client (default: the shared one).
    """

    def __init__(self, client=None, **kwargs):
        self._client = client or get_client()
        self._rows: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.table = w.HTML()
        # Actions apply to the container picked here (one set of buttons, not one per row, so a
        # refresh only rewrites the table's HTML instead of rebuilding widgets).
        self.pick = w.Dropdown(description="container", options=[])
        self.buttons = {a: w.Button(description=a) for a in ("stop", "start", "remove", "logs")}
        for action, button in self.buttons.items():
            button.on_click(lambda _b, a=action: self.act(a))
        self.logs = w.HTML()
        super().__init__([self.table, w.HBox([self.pick, *self.buttons.values()]), self.logs], **kwargs)
        self._watcher = EventWatcher(self._on_event, client=self._client)

    def act(self, action: str, name: str | None = None) -> None:
        """Run a row action (stop/start/remove/logs) on `name` (default: the picked container)."""
        name = name or self.pick.value
        if not name:
            return
        try:
            c = self._client.containers.get(name)
            if action == "stop":
                c.stop(timeout=2)
            elif action == "start":
                c.start()
            elif action == "remove":
                c.remove(force=True)
            elif action == "logs":
                text = mask_url(c.logs(tail=50).decode(errors="replace"))
                self.logs.value = f"<pre>{html.escape(text)}</pre>"
        except Exception as exc:  # shown in the widget, one sentence: a click has no traceback to read
            self.logs.value = f"<b>{html.escape(action)} {html.escape(name)} failed:</b> {html.escape(str(exc))}"

    def _on_event(self, event: dict[str, Any]) -> None:
        if event is RESYNC:
            ids = [c["Id"] for c in self._client.api.containers(all=True)]
            with self._lock:
                self._rows = {}
            for cid in ids:
                self._refresh(cid)
        elif event.get("Type") == "container" and event.get("id"):
            self._refresh(event["id"])
        else:
            return
        self._render()

    def _refresh(self, cid: str) -> None:
        try:
            row = container_row(self._client.api.inspect_container(cid))
        except Exception:  # gone (removed) between the event and the inspect
            with self._lock:
                self._rows.pop(cid[:12], None)
            return
        with self._lock:
            self._rows[cid[:12]] = row

    def rows(self) -> list[dict[str, Any]]:
        with self._lock:
            return sorted(self._rows.values(), key=lambda r: r["name"])

    def _render(self) -> None:
        head = "".join(f"<th>{c}</th>" for c in _COLUMNS)
        body = []
        for r in self.rows():
            image = r["image"] + (" (stand-in)" if r["stand_in"] else "")
            cells = [r["name"], image, r["status"], ", ".join(r["ports"]),
                     ", ".join(r["networks"]), ", ".join(r["ips"])]
            body.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
        self.table.value = f"<table><tr>{head}</tr>{''.join(body)}</table>"
        names = [r["name"] for r in self.rows()]
        if list(self.pick.options) != names:
            keep = self.pick.value if self.pick.value in names else None
            self.pick.options = names
            self.pick.value = keep

    def __repr__(self) -> str:
        lines = ["  ".join(_COLUMNS)]
        for r in self.rows():
            lines.append("  ".join([r["name"], r["image"], r["status"], ",".join(r["ports"]), ",".join(r["ips"])]))
        return "\n".join(lines)

    def close(self) -> None:
        self._watcher.close()
        super().close()


_NETWORK_ACTIONS = {"connect", "disconnect", "create", "destroy"}
_CONTAINER_ACTIONS = {"start", "die", "destroy"}


def _esc(value: Any) -> str:
    return html.escape(str(value))


class NetworksView(w.VBox):
    """Each bridge network as a small diagram: bridge interface, subnet, gateway, attached containers
    with IP and aliases, and published host ports host->container.

    Args:
        client: a docker client (default: the shared one).
    """

    def __init__(self, client=None, **kwargs):
        self._client = client or get_client()
        self._networks: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.diagram = w.HTML()
        super().__init__([self.diagram], **kwargs)
        self._watcher = EventWatcher(self._on_event, client=self._client)

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
                except Exception:  # already gone
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
        try:
            attrs = self._client.api.inspect_network(nid)
        except Exception:
            return None
        if attrs.get("Driver") != "bridge":
            return None
        row = network_row(attrs)
        # The network inspect lacks aliases, ports and (for docker0) the gateway: ask each container.
        for c in row["containers"]:
            c.update(aliases=[], ports=[])
            try:
                cattrs = self._client.api.inspect_container(c["id"])
            except Exception:
                continue
            c["ports"] = published_ports(cattrs)
            for n in container_networks(cattrs):
                if n["network_id"].startswith(row["id"]):
                    c["aliases"] = n["aliases"]
                    row["gateway"] = row["gateway"] or n["gateway"]
        return row

    def networks(self) -> list[dict[str, Any]]:
        with self._lock:
            return sorted(self._networks.values(), key=lambda r: r["name"])

    def _render(self) -> None:
        parts = []
        for n in self.networks():
            items = []
            for c in n["containers"]:
                ports = "".join(
                    f"<div style='font-size:90%'>host {_esc(p.split('->')[0])} &rarr; {_esc(p.split('->')[1])}</div>"
                    for p in c["ports"] if "->" in p)
                aliases = f" <i>aliases: {_esc(', '.join(c['aliases']))}</i>" if c["aliases"] else ""
                items.append(f"<li><b>{_esc(c['name'])}</b> eth {_esc(c['ipv4'])}{aliases}{ports}</li>")
            parts.append(
                "<div style='border:1px solid #888;border-radius:6px;padding:6px;margin:4px'>"
                f"<div><b>{_esc(n['name'])}</b> &mdash; bridge <code>{_esc(n['bridge'])}</code>, "
                f"subnet {_esc(n['subnet'])}, gateway {_esc(n['gateway'])}</div>"
                f"<ul style='margin:2px 0 0 16px'>{''.join(items) or '<li><i>no containers</i></li>'}</ul></div>")
        self.diagram.value = "".join(parts)

    def __repr__(self) -> str:
        lines = []
        for n in self.networks():
            lines.append(f"{n['name']} ({n['bridge']}) subnet {n['subnet']} gateway {n['gateway']}")
            for c in n["containers"]:
                extra = (" aliases=" + ",".join(c["aliases"])) if c["aliases"] else ""
                lines.append(f"  {c['name']} {c['ipv4']}{extra} {' '.join(c['ports'])}".rstrip())
        return "\n".join(lines)

    def close(self) -> None:
        self._watcher.close()
        super().close()


def _table(head: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th>{_esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


class Dashboard(w.Tab):
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
        super().__init__([self.containers, self.networks, self.images, self.volumes], **kwargs)
        self.titles = ("Containers", "Networks", "Images", "Volumes")
        self._watcher = EventWatcher(self._on_event, client=self._client)

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
                rows.append([tag, img["Id"].split(":")[-1][:12], f"{img.get('Size', 0) / 1e6:.1f}MB"])
        self.images.value = _table(["repository:tag", "id", "size"], sorted(rows))

    def _volumes(self) -> None:
        vols = self._client.api.volumes().get("Volumes") or []
        rows = sorted([v["Name"], v.get("Driver", ""), v.get("Mountpoint", "")] for v in vols)
        self.volumes.value = _table(["name", "driver", "mountpoint"], rows)

    def __repr__(self) -> str:
        return f"Dashboard(containers={len(self.containers.rows())}, networks={len(self.networks.networks())})"

    def close(self) -> None:
        self._watcher.close()
        self.containers.close()
        self.networks.close()
        super().close()
