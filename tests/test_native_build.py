"""The extension's CMake tree, ``build/native-<wheel tag>/`` (pyproject's ``build-dir``), is kept
between installs and rebuilds only what changed: nothing when nothing did, one object and the link
when one source file is touched. That is what makes ``scripts/bootstrap``'s reinstall after a C++
edit take seconds instead of a whole build's minutes; it holds only while pip builds in the venv
itself (``--no-build-isolation``), since scikit-build-core clears the tree for a new environment.

The test reinstalls the editable package exactly as ``scripts/bootstrap`` does (less the
dependencies) and touches a source file's time, never its content."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.serial  # scripts/test runs it alone: see the marker in pyproject.toml

ROOT = Path(__file__).resolve().parent.parent
TOUCHED = ROOT / "native" / "bindings" / "views.cc"
COMPILED = re.compile(r"^\s*\[\d+/\d+\] Building CXX object (\S+)$", re.MULTILINE)


def _reinstall() -> str:
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-v",
            "--no-deps",
            "--no-build-isolation",
            "-e",
            ".",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # pip passes the backend's (CMake's and ninja's) lines on stderr
        text=True,
        timeout=1200,
    )
    assert installed.returncode == 0, installed.stdout[-8000:]
    return installed.stdout


@pytest.mark.timeout(1800)
def test_a_reinstall_compiles_only_the_touched_file() -> None:
    _reinstall()  # up to date with the sources as they are now, however they were when installed
    assert COMPILED.findall(_reinstall()) == []
    os.utime(TOUCHED)
    rebuilt = _reinstall()
    assert COMPILED.findall(rebuilt) == ["CMakeFiles/_native.dir/bindings/views.cc.o"], rebuilt
    assert "Linking CXX shared module _native." in rebuilt, rebuilt
    assert "Successfully installed lineagemesh" in rebuilt, rebuilt
