"""The native core's own unit tests (``tests/native/*.cc``, GoogleTest from Debian's libgtest-dev),
built by ``native/CMakeLists.txt`` against ``native/core/`` alone — a static library with no Python
headers or library — under AddressSanitizer + UndefinedBehaviorSanitizer with gcov instrumentation,
run by ctest. The line coverage of ``native/core`` is printed (total and per file) and must stay
at or above 80 %.

The build is kept outside the checkout (``~/.cache/lineagemesh/native-ctest-*``, as ccache's and
mypy's caches are), from a copy of the sources in which only files whose content changed are
rewritten: a fresh clone of unchanged sources compiles nothing (the build is ~200 s of a core
otherwise, and ccache cannot serve it: gcov's notes name the directory an object was compiled in),
and a changed file recompiles what includes it. One run at a time uses it (a lock).

Also: ``native/core/kinds.h`` (checked in) is what ``scripts/generate_kinds.py`` writes from
``graph/core/model.py`` and ``graph/core/vocabulary.py``."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import generate_kinds
import native_coverage
import pytest
from conftest import USER_CACHE

ROOT = Path(__file__).resolve().parent.parent
GTEST = Path("/usr/include/gtest/gtest.h")
MIN_COVERAGE = 80.0
#: What the build compiles: the core, its renderer, the vendored JSON reader and the tests.
SOURCES = ("native", "tests/native")


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def _kept_tree() -> Path:
    """The directory of the kept build, one per compiler and CMake (their versions hashed)."""
    tools = "".join(_run([tool, "--version"], timeout=60).stdout for tool in ("c++", "cmake"))
    return USER_CACHE / f"native-ctest-{hashlib.sha256(tools.encode()).hexdigest()[:12]}"


def _mirror(source: Path) -> None:
    """``source`` holds this checkout's ``SOURCES`` (tracked and new files): a file is written only
    when its content differs, so the build's times see exactly what changed; gone files go."""
    listed = _run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", *SOURCES],
        timeout=60,
    ).stdout.split("\0")
    wanted = {name for name in listed if name and (ROOT / name).is_file()}
    for name in wanted:
        data, copy = (ROOT / name).read_bytes(), source / name
        if not copy.is_file() or copy.read_bytes() != data:
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(data)
    for copy in [path for part in SOURCES for path in (source / part).rglob("*")]:
        if copy.is_file() and str(copy.relative_to(source)) not in wanted:
            copy.unlink()


