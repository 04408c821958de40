"""An append-only, fsync'ed journal of mutation batches in SQLite (WAL mode).

The embedded store keeps the graph in memory and this journal on disk: a batch is acknowledged
only after its journal row is committed with ``synchronous=FULL``, and start-up replays every row.
SQLite's own WAL recovery discards a torn tail, so replay always ends on the last complete batch.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import Iterator

log = logging.getLogger(__name__)


class Journal:
    """Durable, ordered storage of encoded mutation batches."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL)"
        )

    def append(self, payloads: list[bytes]) -> None:
        """Write batches in one transaction; returns once they are on disk."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT INTO batches (payload) VALUES (?)", ((p,) for p in payloads))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def replay(self) -> Iterator[bytes]:
        """Every committed batch, oldest first."""
        cursor = self._db.execute("SELECT payload FROM batches ORDER BY seq")
        while rows := cursor.fetchmany(1024):
            for (payload,) in rows:
                yield payload

    def close(self) -> None:
        with self._lock:
            self._db.close()
