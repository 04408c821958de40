"""Snapshots of the embedded store (``graph.stores.embedded.snapshot``): a start loads the graph and replays
only the journal's tail, and any doubt about a snapshot means the whole journal is replayed.

The reference for every check is the graph a full replay of the same journal builds (the store as
it was before snapshots), compared record by record, stamps included.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import uuid
import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest
import zstandard
from crashing import APPLY_ALL, ROOT, batch_lines, run_then_sigkill

from graph import _native
from graph.core.model import Direction, EdgeKind, NodeKind
from graph.core.mutations import encode
from graph.read.lineage import dataset_lineage
from graph.read.view import GraphView
from graph.stores.embedded import snapshot
from graph.stores.embedded import store as embedded
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.journal import Journal, JournalCorrupt
from ingest.openlineage import translate


def _generate_mesh():
    spec = importlib.util.spec_from_file_location(
        "generate_mesh", ROOT / "scripts" / "generate_mesh.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_mesh", module)
    spec.loader.exec_module(module)
    return module


MESH = list(
    _generate_mesh().generate(400, 11)
)  # ~4.5k nodes and ~10k edges: several chunks of each


def everything(store: EmbeddedStore) -> dict[str, Any]:
    """Every record, as comparable plain data, with the counts and each job's unrestated edges."""
    nodes: dict[str, Any] = {}
    for kind in NodeKind:
        after = None
        while page := store.nodes_of_kind(kind, 1000, after):
            nodes.update((n.id, (n.kind, n.props, n.stamps)) for n in page)
            after = page[-1].id
    edges = {e.key: (e.props, e.stamps) for e in store.edges(set(nodes), list(EdgeKind), "out")}
    jobs = [i for i, (kind, _, _) in nodes.items() if kind is NodeKind.JOB]
    stats = store.native_graph().stats()
    return {
        "nodes": nodes,
        "edges": edges,
        "counts": store.counts(),
        "unrestated": store.unrestated_job_edges(jobs),
        # strings the pool holds and edge records held once: a reference a load miscounted shows
        # here once later writes let go of what they replace
        "pool": (stats["strings"], stats["shared_records"]),
    }


def load(data_dir: Path, events: list[dict[str, Any]], per_batch: int = 50) -> None:
    with EmbeddedStore(data_dir) as store:
        for i in range(0, len(events), per_batch):
            store.apply([m for event in events[i : i + per_batch] for m in translate(event)])


def replayed(data_dir: Path, scratch: Path) -> dict[str, Any]:
    """What a full replay of ``data_dir``'s journal builds (a copy without the snapshot)."""
    shutil.copytree(data_dir, scratch, ignore=shutil.ignore_patterns("snapshot.bin*", "*.lock"))
    with EmbeddedStore(scratch) as store:
        return everything(store)


def snapshot_logs(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "graph.stores.embedded.store" and r.levelno == level
    ]


@pytest.fixture
def loaded(tmp_path: Path, food_delivery_events: list[dict[str, Any]]) -> Path:
    data_dir = tmp_path / "data"
    load(data_dir, food_delivery_events + MESH)
    assert snapshot.path_in(data_dir).exists()  # written on close
    return data_dir


