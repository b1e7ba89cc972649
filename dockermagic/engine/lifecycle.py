"""``docker rm/start/restart/kill/logs/exec`` as plain functions taking ``client=``."""

from __future__ import annotations

from typing import Callable

from .each import for_each
from ..errors import CommandError, DockerMagicError, Interrupted, from_docker_error
from .following import follow_lines
from ..cli.formatting import Lines
from ..values import whole_number
from ..redaction import redact_lines, remember_env


def _get(name: str, client):
    try:
        return client.containers.get(name)
    except Exception as exc:
        raise from_docker_error(exc, f"find container {name}") from exc


def _each(names: list[str], doing: str, act, client) -> list[str]:
    return for_each(names, lambda n: act(_get(n, client)), command=doing, kind="container", doing=doing)


def rm(names: list[str], *, client, force: bool = False, volumes: bool = False) -> list[str]:
    """Remove containers. Similar to ``docker rm [-f] [-v]``. Returns the names given."""
    return _each(names, "rm", lambda c: c.remove(force=force, v=volumes), client)


def start(names: list[str], *, client) -> list[str]:
    """Start stopped containers. Similar to ``docker start`` (without -a)."""
    return _each(names, "start", lambda c: c.start(), client)


def restart(names: list[str], *, client, timeout: int | None = None) -> list[str]:
    """Restart containers. Similar to ``docker restart [-t N]``."""
    kw = {"timeout": timeout} if timeout is not None else {}
    return _each(names, "restart", lambda c: c.restart(**kw), client)


def kill(names: list[str], *, client, signal: str | None = None) -> list[str]:
    """Send a signal (default KILL) to containers. Similar to ``docker kill [-s SIG]``."""
    kw = {"signal": signal} if signal else {}
    return _each(names, "kill", lambda c: c.kill(**kw), client)


_MAX_SECONDS = 9223372036  # Go's longest time.Duration (what the CLI's --since parses), in seconds
_MAX_TIME = 253402300799  # 9999-12-31T23:59:59Z


def parse_since(value: str, *, now: float | None = None) -> int:
    """``--since`` as the CLI takes it: ``90s``/``10m``/``2h``, a Unix time, or an RFC 3339 time.

    Returns a Unix time of at least 1 (the SDK refuses 0: "since" before 1970 means everything).

    Raises:
        CommandError: another form, or a time the CLI could not represent either.
    """
    import datetime
    import re
    import time

    value = str(value).strip()
    m = re.fullmatch(r"([0-9]{1,20}(?:\.[0-9]{1,9})?)([smh])", value)
    if m:
        seconds = float(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2)]
        if seconds > _MAX_SECONDS:
            raise CommandError(f"'docker logs --since {value}' reaches further back than the CLI can "
                               "(about 292 years); give a date instead.")
        return max(1, int((time.time() if now is None else now) - seconds))
    m = re.fullmatch(r"([0-9]{1,20})(?:\.[0-9]{1,9})?", value)
    if m:
        if int(m.group(1)) > _MAX_TIME:
            raise CommandError(f"'docker logs --since {value}' is after the year 9999.")
        return max(1, int(m.group(1)))
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"'docker logs --since' needs 10m, 2h, a Unix time or 2024-01-02T15:04:05Z, "
                           f"got {value[:40]!r}.") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    try:
        return max(1, int(when.timestamp()))
    except (OverflowError, OSError, ValueError):
        raise CommandError(f"'docker logs --since {value}' is not a time the engine can use.") from None


def parse_tail(value) -> int | str:
    """``--tail``/``-n``: ``all`` or a whole number of lines (a negative one means all, as for the CLI)."""
    if value is None or str(value).strip() == "all":
        return "all"
    n = whole_number("logs --tail", value, low=-(2**63), high=2**63 - 1)
    return "all" if n < 0 else n


class LogsResult(Lines):
    """What ``logs`` returns: the lines (a list of str), ``.text``, ``.container``; displayed as
    the text (``<pre>`` in a notebook); ``.to_frame()`` splits ``-t`` timestamps into a column."""

    def __init__(self, container: str, lines: list[str], *, timestamps: bool = False):
        super().__init__(lines)
        self.container = container
        self.timestamps = timestamps

    @property
    def text(self) -> str:
        return "\n".join(self)

    def to_frame(self):
        import pandas as pd

        if not self.timestamps:
            return super().to_frame()
        stamped = [line.partition(" ") for line in self]
        return pd.DataFrame({"timestamp": pd.to_datetime([s[0] for s in stamped], utc=True, format="ISO8601"),
                             "line": [s[2] for s in stamped]})

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.text)}</pre>"


class FollowedLogs(LogsResult):
    """``logs -f``: every line was shown while it arrived, so displaying the result shows nothing."""

    def _ipython_display_(self) -> None:
        pass


