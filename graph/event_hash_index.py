"""The raw event log's index of the events it keeps, by the hash of their bytes
(``graph.event_log.event_hash``), written so that an append does not rewrite the whole index.

``event_hashes`` is keyed by a random 16-byte hash: a block's ~500 hashes land at random places
in it, so every append dirtied nearly every leaf page of the index (~2 MB of 64 KiB pages on the
20k mesh, growing with the log), which the commit wrote to the write-ahead log and a checkpoint
wrote again. So an append adds its rows to ``event_hashes_staged`` instead, a small table of its
own (its index a few pages: those are all an append dirties), and once it holds
:data:`STAGED_ROWS` they are merged into ``event_hashes`` in key order in the append's
transaction, each leaf page written once for ~16 blocks. Lookups ask both (:meth:`HashIndex.kept`).
The staging is ``graph.staged_index``'s, as the subjects' is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from graph.staged_index import StagedIndex

#: Rows staged before a merge: ~16 blocks of a mesh's events, an index of a few 64 KiB pages.
STAGED_ROWS = 8_192
_LOOKUP = 500  # hashes looked up per query (SQLite's default limit of host parameters is 32766)

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS event_hashes (hash BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS event_hashes_seq ON event_hashes (seq)",
    (
        "CREATE TABLE IF NOT EXISTS event_hashes_staged (hash BLOB PRIMARY KEY, seq INTEGER NOT NULL) "
        "WITHOUT ROWID"
    ),
)


class HashIndex(StagedIndex):
    """The index on ``db``; the writing methods run inside the caller's write transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        super().__init__(db, "event_hashes", "hash", SCHEMA)

    def staged_limit(self) -> int:
        return STAGED_ROWS

    def kept(self, hashes: Sequence[bytes]) -> set[bytes]:
        """Those of ``hashes`` the index holds, staged or merged."""
        found: set[bytes] = set()
        for start in range(0, len(hashes), _LOOKUP):
            part = list(hashes[start : start + _LOOKUP])
            marks = ",".join("?" * len(part))
            found.update(
                row[0]
                for row in self._db.execute(
                    f"SELECT hash FROM event_hashes WHERE hash IN ({marks}) UNION ALL "
                    f"SELECT hash FROM event_hashes_staged WHERE hash IN ({marks})",
                    part + part,
                )
            )
        return found

    def add_merged(self, seq: int, hashes: Iterable[bytes]) -> None:
        """Index the events of block ``seq`` straight into ``event_hashes``, a repeat ignored (the
        index made for a log written before it existed)."""
        self._db.executemany(
            "INSERT OR IGNORE INTO event_hashes (hash, seq) VALUES (?, ?)",
            [(digest, seq) for digest in hashes],
        )
