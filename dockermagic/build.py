"""Build images from a context directory or cell text, streaming the engine's progress.

Like ``docker build`` with the legacy builder: the low-level ``client.api.build`` streams JSON
messages, which we turn into plain lines; ``forcerm=True`` so a failed step leaves no container.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Callable

import docker
from docker.utils import build as build_utils

from . import imagekit
from .errors import BuildFailed, CommandError, from_docker_error

Say = Callable[[str], None]
LARGE_CONTEXT = 100 * 1024 * 1024
_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")


@dataclass
class BuildResult:
    image_id: str
    tags: list[str]
    size: int
    seconds: float
    steps: int
    cache_hits: int
    log: list[str] = field(default_factory=list, repr=False)

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


def build_image(path: str = ".", *, client: docker.DockerClient, dockerfile: str = "Dockerfile",
                tags: list[str] | None = None, buildargs: dict | None = None, target: str | None = None,
                nocache: bool = False, pull: bool = False, labels: dict | None = None,
                network_mode: str | None = None, say: Say = print) -> BuildResult:
    """Build an image from a context directory. Similar to ``docker build -f FILE -t TAG PATH``.

    Returns: a BuildResult. Raises: BuildFailed naming the step, its instruction and last output.
    """
    tags = list(tags or [])
    df_path = dockerfile if os.path.isabs(dockerfile) else os.path.join(path, dockerfile)
    if not os.path.isfile(df_path):
        raise CommandError(f"There is no Dockerfile at {df_path}.")
    with open(df_path) as f:
        for ref in from_images(f.read()):
            try:
                client.images.get(ref)
            except docker.errors.ImageNotFound:
                imagekit.ensure_image(ref, client=client, say=say)
            notice = imagekit.standin_notice(ref, client=client)
            if notice:
                say(notice)
    size = context_size(path, os.path.relpath(df_path, path))
    say(f"Sending build context: {size / 1e6:.1f} MB")
    if size > LARGE_CONTEXT:
        say("Warning: the build context is large; list what the build does not need in .dockerignore.")
    start = time.monotonic()
    log: list[str] = []
    step, instruction, steps, cached, image_id = None, "", 0, 0, None
    try:
        stream = client.api.build(path=path, dockerfile=os.path.relpath(df_path, path), tag=tags[0] if tags else None,
                                  buildargs=buildargs, target=target, nocache=nocache, pull=pull,
                                  labels=labels, network_mode=network_mode, decode=True, forcerm=True, rm=True)
        for msg in stream:
            if "error" in msg:
                tail = [l for l in log if l.strip()][-5:]
                raise BuildFailed(f"Build failed at step {step} ({instruction}): {msg['error'].strip()}",
                                  step=step, instruction=instruction, last_lines=tail)
            text = msg.get("stream", "")
            if "aux" in msg and "ID" in msg["aux"]:
                image_id = msg["aux"]["ID"]
            for line in text.splitlines():
                m = _STEP.match(line)
                if m:
                    step, steps, instruction = int(m.group(1)), int(m.group(2)), m.group(3)
                if "---> Using cache" in line:
                    cached += 1
                log.append(line)
                say(line)
    except docker.errors.APIError as exc:
        raise from_docker_error(exc, "build the image") from exc
    if image_id is None:
        raise BuildFailed("Build finished without an image id.", step=step, instruction=instruction, last_lines=log[-5:])
    image = client.images.get(image_id)
    for t in tags[1:]:
        repo, _, tag = t.rpartition(":") if ":" in t.split("/")[-1] else (t, "", "latest")
        image.tag(repo, tag or "latest")
    return BuildResult(image.id, tags, image.attrs.get("Size", 0), time.monotonic() - start, steps, cached, log)


def build_from_text(text: str, *, client: docker.DockerClient, context: str | None = None,
                    file: str | None = None, **options) -> BuildResult:
    """Save ``text`` as the Dockerfile (``file`` inside ``context``) and build it, like ``%%writefile`` + ``docker build``."""
    context = context or os.getcwd()
    name = file or "Dockerfile"
    with open(os.path.join(context, name), "w") as f:
        f.write(text if text.endswith("\n") else text + "\n")
    return build_image(context, client=client, dockerfile=name, **options)


def build_command(args: list[str], *, client: docker.DockerClient, cwd: str | None = None, say: Say = print) -> BuildResult:
    """Run a ``docker build`` argv, e.g. ``["-f", "Dockerfile.dev", "-t", "frontend:dev", "."]``."""
    opts: dict = {"tags": [], "buildargs": {}, "labels": {}}
    path, dockerfile = None, "Dockerfile"
    it = iter(args)
    for a in it:
        key, eq, val = a.partition("=")
        need = lambda: val if eq else next(it, None)
        if key in ("-t", "--tag"):
            opts["tags"].append(need())
        elif key in ("-f", "--file"):
            dockerfile = need()
        elif key == "--build-arg":
            k, _, v = need().partition("=")
            opts["buildargs"][k] = v if _ else os.environ.get(k, "")
        elif key == "--label":
            k, _, v = need().partition("=")
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
    base = cwd or os.getcwd()
    path = os.path.join(base, path)
    return build_image(path, client=client, dockerfile=dockerfile, say=say, **opts)
