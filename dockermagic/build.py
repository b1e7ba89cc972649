"""Build images from a context directory or cell text, streaming the engine's progress.

Like ``docker build`` with the legacy builder: the low-level ``client.api.build`` streams JSON
messages, which we turn into plain lines; ``forcerm=True`` so a failed step leaves no container.
Where the lines go is a ``Progress``: plain lines by default (a terminal); the magics register a
compact, updating view for notebooks (``set_default_progress``) so this module needs no IPython.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol

import docker
from docker.utils import build as build_utils

from . import imagekit
from .client import notebook_label
from .errors import BuildFailed, CommandError, from_docker_error

Say = Callable[[str], None]
LARGE_CONTEXT = 100 * 1024 * 1024
_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # the engine colours a RUN step's stderr red
# Engine bookkeeping lines, not the output of the step's command.
_ENGINE_LINE = re.compile(r"^\s*(---> |Removing intermediate container|Successfully (built|tagged))")


@dataclass
class BuildState:
    """What a build has done so far; handed to the Progress with every line."""

    step: int | None = None
    steps: int = 0
    instruction: str = ""
    cache_hits: int = 0
    started: float = field(default_factory=time.monotonic)
    log: list[str] = field(default_factory=list)
    step_output: list[str] = field(default_factory=list)  # what the current step's command printed

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def feed(self, line: str) -> None:
        m = _STEP.match(line)
        if m:
            self.step, self.steps, self.instruction = int(m.group(1)), int(m.group(2)), m.group(3)
            self.step_output = []
        elif "---> Using cache" in line:
            self.cache_hits += 1
        elif line.strip() and not _ENGINE_LINE.match(line):
            self.step_output.append(line)
        self.log.append(line)


class Progress(Protocol):
    """Receives every line of a build, then its end (``ok`` false on failure)."""

    def line(self, text: str, state: BuildState) -> None: ...

    def finish(self, state: BuildState, ok: bool, summary: str) -> None: ...


class PlainProgress:
    """Every line as it comes, as ``docker build`` prints it in a terminal."""

    def __init__(self, say: Say = print):
        self.say = say

    def line(self, text: str, state: BuildState) -> None:
        self.say(text)

    def finish(self, state: BuildState, ok: bool, summary: str) -> None:
        if ok:
            self.say(summary)


_default_progress: Callable[[Say], Progress | None] | None = None


def set_default_progress(factory: Callable[[Say], Progress | None] | None) -> None:
    """Choose the Progress used when a caller gives none (the magics install a notebook view)."""
    global _default_progress
    _default_progress = factory


def _progress_for(say: Say) -> Progress:
    made = _default_progress(say) if _default_progress else None
    return made or PlainProgress(say)


@dataclass
class BuildResult:
    """A finished build: like the last lines of ``docker build`` plus ``docker history``."""

    image_id: str
    tags: list[str]
    size: int
    seconds: float
    steps: int
    cache_hits: int
    log: list[str] = field(default_factory=list, repr=False)
    history_rows: list[dict] | None = field(default=None, repr=False)
    client: docker.DockerClient | None = field(default=None, repr=False, compare=False)

    @property
    def history(self):
        """The image's layers, newest first, as a DataFrame (like ``docker history``)."""
        import pandas as pd

        if self.history_rows is None:  # asked for on first use: a build need not pay for it
            self.history_rows = self.client.api.history(self.image_id) if self.client else []

        rows = [{"created_by": r.get("CreatedBy", ""), "size_mb": round((r.get("Size") or 0) / 1e6, 1),
                 "created": pd.Timestamp(r.get("Created", 0), unit="s", tz="UTC"),
                 "id": (r.get("Id") or "")[7:19] if (r.get("Id") or "").startswith("sha256:") else "<missing>",
                 "tags": ", ".join(r.get("Tags") or [])} for r in self.history_rows]
        return pd.DataFrame(rows, columns=["id", "created_by", "size_mb", "created", "tags"])

    def __repr__(self) -> str:
        return (f"BuildResult({self.image_id[:19]} tags={self.tags} size={self.size / 1e6:.1f} MB "
                f"time={self.seconds:.1f}s steps={self.steps} cached={self.cache_hits})")


def from_images(dockerfile_text: str) -> list[str]:
    """The images named by FROM lines, skipping earlier stage names and ``--platform``."""
    stages, refs = set(), []
    for line in dockerfile_text.splitlines():
        words = line.strip().split()
        if not words or words[0].upper() != "FROM":
            continue
        words = [w for w in words[1:] if not w.startswith("--")]
        if not words:
            continue
        if words[0].lower() not in stages and words[0].lower() != "scratch" and "$" not in words[0]:
            refs.append(words[0])
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.add(words[2].lower())
    return refs


