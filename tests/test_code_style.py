"""ruff (lint and format) and mypy over the whole tree, as pyproject.toml configures them: the
suite runs them so CI does. The tools come with the test extras (``scripts/bootstrap test``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import USER_CACHE

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
    """mypy's cache lives outside the checkout, as ccache's does (scripts/compiler-cache.sh): a
    fresh clone rechecks only the modules that differ from what was checked before (~4 s, not
    ~80), and a changed file, or one that imports it, is checked again."""
    _clean(
        "mypy", "--cache-dir", str(USER_CACHE / f"mypy-{sys.version_info[0]}.{sys.version_info[1]}")
    )
