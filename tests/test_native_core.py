"""The native core's own unit tests (``tests/native/*.cc``, GoogleTest from Debian's libgtest-dev),
built against ``native/core/`` alone — no Python headers, no Python library — and run under
AddressSanitizer + UndefinedBehaviorSanitizer. The binary is cached under ``build/native-tests/``
by the hash of everything it is built from, so a run without changes only runs it."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "native" / "core"
TESTS = ROOT / "tests" / "native"
KINDS = (
    ROOT / "build" / "generated" / "kinds.h"
)  # written by setup.py (scripts/bootstrap builds it)
GTEST = Path("/usr/include/gtest/gtest.h")
FLAGS = [
    "-std=c++17",
    "-O1",
    "-g",
    "-fno-omit-frame-pointer",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=undefined",
    "-Wall",
    "-Wno-missing-field-initializers",
]

pytestmark = pytest.mark.timeout(1800)


def _sources() -> list[Path]:
    return sorted(CORE.glob("*.cc")) + sorted(TESTS.glob("*.cc"))


def _binary(compiler: str) -> Path:
    digest = hashlib.sha256(" ".join([compiler, *FLAGS]).encode())
    for path in [*_sources(), *sorted(CORE.glob("*.h")), KINDS]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return ROOT / "build" / "native-tests" / digest.hexdigest()[:16] / "core_test"


def test_the_core_unit_tests_pass_built_without_python() -> None:
    compiler = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++")
    assert compiler, "a C++17 compiler is needed"
    assert GTEST.exists(), (
        "GoogleTest is needed (Debian libgtest-dev: scripts/bootstrap test installs it)"
    )
    assert KINDS.exists(), (
        f"{KINDS.relative_to(ROOT)} is missing: scripts/bootstrap builds it with the extension"
    )
    binary = _binary(compiler)
    if not binary.exists():
        binary.parent.mkdir(parents=True, exist_ok=True)
        partial = binary.with_suffix(".partial")
        build = subprocess.run(
            [
                compiler,
                *FLAGS,
                "-iquote",
                str(CORE),
                "-I",
                str(KINDS.parent),
                *map(str, _sources()),
                "-lgtest",
                "-lgtest_main",
                "-pthread",
                "-o",
                str(partial),
            ],
            capture_output=True,
            text=True,
            timeout=1500,
            cwd=ROOT,
        )
        assert build.returncode == 0, f"the core's unit tests do not build:\n{build.stderr[-8000:]}"
        partial.rename(binary)
    run = subprocess.run(
        [str(binary), "--gtest_brief=1"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={
            **os.environ,
            "ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1",
            "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
        },
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-8000:]
    assert "PASSED" in output, output[-8000:]