def context_size(path: str, dockerfile: str = "Dockerfile") -> int:
    """Bytes the files sent as context add up to, honouring ``.dockerignore``."""
    ignore = os.path.join(path, ".dockerignore")
    exclude = []
    if os.path.exists(ignore):
        with open(ignore) as f:
            exclude = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    total = 0
    for rel in build_utils.exclude_paths(path, exclude, dockerfile=dockerfile):
        full = os.path.join(path, rel)
        if os.path.isfile(full) and not os.path.islink(full):
            total += os.path.getsize(full)
    return total


def context_notice(size: int, path: str) -> list[str]:
    """What to say before the context is sent: its size, and a warning when it is large."""
    amount = f"{size / 1e6:.1f} MB" if size >= 10**6 else f"{size / 1e3:.1f} kB"
    lines = [f"Sending build context to the engine: {amount}"]
    if size > LARGE_CONTEXT:
        hint = ("add a .dockerignore there" if not os.path.exists(os.path.join(path, ".dockerignore"))
                else "extend its .dockerignore")
        lines.append(f"Warning: the build context {path} is larger than {LARGE_CONTEXT // 2**20} MB; "
                     f"{hint} listing what the image does not need (data, node_modules, .git).")
    return lines


def _failure(state: BuildState, error: str) -> BuildFailed:
    where = f"step {state.step}/{state.steps} ({state.instruction})" if state.step else "the start"
    tail = state.step_output[-5:]
    last = (" Last output: " + " | ".join(l.strip() for l in tail) + ".") if tail else ""
    return BuildFailed(f"Build failed at {where}: {error.strip()}{last}",
                       step=state.step, instruction=state.instruction, last_lines=tail)


def _ensure_bases(df_path: str, client: docker.DockerClient, say: Say) -> None:
    """Base images come from a registry or, where none answers, from the local stand-ins."""
    with open(df_path) as f:
        refs = from_images(f.read())
    for ref in refs:
        try:
            attrs = client.api.inspect_image(ref)  # one call: presence and the stand-in label
        except docker.errors.ImageNotFound:
            imagekit.ensure_image(ref, client=client, say=say)
            attrs = client.api.inspect_image(ref)
        what = imagekit.standin_description(attrs)
        if what:
            say(f"Note: {imagekit.normalize(ref)} is a local stand-in ({what}); "
                "no registry was reachable to pull the real one.")


class LineJoiner:
    """Whole output lines from the engine's stream messages.

    The engine cuts a line into several messages (a RUN step's stderr arrives as the process writes
    it), so a message is not a line: text is held until its newline arrives.
    """

    def __init__(self):
        self._pending = ""

    def feed(self, text: str) -> list[str]:
        whole, _, self._pending = (self._pending + _ANSI.sub("", text)).rpartition("\n")
        return self._keep(whole)

    def flush(self) -> list[str]:
        rest, self._pending = self._pending, ""
        return self._keep(rest)

    @staticmethod
    def _keep(text: str) -> list[str]:
        # the engine also sends bare newlines as messages of their own
        return [line for line in text.splitlines() if line.strip()]


