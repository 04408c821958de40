"""An index of the raw event log keyed by (key, block seq) whose appends do not rewrite it.

A block's keys (the subjects it names, the hashes of its events) land at random places in a
key-ordered index, so every append dirtied nearly every leaf page of it, which the commit wrote to
the write-ahead log and a checkpoint wrote again. So an append adds its rows to ``{table}_staged``,
a small table of its own, and once it holds the index's limit of rows they are merged into
``{table}`` in key order, inside the append's transaction: each leaf page written once for many
blocks. Readers ask both tables. ``graph.subject_index`` and ``graph.event_hash_index`` are the
two indexes; this is their one staging rule.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence


class StagedIndex(ABC):
    """``table`` and ``{table}_staged``, columns (``key``, ``seq``), on ``db``; the writing methods
    run inside the caller's write transaction."""

    def __init__(self, db: sqlite3.Connection, table: str, key: str, schema: Sequence[str]) -> None:
        self._db = db
        self._table = table
        self._key = key
        for statement in schema:
            db.execute(statement)
        self._staged: int = db.execute(f"SELECT count(*) FROM {table}_staged").fetchone()[0]

    @abstractmethod
    def staged_limit(self) -> int:
        """Rows staged before a merge (read at each append, so a test can lower it)."""

    def add(self, seq: int, keys: Iterable[object]) -> None:
        """Index block ``seq`` under each of ``keys``: staged, merged once the limit is reached."""
        rows = [(key, seq) for key in keys]
        self._db.executemany(
            f"INSERT INTO {self._table}_staged ({self._key}, seq) VALUES (?, ?)", rows
        )
        self._staged += len(rows)
        if self._staged >= self.staged_limit():
            self.merge()

    def merge(self) -> None:
        """Move the staged rows into the index, in key order."""
        self._db.execute(
            f"INSERT OR IGNORE INTO {self._table} ({self._key}, seq) "
            f"SELECT {self._key}, seq FROM {self._table}_staged ORDER BY {self._key}, seq"
        )
        self._db.execute(f"DELETE FROM {self._table}_staged")
        self._staged = 0  # a rollback leaves rows staged: merged by a later append all the same

    def remove(self, seq: int) -> None:
        """Block ``seq`` no longer indexed (its events aged out)."""
        self._db.execute(f"DELETE FROM {self._table} WHERE seq = ?", (seq,))
        self._db.execute(f"DELETE FROM {self._table}_staged WHERE seq = ?", (seq,))
