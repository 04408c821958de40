"""Bulk loading (graph.intake.bulk_load): translating in worker processes changes nothing of the outcome.

The same files loaded with a real worker process and without one must journal byte-identical
batches, report the same bad lines in the same order, and count the same, since chunks are
applied in file order and translation is pure.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph.change.schema_history import SchemaHistory
from graph.eventlog.event_log_migration import open_event_log
from graph.intake import bulk_load
from graph.intake.bulk_load import (
    CHUNK_EVENTS,
    LoadReport,
    Span,
    TranslationWorkers,
    load_events,
    translate_chunk,
    translate_spooled,
)
from graph.intake.event_files import BadLine
from graph.intake.ingest_service import IngestService
from graph.notify.outbox import connect_outbox
from graph.stores.embedded.store import EmbeddedStore
from ingest.domain_rules import DomainRules

REPO = Path(__file__).resolve().parents[1]


def journal_payloads(data_dir: Path) -> list[bytes]:
    """The journal's batches and the raw event log's blocks, in order."""
    payloads = []
    for table in ("batches", "blocks"):  # the raw event log's blocks are in the journal's database
        db = sqlite3.connect(data_dir / "journal.sqlite")
        try:
            payloads += [row[0] for row in db.execute(f"SELECT payload FROM {table} ORDER BY seq")]
        finally:
            db.close()
    return payloads


@pytest.fixture(scope="module")
def event_files(tmp_path_factory: pytest.TempPathFactory, food_delivery_events) -> list[Path]:
    """A mesh over several chunks, with bad lines among its events, and the seed as a JSON array."""
    root = tmp_path_factory.mktemp("events")
    mesh = root / "mesh.ndjson"
    subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "generate_mesh.py"),
            "--datasets",
            "700",
            "--seed",
            "3",
            "--out",
            str(mesh),
            "--quiet",
        ],
        check=True,
        timeout=300,
    )
    lines = mesh.read_bytes().splitlines()
    assert len(lines) > 2 * CHUNK_EVENTS  # several chunks, the last one partial
    invalid = dict(json.loads(lines[1]), eventTime="yesterday")
    lines[CHUNK_EVENTS - 1 : CHUNK_EVENTS - 1] = [
        b"{not json",
        json.dumps(invalid).encode(),
        b'{"name": "caf\xe9"}',
    ]
    mesh.write_bytes(b"\n".join(lines) + b"\n")
    seed = root / "seed.json"
    seed.write_text(json.dumps(food_delivery_events, indent=1))
    return [mesh, seed]


RULES = DomainRules.parse({"rules": [{"domain": "seeded", "namespace": "food_delivery"}]}, "rules")


def load(
    data_dir: Path,
    files: list[Path],
    workers: int | None,
    ahead: TranslationWorkers | None = None,
    on_progress=None,
    all_or_none: bool = False,
) -> tuple[tuple[LoadReport, dict[str, int]], list[BadLine], list[int]]:
    bad: list[BadLine] = []
    progress: list[int] = []
    rules = RULES
    with EmbeddedStore(data_dir) as store, open_event_log(store) as log:
        # Schema history stamps what it detects with the wall clock: fixed, so two loads journal alike.
        history = SchemaHistory(store, clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
        connect_outbox(history)
        report = load_events(
            IngestService(store, log, rules, history=history),
            files,
            on_bad=bad.append,
            on_progress=on_progress or progress.append,
            workers=workers,
            ahead=ahead,
            all_or_none=all_or_none,
        )
        counts = store.counts()
    return (report, counts), bad, progress


def test_a_worker_process_loads_exactly_what_this_process_loads(
    tmp_path: Path, event_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    (here, here_counts), here_bad, here_progress = load(tmp_path / "here", event_files, workers=0)
    memory = tmp_path / "memory"  # this load's spool, apart from other tests' loads running beside
    memory.mkdir()
    monkeypatch.setattr(bulk_load, "_MEMORY_DIR", str(memory))
    there_progress: list[int] = []
    spooled: set[Path] = set()

    def applied(events: int) -> None:
        there_progress.append(events)
        spooled.update(memory.iterdir())

    (there, there_counts), there_bad, _ = load(
        tmp_path / "worker", event_files, workers=1, on_progress=applied
    )
    assert spooled and not any(memory.iterdir())  # the batches crossed as files, all gone now
    assert (here.workers, there.workers) == (0, 1)
    assert journal_payloads(tmp_path / "here") == journal_payloads(tmp_path / "worker")
    assert here_bad == there_bad and here_progress == there_progress and here_counts == there_counts
    assert (here.accepted, here.rejected, here.changes) == (
        there.accepted,
        there.rejected,
        there.changes,
    )
    mesh = event_files[0]
    assert [(b.path, b.line) for b in here_bad] == [
        (mesh, CHUNK_EVENTS),
        (mesh, CHUNK_EVENTS + 1),
        (mesh, CHUNK_EVENTS + 2),
    ]
    assert here_bad[0].reason.startswith("not valid JSON") and here_bad[1].reason.startswith(
        "$.eventTime"
    )
    assert here_bad[2].reason.startswith("not UTF-8")
    assert (
        here.rejected == 3
        and here.accepted == sum(here_progress) - 3
        and here.changes > here.accepted
    )
    assert [n.props.get("name") for n in domain_nodes(tmp_path / "worker")] == [
        "seeded"
    ]  # the rules reached the worker


def domain_nodes(data_dir: Path) -> list:
    from graph.core.model import NodeKind

    with EmbeddedStore(data_dir) as store:
        return store.nodes_of_kind(NodeKind.DOMAIN, 100)


def test_a_small_load_stays_in_this_process(tmp_path: Path, event_files: list[Path]) -> None:
    (report, _), _, _ = load(
        tmp_path / "small", [event_files[1]], workers=None
    )  # the seed: a few KiB
    assert report.workers == 0 and report.accepted == 26 and report.rejected == 0


def test_workers_started_ahead_load_the_same_and_are_the_only_ones(
    tmp_path: Path, event_files: list[Path]
) -> None:
    """``ingest openlineage`` starts its workers while the store opens (``workers_ahead``): the
    load then uses those, starts none of its own, and leaves them to their owner."""
    (_, here_counts), here_bad, _ = load(tmp_path / "here", event_files, workers=0)
    progress: list[int] = []
    children: set[int] = set()

    def applied(events: int) -> None:  # called between applies: which processes are there now
        progress.append(events)
        children.update(p.pid for p in multiprocessing.active_children() if p.pid is not None)

    with TranslationWorkers(1, RULES) as ahead:
        worker = ahead.pool.submit(os.getpid).result()
        (report, counts), bad, _ = load(
            tmp_path / "ahead", event_files, workers=1, ahead=ahead, on_progress=applied
        )
        assert ahead.pool.submit(os.getpid).result() == worker  # still there, for its owner
    assert report.workers == 1 and children == {worker}
    assert journal_payloads(tmp_path / "here") == journal_payloads(tmp_path / "ahead")
    assert bad == here_bad and counts == here_counts
    assert report.rejected == 3 and report.accepted == sum(progress) - 3
    assert [n.props.get("name") for n in domain_nodes(tmp_path / "ahead")] == ["seeded"]


_FORK_PROBE = """
import json, pathlib, sys, threading
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[2])
import probe
probe.MARK = "set in the parent after its imports"  # a spawned worker imports probe anew: None
if sys.argv[3] == "thread":  # a thread running at the start: a fork could copy a held lock
    threading.Thread(target=threading.Event().wait, daemon=True).start()
