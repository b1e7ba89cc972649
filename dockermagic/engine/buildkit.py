"""BuildKit builds through a real BuildKit client, run as argv (never a shell).

docker-py speaks only the legacy build API, so a BuildKit build needs a program that opens a
BuildKit session with the engine: a docker CLI with BuildKit built in (20.10, Debian 12's
``docker.io``: ``DOCKER_BUILDKIT=1 docker build``), one with the buildx plugin (Docker 23 and
later: ``docker buildx build``), else the Compose v2 plugin's own (``compose build`` of a generated
one-service project). Their ``--progress=plain`` lines feed the same ``BuildState`` / ``Progress``
as the legacy builder, so a notebook keeps its one updating line; ``--iidfile`` (or the "writing
image" line) says which image was made. The engine's own BuildKit (the docker driver) resolves
``FROM`` images in the engine's image store first, so what the image kit provided is used and
nothing is pulled (measured: "load metadata for debian:bookworm" takes 0.0 s with no registry).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field

from .build_state import BuildState
from ..errors import CommandError
from ..redaction import redact

_VERTEX = re.compile(r"^#(\d+) (.*)$")
# "[2/3] RUN make", "[builder 2/5] COPY . .", Compose's "[web builder 2/5] …"
_STEP = re.compile(r"^\[(?:(?P<stage>[^\]]*?) )?(?P<i>\d+)/(?P<n>\d+)\] (?P<instruction>.*)$")
_OUTPUT = re.compile(r"^\d+\.\d+ (.*)$")  # a step's output, after its time stamp
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")  # the 20.10 CLI's vertex digests: noise
_WROTE = re.compile(r"writing image (sha256:[0-9a-f]{64})")
# Wrappers BuildKit puts around the Dockerfile frontend's own sentence.
_WRAPPERS = re.compile(r"^(error: |ERROR: )?(failed to solve( with frontend dockerfile\.v0)?: )?"
                       r"(failed to create LLB definition: )?(rpc error: code = \w+ desc = )?")
_SYNTAX = re.compile(r"^#\s*syntax\s*=\s*(\S+)", re.IGNORECASE)
_HEREDOC = re.compile(r"^\s*(RUN|COPY|ADD)\s.*?(?<=\s)<<-?[\"']?[A-Za-z_]", re.IGNORECASE)


@dataclass
class _Vertex:
    name: str
    ordinal: int | None = None  # its number among the build's steps, for "Step k/N"
    output: list[str] = field(default_factory=list)


@dataclass
class BuildKitState(BuildState):
    """BuildState fed with BuildKit's plain progress lines (``#5 [2/3] RUN make``, ``#5 0.41 …``).

    A step is what BuildKit numbers ``[i/n]`` (FROM, RUN, COPY, ADD: the instructions that make a
    layer); its stages run in parallel, so the view follows whichever step printed last.
    """

    image_id: str | None = None
    error: str = ""
    tail: list[str] = field(default_factory=list)  # lines outside any step: the final error
    _vertices: dict[int, _Vertex] = field(default_factory=dict)
    _stages: dict[str, int] = field(default_factory=dict)
    _ordinals: int = 0

    def feed(self, line: str) -> None:
        m = _VERTEX.match(line)
        if not m:
            if line.strip() and line.strip() != "------":
                self.tail.append(line.strip())
            self.log.append(line)
            return
        number, text = int(m.group(1)), m.group(2)
        if _DIGEST.match(text):
            return
        self.log.append(line)
        vertex = self._vertices.get(number)
        if vertex is None:
            vertex = self._vertices[number] = _Vertex(text)
            step = _STEP.match(text)
            if step:
                self._ordinals += 1
                vertex.ordinal = self._ordinals
                self._stages[step.group("stage") or ""] = int(step.group("n"))
                self.steps = max(sum(self._stages.values()), self._ordinals)
                self._follow(vertex, step.group("instruction"))
            return
        step = _STEP.match(vertex.name)
        out = _OUTPUT.match(text)
        if out and vertex.ordinal:
            vertex.output.append(out.group(1))
            self._follow(vertex, step.group("instruction"))
        elif text == "CACHED" and step and not step.group("instruction").upper().startswith("FROM"):
            self.cache_hits += 1
        elif text.startswith("ERROR: "):
            self.error = text[len("ERROR: "):]
            if vertex.ordinal:
                self._follow(vertex, step.group("instruction"))
        elif _WROTE.search(text):
            self.image_id = _WROTE.search(text).group(1)

    def _follow(self, vertex: _Vertex, instruction: str) -> None:
        self.step, self.instruction, self.step_output = vertex.ordinal, instruction, vertex.output

    def failure_reason(self) -> str:
        """BuildKit's reason, without the wrappers around the frontend's own sentence."""
        reason = self.error or (self.tail[-1] if self.tail else "the BuildKit client stopped")
        return _WRAPPERS.sub("", reason)


def frontend_problem(dockerfile_text: str, *, registry: bool) -> str | None:
    """One sentence when this engine's BuildKit cannot read the Dockerfile as written, else None.

    ``# syntax=`` makes BuildKit fetch that frontend image from a registry; heredocs
    (``RUN <<EOF``) need a newer frontend than the one built into this engine.
    """
    lines = dockerfile_text.splitlines()
    syntax = next((m.group(1) for m in map(_SYNTAX.match, lines[:5]) if m), None)
    if syntax and not registry:
        return (f"The Dockerfile's first line '# syntax={syntax}' makes BuildKit fetch that frontend from a "
                "registry, and no registry is reachable (or DOCKERMAGIC_NO_PULL is set); delete the line to "
                "use the engine's built-in Dockerfile frontend.")
    for number, line in enumerate(lines, 1):
        if _HEREDOC.match(line) and not (syntax and registry):
            return (f"Line {number} uses a heredoc ({line.strip()[:40]}), which this engine's built-in "
                    "Dockerfile frontend does not know; join the commands with && on one RUN line, or COPY a "
                    "script and RUN it.")
    return None


def _major(version_text: str) -> int:
    m = re.search(r"(\d+)\.\d+", version_text)
    return int(m.group(1)) if m else 0


@functools.lru_cache(maxsize=1)
def find_client() -> tuple[str, ...] | None:
    """The argv prefix of a BuildKit client on PATH, or None.

    Every ``docker`` on PATH is asked in turn (a machine may have Docker 28's CLI without buildx in
    /usr/local/bin and Debian's 20.10 in /usr/bin): below 23 BuildKit is built in; from 23 on it is
    the buildx plugin, when installed.
    """
    seen = set()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        exe = shutil.which("docker", path=folder) if folder else None
        if not exe or os.path.realpath(exe) in seen:
            continue
        seen.add(os.path.realpath(exe))
        try:
            version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=20).stdout
            if 0 < _major(version) < 23:
                return (exe, "build")
            if subprocess.run([exe, "buildx", "version"], capture_output=True, timeout=20).returncode == 0:
                return (exe, "buildx", "build", "--load")
        except (OSError, subprocess.SubprocessError):
            continue
    return _compose_client()


def _compose_client() -> tuple[str, ...] | None:
    """The Compose v2 plugin carries a BuildKit client of its own: the last resort."""
    from .compose import compose_tool
    from ..errors import ComposeError

    try:
        tool = compose_tool()
    except ComposeError:
        return None
    return tool if tool[-1] == "compose" else None


def _escape(value):
    """Compose interpolates ``$``: a value is meant as written."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {k: _escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escape(v) for v in value]
    return value


UNTAGGED = "dockermagic/untagged:latest"  # Compose must name what it builds


def compose_project_file(path: str, dockerfile: str, options: BuildOptions) -> dict:
    """A one-service Compose project that builds what ``options`` ask for."""
    spec = {"context": os.path.abspath(path), "dockerfile": dockerfile}
    for key, value in (("args", options.buildargs), ("labels", options.labels), ("target", options.target),
                       ("network", options.network_mode), ("tags", options.tags[1:]), ("no_cache", options.nocache),
                       ("pull", options.pull)):
        if value:
            spec[key] = value
    service = {"image": options.tags[0] if options.tags else UNTAGGED, "build": spec}
    if options.platform:
        service["platform"] = options.platform
    return _escape({"services": {"image": service}})


def _argv(tool: tuple[str, ...], path: str, dockerfile: str, options: BuildOptions, tmp: str) -> list[str]:
    if tool[-1] != "compose":
        return [*tool, "--progress=plain", "--iidfile", os.path.join(tmp, "iid"), "-f", dockerfile,
                *options.flags(), path]
    import yaml

    project = os.path.join(tmp, "compose.yaml")
    with open(project, "w") as f:
        yaml.safe_dump(compose_project_file(path, dockerfile, options), f)
    return [*tool, "-f", project, "-p", f"dockermagic-build-{os.getpid()}", "--progress", "plain", "build"]


def engine_supports_buildkit(client) -> bool:
    """BuildKit is in every Linux engine since 18.09 (API 1.39)."""
    try:
        info = client.version()
    except Exception:
        return False
    api = tuple(int(x) for x in re.findall(r"\d+", str(info.get("ApiVersion", "0")))[:2])
    return str(info.get("Os", "linux")).lower() == "linux" and api >= (1, 39)


@dataclass
class BuildOptions:
    """What a ``docker build`` line asks for, as the BuildKit client's flags."""

    tags: list[str] = field(default_factory=list)
    buildargs: dict | None = None
    labels: dict | None = None
    target: str | None = None
    nocache: bool = False
    pull: bool = False
    network_mode: str | None = None
    platform: str | None = None

    def flags(self) -> list[str]:
        out = [w for t in self.tags for w in ("-t", t)]
        out += [w for k, v in (self.buildargs or {}).items() for w in ("--build-arg", f"{k}={v}")]
        out += [w for k, v in (self.labels or {}).items() for w in ("--label", f"{k}={v}")]
        for flag, value in (("--target", self.target), ("--network", self.network_mode),
                            ("--platform", self.platform)):
            out += [flag, value] if value else []
        return out + (["--no-cache"] if self.nocache else []) + (["--pull"] if self.pull else [])


def run_build(path: str, dockerfile: str, options: BuildOptions, *, state: BuildKitState, on_line,
              tool: tuple[str, ...] | None = None) -> str | None:
    """Run the BuildKit client on ``path`` and feed every line (redacted) to ``state`` and ``on_line``.

    Returns: the image id, or None when the build failed (``state.failure_reason()`` says why).
    Raises: CommandError when no client can be started; KeyboardInterrupt after cancelling the
    build (the client is stopped, which ends the BuildKit session: the engine stops the step).
    """
    tool = tool or find_client()
    if not tool:
        raise CommandError("No BuildKit client found (a docker CLI 20.10, docker buildx, or the Compose v2 "
                           "plugin); use --builder legacy.")
    with tempfile.TemporaryDirectory(prefix="dockermagic-build-") as tmp:
        iidfile = os.path.join(tmp, "iid")  # the CLI writes it; Compose says "writing image sha256:…"
        argv = _argv(tool, path, dockerfile, options, tmp)
        env = dict(os.environ, DOCKER_BUILDKIT="1", BUILDKIT_PROGRESS="plain")
        try:
            # Own session: the notebook's Ctrl-C reaches us, and we cancel the client ourselves.
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, errors="replace", env=env, start_new_session=True)
        except OSError as exc:
            raise CommandError(f"Could not start the BuildKit client {tool[0]}: {exc.strerror}.") from None
        try:
            for raw in proc.stdout:
                line = redact(raw.rstrip("\n"))
                if line.strip():
                    before = len(state.log)
                    state.feed(line)
                    if len(state.log) > before:
                        on_line(line)
            rc = proc.wait()
        except BaseException:  # Ctrl-C: stop the client; its session ends and the engine cancels
            _stop(proc)
            raise
        finally:
            proc.stdout.close()
        if rc != 0:
            return None
        try:
            with open(iidfile) as f:
                return f.read().strip() or state.image_id
        except OSError:
            return state.image_id


def _stop(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGINT, 3), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            return
        try:
            proc.send_signal(sig)
            proc.wait(wait)
        except (subprocess.TimeoutExpired, OSError):
            continue
