"""The raw event log's index of which blocks name a subject (a job, run or dataset id), written
so that an append does not rewrite the whole index.

``subjects`` is keyed by (subject, seq): a block of 500 events names ~1,600 subjects, each at a
random place in it, so every append dirtied nearly every leaf page of the index, and each
transaction wrote them all to the write-ahead log (and a checkpoint wrote them again). On the
20k mesh's re-run that was ~16 MB written per 500-event batch, growing with the log (the journal
keeps the log in 64 KiB pages): most of the commit's time. So an append stages its subjects, one
row a block holding them as a JSON array (``subjects_staged_blocks``, read by SQLite's
``json_each``), and once :data:`STAGED_ROWS` are staged they are merged in the append's
transaction, through ``subjects_recent`` into ``subjects`` (``graph.eventlog.staged_index``), each leaf page
written once for ~20 blocks. Readers see every level (``SubjectIndex.rows``): the staged subjects
are at most :data:`STAGED_ROWS` and a block's, a scan of a few MiB.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

import orjson

from graph.eventlog.staged_index import StagedIndex

#: Subjects staged before a merge: ~20 blocks of a mesh's events, ~2 MiB to scan on a read.
STAGED_ROWS = 32_768

SCHEMA = (
    (
        "CREATE TABLE IF NOT EXISTS {name} (subject TEXT NOT NULL, seq INTEGER NOT NULL, "
        "PRIMARY KEY (subject, seq)) WITHOUT ROWID"
    ),
)

_UNPACKED = (
    "SELECT staged.value AS subject, block.seq AS seq "
    "FROM subjects_staged_blocks AS block, json_each(block.keys) AS staged"
)


class SubjectIndex(StagedIndex[str]):
    """The index on ``db``; every method runs inside the caller's write transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        super().__init__(db, "subjects", "subject", SCHEMA)

    def staged_limit(self) -> int:
        return STAGED_ROWS

    def pack(self, keys: Collection[str]) -> str:
        return orjson.dumps(list(keys)).decode()

    def unpacked(self) -> str:
        return _UNPACKED