def build_image(path: str = ".", *, client: docker.DockerClient, dockerfile: str = "Dockerfile",
                tags: list[str] | None = None, buildargs: dict | None = None, target: str | None = None,
                nocache: bool = False, pull: bool = False, labels: dict | None = None,
                network_mode: str | None = None, say: Say = print,
                progress: Progress | None = None) -> BuildResult:
    """Build an image from a context directory. Similar to ``docker build -f FILE -t TAG PATH``.

    Args:
        path: the build context; its ``.dockerignore`` is honoured.
        dockerfile: the Dockerfile, relative to ``path`` (or absolute).
        say: where notices go (context size, stand-ins); progress: where build lines go.

    Returns: a BuildResult (``.log`` holds every line, ``.history`` the layers).
    Raises: BuildFailed naming the step, its instruction and last output; CommandError when the
    Dockerfile is missing.
    """
    tags = list(tags or [])
    df_path = dockerfile if os.path.isabs(dockerfile) else os.path.join(path, dockerfile)
    if not os.path.isfile(df_path):
        raise CommandError(f"There is no Dockerfile at {df_path}.")
    _ensure_bases(df_path, client, say)
    inside = os.path.commonpath([os.path.abspath(df_path), os.path.abspath(path)]) == os.path.abspath(path)
    # A Dockerfile outside the context goes by its absolute path; the SDK adds it to the tar itself.
    rel_df = os.path.relpath(df_path, path) if inside else os.path.abspath(df_path)
    for line in context_notice(context_size(path, rel_df), path):
        say(line)
    progress = progress or _progress_for(say)
    # Only the notebook's label: it lets run_pack remove what a notebook built. Like any --label,
    # the legacy builder adds it as one more LABEL step, so a plain build outside a notebook keeps its steps.
    labels = {**notebook_label(), **(labels or {})}
    state, image_id, ok, stream = BuildState(), None, False, None
    try:
        stream = client.api.build(path=path, dockerfile=rel_df, tag=tags[0] if tags else None,
                                  buildargs=buildargs, target=target, nocache=nocache, pull=pull,
                                  labels=labels or None, network_mode=network_mode, decode=True, forcerm=True, rm=True)
        joiner = LineJoiner()

        def emit(lines):
            for line in lines:
                state.feed(line)
                progress.line(line, state)

        for msg in stream:
            if "error" in msg:
                emit(joiner.flush())
                raise _failure(state, msg["error"])
            if "ID" in (msg.get("aux") or {}):
                image_id = msg["aux"]["ID"]
            emit(joiner.feed(msg.get("stream", "")))
        emit(joiner.flush())
        if image_id is None:
            raise _failure(state, "the engine sent no image id")
        attrs = client.api.inspect_image(image_id)
        for t in tags[1:]:
            repo, _, tag = t.rpartition(":") if ":" in t.split("/")[-1] else (t, "", "latest")
            client.api.tag(image_id, repo, tag or "latest")
        ok = True
    except docker.errors.APIError as exc:
        raise from_docker_error(exc, "build the image") from exc
    finally:
        if stream is not None:  # closing the connection makes the engine cancel an unfinished build
            stream.close()
        if not ok:  # also on Ctrl-C: a notebook view must stop updating
            progress.finish(state, False, f"Build failed at step {state.step}/{state.steps} after {state.elapsed:.1f} s.")
    result = BuildResult(attrs["Id"], tags, attrs.get("Size", 0), state.elapsed, state.steps,
                         state.cache_hits, state.log, client=client)
    progress.finish(state, True, f"Built {attrs['Id'][7:19]} in {result.seconds:.1f} s: {result.steps} steps, "
                                 f"{result.cache_hits} from cache.")
    return result


def build_from_text(text: str, *, client: docker.DockerClient, context: str | None = None,
                    file: str | None = None, **options) -> BuildResult:
    """Save ``text`` as the Dockerfile (``file`` inside ``context``) and build it, like ``%%writefile`` + ``docker build``."""
    context = context or os.getcwd()
    name = file or "Dockerfile"
    try:
        with open(os.path.join(context, name), "w") as f:
            f.write(text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise CommandError(f"Could not save the Dockerfile as {os.path.join(context, name)}: {exc.strerror}.") from None
    return build_image(context, client=client, dockerfile=name, **options)


def parse_build_args(args: list[str]) -> tuple[str, dict]:
    """A ``docker build`` argv → (context path, build_image keyword arguments)."""
    opts: dict = {"tags": [], "buildargs": {}, "labels": {}, "dockerfile": "Dockerfile"}
    path = None
    it = iter(args)
    for a in it:
        key, eq, val = a.partition("=") if a.startswith("--") else (a, "", "")

        def need():
            v = val if eq else next(it, None)
            if v is None:
                raise CommandError(f"docker build: {key} needs a value.")
            return v

        if key in ("-t", "--tag"):
            opts["tags"].append(need())
        elif key in ("-f", "--file"):
            opts["dockerfile"] = need()
        elif key in ("--build-arg", "--label"):
            k, has, v = need().partition("=")
            if key == "--build-arg":
                opts["buildargs"][k] = v if has else os.environ.get(k, "")
            else:
                opts["labels"][k] = v
        elif key == "--target":
            opts["target"] = need()
        elif key == "--network":
            opts["network_mode"] = need()
        elif a == "--no-cache":
            opts["nocache"] = True
        elif a == "--pull":
            opts["pull"] = True
        elif a.startswith("-"):
            raise CommandError(f"docker build: unsupported option {a}.")
        elif path is None:
            path = a
        else:
            raise CommandError("docker build takes exactly one context path.")
    if path is None:
        raise CommandError("docker build needs a context path, e.g. '.'.")
    return path, opts


def build_command(args: list[str], *, client: docker.DockerClient, cwd: str | None = None, say: Say = print) -> BuildResult:
    """Run a ``docker build`` argv, e.g. ``["-f", "Dockerfile.dev", "-t", "frontend:dev", "."]``."""
    path, opts = parse_build_args(args)
    cwd = cwd or os.getcwd()
    path = os.path.join(cwd, path)
    # As with the CLI, -f is relative to the current directory; failing that, to the context.
    in_cwd = os.path.join(cwd, opts["dockerfile"])
    if os.path.isfile(in_cwd):
        opts["dockerfile"] = os.path.abspath(in_cwd)
    return build_image(path, client=client, say=say, **opts)
