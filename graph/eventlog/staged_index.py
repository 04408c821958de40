"""An index of the raw event log keyed by (key, block seq) whose appends do not rewrite it.

A block's keys (the subjects it names, the hashes of its events) land at random places in a
key-ordered index, so every append dirtied nearly every leaf page of it, which the commit wrote to
the write-ahead log and a checkpoint wrote again. So an append stages its keys, and once the
index's limit of keys is staged they are merged in key order, inside the append's transaction:
each leaf page written once for many blocks. Readers ask every level.

A block's staged keys are one row of ``{table}_staged_blocks`` (seq, keys packed, their count),
which SQLite itself unpacks for a read or a merge (:meth:`StagedIndex.staged_rows`). A row per key
cost the applying thread 2-4 µs a key on the 20k mesh's re-runs (Python binding each row, and for
the hashes an insert into a 64 KiB page, the journal's page size, shifting half of it): ~2,100
keys a 500-event block, a tenth of what applying a block cost. ``graph.eventlog.subject_index`` and
``graph.eventlog.event_hash_index`` are the two indexes; this is their one staging rule.

The staged keys are merged into ``{table}_recent``, a level of the same shape bounded at
:meth:`StagedIndex.recent_limit` keys, and that level into ``{table}`` once it is full. A merge's
keys land all over the tree it goes into, so it rewrote nearly every leaf page of the whole index
each time, and the index grows with the log: merges and the commits of the pages they dirtied
became the largest part of a 1M-dataset load's apply. Into the bounded level a merge rewrites at
most its pages; the whole index once per :data:`RECENT_STAGINGS` merges.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from typing import Generic, TypeVar

from graph.stores.sqlite_write import WriteTransaction

Key = TypeVar("Key", str, bytes)

#: The recent level holds this many stagings' keys before it is merged into the index (read at
#: each merge, so a test can lower it).
RECENT_STAGINGS = 16


class StagedIndex(ABC, Generic[Key]):
    """``table`` and ``{table}_recent`` (columns ``key``, ``seq``; ``schema``: the statements
    making one, with ``{name}`` for its name) and ``{table}_staged_blocks`` on ``db``; the writing
    methods run inside the caller's write transaction."""

    def __init__(self, db: sqlite3.Connection, table: str, key: str, schema: Sequence[str]) -> None:
        self._db = db
        self._table = table
        self._key = key
        for name in self.levels():
            for statement in schema:
                db.execute(statement.format(name=name))
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {table}_staged_blocks "
            "(seq INTEGER PRIMARY KEY, keys NOT NULL, count INTEGER NOT NULL)"
        )
        self._merge_rows_staged_before()
        self._staged: int = db.execute(
            f"SELECT coalesce(sum(count), 0) FROM {table}_staged_blocks"
        ).fetchone()[0]
        self._recent: int = db.execute(f"SELECT count(*) FROM {table}_recent").fetchone()[0]

    @abstractmethod
    def staged_limit(self) -> int:
        """Keys staged before a merge (read at each append, so a test can lower it)."""

    def recent_limit(self) -> int:
        """Keys the recent level holds before it is merged into the index."""
        return RECENT_STAGINGS * self.staged_limit()

    @abstractmethod
    def pack(self, keys: Collection[Key]) -> str | bytes:
        """A block's keys as one value, which :meth:`unpacked` reads back in SQL."""

    @abstractmethod
    def unpacked(self) -> str:
        """A SELECT of (``key``, ``seq``) rows, one a key, from ``{table}_staged_blocks``."""

    def staged_rows(self) -> str:
        """The staged keys as a table expression with columns ``key`` and ``seq``."""
        return f"({self.unpacked()})"

    def add(self, seq: int, keys: Collection[Key]) -> None:
        """Index block ``seq`` under each of ``keys``: staged, merged once the limit is reached."""
        if not keys:
            return
        self._db.execute(
            f"INSERT INTO {self._table}_staged_blocks (seq, keys, count) VALUES (?, ?, ?)",
            (seq, self.pack(keys), len(keys)),
        )
        self._staged += len(keys)
        if self._staged >= self.staged_limit():
            self.merge()

    def merge(self) -> None:
        """Move the staged keys into the recent level, in key order; that level into the index
        once it holds :meth:`recent_limit` keys."""
        moved = self._move(self.staged_rows(), f"{self._table}_recent")
        self._db.execute(f"DELETE FROM {self._table}_staged_blocks")
        self._staged = 0  # a rollback leaves keys staged: merged by a later append all the same
        self._recent += max(moved, 0)
        if self._recent >= self.recent_limit():
            self._move(f"{self._table}_recent", self._table)
            self._db.execute(f"DELETE FROM {self._table}_recent")
            self._recent = 0

    def rows(self) -> str:
        """Every level's keys as one table expression with columns ``key`` and ``seq``."""
        merged = " UNION ALL ".join(f"SELECT {self._key}, seq FROM {t}" for t in self.levels())
        return f"({merged} UNION ALL {self.unpacked()})"

    def levels(self) -> tuple[str, str]:
        """The keyed tables a key is found in once merged: the index and its recent level."""
        return self._table, f"{self._table}_recent"

    def remove(self, seq: int) -> None:
        """Block ``seq`` no longer indexed (its events aged out)."""
        for table in (*self.levels(), f"{self._table}_staged_blocks"):
            self._db.execute(f"DELETE FROM {table} WHERE seq = ?", (seq,))

    def _merge_rows_staged_before(self) -> None:
        """A log written by an older lineagemesh staged a row a key in ``{table}_staged``: those
        are merged into the index, and the table dropped, in one transaction."""
        staged_before = f"{self._table}_staged"
        if not self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (staged_before,)
        ).fetchone():
            return
        with WriteTransaction(self._db, f"raw event log index {self._table}") as db:
            self._move(staged_before, self._table)
            db.execute(f"DROP TABLE {staged_before}")

    def _move(self, source: str, into: str) -> int:
        """Copy the (key, seq) rows of ``source`` (a table or table expression) into the keyed
        table ``into``, in key order (each leaf page written once), a row it has ignored;
        returns how many went in."""
        return self._db.execute(
            f"INSERT OR IGNORE INTO {into} ({self._key}, seq) "
            f"SELECT {self._key}, seq FROM {source} ORDER BY {self._key}, seq"
        ).rowcount
