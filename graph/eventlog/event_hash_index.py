"""The raw event log's index of the events it keeps, by the hash of their bytes
(``graph.eventlog.event_log.event_hash``), written so that an append does not rewrite the whole index.

``event_hashes`` is keyed by a random 16-byte hash: a block's ~500 hashes land at random places
in it, so every append dirtied nearly every leaf page of the index (~2 MB of 64 KiB pages on the
20k mesh, growing with the log), which the commit wrote to the write-ahead log and a checkpoint
wrote again. So an append stages its hashes, one row a block holding them end to end
(``event_hashes_staged_blocks``; SQLite cuts them apart for a merge), and once
:data:`STAGED_ROWS` are staged they are merged in key order in the append's transaction, through
``event_hashes_recent`` into ``event_hashes``, each leaf page written once for ~16 blocks.
Lookups ask every level (:meth:`HashIndex.kept`), and only of the hashes a filter in memory
(``graph._native.HashFilter``, ~1.2 bytes an event, made from every level when first asked) says
the index may hold: asking SQLite of every hash of every block was ~2 ms a block of the applying
thread on the 20k mesh, and grew with the log, where nearly every event is new. The staging is
``graph.eventlog.staged_index``'s, as the subjects' is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Sequence

from graph._native import HashFilter
from graph.eventlog.staged_index import StagedIndex

#: Hashes staged before a merge: ~16 blocks of a mesh's events.
STAGED_ROWS = 8_192
HASH_BYTES = 16  # an event's hash: 128 bits (graph.eventlog.event_log.event_hash)
_LOOKUP = 500  # hashes looked up per query (SQLite's default limit of host parameters is 32766)
_FILTER_LEAST = 65_536  # hashes a filter is sized for at least
_FILTER_READ = 65_536  # hashes read a query while a filter is made

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS {name} (hash BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS {name}_seq ON {name} (seq)",
)

# A staged block's hashes, cut apart: the i-th is bytes i*16 .. i*16+15 of its row's ``keys``.
_UNPACKED = (
    "WITH RECURSIVE at(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM at "
    "WHERE i + 1 < (SELECT max(count) FROM event_hashes_staged_blocks)) "
    f"SELECT substr(block.keys, at.i * {HASH_BYTES} + 1, {HASH_BYTES}) AS hash, block.seq AS seq "
    "FROM event_hashes_staged_blocks AS block JOIN at ON at.i < block.count"
)


class HashIndex(StagedIndex[bytes]):
    """The index on ``db``; the writing methods run inside the caller's write transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        super().__init__(db, "event_hashes", "hash", SCHEMA)
        self._sets: dict[int, tuple[bytes, frozenset[bytes]]] = {}  # seq: (its row's keys, set)
        self._filter: HashFilter | None = None  # made when first asked (:meth:`_filtering`)
        self._filtered = 0  # hashes added to it
        self._version: int | None = None  # the database's data_version it was made at
        self._reading: list[str] = []  # the levels still to read into it, the first from:
        self._after = b""  # (the last hash read of it)

    def staged_limit(self) -> int:
        return STAGED_ROWS

    def pack(self, keys: Collection[bytes]) -> bytes:
        packed = b"".join(keys)
        assert len(packed) == HASH_BYTES * len(keys), "every hash is HASH_BYTES long"
        return packed

    def unpacked(self) -> str:
        return _UNPACKED

    def add(self, seq: int, keys: Collection[bytes]) -> None:
        super().add(seq, keys)
        self._filter_add(keys)

    def kept(self, hashes: Sequence[bytes]) -> set[bytes]:
        """Those of ``hashes`` the index holds, staged or merged."""
        held = self._filtering()
        if held is None:
            return self._held(hashes)
        maybe = held.maybe(b"".join(hashes))
        return self._held([hashes[i] for i in maybe]) if maybe else set()

    def _held(self, hashes: Sequence[bytes]) -> set[bytes]:
        """Those of ``hashes`` the index holds, asked of every level."""
        found: set[bytes] = set()
        for start in range(0, len(hashes), _LOOKUP):
            part = list(hashes[start : start + _LOOKUP])
            marks = ",".join(f"?{i}" for i in range(1, len(part) + 1))  # bound once, asked twice
            asked = " UNION ALL ".join(
                f"SELECT hash FROM {level} WHERE hash IN ({marks})" for level in self.levels()
            )
            found.update(row[0] for row in self._db.execute(asked, part))
        for staged in self._staged_sets():
            found.update(staged.intersection(hashes))
        return found

    def _staged_sets(self) -> list[frozenset[bytes]]:
        """Each staged block's hashes as a set. Cutting a block's row apart in SQL at every lookup
        cost more than the lookup in ``event_hashes`` (~16 blocks of ~500 hashes); a block's set
        is kept with the row it was made from, and made again whenever that row is not the one
        the table holds now (a transaction rolled back, a seq taken again), so it is always the
        table's."""
        sets: dict[int, tuple[bytes, frozenset[bytes]]] = {}
        for seq, keys in self._db.execute("SELECT seq, keys FROM event_hashes_staged_blocks"):
            known = self._sets.get(seq)
            if known is None or known[0] != keys:
                known = (
                    keys,
                    frozenset(keys[i : i + HASH_BYTES] for i in range(0, len(keys), HASH_BYTES)),
                )
            sets[seq] = known
        self._sets = sets
        return [hashes for _, hashes in sets.values()]

    def add_merged(self, seq: int, hashes: Iterable[bytes]) -> None:
        """Index the events of block ``seq`` straight into ``event_hashes``, a repeat ignored (the
        index made for a log written before it existed)."""
        listed = list(hashes)
        self._db.executemany(
            "INSERT OR IGNORE INTO event_hashes (hash, seq) VALUES (?, ?)",
            [(digest, seq) for digest in listed],
        )
        self._filter_add(listed)

    def _filter_add(self, hashes: Collection[bytes]) -> None:
        """The filter told of hashes indexed (a transaction rolled back after leaves them in it:
        a false positive, which the levels then answer)."""
        if self._filter is not None and hashes:
            self._filter.add(self.pack(hashes))
            self._filtered += len(hashes)

    def _filtering(self) -> HashFilter | None:
        """The filter of every hash the index holds; None while it is being made, or cannot be (a
        level holding a value that is no 16-byte hash, written by hand): every level is asked
        then. It is made when first asked, and again when another connection has written the
        database since (its ``data_version``) or more hashes were added than it was sized for,
        a slice of the levels a call (:data:`_FILTER_READ` hashes): a large log's (~1.75M hashes
        on the 1M mesh) take ~1.4 s to read, which one block's write would otherwise wait for."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        held = self._filter
        if version != self._version or (held is not None and self._filtered > held.capacity):
            self._start_filter(version)
        if self._reading:
            try:
                self._read_slice()
            except (TypeError, ValueError):
                self._filter, self._reading = None, []  # (until another connection writes)
        return None if self._reading else self._filter

    def _start_filter(self, version: int) -> None:
        counted = " + ".join(f"(SELECT count(*) FROM {level})" for level in self.levels())
        staged = f"(SELECT coalesce(sum(count), 0) FROM {self._table}_staged_blocks)"
        total = self._db.execute(f"SELECT {counted} + {staged}").fetchone()[0]
        self._filter = HashFilter(max(2 * total, _FILTER_LEAST))
        self._filtered, self._version = total, version
        self._reading, self._after = list(self.levels()), b""

    def _read_slice(self) -> None:
        """The next slice of the level being read into the filter (hashes indexed meanwhile go
        into it as they are added); the staged blocks after the last level."""
        assert self._filter is not None
        level = self._reading[0]
        page = self._db.execute(
            f"SELECT hash FROM {level} WHERE hash > ? ORDER BY hash LIMIT ?",
            (self._after, _FILTER_READ),
        ).fetchall()
        if page:
            self._filter.add(b"".join(row[0] for row in page))
            self._after = page[-1][0]
        if len(page) < _FILTER_READ:
            self._reading.pop(0)
            self._after = b""
            if not self._reading:
                for (keys,) in self._db.execute(f"SELECT keys FROM {self._table}_staged_blocks"):
                    self._filter.add(keys)
