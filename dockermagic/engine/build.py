"""Build images from a context directory or cell text, streaming the builder's progress.

Like ``docker build``: with BuildKit (``buildkit.py``, a real BuildKit client run as argv) when the
engine has it and a client is installed, else with the legacy builder through the SDK
(``client.api.build`` streams JSON messages, turned into plain lines; ``forcerm=True`` so a failed
step leaves no container). ``builder="legacy"|"buildkit"`` chooses. Where the lines go is a
``Progress`` (``build_state.py``): plain lines in a terminal, a compact view in notebooks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Callable

import docker
from docker.utils import build as build_utils

from . import buildkit, imagekit
from .. import imageref, redaction
from .build_state import (BuildResult, BuildState, LineJoiner, PlainProgress, Progress, SilentProgress,  # noqa: F401
                          _failure, _progress_for, set_default_progress)
from ..client import image_labels
from ..errors import CommandError, Interrupted, engine_errors

Say = Callable[[str], None]
LARGE_CONTEXT = 100 * 1024 * 1024
BUILDERS = ("buildkit", "legacy")
MARKER = "# Saved by %%dockerfile (dockermagic): edit the notebook cell; this file is rewritten from it."


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


def _ensure_bases(dockerfile_text: str, client: docker.DockerClient, say: Say) -> None:
    """Base images come from a registry or, where none answers, from the local stand-ins."""
    for ref in from_images(dockerfile_text):
        try:
            attrs = client.api.inspect_image(ref)  # one call: presence and the stand-in label
        except docker.errors.ImageNotFound:
            imagekit.ensure_image(ref, client=client, say=say)
            attrs = client.api.inspect_image(ref)
        what = imagekit.standin_description(attrs)
        if what:
            say(f"Note: {imagekit.normalize(ref)} is a local stand-in ({what}); "
                "no registry was reachable to pull the real one.")


def check_tags(tags: list[str]) -> None:
    """One sentence for a tag the engine would refuse (``My App:1``, ``x::y``)."""
    for tag in tags:
        imageref.check_name(tag)


def choose_builder(builder: str | None, client: docker.DockerClient) -> str:
    """``"buildkit"`` when asked for, or by default when the engine has it and a client is installed."""
    if builder not in (None, *BUILDERS):
        raise CommandError(f"--builder takes {' or '.join(BUILDERS)}, not {builder!r}.")
    if builder == "legacy":
        return "legacy"
    if builder == "buildkit" or os.environ.get("DOCKER_BUILDKIT", "") not in ("0", "false"):
        if buildkit.find_client() and buildkit.engine_supports_buildkit(client):
            return "buildkit"
        if builder == "buildkit":
            raise CommandError("--builder buildkit needs an engine with BuildKit and a BuildKit client "
                               "(a docker CLI 20.10, docker buildx, or the Compose v2 plugin); none was found.")
    return "legacy"


@dataclass
class BuildOptions:
    """What a ``docker build`` line asks for besides the context; names follow the SDK's ``build``."""

    dockerfile: str = "Dockerfile"
    tags: list[str] = field(default_factory=list)
    buildargs: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    target: str | None = None
    nocache: bool = False
    pull: bool = False
    network_mode: str | None = None
    platform: str | None = None
    builder: str | None = None


def _read_dockerfile(path: str, dockerfile: str) -> tuple[str, str]:
    """(the Dockerfile's full path, its text), refusing what this engine cannot build."""
    df_path = dockerfile if os.path.isabs(dockerfile) else os.path.join(path, dockerfile)
    if not os.path.isfile(df_path):
        raise CommandError(f"There is no Dockerfile at {df_path}.")
    with open(df_path) as f:
        text = f.read()
    problem = buildkit.frontend_problem(text, registry=imagekit.pulls_allowed())
    if problem:
        raise CommandError(problem)
    return df_path, text


def build_image(path: str = ".", options: BuildOptions | None = None, *, client: docker.DockerClient,
                say: Say = print, progress: Progress | None = None, **fields) -> BuildResult:
    """Build an image from a context directory. Similar to ``docker build -f FILE -t TAG PATH``.

    Args:
        path: the build context; its ``.dockerignore`` is honoured.
        options: a BuildOptions; ``fields`` set or override single ones (``tags=["app:1"]``,
            ``dockerfile`` relative to ``path`` or absolute, ``builder="buildkit"|"legacy"`` or
            None for BuildKit where the engine and a client allow).
        say: where notices go (context size, stand-ins); progress: where build lines go.

    Returns: a BuildResult (``.log`` holds every line, ``.history`` the layers).
    Raises: BuildFailed naming the step, its instruction and last output; CommandError when the
    Dockerfile is missing, a tag is invalid, or the Dockerfile needs what this engine lacks.
    """
    o = replace(options or BuildOptions(), **fields)
    redaction.remember_env(o.buildargs)
    check_tags(o.tags)
    df_path, text = _read_dockerfile(path, o.dockerfile)
    with engine_errors("build the image"):
        kind = choose_builder(o.builder, client)
        _ensure_bases(text, client, say)
    inside = os.path.commonpath([os.path.abspath(df_path), os.path.abspath(path)]) == os.path.abspath(path)
    # A Dockerfile outside the context goes by its absolute path; the SDK adds it to the tar itself.
    rel_df = os.path.relpath(df_path, path) if inside else os.path.abspath(df_path)
    for line in context_notice(context_size(path, rel_df), path):
        say(line)
    progress = progress or _progress_for(say)
    # The notebook's and the owner's labels only: they let run_pack and reset remove what a notebook
    # or a learner built. The legacy builder adds them as one more LABEL step;
    # BuildKit writes it into the image's config without a step.
    flags = buildkit.BuildOptions(list(o.tags), o.buildargs, {**image_labels(client), **o.labels}, o.target, o.nocache,
                                  o.pull, o.network_mode, o.platform)
    state = buildkit.BuildKitState() if kind == "buildkit" else BuildState()
    ok = False
    try:
        with engine_errors("build the image"):
            if kind == "buildkit":
                image_id = _run_buildkit(path, os.path.abspath(df_path), flags, state, progress, text)
            else:
                image_id = _run_legacy(path, rel_df, flags, state, progress, client)
            attrs = client.api.inspect_image(image_id)
        ok = True
    except KeyboardInterrupt as exc:  # both builders cancel the running step before this arrives
        raise Interrupted("Interrupted: the build was cancelled; the builder stopped it and nothing is left "
                          "running.") from exc
    finally:
        if not ok:  # also on Ctrl-C: a notebook view must stop updating
            progress.finish(state, False, f"Build failed at step {state.step}/{state.steps} after {state.elapsed:.1f} s.")
    return _built(attrs, o.tags, state, progress, client)


