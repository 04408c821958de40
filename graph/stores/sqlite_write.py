"""One write transaction on an SQLite file the store keeps (the journal, the raw event log).

``BEGIN IMMEDIATE`` takes the write lock up front, so a transaction never fails half way on
another writer; any failure rolls it back, and an SQLite error (disk full, an I/O error, the lock
held past the busy timeout) becomes ``StoreUnavailable`` with nothing written: the caller answers
503 and the client retries.
"""

from __future__ import annotations

import contextlib
import sqlite3

from graph.stores import StoreUnavailable


class WriteTransaction:
    """``with WriteTransaction(db, "journal /x/journal.sqlite"):`` statements, then COMMIT (or
    ROLLBACK, when the body raised or called :meth:`abandon`)."""

    def __init__(self, db: sqlite3.Connection, what: str) -> None:
        self._db, self._what = db, what
        self.abandoned = False

    def abandon(self) -> None:
        """Roll back what the body wrote when it ends, as if it had written nothing."""
        self.abandoned = True

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: object
    ) -> None:
        if kind is None and self.abandoned:
            rollback(self._db)
            return
        if kind is None:
            try:
                self._db.execute("COMMIT")
                return
            except sqlite3.OperationalError as e:
                error = e
        rollback(self._db)
        if isinstance(error, sqlite3.OperationalError):
            raise StoreUnavailable(f"{self._what} cannot be written: {error}") from error


def rollback(db: sqlite3.Connection) -> None:
    """Roll back what is open, if SQLite has not already (it has after SQLITE_FULL, say)."""
    if db.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
