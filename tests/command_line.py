"""The ``lineagemesh`` command line as the tests run it: a real child process (``python -m graph``,
from the repository root) whose exit code and stderr the tests check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def lineagemesh(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``lineagemesh ARGS...`` to its end, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "graph", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def lineagemesh_ok(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``lineagemesh ARGS...``, which must succeed (its stderr is the failure message)."""
    done = lineagemesh(*args, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done


def ingest_openlineage(
    store: Path, *files: Path, workers: str = "0"
) -> subprocess.CompletedProcess[str]:
    """``lineagemesh ingest openlineage`` of ``files`` into the embedded store at ``store``, with
    ``workers`` parse workers (``"0"``: in the command's own process)."""
    return lineagemesh(
        "ingest", "openlineage", "--workers", workers, "--data-dir", str(store), *map(str, files)
    )