def _built(attrs: dict, tags: list[str], state, progress: Progress, client) -> BuildResult:
    result = BuildResult(attrs["Id"], list(tags), attrs.get("Size", 0), state.elapsed, state.steps,
                         state.cache_hits, state.log, client=client)
    progress.finish(state, True, f"Built {attrs['Id'][7:19]} in {result.seconds:.1f} s: {result.steps} steps, "
                                 f"{result.cache_hits} from cache.")
    return result


def _run_buildkit(path: str, df_path: str, options, state, progress: Progress, text: str) -> str:
    image_id = buildkit.run_build(path, df_path, options, state=state, on_line=lambda l: progress.line(l, state))
    if image_id is None:
        # A `# syntax=` frontend that could not be fetched: the registry turned out unreachable.
        problem = buildkit.frontend_problem(text, registry=False) if state.step is None else None
        if problem and "syntax=" in problem:
            raise CommandError(problem)
        raise _failure(state, state.failure_reason())
    return image_id


def _run_legacy(path: str, rel_df: str, options, state: BuildState, progress: Progress, client) -> str:
    tags, image_id, stream = options.tags, None, None
    try:
        stream = client.api.build(path=path, dockerfile=rel_df, tag=tags[0] if tags else None,
                                  buildargs=options.buildargs, target=options.target, nocache=options.nocache,
                                  pull=options.pull, labels=options.labels or None, network_mode=options.network_mode,
                                  platform=options.platform, decode=True, forcerm=True, rm=True)
        joiner = LineJoiner()

        def emit(lines):
            for line in map(redaction.redact, lines):
                state.feed(line)
                progress.line(line, state)

        for msg in stream:
            if "error" in msg:
                emit(joiner.flush())
                raise _failure(state, redaction.redact(msg["error"]))
            if "ID" in (msg.get("aux") or {}):
                image_id = msg["aux"]["ID"]
            emit(joiner.feed(msg.get("stream", "")))
        emit(joiner.flush())
        if image_id is None:
            raise _failure(state, "the engine sent no image id")
        for t in tags[1:]:
            client.api.tag(image_id, *imageref.split(t))
        return image_id
    finally:
        if stream is not None:  # closing the connection makes the engine cancel an unfinished build
            stream.close()


def save_dockerfile(text: str, path: str, *, overwrite: bool = False) -> None:
    """Save cell text as a Dockerfile, never over a different file someone else wrote.

    An existing file with the same text is left as it is; a different one is replaced only when
    ``%%dockerfile`` saved it (its last line is ``MARKER``) or ``overwrite`` is given.
    """
    body = text if text.endswith("\n") else text + "\n"
    try:
        with open(path) as f:
            old = f.read()
    except FileNotFoundError:
        old = None
    except (OSError, UnicodeDecodeError):
        old = ""
    if old is not None:
        mine = old.rstrip("\n").endswith(MARKER)
        if (old.replace(MARKER + "\n", "") if mine else old) == body:
            return
        if not (mine or overwrite):
            raise CommandError(f"{path} already exists and was not saved by %%dockerfile; pass --overwrite to "
                               "replace it, or -f NAME to save the cell under another name.")
    try:
        with open(path, "w") as f:
            f.write(body + MARKER + "\n")
    except OSError as exc:
        raise CommandError(f"Could not save the Dockerfile as {path}: {exc.strerror}.") from None


def build_from_text(text: str, *, client: docker.DockerClient, context: str | None = None,
                    file: str | None = None, overwrite: bool = False, **options) -> BuildResult:
    """Save ``text`` as the Dockerfile (``file`` inside ``context``) and build it, like ``%%writefile`` + ``docker build``.

    ``options`` go to ``build_image`` (``options=BuildOptions(...)``, ``say=``, ``progress=``, single fields).
    """
    context = context or os.getcwd()
    name = file or "Dockerfile"
    save_dockerfile(text, os.path.join(context, name), overwrite=overwrite)
    return build_image(context, client=client, **{**options, "dockerfile": name})