@pytest.mark.timeout(1800)
def test_the_core_unit_tests_pass_under_sanitizers_and_cover_the_core(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert shutil.which("cmake") and shutil.which("ctest"), "cmake is needed (Debian cmake)"
    assert GTEST.exists(), (
        "GoogleTest is needed (Debian libgtest-dev: scripts/bootstrap test installs it)"
    )
    kept = _kept_tree()
    kept.mkdir(parents=True, exist_ok=True)
    with open(kept / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another clone's run waits: the counts are the tree's
        _mirror(kept / "source")
        _build_and_test(kept / "source", kept / "build", capsys)


def _build_and_test(source: Path, build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure = _run(
        [
            "cmake",
            "-S",
            str(source / "native"),
            "-B",
            str(build),
            "-DLM_COVERAGE=ON",
            "-DLM_SANITIZE=ON",
            "-DCMAKE_BUILD_TYPE=",
        ],
        timeout=300,
    )
    assert configure.returncode == 0, configure.stdout[-4000:] + configure.stderr[-4000:]
    built = _run(["cmake", "--build", str(build), "-j", str(os.cpu_count() or 2)], timeout=1500)
    assert built.returncode == 0, (
        f"the core's unit tests do not build:\n{built.stdout[-4000:]}{built.stderr[-8000:]}"
    )
    for counts in build.rglob("*.gcda"):  # this run's coverage only
        counts.unlink()
    tests = _run(
        ["ctest", "--test-dir", str(build), "--output-on-failure", "-j", str(os.cpu_count() or 2)],
        timeout=600,
    )
    assert tests.returncode == 0, tests.stdout[-8000:] + tests.stderr[-2000:]
    assert "100% tests passed" in tests.stdout, tests.stdout[-4000:]

    coverage = native_coverage.line_coverage(
        build, [source / "native" / "core", source / "native" / "marquez"]
    )
    with capsys.disabled():  # CI shows it on every run, passing or not
        print("\n" + native_coverage.table(coverage))
    covered, lines = native_coverage.total(coverage)
    assert 100 * covered / lines >= MIN_COVERAGE, native_coverage.table(coverage)


def _header_of(model: str, vocabulary: str | None = None) -> str:
    if vocabulary is None:
        vocabulary = generate_kinds.VOCABULARY.read_text()
    return generate_kinds.kinds_header(model, vocabulary)


def _regenerated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, text: str) -> Path:
    """The header rewritten for ``text`` standing as the generator's ``source`` (MODEL or
    VOCABULARY): stale first, fresh after."""
    path, header = tmp_path / f"{source.lower()}.py", tmp_path / "kinds.h"
    path.write_text(text)
    header.write_text(generate_kinds.HEADER.read_text())
    monkeypatch.setattr(generate_kinds, source, path)
    monkeypatch.setattr(generate_kinds, "HEADER", header)
    monkeypatch.setattr(generate_kinds, "ROOT", tmp_path)
    assert generate_kinds.main(["--check"]) == 1
    assert generate_kinds.main([]) == 0
    assert generate_kinds.main(["--check"]) == 0
    return header


def test_the_checked_in_kinds_header_is_what_the_model_states() -> None:
    header = generate_kinds.HEADER.read_text()
    assert header == _header_of(generate_kinds.MODEL.read_text()), (
        "native/core/kinds.h is stale: run python scripts/generate_kinds.py"
    )
    assert "kDataset" in header and '"datasetField"' in header


def test_the_header_states_the_vocabularys_severities_and_field_keys() -> None:
    """The severities' ranks and the kept column properties are graph.core.vocabulary's."""
    from graph.core.vocabulary import FIELD_KEYS, SEVERITY_RANKS

    header = generate_kinds.HEADER.read_text()
    ranks = ", ".join(
        f"k{name.capitalize()} = {rank}"
        for name, rank in sorted(SEVERITY_RANKS.items(), key=lambda item: item[1])
    )
    assert f"enum Severity : uint8_t {{ {ranks} }};" in header
    assert ", ".join(f'"{key}"' for key in FIELD_KEYS) in header
    assert SEVERITY_RANKS == {"BREAKING": 2, "WARNING": 1, "INFO": 0}


def _grown(path: Path, line: str, lines: str) -> tuple[str, str]:
    """The source at ``path``, and the same with its ``line`` (which it holds) made ``lines``."""
    source = path.read_text()
    assert line in source
    return source, source.replace(line, lines, 1)


def test_a_severity_added_to_the_vocabulary_makes_the_header_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    breaking = '    BREAKING = "BREAKING"\n'
    source, grown = _grown(generate_kinds.VOCABULARY, breaking, '    FATAL = "FATAL"\n' + breaking)
    assert "kFatal = 3" in _header_of(generate_kinds.MODEL.read_text(), grown)
    with pytest.raises(SystemExit, match="Severity and FIELD_KEYS"):
        _header_of(generate_kinds.MODEL.read_text(), source.replace("FIELD_KEYS =", "KEYS ="))
    header = _regenerated(tmp_path, monkeypatch, "VOCABULARY", grown)
    assert "kFatal = 3, kBreaking = 2" not in header.read_text()  # worst last: ranks count up
    assert "kBreaking = 2, kFatal = 3" in header.read_text()


def test_a_kind_added_to_the_model_makes_the_header_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = '    DATASET = "Dataset"\n'
    _, grown = _grown(generate_kinds.MODEL, dataset, dataset + '    LAKE = "Lake"\n')
    with pytest.raises(SystemExit, match="ID_PREFIX must name a prefix for every NodeKind"):
        _header_of(grown)
    grown = grown.replace(
        "ID_PREFIX: dict[NodeKind, str] = {",
        'ID_PREFIX: dict[NodeKind, str] = {\n    NodeKind.LAKE: "lake",',
        1,
    )
    header = _regenerated(tmp_path, monkeypatch, "MODEL", grown)
    assert "kLake" in header.read_text() and '"lake"' in header.read_text()