def test_a_restart_loads_the_snapshot_and_holds_what_a_replay_holds(
    loaded: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = replayed(loaded, tmp_path / "reference")
    with caplog.at_level(logging.INFO), EmbeddedStore(loaded) as store:
        assert everything(store) == expected
    (line,) = [m for m in snapshot_logs(caplog, logging.INFO) if "loaded" in m]
    assert f"{len(expected['nodes'])} nodes and {len(expected['edges'])} edges" in line
    assert snapshot_logs(caplog, logging.WARNING) == []


def test_batches_after_the_snapshot_are_replayed_after_a_crash(
    loaded: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SIGKILLed process writes no snapshot: the next start loads the old one and replays the
    batches after it (and its stop, told any tail is worth it, snapshots at the journal's end)."""
    monkeypatch.setattr(embedded, "CLOSE_SNAPSHOT_SHARE", 0)
    point = snapshot.Reader(snapshot.path_in(loaded)).header.point
    later = [
        dict(event, run={"runId": str(uuid.UUID(int=i))}, eventTime="2026-03-01T00:00:00Z")
        for i, event in enumerate(MESH[-30:])
        if "run" in event
    ]
    batches = loaded.parent / "later.batches"
    batches.write_bytes(batch_lines(encode(translate(event)) for event in later))
    run_then_sigkill(APPLY_ALL, str(loaded), str(batches))
    assert (
        snapshot.Reader(snapshot.path_in(loaded)).header.point == point
    )  # the crash left the old snapshot

    expected = replayed(loaded, tmp_path / "reference")
    with caplog.at_level(logging.INFO), EmbeddedStore(loaded) as store:
        assert everything(store) == expected
        assert (
            len(expected["nodes"]) > snapshot.Reader(snapshot.path_in(loaded)).header.nodes
        )  # the tail added runs
    assert any(f"as of journal batch {point.seq}" in m for m in snapshot_logs(caplog, logging.INFO))
    journal = Journal(loaded / "journal.sqlite")
    try:  # closing wrote a new snapshot at the journal's end
        assert snapshot.Reader(snapshot.path_in(loaded)).header.point == journal.position() != point
    finally:
        journal.close()


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])


def _foreign(path: Path) -> None:
    """A whole, valid snapshot of another graph (another data dir's)."""
    other = path.parent.parent / "other"
    load(other, MESH[:40])
    shutil.copy(snapshot.path_in(other), path)


def _older_format(path: Path) -> None:
    """The same snapshot with an earlier format's number in its header (an older lineagemesh's)."""
    data = path.read_bytes()
    offset = len(snapshot.MAGIC)
    length, _ = struct.unpack_from("<II", data, offset)
    header = orjson.loads(data[offset + 8 : offset + 8 + length])
    older = orjson.dumps({**header, "format": 1})
    path.write_bytes(
        data[:offset]
        + struct.pack("<II", len(older), zlib.crc32(older))
        + older
        + data[offset + 8 + length :]
    )


@pytest.mark.parametrize(
    "damage, reason",
    [
        (_flip_a_byte, "crc32 mismatch"),
        (_cut, "cut short"),
        (lambda path: path.write_bytes(b"not a snapshot at all"), "not a lineagemesh snapshot"),
        (_foreign, "the journal no longer holds batch"),
        (_older_format, "format 1; this lineagemesh reads formats 2, 3, 4"),
    ],
)
def test_a_snapshot_in_doubt_is_ignored_and_the_journal_replayed(
    loaded: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Any, reason: str
) -> None:
    expected = replayed(loaded, tmp_path / "reference")
    damage(snapshot.path_in(loaded))
    with caplog.at_level(logging.INFO), EmbeddedStore(loaded) as store:
        assert everything(store) == expected
    (warning,) = snapshot_logs(caplog, logging.WARNING)
    assert "not used" in warning and reason in warning and "replaying the whole journal" in warning
    snapshot.Reader(snapshot.path_in(loaded))  # closing replaced it with a good one


def _as_older_format(path: Path, older: int) -> None:
    """The same snapshot as an older lineagemesh wrote it: every record whole (native chunk
    version 1), in zlib (format 2) or zstd (format 3) chunks, that format's number in its header."""
    reader = snapshot.Reader(path)
    assert reader.header.format == snapshot.FORMAT == 4
    chunks = list(reader.chunks())
    graph = _native.Graph()
    for chunk in chunks:
        graph.load_chunk(chunk)
    capture = graph.capture()
    whole = []
    while chunk := capture.next_chunk(snapshot.CHUNK, False):
        whole.append(chunk)
    capture.close()
    # format 4 wrote the edge records that edges share once: the test has some to read back
    assert sum(map(len, whole)) > sum(map(len, chunks))
    header = orjson.dumps(
        {
            "format": older,
            "seq": reader.header.point.seq,
            "crc": reader.header.point.crc,
            "batches": reader.header.point.batches,
            "nodes": reader.header.nodes,
            "edges": reader.header.edges,
        }
    )
    compress = (
        (lambda chunk: zlib.compress(chunk, 1))
        if older == 2
        else zstandard.ZstdCompressor(level=1).compress
    )
    frames = [header, *(compress(chunk) for chunk in whole)]
    path.write_bytes(
        snapshot.MAGIC
        + b"".join(struct.pack("<II", len(f), zlib.crc32(f)) + f for f in frames)
        + struct.pack("<II", 0, 0)
    )


@pytest.mark.parametrize("older", [2, 3])
def test_an_older_format_snapshot_still_loads(
    loaded: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    older: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A data dir an older lineagemesh snapshotted (zlib chunks, or zstd chunks of whole records)
    starts from that snapshot, no replay, and holds what a replay holds; closing after a write
    (any tail told worth a snapshot) rewrites it in the current format."""
    monkeypatch.setattr(embedded, "CLOSE_SNAPSHOT_SHARE", 0)
    expected = replayed(loaded, tmp_path / "reference")
    _as_older_format(snapshot.path_in(loaded), older)
    assert snapshot.Reader(snapshot.path_in(loaded)).header.format == older
    with caplog.at_level(logging.INFO), EmbeddedStore(loaded) as store:
        assert everything(store) == expected
    assert any("loaded" in m for m in snapshot_logs(caplog, logging.INFO))
    assert snapshot_logs(caplog, logging.WARNING) == []
    later = next(e for e in MESH if "run" in e)
    later = dict(later, run={"runId": str(uuid.UUID(int=7))}, eventTime="2026-03-01T00:00:00Z")
    with EmbeddedStore(loaded) as store:
        store.apply(translate(later))  # a new run, so that closing writes a new snapshot
    assert snapshot.Reader(snapshot.path_in(loaded)).header.format == snapshot.FORMAT == 4


def test_damage_to_batches_the_snapshot_holds_still_refuses_to_start(loaded: Path) -> None:
    """The journal stays the source of truth: a damaged batch before the snapshot's point is damage
    in the middle, refused as before (checked by crc32, without replaying those batches)."""
    db = sqlite3.connect(loaded / "journal.sqlite", isolation_level=None)
    (payload,) = db.execute("SELECT payload FROM batches WHERE seq = 3").fetchone()
    db.execute("UPDATE batches SET payload = ? WHERE seq = 3", (payload[:-5] + b"xxxxx",))
    db.close()
    with pytest.raises(JournalCorrupt, match=r"seq 3: crc32 mismatch\) before intact batch 4"):
        EmbeddedStore(loaded)


def test_salvaged_batches_make_the_snapshot_unusable(
    loaded: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``salvage`` takes batches out of the journal; a snapshot holding their effects no longer
    describes it, so the next start replays what is left."""
    db = sqlite3.connect(loaded / "journal.sqlite", isolation_level=None)
    db.execute("UPDATE batches SET crc32 = crc32 + 1 WHERE seq = 2")
    db.close()
    salvage = subprocess.run(
        [sys.executable, "-m", "graph", "journal", "salvage", str(loaded)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert salvage.returncode == 0 and "1 batch quarantined" in salvage.stdout, salvage.stderr
    expected = replayed(loaded, tmp_path / "reference")
    with caplog.at_level(logging.INFO), EmbeddedStore(loaded) as store:
        assert everything(store) == expected
    (warning,) = snapshot_logs(caplog, logging.WARNING)
    assert "no longer holds batch" in warning


def test_closing_again_or_unchanged_writes_nothing(loaded: Path) -> None:
    path = snapshot.path_in(loaded)
    before = path.stat().st_mtime_ns
    store = EmbeddedStore(loaded)
    store.close()
    store.close()
    assert path.stat().st_mtime_ns == before
    assert not path.with_name(path.name + ".tmp").exists()


def test_a_long_replay_snapshots_at_once(loaded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A start that had to replay a lot writes a snapshot right away, not only at its clean close."""
    os.remove(snapshot.path_in(loaded))
    monkeypatch.setattr(embedded, "SNAPSHOT_AFTER", 1000)
    monkeypatch.setattr(embedded, "SNAPSHOT_GROWTH", 0)
    store = EmbeddedStore(loaded)
    try:
        assert snapshot.path_in(loaded).exists()
    finally:
        store.close()


def test_an_unwritable_snapshot_is_a_warning_and_the_journal_keeps_everything(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"

    def full_disk(*_: Any, **__: Any) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(snapshot, "write", full_disk)
    with caplog.at_level(logging.INFO):
        load(data_dir, MESH[:60])
    (warning,) = snapshot_logs(caplog, logging.WARNING)
    assert "not written" in warning and "No space left" in warning
    monkeypatch.undo()
    expected = replayed(data_dir, tmp_path / "reference")
    with EmbeddedStore(data_dir) as store:
        assert everything(store) == expected


def test_a_running_store_snapshots_in_the_background_and_a_crash_restarts_from_there(
    loaded: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Writes past the thresholds snapshot the graph while the store is open; a process killed
    after that restarts from the newer snapshot and replays only what came after it."""
    first = snapshot.Reader(snapshot.path_in(loaded)).header.point
    later = [
        dict(event, run={"runId": str(uuid.UUID(int=1000 + i))}, eventTime="2026-03-02T00:00:00Z")
        for i, event in enumerate(MESH[-40:])
        if "run" in event
    ]
    batches = loaded.parent / "later.batches"
    batches.write_bytes(batch_lines(encode(translate(event)) for event in later))
    run_then_sigkill(
        "embedded.SNAPSHOT_AFTER, embedded.SNAPSHOT_GROWTH = 200, 0\n"
        "store = embedded.EmbeddedStore(Path(sys.argv[1]))\n"
        "lines = batches(sys.argv[2])\n"
        "for mutations in lines[:-3]:\n"
        "    store.apply(mutations)\n"
        "deadline = time.monotonic() + 60\n"  # the background write shows as a newer snapshot
        "while snapshot.Reader(snapshot.path_in(Path(sys.argv[1]))).header.point.seq == int(sys.argv[3]):\n"
        "    assert time.monotonic() < deadline, 'no snapshot in the background'\n"
        "    time.sleep(0.05)\n"
        "embedded.SNAPSHOT_AFTER = 10**9\n"  # the last batches stay after the snapshot
        "for mutations in lines[-3:]:\n"
        "    store.apply(mutations)\n",
        str(loaded),
        str(batches),
        str(first.seq),
    )
    middle = snapshot.Reader(snapshot.path_in(loaded)).header.point
    assert first.seq < middle.seq

    expected = replayed(loaded, tmp_path / "reference")
    with caplog.at_level(logging.INFO), EmbeddedStore(loaded) as store:
        assert everything(store) == expected
    assert any(
        f"as of journal batch {middle.seq}" in m for m in snapshot_logs(caplog, logging.INFO)
    )


def test_a_snapshot_cut_short_by_a_full_disk_leaves_the_last_one_and_no_partial_file(
    loaded: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedded, "CLOSE_SNAPSHOT_SHARE", 0)  # the write below is worth one
    path = snapshot.path_in(loaded)
    before = path.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    store = EmbeddedStore(loaded)
    store.apply(translate(dict(MESH[-1], eventTime="2026-04-01T00:00:00Z")))
    monkeypatch.setattr(snapshot.os, "fsync", full_disk)
    with caplog.at_level(logging.INFO):
        store.close()
    (warning,) = snapshot_logs(caplog, logging.WARNING)
    assert "not written" in warning and "No space left" in warning
    assert path.read_bytes() == before
    assert not path.with_name(path.name + ".tmp").exists()


def test_a_stop_after_a_small_write_keeps_the_snapshot_and_a_start_replays_the_tail(
    loaded: Path, tmp_path: Path
) -> None:
    """A snapshot is the whole graph: a stop writes one only once the tail since the last one is
    worth it (``EmbeddedStore._worth_a_snapshot_on_close``). A few events leave the snapshot as
    it was, and the next start replays them; a tail of a tenth of the graph's elements is
    snapshotted at the stop."""
    path = snapshot.path_in(loaded)
    before = path.read_bytes()
    later = [
        dict(event, run={"runId": str(uuid.UUID(int=i))}, eventTime="2026-03-01T00:00:00Z")
        for i, event in enumerate(MESH[-4:])
        if "run" in event
    ]
    with EmbeddedStore(loaded) as store:
        elements = store._graph.elements()
        written = sum(store.apply(translate(event)) for event in later)
    assert 0 < written < embedded.CLOSE_SNAPSHOT_SHARE * elements
    assert path.read_bytes() == before  # the stop left the snapshot
    expected = replayed(loaded, tmp_path / "reference")
    with EmbeddedStore(loaded) as store:
        assert everything(store) == expected  # the snapshot, then the tail replayed
        assert store._since_snapshot == written
    assert path.read_bytes() == before
    many = [
        dict(event, run={"runId": str(uuid.UUID(int=1000 + i))}, eventTime="2026-03-02T00:00:00Z")
        for i, event in enumerate(MESH)
        if "run" in event
    ]
    with EmbeddedStore(loaded) as store:
        for event in many:
            store.apply(translate(event))
        assert store._since_snapshot >= embedded.CLOSE_SNAPSHOT_SHARE * store._graph.elements()
    journal = Journal(loaded / "journal.sqlite")
    try:  # this stop snapshotted at the journal's end
        assert snapshot.Reader(path).header.point == journal.position()
    finally:
        journal.close()


def test_job_currency_is_decided_again_after_a_snapshot_load(tmp_path: Path) -> None:
    """A job whose newer run stopped reading a table: after a restart from the snapshot, that
    edge is still stale (the loaded jobs are judged again, not assumed current)."""

    def run(run_id: int, start: str, end: str, inputs: list[str]) -> list[dict[str, Any]]:
        base = {
            "producer": "https://example.com/test",
            "job": {"namespace": "etl", "name": "j"},
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": str(uuid.UUID(int=run_id))},
            "inputs": [{"namespace": "pg", "name": name} for name in inputs],
            "outputs": [{"namespace": "pg", "name": "b"}],
        }
        return [
            dict(base, eventType="START", eventTime=start),
            dict(base, eventType="COMPLETE", eventTime=end),
        ]

    data_dir = tmp_path / "data"
    load(
        data_dir,
        run(1, "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", ["a"])
        + run(2, "2026-01-02T00:00:00Z", "2026-01-02T01:00:00Z", ["c"]),
        per_batch=1,
    )
    stale = {"job:etl:j": frozenset({("job:etl:j", EdgeKind.READS, "dataset:pg:a")})}
    with EmbeddedStore(data_dir) as store:
        assert snapshot.path_in(data_dir).exists()
        assert store.unrestated_job_edges(["job:etl:j"]) == stale
        up = dataset_lineage(GraphView(store), "dataset:pg:b", Direction.UPSTREAM)
        assert {n.id for n in up.nodes} == {"dataset:pg:b", "job:etl:j", "dataset:pg:c"}


def test_journal_check_says_what_the_next_start_does_with_the_snapshot(loaded: Path) -> None:
    def check() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "graph", "journal", "check", str(loaded)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()[-1]

    header = snapshot.Reader(snapshot.path_in(loaded)).header
    assert check().endswith(
        f"{header.nodes} nodes and {header.edges} edges as of batch {header.point.seq}; "
        "the next start loads it and replays the batches after it"
    )
    _cut(snapshot.path_in(loaded))
    assert "not usable (cut short at byte" in check()
    os.remove(snapshot.path_in(loaded))
    assert check().endswith("none; the next start replays the whole journal")


def test_a_journal_cut_short_never_starts_silently_and_the_snapshot_is_kept(
    tmp_path: Path, food_delivery_events
) -> None:
    """300 acknowledged batches, a clean close (snapshot at batch 300), then the journal's last
    4 KiB cut off: every start refuses, naming the cut, and the snapshot holding all 300 stays as it
    was (it started with 296 and overwrote the snapshot at its next stop)."""
    data_dir = tmp_path / "data"
    with EmbeddedStore(data_dir) as store:
        for i in range(300):
            event = {
                **food_delivery_events[i % len(food_delivery_events)],
                "job": {"namespace": "cut", "name": f"job{i}"},
            }
            assert store.apply(translate(event))
    journal = data_dir / "journal.sqlite"
    kept = snapshot.path_in(data_dir).read_bytes()
    assert snapshot.Reader(snapshot.path_in(data_dir)).header.point.seq == 300
    with open(journal, "r+b") as handle:
        handle.truncate(journal.stat().st_size - 4096)
    for _ in range(2):
        with pytest.raises(JournalCorrupt, match="the file was cut short"):
            EmbeddedStore(data_dir)
    check = subprocess.run(
        [sys.executable, "-m", "graph", "journal", "check", str(data_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert check.returncode == 1 and "cut short" in check.stderr
    assert snapshot.path_in(data_dir).read_bytes() == kept


def test_a_snapshot_ahead_of_its_journal_refuses_and_is_kept(loaded: Path) -> None:
    """A journal that ends before the batch its snapshot holds has lost acknowledged batches:
    refused, never replayed alone (and the snapshot overwritten by a smaller graph)."""
    kept = snapshot.path_in(loaded).read_bytes()
    point = snapshot.Reader(snapshot.path_in(loaded)).header.point
    db = sqlite3.connect(loaded / "journal.sqlite", isolation_level=None)
    db.execute("DELETE FROM batches WHERE seq > ?", (point.seq - 2,))
    db.close()
    with pytest.raises(
        JournalCorrupt,
        match=f"ends at batch {point.seq - 2}, before batch {point.seq}.*move .* aside",
    ):
        EmbeddedStore(loaded)
    assert snapshot.path_in(loaded).read_bytes() == kept


def test_the_chunks_compressed_beside_the_capture_are_its_chunks_in_order(
    loaded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer compresses chunk n in a thread while the capture makes chunk n+1: the file holds
    the capture's chunks in the capture's order, each compressed on its own as before."""
    monkeypatch.setattr(snapshot, "CHUNK", 1000)  # the mesh's ~15k records: many chunks
    with EmbeddedStore(loaded) as store:
        point = store.journal.position()
        assert point is not None
        alone = store.native_graph().capture()
        chunks = list(iter(lambda: alone.next_chunk(snapshot.CHUNK), b""))
        path = tmp_path / "snapshot.bin"
        snapshot.write(path, point, store.native_graph().capture())
    assert len(chunks) >= 10
    data = path.read_bytes()
    at = len(snapshot.MAGIC)
    frames = []
    while True:
        length, crc = struct.unpack_from("<II", data, at)
        at += 8
        if length == 0:
            break
        frames.append(data[at : at + length])
        assert zlib.crc32(frames[-1]) == crc
        at += length
    assert at == len(data)
    compressor = zstandard.ZstdCompressor(level=1)
    assert frames[1:] == [compressor.compress(chunk) for chunk in chunks]  # [0]: the header
