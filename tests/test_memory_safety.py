"""Memory safety of the native core, which parses untrusted bytes: the fuzz and crash suites, and
coverage-guided fuzzing of the wire decoder and the OpenLineage translation, against the core
built with AddressSanitizer + UndefinedBehaviorSanitizer (``scripts/sanitize``).

A sanitizer report, a crash, a leaked exception or an allocation beyond the limit fails the test;
libFuzzer leaves the input that did it under ``.cache/sanitized/findings/``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = [pytest.mark.sanitizer, pytest.mark.timeout(3600)]

SANITIZE = REPO / "scripts" / "sanitize"
FINDINGS = REPO / ".cache" / "sanitized" / "findings"
REPORTS = (
    "ERROR: AddressSanitizer",
    "runtime error:",
    "ERROR: libFuzzer",
    "SUMMARY: UndefinedBehaviorSanitizer",
)


def sanitized(
    *args: str, env: dict[str, str] | None = None, timeout: int = 2400
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(SANITIZE), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )
    output = proc.stdout + proc.stderr
    reported = [
        line for line in output.splitlines() if line.startswith(REPORTS) or "runtime error:" in line
    ]
    assert proc.returncode == 0 and not reported, "\n".join(reported) or output[-6000:]
    return proc


@pytest.mark.neo4j
def test_fuzz_and_crash_suites_pass_under_asan_and_ubsan(neo4j_server) -> None:
    sanitized(
        "pytest",
        "-q",
        "-x",
        "tests/test_fuzz_server.py",
        "tests/test_fuzz_findings.py",
        "tests/test_crash_safety.py",
        "tests/test_journal_formats.py",
        # Its embedded variant runs the same native code (translation, the wire, the plan) under
        # the kills, and the fuzz suite's Neo4j variants the Neo4j reads; this one would add ~90 s
        # of sanitized server restarts that durability, not memory safety, is about (the suite
        # runs it unsanitized).
        "--deselect",
        "tests/test_crash_safety.py::test_sigkill_mid_stream_keeps_every_acknowledged_event_whole[neo4j]",
        env={"LINEAGEMESH_TEST_NEO4J": neo4j_server.uri},
    )


def seed_corpus(directory: Path, target: str) -> Path:
    """Real inputs to start from: the food_delivery events, and their encoded mutation batches."""
    from graph.core.mutations import concat_encoded
    from ingest.openlineage import translate_encoded

    directory.mkdir(parents=True, exist_ok=True)
    events = json.loads((REPO / "ingest" / "demo" / "food_delivery.json").read_text())
    for i, event in enumerate(events[:12]):
        data = json.dumps(event).encode() if target == "openlineage" else translate_encoded(event)
        (directory / f"seed-{i}").write_bytes(data)
    if target == "wire":
        (directory / "seed-many").write_bytes(
            concat_encoded([translate_encoded(e) for e in events[:4]])
        )
    return directory


@pytest.mark.parametrize(("target", "runs"), [("wire", 60_000), ("openlineage", 4_000)])
def test_coverage_guided_fuzzing_finds_nothing(target: str, runs: int, tmp_path: Path) -> None:
    corpus = seed_corpus(tmp_path / "corpus", target)
    FINDINGS.mkdir(parents=True, exist_ok=True)
    sanitized(
        "fuzz",
        target,
        f"-runs={runs}",
        "-seed=1",
        "-rss_limit_mb=3072",
        "-malloc_limit_mb=1024",
        "-max_len=65536",
        f"-artifact_prefix={FINDINGS}/{target}-",
        str(corpus),
    )


def test_a_damaged_count_fails_fast_instead_of_reserving_what_the_input_cannot_hold() -> None:
    """A batch whose string table claims 2^30 entries in 9 bytes: refused as malformed, with the
    address space capped at 1 GiB (a reserve for the claimed count would need 16 GiB)."""
    script = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "import graph.core.mutations\nfrom graph import _native\n"
        "for payload in (b'LMB\\x01\\x80\\x80\\x80\\x80\\x04', b'LMB\\x01\\xb1\\xb1\\xb1BB\\x01\\xb1\\xaa\\xb1BB\\x01'):\n"
        "    try:\n        _native.decode(payload)\n    except ValueError as e:\n        print('refused:', e)\n"
    )
    limit = resource.getrlimit(resource.RLIMIT_AS)
    assert limit[1] == resource.RLIM_INFINITY or limit[1] >= 1 << 30
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("refused: malformed mutation batch") == 2
