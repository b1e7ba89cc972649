"""``docker pull`` with one progress bar per layer, falling back to the image kit's stand-ins."""

from __future__ import annotations

from typing import Callable, Iterable

from . import imagekit
from ..errors import DockerMagicError, Interrupted, not_in_registry, registry_answered_missing
from ..redaction import redact


class LayerProgress:
    """Turns the engine's pull events into one tqdm bar per layer (bytes downloaded)."""

    def __init__(self, say: Callable[[str], None] = print):
        self.say = say
        self.bars: dict = {}

    def feed(self, event: dict) -> None:
        if event.get("error"):
            raise DockerMagicError(f"The pull failed: {event['error']}.")
        layer, status = event.get("id"), event.get("status", "")
        detail = event.get("progressDetail") or {}
        if layer and detail.get("total"):
            bar = self.bars.get(layer)
            if bar is None:
                from tqdm.auto import tqdm

                bar = self.bars[layer] = tqdm(total=detail["total"], desc=layer, unit="B", unit_scale=True,
                                              leave=True)
            if status.startswith("Downloading"):
                bar.n = min(detail.get("current", 0), bar.total)
                bar.refresh()
        elif layer and status in ("Download complete", "Pull complete", "Already exists") and layer in self.bars:
            bar = self.bars[layer]
            bar.n = bar.total
            bar.refresh()
        elif not layer and status:
            self.say(redact(status))  # "Digest: …", "Status: Downloaded newer image for …" (a ref may hold user:pw@)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def show_progress(events: Iterable[dict], say: Callable[[str], None] = print) -> LayerProgress:
    progress = LayerProgress(say)
    try:
        for event in events:
            progress.feed(event)
    finally:
        progress.close()
    return progress


def pull(ref: str, *, client, say: Callable[[str], None] = print) -> str:
    """Pull ``ref`` showing per-layer progress. Similar to ``docker pull``.

    When no registry answers and dockermagic has a stand-in for ``ref``, that stand-in is made
    available instead (built if needed) and its one-line notice is printed.
    Returns how the image came: ``pulled``, ``present``, ``built`` or ``reused``.

    Raises:
        Interrupted: Ctrl-C during the pull.
        NotInRegistry: the registry answered that it has no such image or tag.
        DockerMagicError: the pull failed and there is no stand-in.
    """
    import docker.errors

    ref = imagekit.normalize(ref)
    failure = "pulls are switched off (DOCKERMAGIC_NO_PULL, or the registry did not answer earlier)"
    if imagekit.pulls_allowed():
        repo, tag = imagekit.split_ref(ref)
        try:
            # Read in this thread: a pull sends progress often, and Ctrl-C breaks the read at once; the
            # interrupt closes the connection, and the engine cancels a pull nobody waits for.
            show_progress(client.api.pull(repo, tag=tag, stream=True, decode=True), say)
            return "pulled"
        except KeyboardInterrupt as exc:
            raise Interrupted(f"Interrupted: stopped pulling {ref}; the engine cancels the download (layers "
                              "already fetched are kept), nothing is left running.") from exc
        except (docker.errors.DockerException, DockerMagicError) as exc:
            if registry_answered_missing(exc):  # a mistyped tag: never a stand-in under it
                raise not_in_registry(ref, exc) from exc
            failure = (getattr(exc, "explanation", None) or str(exc)).splitlines()[0][:160]
    if imagekit.standin_for(ref) is None:
        raise DockerMagicError(f"Could not pull {ref}: {failure}.")
    how = imagekit.ensure_image(ref, client=client, pull=False, say=say)
    say(imagekit.standin_notice(ref, client=client) or f"{ref}: using the local stand-in")
    return how
