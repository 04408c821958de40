"""A store opened by a command that only reads (``check``, ``diff``, ``export``): the journal's
batches its snapshot holds are not read again, the batches after it are checked as before.

A start that may write (``serve``, ``ingest``) still checks the whole journal: the damage these
tests make in the history is refused there (``test_snapshot.py`` covers that path further).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import food_delivery as fd
import pytest
from command_line import as_the_command
from crashing import ROOT
from test_snapshot import MESH, everything, load

from graph.cli import one_shot
from graph.stores.embedded import snapshot
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.journal import JournalCorrupt
from ingest.openlineage import translate


@pytest.fixture
def loaded(tmp_path: Path, food_delivery_events: list[dict[str, Any]]) -> Path:
    """A data dir whose snapshot holds every batch but the last three (the tail a start replays)."""
    data_dir = tmp_path / "data"
    load(data_dir, food_delivery_events + MESH)
    later = [
        dict(event, run={"runId": str(uuid.UUID(int=i))}, eventTime="2026-03-01T00:00:00Z")
        for i, event in enumerate(MESH[-40:])
        if "run" in event
    ][:3]
    store = EmbeddedStore(data_dir)
    for event in later:
        assert store.apply(translate(event)) > 0
    store.close(snapshot=False)
    return data_dir


def tail(data_dir: Path) -> list[int]:
    point = snapshot.Reader(snapshot.path_in(data_dir)).header.point
    db = sqlite3.connect(data_dir / "journal.sqlite", isolation_level=None)
    seqs = [row[0] for row in db.execute("SELECT seq FROM batches WHERE seq > ?", (point.seq,))]
    db.close()
    return seqs


def damage(data_dir: Path, seq: int) -> None:
    db = sqlite3.connect(data_dir / "journal.sqlite", isolation_level=None)
    (payload,) = db.execute("SELECT payload FROM batches WHERE seq = ?", (seq,)).fetchone()
    db.execute("UPDATE batches SET payload = ? WHERE seq = ?", (payload[:-5] + b"xxxxx", seq))
    db.close()


def test_a_reading_open_answers_from_the_snapshot_and_the_tail(loaded: Path) -> None:
    assert len(tail(loaded)) == 3
    with EmbeddedStore(loaded) as store:
        expected = everything(store)
    with EmbeddedStore(loaded, check_history=False) as store:
        assert everything(store) == expected


def test_history_under_the_snapshot_is_not_read_by_a_reading_open_but_refused_by_a_writing_one(
    loaded: Path,
) -> None:
    with EmbeddedStore(loaded) as store:
        expected = everything(store)
    damage(loaded, 3)
    with EmbeddedStore(loaded, check_history=False) as store:
        assert everything(store) == expected  # the snapshot holds batch 3's effects, checked whole
    with pytest.raises(JournalCorrupt, match=r"seq 3: crc32 mismatch\) before intact batch 4"):
        EmbeddedStore(loaded)


def test_damage_in_the_tail_is_refused_by_a_reading_open(loaded: Path) -> None:
    first, *_ = tail(loaded)
    damage(loaded, first)
    with pytest.raises(
        JournalCorrupt, match=rf"seq {first}: crc32 mismatch\) before intact batch {first + 1}"
    ):
        EmbeddedStore(loaded, check_history=False)
    check = subprocess.run(
        [sys.executable, "-m", "graph", "check", "dataset:any:thing", "--data-dir", str(loaded)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert check.returncode == 2, check.stderr
    assert (
        "cannot open the store" in check.stderr and f"seq {first}: crc32 mismatch" in check.stderr
    )


def test_a_torn_tail_is_dropped_by_a_reading_open_as_by_any_start(loaded: Path) -> None:
    *_, last = tail(loaded)
    damage(loaded, last)
    with EmbeddedStore(loaded, check_history=False) as store:
        assert [d.seq for d in store.journal.torn_tail] == [last]


def test_a_check_process_ends_without_freeing_its_graph_and_its_output_is_whole(
    loaded: Path,
) -> None:
    """``graph.cli.one_shot``: the process ends by ``os._exit`` once its output is flushed (the
    interpreter's teardown, which would free the graph, never runs); the piped stdout must still
    carry the whole report and the exit code the verdict."""
    check = as_the_command(
        "check", fd.col("customers", "email"), "--format", "json", "--data-dir", str(loaded)
    )
    report = json.loads(check.stdout)
    assert report["verdict"] == "BREAKING" and report["affected"], report
    assert check.returncode == 1 and check.stderr == ""


def test_a_command_run_inside_another_process_does_not_end_it() -> None:
    """A caller running the CLI in its own process (pytest here) gets SystemExit, not os._exit."""
    assert not one_shot.owns_process()
    one_shot.hold_until_exit(object())
    with pytest.raises(SystemExit) as ended:
        one_shot.exit(1)
    assert ended.value.code == 1
