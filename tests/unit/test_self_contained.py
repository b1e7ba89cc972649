"""Nothing in the project reads a folder beside the repo: a fresh clone with nothing next to it works.

The developers' machines and CI have a read-only ``shared`` folder next to the checkout; a user's clone
does not. A tracked file that points there (a path climbing out of the repo into it, or the old
environment variable that named it) works for us and fails for everyone else, so it fails here.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Spelled in pieces so that this file does not match its own patterns.
WORD = "sha" + "red"
PATTERNS = [
    # ../WORD and ..\WORD; os.path.join(ROOT, "..", "WORD")
    re.compile(r"\.\.[/\\]" + WORD + r"\b"),
    re.compile(r"""\\?["']\.\.\\?["']\s*,\s*\\?["']""" + WORD + r"""\\?["']"""),
    # ROOT.parent / "WORD", parents[2] / 'WORD', HERE.parent.parent / "WORD" (\" inside a notebook's JSON)
    re.compile(r"""parents?(\[\d+\])?\s*/\s*\\?["']""" + WORD + r"""\\?["']"""),
    re.compile(r"DOCKERMAGIC_" + WORD.upper() + r"_DATA"),  # the variable that used to name the folder
]


def references(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if any(p.search(line) for p in PATTERNS)]


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: no tracked files to check")
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_the_patterns_catch_a_folder_beside_the_repo_and_nothing_else():
    beside = [
        f'base = Path(__file__).resolve().parents[2].parent / "{WORD}" / "data"',
        f"base = ROOT.parent / '{WORD}' / 'data'",
        f'HERE.parent.parent / "{WORD}"',
        f"reads the samples in `../{WORD}/data/nyc-tlc/`",
        f'os.path.join(ROOT, "..", "{WORD}", "data")',
        f'os.environ.get("DOCKERMAGIC_{WORD.upper()}_DATA")',
        f'"SAMPLES = Path.cwd().parent.parent / \\"{WORD}\\" / \\"data\\"\\n",',
    ]
    ordinary = [
        f"client: a docker client (default: the {WORD} one).",
        f'"""One stream\'s view of the {WORD} queue."""',
        f"{WORD}_request_flag,{WORD}_match_flag",
        f"Cell constructors {WORD} by every notebook's source module.",
        f'Path("{WORD}") / "x"',
        f"2 {WORD} cores",
    ]
    assert [references(line) != [] for line in beside] == [True] * len(beside)
    assert [references(line) for line in ordinary] == [[]] * len(ordinary)


def test_no_tracked_file_refers_to_a_folder_beside_the_repo():
    found = []
    for path in tracked_files():
        if path.is_symlink() or not path.is_file():
            continue  # data/nyc-tlc links inside the repo; a deleted file has nothing to read
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # parquet and other binary files
        found += [f"{path.relative_to(ROOT)}: {line}" for line in references(text)]
    assert not found, "These tracked files point outside the repo:\n" + "\n".join(found)


def test_every_tracked_symlink_stays_inside_the_repo():
    for path in tracked_files():
        if path.is_symlink():
            target = path.readlink()
            assert not target.is_absolute(), f"{path.relative_to(ROOT)} -> {target}: use a relative link"
            assert path.resolve().is_relative_to(ROOT), f"{path.relative_to(ROOT)} -> {target} leaves the repo"
