"""The test tiers themselves: CI never skips for a missing engine; engine-up says what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_missing_engine_is_an_error_under_ci(tmp_path):
    (tmp_path / "test_needs_engine.py").write_text("def test_it(client):\n    pass\n")
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    env = {**os.environ, "CI": "true", "DOCKER_HOST": f"unix://{tmp_path}/no.sock"}
    env.pop("DOCKER_CONTEXT", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )
    assert run.returncode != 0
    assert "No Docker engine answers" in run.stdout
    assert "skipped" not in run.stdout.splitlines()[-1]


def test_engine_up_without_root_says_what_to_install(tmp_path):
    env = {"PATH": os.environ["PATH"], "DOCKER_HOST": f"unix://{tmp_path}/no.sock", "HOME": str(tmp_path)}
    run = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", str(ROOT / "scripts" / "engine-up.sh")],
        capture_output=True, text=True, env=env,
    )
    assert run.returncode == 1
    assert "not root" in run.stderr and "install" in run.stderr.lower()