from test_bulk_load import RULES, journal_payloads, load
from graph.intake.bulk_load import TranslationWorkers
with TranslationWorkers(1, RULES) as ahead:
    print(ahead.pool.submit(probe.mark).result())
    (report, counts), _, _ = load(pathlib.Path(sys.argv[4]), [pathlib.Path(p) for p in sys.argv[5:]],
                                  workers=1, ahead=ahead)
print(report.workers, report.chunks_here < report.chunks)
print(json.dumps(counts))
"""


@pytest.mark.parametrize("beside", ["no thread", "thread"])
def test_workers_start_from_this_process_unless_a_thread_runs(
    tmp_path: Path, event_files: list[Path], beside: str
) -> None:
    """The workers ``ingest openlineage`` starts before its store opens are forked: they begin
    with what this process imported and warmed, and load exactly what this process loads. Were
    a thread running, a fork could copy a lock it held, so they are spawned instead. (Run in a
    process of its own: pytest's runs threads.)"""
    (_, here_counts), _, _ = load(tmp_path / "here", event_files, workers=0)
    (tmp_path / "probe.py").write_text("MARK = None\n\n\ndef mark():\n    return MARK\n")
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            _FORK_PROBE,
            str(REPO / "tests"),
            str(tmp_path),
            beside,
            str(tmp_path / "ahead"),
            *map(str, event_files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert started.returncode == 0, started.stderr
    inherited, used, counts = started.stdout.splitlines()[-3:]
    expected = "None" if beside == "thread" else "set in the parent after its imports"
    assert inherited == expected
    assert used == "1 True"  # the worker translated chunks
    assert json.loads(counts) == here_counts
    assert journal_payloads(tmp_path / "here") == journal_payloads(tmp_path / "ahead")


def test_a_worker_hands_over_its_batch_through_its_spool_file(
    tmp_path: Path, event_files: list[Path]
) -> None:
    """The worker's batch and raw block come through the spool file, which then goes: the same
    as translating the chunk here."""
    mesh = event_files[0]
    chunk = Span(mesh, 0, mesh.stat().st_size, 1)
    here = translate_chunk(chunk, RULES).translation
    translated = translate_spooled(chunk, RULES, True, None, str(tmp_path))
    assert translated.translation.payload == b""  # in the file
    translation = translated.take()
    assert list(tmp_path.iterdir()) == []
    assert translation.payload == here.payload and len(translation.payload) > 1000
    assert translation.block is not None and here.block is not None
    assert translation.block.payload == here.block.payload


def test_the_next_batch_is_read_from_its_spool_file_while_this_one_applies(
    tmp_path: Path, event_files: list[Path]
) -> None:
    """``take_ahead`` reads the spool file on the taker's thread; ``take`` then hands over what
    it read, the same as reading it here."""
    mesh = event_files[0]
    chunk = Span(mesh, 0, mesh.stat().st_size, 1)
    here = translate_spooled(chunk, RULES, True, None, str(tmp_path)).take()
    translated = translate_spooled(chunk, RULES, True, None, str(tmp_path))
    with ThreadPoolExecutor(1) as taker:
        translated.take_ahead(taker)
        assert translated.taking is not None
        translated.taking.result()
    assert list(tmp_path.iterdir()) == []  # read on the taker's thread, and gone, before take
    ahead = translated.take()
    assert ahead.payload == here.payload and ahead.payload
    assert ahead.block is not None and here.block is not None
    assert ahead.block.payload == here.block.payload


@pytest.mark.parametrize(("workers", "keep"), [(0, True), (1, True), (1, False)])
def test_all_or_none_applies_nothing_of_files_with_a_bad_line_and_all_of_good_ones(
    tmp_path: Path,
    event_files: list[Path],
    monkeypatch: pytest.MonkeyPatch,
    workers: int,
    keep: bool,
) -> None:
    """``ingest openlineage`` without --skip-invalid: every line is checked before any is
    applied. One bad line and nothing is applied, every bad one reported as a plain load
    reports it; good files are applied exactly as a plain load applies them, whether the check's
    translations are kept (a small input) or translated again (above ``KEEP_CHECKED_BYTES``)."""
    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setattr(bulk_load, "_MEMORY_DIR", str(memory))
    if not keep:
        monkeypatch.setattr(bulk_load, "KEEP_CHECKED_BYTES", 0)
    (plain, _), plain_bad, _ = load(tmp_path / "plain", event_files, workers=0)
    (refused, counts), bad, progress = load(
        tmp_path / "refused", event_files, workers, all_or_none=True
    )
    assert bad == plain_bad and refused.rejected == plain.rejected == 3
    assert not refused.applied and refused.accepted == refused.changes == 0 and progress == []
    assert not any(counts.values()) and journal_payloads(tmp_path / "refused") == []
    assert not any(memory.iterdir())  # the check's spooled batches gone

    mesh, seed = event_files
    lines = mesh.read_bytes().split(b"\n")
    wrong = {b.line for b in bad}
    clean = tmp_path / "clean.ndjson"
    clean.write_bytes(b"\n".join(x for n, x in enumerate(lines, start=1) if n not in wrong))
    (whole, whole_counts), _, whole_progress = load(tmp_path / "whole", [clean, seed], workers=0)
    (checked, checked_counts), none, checked_progress = load(
        tmp_path / "checked", [clean, seed], workers, all_or_none=True
    )
    assert checked.applied and none == [] and checked.check_seconds > 0
    assert (checked.accepted, checked.changes) == (whole.accepted, whole.changes)
    assert checked_counts == whole_counts and checked_progress == whole_progress
    assert journal_payloads(tmp_path / "checked") == journal_payloads(tmp_path / "whole")
    assert not any(memory.iterdir())
