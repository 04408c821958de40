"""Row counts of the raw event log's staged indexes (``graph.staged_index``: subjects and event
hashes), for the tests of each: what a table holds, and that aged-out blocks left none."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path


def rows(path: Path, table: str) -> int:
    """The rows of ``table`` in the event log at ``path``."""
    db = sqlite3.connect(path)
    try:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
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