def logs(name: str, *, client, tail: str | None = None, timestamps: bool = False, follow: bool = False,
         since: str | None = None, say: Callable[[str], None] = print) -> LogsResult:
    """A container's output. Similar to ``docker logs [--tail N] [--since T] [-t] [-f]``.

    Without ``follow`` nothing is printed: the result displays the text. With ``follow``
    lines go to ``say`` as they arrive until the container stops.

    Returns:
        LogsResult (FollowedLogs with ``follow``): the lines shown.

    Raises:
        Interrupted: Ctrl-C while following; the container keeps running, the message says how to
            stop it and ``partial`` holds the lines shown (a FollowedLogs).
    """
    kw = {"timestamps": timestamps, "tail": parse_tail(tail)}
    if since is not None:
        kw["since"] = parse_since(since)
    c = _get(name, client)
    try:
        if not follow:
            # Masked like every display: a container may print its own environment.
            return LogsResult(name, list(redact_lines([c.logs(**kw)])), timestamps=timestamps)
        shown: list[str] = []
        try:
            follow_lines(c.logs(stream=True, follow=True, **kw), say, shown)
        except KeyboardInterrupt as exc:
            raise _stopped_following(c, FollowedLogs(name, shown, timestamps=timestamps)) from exc
        return FollowedLogs(name, shown, timestamps=timestamps)
    except DockerMagicError:
        raise
    except Exception as exc:
        raise from_docker_error(exc, f"read the logs of {name}") from exc


def _stopped_following(c, partial) -> Interrupted:
    try:
        c.reload()
        running = c.status in ("running", "restarting", "paused")
    except Exception:  # gone (--rm) or the engine went away: nothing more we can tell
        running = False
    if running:
        return Interrupted(f"Interrupted: stopped following the logs of {c.name}, which keeps running; "
                           f"stop it with %docker stop {c.name}.", partial=partial)
    return Interrupted(f"Interrupted: stopped following the logs of {c.name}, which is not running.",
                       partial=partial)


class ExecResult:
    """What ``exec`` returns: ``exit_code`` (None when detached or interrupted) and the ``output``
    text (already shown while streaming, so the display is only the exit code); ``.lines``."""

    def __init__(self, exit_code: int | None, output: str):
        self.exit_code = exit_code
        self.output = output

    @property
    def lines(self) -> list[str]:
        return self.output.split("\n") if self.output else []

    def __repr__(self) -> str:
        return "<exec still running>" if self.exit_code is None else f"<exec exit code {self.exit_code}>"


def _exec_left(name: str, api, exec_id: str, partial: ExecResult) -> Interrupted:
    try:
        running = api.exec_inspect(exec_id).get("Running", True)
    except Exception:  # the engine went away: say how to end it, as if it ran
        running = True
    if not running:
        return Interrupted(f"Interrupted: the command in {name} had already finished; nothing is left running.",
                           partial=partial)
    # The engine has no call that stops an exec'd process; it runs on inside the container.
    return Interrupted(f"Interrupted: the command keeps running inside {name} (the engine cannot stop an "
                       f"exec'd process); %docker restart {name} ends it.", partial=partial)


def exec_(name: str, command: list[str], *, client, env: list[str] | None = None, workdir: str | None = None,
          user: str | None = None, detach: bool = False, say: Callable[[str], None] = print) -> ExecResult:
    """Run a command in a running container. Similar to ``docker exec [-e] [-w] [-u] [-d]``.

    Non-interactive: there is no stdin in a notebook (``-i``/``-t`` are accepted and ignored).
    Output is passed to ``say`` as it arrives; the exit code is in the result.

    Raises:
        Interrupted: Ctrl-C while the output streamed; the message says whether the command still
            runs and how to end it, ``partial`` is an ExecResult of what was shown.
    """
    if not command:
        raise CommandError("'docker exec' needs a container and a command.")
    remember_env(env)
    c = _get(name, client)
    api = client.api
    try:
        ex = api.exec_create(c.id, command, environment=env or None, workdir=workdir, user=user or "")
        if detach:
            api.exec_start(ex["Id"], detach=True)
            return ExecResult(None, "")
        shown: list[str] = []
        try:
            follow_lines(api.exec_start(ex["Id"], stream=True), say, shown)
        except KeyboardInterrupt as exc:
            raise _exec_left(name, api, ex["Id"], ExecResult(None, "\n".join(shown))) from exc
        code = api.exec_inspect(ex["Id"])["ExitCode"]
    except DockerMagicError:
        raise
    except Exception as exc:
        raise from_docker_error(exc, f"exec in {name}") from exc
    return ExecResult(code, "\n".join(shown))
