"""Put dockermagic's labels on what Compose makes: the services' containers and built images,
the project's networks and volumes.

Compose has no option for extra labels, but it merges several ``-f`` files: one more file that
only adds ``labels:`` leaves the user's file untouched and works with v2 and v1 alike.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from typing import Iterator

import yaml

from ..client import default_labels, image_labels as owned_image_labels

# Looked for in this order when no -f is given (Compose v2's own order; v1 knows these too).
DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILES = ("compose.override.yaml", "compose.override.yml",
                  "docker-compose.override.yml", "docker-compose.override.yaml")


def project_files(directory: str) -> list[str]:
    """The files Compose reads from ``directory`` when no -f is given: the default file and its override."""
    found = []
    for names in (DEFAULT_FILES, OVERRIDE_FILES):
        found += [p for p in (os.path.join(directory, n) for n in names) if os.path.isfile(p)][:1]
    return found


def label_override(files: list[str], existing: dict[str, dict] | None = None) -> dict:
    """An override that labels every service, its build, and every network and volume the files declare.

    Containers, networks and volumes get ``default_labels()``; built images the notebook's and owner's
    labels only, as ``%%dockerfile`` gives them. External networks and volumes are not Compose's to label.
    ``existing``: the labels of the project's volumes already on the engine, by their key in the file.
    Such a volume keeps the labels of ours it has: other labels would make Compose ask whether to
    recreate it, data lost (a kept volume brought up from another notebook).
    """
    labels, image_labels = default_labels(), owned_image_labels()
    services: dict[str, dict] = {}
    networks, volumes, version = {"default": {"labels": labels}}, {}, None
    for path in files:
        with open(path) as f:
            data = yaml.safe_load(f) or {}
        version = version or data.get("version")
        for name, svc in (data.get("services") or {}).items():
            entry = services.setdefault(name, {"labels": labels})
            if (svc or {}).get("build") is not None and image_labels:
                entry["build"] = {"labels": image_labels}
        for key, out in (("networks", networks), ("volumes", volumes)):
            for name, spec in (data.get(key) or {}).items():
                if (spec or {}).get("external"):
                    out.pop(name, None)
                else:
                    out[name] = {"labels": labels}
    for name, kept in (existing or {}).items():
        if name in volumes:
            ours = {k: v for k, v in kept.items() if k in labels}
            if ours:
                volumes[name] = {"labels": ours}
            else:
                del volumes[name]
    override = {"version": version} if version else {}
    override["services"] = services
    override["networks"] = networks
    if volumes:
        override["volumes"] = volumes
    return override


def project_volumes(project: str, *, client) -> dict[str, dict]:
    """The labels of the project's volumes on the engine, by their key in the compose file."""
    found = client.api.volumes(filters={"label": f"com.docker.compose.project={project}"}).get("Volumes") or []
    return {v["Labels"]["com.docker.compose.volume"]: v["Labels"] for v in found
            if "com.docker.compose.volume" in (v.get("Labels") or {})}


@contextlib.contextmanager
def labelled(call, cwd: str, existing: dict[str, dict] | None = None) -> Iterator:
    """``call`` with one more ``-f``: a temporary override adding our labels (removed afterwards).

    When there is no compose file to read (or ``COMPOSE_FILE`` chooses them), ``call`` is left as
    it is and Compose says what is wrong itself. ``existing``: see ``label_override``.
    """
    if call.file:
        files = [os.path.join(cwd, f) for f in [call.file, *call.files]]
    elif os.environ.get("COMPOSE_FILE"):
        files = []
    else:
        files = project_files(os.path.join(cwd, call.project_dir or ""))
    try:
        override = label_override(files, existing) if files else None
    except (OSError, yaml.YAMLError, AttributeError):  # Compose's own message says it better
        override = None
    if override is None:
        yield call
        return
    with tempfile.NamedTemporaryFile("w", prefix="dockermagic-labels-", suffix=".yml") as f:
        yaml.safe_dump(override, f, sort_keys=False)
        f.flush()
        yield dataclasses.replace(call, file=None, files=[*files, f.name])
