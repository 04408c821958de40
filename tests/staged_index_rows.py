"""Row counts of the raw event log's staged indexes (``graph.eventlog.staged_index``: subjects and event
hashes), for the tests of each: what a table holds, and that aged-out blocks left none."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graph.eventlog.event_log import EventLog
from graph.intake.ingest_service import translate_events


def rows(path: Path, table: str) -> int:
    """The rows of ``table`` in the event log at ``path``."""
    db = sqlite3.connect(path)
    try:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def has_table(path: Path, table: str) -> bool:
    db = sqlite3.connect(path)
    try:
        return bool(
            db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchall()
        )
    finally:
        db.close()


def aged_out(path: Path, tables: Sequence[str]) -> list[int]:
    """The seqs of the blocks aged out (kept as mutations only), each checked to have no row
    left in any of ``tables`` (an index and its staged rows)."""
    db = sqlite3.connect(path)
    try:
        aged = [seq for (seq,) in db.execute("SELECT seq FROM blocks WHERE kind = 'mutations'")]
        for table in tables:
            left = db.execute(
                f"SELECT count(*) FROM {table} WHERE seq IN ({','.join('?' * len(aged))})",
                aged,
            ).fetchone()[0]
            assert left == 0, table
        return aged
    finally:
        db.close()


def _staged_log(directory: Path, events: list[dict[str, Any]]) -> Path:
    """A log in ``directory`` of ``events``, three a block, every key still staged (the limits
    are far above a few events'); returns its path."""
    with EventLog(directory) as log:
        for i in range(0, len(events), 3):
            block = translate_events(events[i : i + 3]).block
            assert block is not None
            log.append(block)
        return log.path


def _stage_as_before(path: Path, table: str, key: str) -> int:
    """Turn the log at ``path`` (closed) into one an older lineagemesh wrote, whose staged keys
    were a row each in ``{table}_staged`` (``key``, seq), with no ``{table}_staged_blocks``.
    Returns how many keys are staged that way."""
    db = sqlite3.connect(path)
    try:
        staged: list[tuple[object, int]] = []
        for seq, keys in db.execute(f"SELECT seq, keys FROM {table}_staged_blocks"):
            if isinstance(keys, str):  # subjects: a JSON array
                staged += [(subject, seq) for subject in json.loads(keys)]
            else:  # event hashes: 16 bytes each, end to end
                staged += [(keys[i : i + 16], seq) for i in range(0, len(keys), 16)]
        with db:
            db.execute(f"CREATE TABLE {table}_staged ({key} NOT NULL, seq INTEGER NOT NULL)")
            db.executemany(f"INSERT INTO {table}_staged VALUES (?, ?)", staged)
            db.execute(f"DROP TABLE {table}_staged_blocks")
        return len(staged)
    finally:
        db.close()


def older_log(
    directory: Path, events: list[dict[str, Any]], table: str, key: str
) -> tuple[Path, int]:
    """A log in ``directory`` of ``events`` (none of their keys in ``table`` yet) as an older
    lineagemesh left it (``_stage_as_before``): its path and how many keys it staged."""
    path = _staged_log(directory, events)
    assert rows(path, table) == 0
    return path, _stage_as_before(path, table, key)


def merged(path: Path, table: str) -> None:
    """The keys an older lineagemesh staged in the log at ``path`` merged into ``table``, a
    staged block left neither in the current form nor in the older."""
    assert rows(path, table) > 0 and rows(path, f"{table}_staged_blocks") == 0
    assert not has_table(path, f"{table}_staged")
