"""ruff (lint and format) and mypy over the whole tree, as pyproject.toml configures them: the
suite runs them so CI does. The tools come with the test extras (``scripts/bootstrap test``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _clean(*args: str) -> None:
    """Run ``python -m <args>`` at the root; fail with what it printed unless it exits 0."""
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, (
        f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    )


def test_ruff_finds_nothing() -> None:
    _clean("ruff", "check", "--no-cache", ".")


def test_the_tree_is_as_ruff_formats_it() -> None:
    _clean("ruff", "format", "--check", "--no-cache", ".")


def test_mypy_finds_nothing() -> None:
    _clean("mypy")
