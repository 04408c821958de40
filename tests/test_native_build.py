"""The extension's CMake tree, ``build/native-<wheel tag>/`` (pyproject's ``build-dir``, which
scikit-build-core keeps between installs), rebuilds only what changed: nothing when nothing did, one
object and the link when one source file is touched. That is what makes ``scripts/bootstrap``'s
reinstall after a C++ edit take seconds instead of a whole build's minutes.

The tree is the one ``scripts/bootstrap`` (and so ``scripts/test``) builds; the test builds in it
with cmake as scikit-build-core would, and touches a source file's time, never its content."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOUCHED = ROOT / "native" / "bindings" / "views.cc"
COMPILED = re.compile(r"^\[\d+/\d+\] Building CXX object (\S+)$", re.MULTILINE)


def _tree() -> Path:
    version = f"cp{sys.version_info.major}{sys.version_info.minor}"
    trees = sorted(ROOT.glob(f"build/native-{version}-{version}-*"))
    assert trees, "no CMake tree of the extension: run scripts/bootstrap"
    return trees[0]


def _build(tree: Path) -> str:
    built = subprocess.run(
        ["cmake", "--build", str(tree), "--target", "_native"],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    return built.stdout


@pytest.mark.timeout(1800)
def test_the_kept_tree_rebuilds_only_the_touched_file() -> None:
    tree = _tree()
    _build(tree)  # up to date with the sources as they are now, however they were when installed
    assert COMPILED.findall(_build(tree)) == []
    os.utime(TOUCHED)
    rebuilt = _build(tree)
    assert COMPILED.findall(rebuilt) == ["CMakeFiles/_native.dir/bindings/views.cc.o"], rebuilt
    assert "Linking CXX shared module _native." in rebuilt, rebuilt
