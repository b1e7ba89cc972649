"""Find and remove everything that carries some labels: containers, networks, volumes, images.

Everything dockermagic creates carries ``default_labels()``, among them the notebook's own
(``org.dockermagic.notebook``, see ``client.notebook_label``), so a notebook's leftovers can be
found and removed after it ended, whether its tidy-up cell ran or not. The order matters: a
container holds its network, its volumes and its image, so containers go first.
``ownership.reset`` lists and removes a learner's or a notebook's objects with these.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import docker


@dataclass
class Removal:
    """What ``remove_labelled`` removed (``"container nb03-postgres"``, …) and what it could not."""

    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.removed or self.failed)


@dataclass
class Labelled:
    """One object carrying the labels: ``kind`` (container, network, volume, image), its name, its id."""

    kind: str
    name: str
    id: str


def labelled(labels: str | list[str], *, client: docker.DockerClient) -> list[Labelled]:
    """Every container, network, volume and image carrying all of ``labels``, in removal order.

    Similar to ``docker ps -a``, ``network ls``, ``volume ls`` and ``images`` with ``--filter label=L``
    (several: all must match).
    """
    flt = {"label": [labels] if isinstance(labels, str) else list(labels)}
    found = [Labelled("container", c["Names"][0].lstrip("/"), c["Id"])
             for c in client.api.containers(all=True, filters=flt)]
    found += [Labelled("network", n["Name"], n["Id"]) for n in client.api.networks(filters=flt)]
    found += [Labelled("volume", v["Name"], v["Name"]) for v in client.api.volumes(filters=flt).get("Volumes") or []]
    found += [Labelled("image", _image_name(i), i["Id"]) for i in client.api.images(filters=flt)]
    return found


def remove_labelled(label: str | list[str], *, client: docker.DockerClient) -> Removal:
    """Force-remove every container, network, volume and image carrying ``label``.

    Similar to ``docker rm -f -v $(docker ps -aq --filter label=L)`` followed by ``docker network
    rm``, ``docker volume rm`` and ``docker rmi -f --no-prune`` of what carries the label.

    Args:
        label: ``KEY=VALUE`` (or a bare ``KEY``), as ``--filter label=…`` takes it; or several,
            and then only what carries them all goes.

    Returns: a Removal naming what went (in that order) and what could not be removed, with why.
    """
    out = Removal()
    flt = {"label": [label] if isinstance(label, str) else list(label)}
    for c in client.api.containers(all=True, filters=flt):
        _attempt(out, f"container {c['Names'][0].lstrip('/')}", lambda c=c: force_remove_container(client, c["Id"]))
    for n in client.api.networks(filters=flt):
        _remove_network(client, n, out)
    for v in client.api.volumes(filters=flt).get("Volumes") or []:
        _attempt(out, f"volume {v['Name']}", lambda v=v: client.api.remove_volume(v["Name"], force=True))
    # all=True: a legacy build writes one LABEL step per label, so the untagged steps between
    # carry some of the labels too; they go, unreported, with the image they led to.
    shown = {i["Id"] for i in client.api.images(filters=flt)}
    _remove_images(client, client.api.images(all=True, filters=flt), out, shown)
    return out


def _image_name(image: dict) -> str:
    tags = [t for t in image.get("RepoTags") or [] if t != "<none>:<none>"]
    return ", ".join(tags) if tags else image["Id"].split(":")[-1][:12]


def _attempt(out: Removal, what: str, remove) -> None:
    try:
        done = remove()
    except docker.errors.NotFound:  # gone meanwhile: nothing to report
        return
    except docker.errors.APIError as exc:
        out.failed.append(f"{what} ({exc.explanation or exc})")
        return
    if done is False:
        out.failed.append(f"{what} (still being removed)")
    else:
        out.removed.append(what)


def force_remove_container(client, cid: str, timeout: float = 15.0) -> bool:
    """``docker rm -f -v``; when the engine is already removing it (an ``--rm`` container), wait until it is gone.

    Returns: False when a removal under way did not end within ``timeout``. Raises: APIError when the engine refuses.
    """
    try:
        client.api.remove_container(cid, force=True, v=True)
        return True
    except docker.errors.NotFound:
        return True
    except docker.errors.APIError as exc:
        if exc.status_code != 409:
            raise
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            client.api.inspect_container(cid)
        except docker.errors.NotFound:
            return True
        time.sleep(0.2)
    return False


def _remove_network(client, net: dict, out: Removal) -> None:
    # A container without the label may still be attached (e.g. `network connect` of another
    # notebook's container); the network cannot go until it is disconnected.
    try:
        attached = client.api.inspect_network(net["Id"]).get("Containers") or {}
    except docker.errors.NotFound:
        return
    for cid in attached:
        try:
            client.api.disconnect_container_from_network(cid, net["Id"], force=True)
        except docker.errors.APIError:
            pass  # the removal below then says why the network stayed
    _attempt(out, f"network {net['Name']}", lambda: client.api.remove_network(net["Id"]))


def _remove_images(client, images: list[dict], out: Removal, shown: set[str]) -> None:
    # An image built FROM another labelled image must go first ("image has dependent child
    # images" even with force), so go round again while a round removes something.
    left = list(images)
    while left:
        errors: dict[str, str] = {}
        before = len(left)
        for image in list(left):
            what = f"image {_image_name(image)}"
            try:
                # noprune: the image goes, its unlabelled parent layers (the build cache) stay,
                # so building it again is quick, as after a notebook's own tidy-up cell.
                client.api.remove_image(image["Id"], force=True, noprune=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                errors[image["Id"]] = f"{what} ({exc.explanation or exc})"
                continue
            else:
                if image["Id"] in shown:
                    out.removed.append(what)
            left.remove(image)
        if len(left) == before:  # nothing moved this round
            out.failed += [why for image_id, why in errors.items() if image_id in shown]
            return
