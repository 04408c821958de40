"""A journal as a crash or a lying disk leaves it, for the tests of its recovery: small batches
whose presence is checked whole or absent, a journal filled and left as after a crash, one row
damaged in place, and the ``graph journal`` commands run as a user runs them."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from graph.core.model import EdgeKind, NodeKind
from graph.core.mutations import UpsertEdge, UpsertNode
from graph.stores import Store
from graph.stores.embedded import snapshot
from graph.stores.embedded.store import EmbeddedStore

STAMP = "2026-01-05T06:00:00.000000Z"


def batch(i: int) -> list:
    """Batch i: a dataset, a column and the edge between them."""
    ds, col = f"dataset:torn:t{i}", f"datasetField:torn:t{i}:c"
    return [
        UpsertNode(
            ds,
            NodeKind.DATASET,
            STAMP,
            {"namespace": "torn", "name": f"t{i}", "i": i, "pad": "x" * 500},
        ),
        UpsertNode(
            col,
            NodeKind.COLUMN,
            STAMP,
            {"namespace": "torn", "dataset": f"t{i}", "datasetId": ds, "name": "c"},
        ),
        UpsertEdge(ds, EdgeKind.HAS_COLUMN, col, STAMP),
    ]


def batches_present(store: Store, n: int) -> list[int]:
    """Which of batches 0..n-1 the store holds; each must be whole or absent."""
    present = []
    for i in range(n):
        nodes = store.nodes({f"dataset:torn:t{i}", f"datasetField:torn:t{i}:c"})
        edges = store.edges({f"dataset:torn:t{i}"}, {EdgeKind.HAS_COLUMN}, "out")
        assert (len(nodes), len(edges)) in ((0, 0), (2, 1)), f"batch {i} half applied"
        if nodes:
            present.append(i)
    return present


def journal_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "graph.stores.journal" and r.levelno >= logging.WARNING
    ]


def fill(tmp_path: Path, n: int) -> Path:
    with EmbeddedStore(tmp_path) as store:
        for i in range(n):
            store.apply(batch(i))
    as_after_a_crash(tmp_path)
    return tmp_path / "journal.sqlite"


def as_after_a_crash(data_dir: Path) -> None:
    """Take away the snapshot the clean close wrote: a torn row only follows a crash, which writes
    none (a snapshot holding the row proves it complete, and its damage is refused)."""
    snapshot.path_in(data_dir).unlink(missing_ok=True)


def damage_row(path: Path, seq: int, how: str) -> None:
    """Damage one committed row the way a lying disk or a torn write would."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        (payload,) = db.execute("SELECT payload FROM batches WHERE seq = ?", (seq,)).fetchone()
        if how == "truncated":
            db.execute(
                "UPDATE batches SET payload = ? WHERE seq = ?", (payload[: len(payload) // 2], seq)
            )
        elif how == "bit flip":
            flipped = bytearray(payload)
            flipped[len(flipped) // 2] ^= 0x04
            db.execute("UPDATE batches SET payload = ? WHERE seq = ?", (bytes(flipped), seq))
        elif how == "garbage, no checksum":
            db.execute(
                "UPDATE batches SET payload = ?, length = NULL, crc32 = NULL WHERE seq = ?",
                (os.urandom(200), seq),
            )
        else:
            raise ValueError(how)
    finally:
        db.close()


def journal_cli(command: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", "journal", command, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[1],
    )
