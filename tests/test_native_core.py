"""The native core's own unit tests (``tests/native/*.cc``, GoogleTest from Debian's libgtest-dev),
built by ``native/CMakeLists.txt`` against ``native/core/`` alone — a static library with no Python
headers or library — under AddressSanitizer + UndefinedBehaviorSanitizer with gcov instrumentation,
run by ctest. The same build makes the Python extension over it (``-DLM_BINDINGS=ON``: the
bindings, equally instrumented), and a few test files that reach every part of the bindings
(``BINDINGS_WORKLOAD``, on the embedded store and on Neo4j) run in a pytest of their own with
``graph._native`` taken from there. The line coverage of ``native/core``, ``native/marquez`` and
``native/bindings`` together is printed (total and per file) and must stay at or above
``MIN_COVERAGE``.

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
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import generate_kinds
import native_coverage
import pytest
from conftest import USER_CACHE

ROOT = Path(__file__).resolve().parent.parent
GTEST = Path("/usr/include/gtest/gtest.h")
#: Of the core's, the renderer's and the bindings' lines together (measured 91.1 % at 9aa4608).
MIN_COVERAGE = 90.0
#: What the build compiles: the core, its renderer, the bindings, the vendored JSON reader and the
#: tests (nanobind is copied beside them: one path for every clone, so no clone recompiles).
SOURCES = ("native", "tests/native")
#: The test files run over the instrumented extension: between them they reach ~90 % of the
#: bindings' lines in ~30 s at load ~5 (test_native_conversions: Marquez's renderings, props and
#: values the others hand over least; the domain rules' refusals).
#: Left out: the two slowest tests (~18 s), which reach no line the others do not.
BINDINGS_WORKLOAD = (
    "tests/test_native_conversions.py",
    "tests/test_domain_glob.py::test_the_matcher_refuses_what_is_not_rule_data",
    "tests/test_domain_glob.py::test_rules_survive_pickling_for_process_pools",
    "tests/test_schema_observations.py",
    "tests/test_first_of_kind.py",
    "tests/test_node_facts_json.py",
    "tests/test_remote_reads.py",
    "tests/test_openlineage_translate.py",
    "tests/test_neo4j_walk_ahead.py",
    "--deselect",
    "tests/test_schema_observations.py::test_the_wire_reader_finds_what_the_python_rule_finds",
    "--deselect",
    "tests/test_neo4j_walk_ahead.py::test_walking_ahead_gives_the_answers_of_reading_level_by_level",
)
#: Put on the workload's PYTHONPATH: every Python process it starts takes ``graph._native`` from
#: the file LINEAGEMESH_NATIVE_MODULE names (the editable install's finder is never asked).
SITECUSTOMIZE = """\
import importlib.machinery, importlib.util, os, sys

path = os.environ.get("LINEAGEMESH_NATIVE_MODULE")
if path:
    loader = importlib.machinery.ExtensionFileLoader("graph._native", path)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("graph._native", loader))
    sys.modules["graph._native"] = module
    loader.exec_module(module)
"""


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def _kept_tree() -> Path:
    """The directory of the kept build, one per compiler and CMake (their versions hashed)."""
    tools = "".join(_run([tool, "--version"], timeout=60).stdout for tool in ("c++", "cmake"))
    return USER_CACHE / f"native-ctest-{hashlib.sha256(tools.encode()).hexdigest()[:12]}"


def _mirror(source: Path) -> None:
    """``source`` holds this checkout's ``SOURCES`` (tracked and new files) and the venv's nanobind
    (under ``nanobind/``): a file is written only when its content differs, so the build's times
    see exactly what changed; gone files go."""
    listed = _run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", *SOURCES],
        timeout=60,
    ).stdout.split("\0")
    wanted = {name for name in listed if name and (ROOT / name).is_file()}
    for name in wanted:
        _write_changed(ROOT / name, source / name)
    for copy in [path for part in SOURCES for path in (source / part).rglob("*")]:
        if copy.is_file() and str(copy.relative_to(source)) not in wanted:
            copy.unlink()
    nanobind = importlib.util.find_spec("nanobind")
    assert nanobind and nanobind.origin, "nanobind is needed (scripts/bootstrap test installs it)"
    package = Path(nanobind.origin).parent
    for path in package.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            _write_changed(path, source / "nanobind" / path.relative_to(package))


def _write_changed(path: Path, copy: Path) -> None:
    data = path.read_bytes()
    if not copy.is_file() or copy.read_bytes() != data:
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(data)


@pytest.mark.neo4j
@pytest.mark.timeout(1800)
def test_the_core_unit_tests_pass_under_sanitizers_and_cover_the_core_and_bindings(
    capsys: pytest.CaptureFixture[str], neo4j_server, tmp_path: Path
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
        _build_and_test(kept / "source", kept / "build", capsys, neo4j_server.uri, tmp_path)


def _build_and_test(
    source: Path, build: Path, capsys: pytest.CaptureFixture[str], neo4j: str, tmp_path: Path
) -> None:
    configure = _run(
        [
            "cmake",
            "-S",
            str(source / "native"),
            "-B",
            str(build),
            "-DLM_COVERAGE=ON",
            "-DLM_SANITIZE=ON",
            "-DLM_BINDINGS=ON",
            f"-DPython_EXECUTABLE={getattr(sys, '_base_executable', sys.executable)}",
            f"-Dnanobind_ROOT={source / 'nanobind' / 'cmake'}",
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
    _run_bindings_workload(build, neo4j, tmp_path)

    coverage = native_coverage.line_coverage(
        build, [source / "native" / part for part in ("core", "marquez", "bindings")]
    )
    with capsys.disabled():  # CI shows it on every run, passing or not
        print("\n" + native_coverage.table(coverage))
    covered, lines = native_coverage.total(coverage)
    assert 100 * covered / lines >= MIN_COVERAGE, native_coverage.table(coverage)


def _run_bindings_workload(build: Path, neo4j: str, tmp_path: Path) -> None:
    """``BINDINGS_WORKLOAD`` in a pytest of its own over the instrumented extension: the sanitizers'
    runtime (and the C++ runtime, whose throw it intercepts) preloaded, as Python has neither."""
    (module,) = build.glob("_native*.so")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    preload = " ".join(
        _run(["c++", f"-print-file-name={name}"], timeout=60).stdout.strip()
        for name in ("libasan.so", "libstdc++.so")
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "LINEAGEMESH_SERIAL"))
    }
    env.update(
        LINEAGEMESH_NATIVE_MODULE=str(module),
        PYTHONPATH=str(site),
        LD_PRELOAD=preload,
        ASAN_OPTIONS="detect_leaks=0",  # the interpreter keeps what it allocated until exit
        UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1",
        LINEAGEMESH_TEST_NEO4J=neo4j,
    )
    workload = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "--basetemp",
            str(tmp_path / "workload"),
            *BINDINGS_WORKLOAD,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        env=env,
    )
    assert workload.returncode == 0, workload.stdout[-6000:] + workload.stderr[-6000:]


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
