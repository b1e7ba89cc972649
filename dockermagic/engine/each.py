"""The docker CLI's many-names commands (``rm a b``, ``rmi x y``, ``volume rm …``) as one loop."""

from __future__ import annotations

from typing import Callable

from ..errors import CommandError, DockerMagicError, Interrupted, from_docker_error


def for_each(names: list[str], act: Callable[[str], object], *, command: str, kind: str, doing: str) -> list[str]:
    """Call ``act(name)`` for every name; the first failure is one sentence naming it.

    Like the CLI, the names before a failure stay done; Ctrl-C is an Interrupted naming the ones
    not reached. ``command`` and ``kind`` word the "needs at least one" error (``'docker rmi'
    needs at least one image.``); ``doing`` the failure's (``Docker could not remove image x:
    …``). Returns the names given.
    """
    if not names:
        raise CommandError(f"'docker {command}' needs at least one {kind}.")
    for i, name in enumerate(names):
        try:
            act(name)
        except DockerMagicError:
            raise
        except KeyboardInterrupt as exc:
            left = f"; not reached: {', '.join(names[i + 1:])}" if names[i + 1:] else ""
            raise Interrupted(f"Interrupted 'docker {command}' at {kind} {name} (the engine may still finish "
                              f"that one){left}.") from exc
        except Exception as exc:
            raise from_docker_error(exc, f"{doing} {kind} {name}") from exc
    return names
