"""The native core's own unit tests (``tests/native/*.cc``, GoogleTest from Debian's libgtest-dev),
built by ``native/CMakeLists.txt`` against ``native/core/`` alone — a static library with no Python
headers or library — under AddressSanitizer + UndefinedBehaviorSanitizer with gcov instrumentation,
run by ctest. The line coverage of ``native/core`` is printed (total and per file) and must stay
at or above 80 %. The build tree ``build/native-ctest/`` is kept, so a run without changes only
relinks nothing and runs the tests.

Also: ``native/core/kinds.h`` (checked in) is what ``scripts/generate_kinds.py`` writes from
``graph/core/model.py``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import generate_kinds
import native_coverage
import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "native-ctest"
GTEST = Path("/usr/include/gtest/gtest.h")
MIN_COVERAGE = 80.0


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.mark.timeout(1800)
def test_the_core_unit_tests_pass_under_sanitizers_and_cover_the_core(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert shutil.which("cmake") and shutil.which("ctest"), "cmake is needed (Debian cmake)"
    assert GTEST.exists(), (
        "GoogleTest is needed (Debian libgtest-dev: scripts/bootstrap test installs it)"
    )
    configure = _run(
        [
            "cmake",
            "-S",
            "native",
            "-B",
            str(BUILD),
            "-DLM_COVERAGE=ON",
            "-DLM_SANITIZE=ON",
            "-DCMAKE_BUILD_TYPE=",
        ],
        timeout=300,
    )
    assert configure.returncode == 0, configure.stdout[-4000:] + configure.stderr[-4000:]
    build = _run(["cmake", "--build", str(BUILD), "-j", str(os.cpu_count() or 2)], timeout=1500)
    assert build.returncode == 0, (
        f"the core's unit tests do not build:\n{build.stdout[-4000:]}{build.stderr[-8000:]}"
    )
    for counts in BUILD.rglob("*.gcda"):  # this run's coverage only
        counts.unlink()
    tests = _run(
        ["ctest", "--test-dir", str(BUILD), "--output-on-failure", "-j", str(os.cpu_count() or 2)],
        timeout=600,
    )
    assert tests.returncode == 0, tests.stdout[-8000:] + tests.stderr[-2000:]
    assert "100% tests passed" in tests.stdout, tests.stdout[-4000:]

    coverage = native_coverage.line_coverage(BUILD)
    with capsys.disabled():  # CI shows it on every run, passing or not
        print("\n" + native_coverage.table(coverage))
    covered, lines = native_coverage.total(coverage)
    assert 100 * covered / lines >= MIN_COVERAGE, native_coverage.table(coverage)


def test_the_checked_in_kinds_header_is_what_the_model_states() -> None:
    header = generate_kinds.HEADER.read_text()
    assert header == generate_kinds.kinds_header(generate_kinds.MODEL.read_text()), (
        "native/core/kinds.h is stale: run python scripts/generate_kinds.py"
    )
    assert "kDataset" in header and '"datasetField"' in header


def test_a_kind_added_to_the_model_makes_the_header_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = generate_kinds.MODEL.read_text()
    assert '    DATASET = "Dataset"\n' in source
    grown = source.replace(
        '    DATASET = "Dataset"\n', '    DATASET = "Dataset"\n    LAKE = "Lake"\n', 1
    )
    with pytest.raises(SystemExit, match="ID_PREFIX must name a prefix for every NodeKind"):
        generate_kinds.kinds_header(grown)
    model, header = tmp_path / "model.py", tmp_path / "kinds.h"
    grown = grown.replace(
        "ID_PREFIX: dict[NodeKind, str] = {",
        'ID_PREFIX: dict[NodeKind, str] = {\n    NodeKind.LAKE: "lake",',
        1,
    )
    model.write_text(grown)
    header.write_text(generate_kinds.HEADER.read_text())
    monkeypatch.setattr(generate_kinds, "MODEL", model)
    monkeypatch.setattr(generate_kinds, "HEADER", header)
    monkeypatch.setattr(generate_kinds, "ROOT", tmp_path)
    assert generate_kinds.main(["--check"]) == 1
    assert generate_kinds.main([]) == 0
    assert generate_kinds.main(["--check"]) == 0
    assert "kLake" in header.read_text() and '"lake"' in header.read_text()
