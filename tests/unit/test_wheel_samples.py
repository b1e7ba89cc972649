"""A wheel built from the repo's tracked files carries the NYC TLC samples, and sample() finds them there.

A user who installs dockermagic from a wheel has no repo and no ``data/`` folder, so the samples must be
package data. The wheel is built from a copy of exactly the files git tracks (an untracked sample that
only exists in this checkout does not count) by the venv's pip.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dockermagic.ingest import nyctlc

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = "dockermagic/ingest/nyctlc_samples"


def _can_build_without_isolation() -> bool:
    # setuptools builds wheels by itself from 70.1; older ones need the wheel package
    import setuptools

    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: nothing tracked to build from")
    src = tmp_path_factory.mktemp("src")
    for name in filter(None, listed.decode().split("\0")):
        origin, copy = ROOT / name, src / name
        if not origin.is_symlink() and not origin.is_file():
            continue  # deleted in the work tree, not yet committed
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, copy, follow_symlinks=False)
    dist = tmp_path_factory.mktemp("dist")
    # Without isolation when the venv can build a wheel (no network); else pip fetches setuptools
    # and wheel from its configured index for the build, as `pip install -e .` in setup.sh does.
    isolation = ["--no-build-isolation"] if _can_build_without_isolation() else []
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--disable-pip-version-check", *isolation,
         "-w", str(dist), str(src)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = dist.glob("dockermagic-*.whl")
    return built


def test_the_wheel_holds_every_sample_byte_for_byte_and_sources_md(wheel):
    folder = nyctlc.sample("zones").parent
    expected = {f"{SAMPLES}/{p.relative_to(folder).as_posix()}": p.read_bytes()
                for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")}
    with zipfile.ZipFile(wheel) as whl:
        shipped = {n: whl.read(n) for n in whl.namelist() if n.startswith(SAMPLES + "/")}
    assert f"{SAMPLES}/SOURCES.md" in shipped
    assert {f"{SAMPLES}/{s.file}" for s in nyctlc.samples()} <= set(shipped)
    assert shipped == expected


def test_sample_finds_the_files_inside_the_installed_wheel(wheel, tmp_path):
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as whl:
        whl.extractall(site)
    probe = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from dockermagic.ingest import nyctlc; "
        "print(json.dumps([nyctlc.__file__] + [str(nyctlc.sample(s.name)) for s in nyctlc.samples()]))"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(site)], capture_output=True, text=True, check=True,
                         cwd=tmp_path, timeout=120).stdout
    module, *paths = json.loads(out)
    assert Path(module).is_relative_to(site), module  # the wheel's copy, not the checkout's
    assert len(paths) == len(nyctlc.samples())
    for path, s in zip(paths, nyctlc.samples()):
        assert Path(path).is_relative_to(site) and Path(path).is_file(), path
        assert Path(path).read_bytes() == nyctlc.sample(s.name).read_bytes()
