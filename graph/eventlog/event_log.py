"""The raw event log: every accepted OpenLineage event as the producer sent it, compressed.

The journal of a store keeps translated mutations; this log keeps what producers actually sent,
so that a fixed translator can rebuild the graph (``lineagemesh reindex``) and the events can be
read back (GraphQL ``events``, the Marquez ``/api/v1/events/lineage`` shape).

One SQLite file (``events.sqlite``, WAL, ``synchronous=FULL``) in a directory: the embedded
store's data dir, or the ``--event-log`` directory of a Neo4j deployment. Events arrive in
*blocks* (one HTTP request, one 500-event chunk of a file, one poll of a topic): a block is one
row, its events framed (a 4-byte length each) and compressed together with zstd, which shrinks a
chunk of mesh events ~8x at ~1 GB/s; per event, compression would cost more and save less. A
block of ``mutations`` kind holds the translated mutations (wire form, zstd) of an ingester whose
translation is not a pure function of a document (a catalog crawl reads the graph), or of
OpenLineage events aged out by retention: reindex replays it as it is, so lineage outlives the
raw events. ``subjects`` indexes which blocks mention a job, run or dataset (``graph.core.model`` ids;
``graph.eventlog.subject_index``: staged, then merged, so an append does not rewrite it).

A block is durable before its events are applied and acknowledged. An event byte-identical to one
the log already keeps is not kept again (``event_hashes``: a 128-bit BLAKE2b of each kept event's
bytes; ``graph.eventlog.event_hash_index``: staged, then merged, as the subjects are): a client retrying
after a failure, a Kafka consumer getting a batch again, or a writer re-sending one event over and
over add nothing to the disk. The event is still applied and
acknowledged as before (ingest is an idempotent merge). A log written before the index existed is
indexed when opened (its earlier repeats stay; later ones are dropped).
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import os
import sqlite3
import struct
import threading
import time
from abc import ABC, abstractmethod
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import zstandard

from graph.core.model import dataset_id, job_id, run_id
from graph.eventlog.event_hash_index import HASH_BYTES, HashIndex
from graph.eventlog.subject_index import SubjectIndex
from graph.stores.journal import Journal, hold_lock_file
from graph.stores.sqlite_write import WriteTransaction

FILE_NAME = "events.sqlite"
REINDEX_AFTER = (
    "reindex_after"  # meta key: a reindex is under way, and has applied the blocks up to this seq
)
NEO4J_DEFAULT = Path("~/.lineagemesh/event-log")
OPENLINEAGE = "openlineage"
MUTATIONS = "mutations"
_LEVEL = 1  # zstd level: ~8x on mesh events at ~1 GB/s; level 3 saved ~10 % more at half the speed
_FRAME = struct.Struct("<I")

_SCHEMA = (
    (
        "CREATE TABLE IF NOT EXISTS blocks (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, "
        "received_at REAL NOT NULL, events INTEGER NOT NULL, payload BLOB NOT NULL)"
    ),
    "CREATE TABLE IF NOT EXISTS {meta} (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
# The events kept, by the hash of their bytes (a byte-identical event is not kept again), are
# ``graph.eventlog.event_hash_index``.
HASHED = "event_hashes"  # meta key: "done", or the last seq indexed while indexing an older log


def event_hash(raw: bytes) -> bytes:
    """What identifies an event's bytes in the log: 128 bits of BLAKE2b (a collision between two
    different events is out of reach: ~2**64 events before one is likely)."""
    return hashlib.blake2b(raw, digest_size=HASH_BYTES).digest()


#: Each OpenLineage block's events' eventTimes (Unix seconds, NaN for none; float64 each, in order)
#: and their earliest and latest, so reading events by eventTime reads no payload it does not show.
_TIME_COLUMNS = (("times", "BLOB"), ("first_time", "REAL"), ("last_time", "REAL"))
_TIME_INDEXES = (
    "CREATE INDEX IF NOT EXISTS blocks_first_time ON blocks (first_time)",
    "CREATE INDEX IF NOT EXISTS blocks_last_time ON blocks (last_time)",
)


@dataclass(frozen=True, slots=True)
class Block:
    """What one append writes: its kind, how many events, the compressed payload and the ids of
    the jobs, runs and datasets its events name. Made where the events are translated (a worker
    process, for a file), so the process applying only writes it."""

    kind: str
    events: int
    payload: bytes
    subjects: frozenset[str] = frozenset()
    times: bytes | None = None  # the events' eventTimes (``event_times``); None for mutations
    hashes: tuple[bytes, ...] = ()  # each event's ``event_hash``, in order (OpenLineage blocks)
    received_at: float | None = None  # None: now (a migrated block keeps its own)


def subjects_of(event: Any) -> set[str]:
    """The node ids an OpenLineage event names: its job, its run, its datasets (a valid event)."""
    found: set[str] = set()
    if not isinstance(event, dict):
        return found
    job, run = event.get("job"), event.get("run")
    if (
        isinstance(job, dict)
        and isinstance(job.get("namespace"), str)
        and isinstance(job.get("name"), str)
    ):
        found.add(job_id(job["namespace"], job["name"]))
    if isinstance(run, dict) and isinstance(run.get("runId"), str):
        found.add(run_id(run["runId"]))
    datasets = [event.get("dataset"), *(event.get("inputs") or ()), *(event.get("outputs") or ())]
    for dataset in datasets:
        if (
            isinstance(dataset, dict)
            and isinstance(dataset.get("namespace"), str)
            and isinstance(dataset.get("name"), str)
        ):
            found.add(dataset_id(dataset["namespace"], dataset["name"]))
    return found


def event_time(value: Any) -> float:
    """An event's ``eventTime`` as Unix seconds (a time without offset read as UTC); NaN for none."""
    if not isinstance(value, str):
        return float("nan")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return float("nan")
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _times_of(raws: Sequence[bytes]) -> list[float]:
    times = []
    for raw in raws:
        try:
            event = orjson.loads(raw)
        except orjson.JSONDecodeError:
            event = None
        times.append(event_time(event.get("eventTime") if isinstance(event, dict) else None))
    return times


def pack_events(
    raws: Sequence[bytes], subjects: Iterable[str], moments: Sequence[float] | None = None
) -> Block:
    """A block of OpenLineage events (each its JSON bytes); ``moments``: their ``event_time``s
    where the caller has them (else read from the JSON)."""
    # Each event's length and bytes joined once (not each copied onto its prefix first).
    pieces: list[bytes] = []
    for raw in raws:
        pieces.append(_FRAME.pack(len(raw)))
        pieces.append(raw)
    framed = b"".join(pieces)
    if moments is None:
        moments = _times_of(raws)
    return Block(
        OPENLINEAGE,
        len(raws),
        zstandard.ZstdCompressor(level=_LEVEL).compress(framed),
        frozenset(subjects),
        array("d", moments).tobytes(),
        tuple(event_hash(raw) for raw in raws),
    )


def time_bounds(times: bytes | None) -> tuple[float | None, float | None]:
    known = [t for t in array("d", times or b"") if t == t]
    return (min(known), max(known)) if known else (None, None)


def pack_mutations(payload: bytes, events: int = 0) -> Block:
    """A block of mutations in the wire form (``graph.core.mutations``), kept as they are."""
    return Block(MUTATIONS, events, zstandard.ZstdCompressor(level=_LEVEL).compress(payload))


def unpack_events(payload: bytes) -> list[bytes]:
    """The events of an OpenLineage block's payload, each its JSON bytes."""
    framed = _decompress(payload)
    events, at = [], 0
    while at < len(framed):
        (size,) = _FRAME.unpack_from(framed, at)
        events.append(framed[at + 4 : at + 4 + size])
        at += 4 + size
    return events


def _decompress(payload: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompress(payload)


def without_kept(block: Block, kept: set[bytes]) -> Block | None:
    """``block`` without the events whose hashes are in ``kept`` or repeated earlier in it (None:
    nothing is left); the block itself when every event is new (no recompression)."""
    distinct = set(block.hashes)
    if not kept and len(distinct) == len(block.hashes):
        return block
    seen = set(kept)
    wanted: list[int] = []
    for index, digest in enumerate(block.hashes):
        if digest not in seen:
            seen.add(digest)
            wanted.append(index)
    if not wanted:
        return None
    raws = unpack_events(block.payload)
    times = array("d", block.times or b"")
    framed = b"".join(_FRAME.pack(len(raws[i])) + raws[i] for i in wanted)
    return Block(
        block.kind,
        len(wanted),
        zstandard.ZstdCompressor(level=_LEVEL).compress(framed),
        block.subjects,  # of all its events: reading by subject checks each event again
        array("d", [times[i] for i in wanted]).tobytes() if times else None,
        tuple(block.hashes[i] for i in wanted),
        block.received_at,
    )


@dataclass(frozen=True, slots=True)
class StoredBlock:
    seq: int
    kind: str
    received_at: float
    events: int
    payload: bytes  # compressed

    def event_bytes(self) -> list[bytes]:
        return unpack_events(self.payload) if self.kind == OPENLINEAGE else []

    def mutations(self) -> bytes:
        """A mutations block's wire-form batch."""
        return _decompress(self.payload)


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event read back: where it is in the log (``cursor``), when it was received, its JSON."""

    cursor: str
    received_at: float
    event: Any


class RawEventLog(ABC):
    """What every form of the log does. A deployment has one: in the embedded store's journal
    (:class:`EventLog`), or in the Neo4j database beside the graph
    (``graph.stores.neo4j.event_blocks``). Blocks ride on the store's write
    (:meth:`riding`): the store writes them in the transaction of the mutations they made, so
    a block is kept exactly when what it made is."""

    path: Path | str  # where it is, for messages

    def __init__(self) -> None:
        self._riding_here = threading.local()

    @contextlib.contextmanager
    def riding(self, blocks: Sequence[Block | None]) -> Iterator[list[Block]]:
        """Blocks to write with the next store write of this thread (the store calls
        :meth:`write_riding` in its transaction), as a list the body may add to before that
        write; written on their own, in one transaction, when the body wrote nothing to the
        store (a batch already applied). Nothing is written when the body raises: the client's
        retry sends the events again."""
        kept = [b for b in blocks if b is not None and (b.events or b.kind == MUTATIONS)]
        self._prepare()
        here = self._riding_here
        here.blocks, here.written, here.seqs = kept, False, []
        try:
            yield kept
            if kept and not here.written:
                self.append_all(kept)
        finally:
            here.blocks, here.written = None, False

    def _prepare(self) -> None:  # noqa: B027 - most logs need nothing
        """Made ready for blocks to ride on a store write (a log whose schema is made lazily)."""

    def _take_riding(self) -> list[Block]:
        """The blocks riding on this thread's write, marked written (a transaction the driver
        retries takes them again)."""
        blocks = getattr(self._riding_here, "blocks", None) or []
        if blocks:
            self._riding_here.written = True
        return blocks

    def riding_rolled_back(self) -> None:
        """The store rolled back the write that took this thread's riding blocks (it changed
        nothing): they are written on their own as the riding ends, as if no write had taken them."""
        self._riding_here.written = False

    @abstractmethod
    def write_riding(self, transaction: Any) -> None:
        """Write the blocks riding on this thread's write in the store's open ``transaction``."""

    def kept_riding(self) -> bool:
        """Whether this thread's last riding write kept a block (False: every event in it was a
        repeat the log held already, or the log does not say)."""
        return bool(getattr(self._riding_here, "seqs", None))

    def unwrite_riding(self, transaction: Any) -> None:
        """Delete the blocks this thread's last riding write kept, in the store's open
        ``transaction``: the write was retracted after its commit. Only the embedded store
        commits before its plan is done, on the log in its journal (:class:`EventLog`)."""
        raise NotImplementedError(f"{type(self).__name__} is never written before a plan is done")

    @abstractmethod
    def append(self, block: Block, received_at: float | None = None) -> int: ...

    @abstractmethod
    def append_all(self, blocks: Sequence[Block], meta: tuple[str, str] | None = None) -> None:
        """Write ``blocks`` in one transaction (with the meta entry ``meta``, key and value)."""

    @abstractmethod
    def age_out(self, before: float, translate: Callable[[list[bytes]], bytes]) -> int: ...

    @abstractmethod
    def blocks(self, after: int = 0, page: int = 64) -> Iterator[StoredBlock]: ...

    @abstractmethod
    def events_before(self, seq: int) -> int: ...

    @abstractmethod
    def last_seq(self) -> int: ...

    def events_of(
        self, subjects: Iterable[str], after: str | None, first: int
    ) -> tuple[list[RawEvent], bool]:
        """The events naming any of ``subjects`` (node ids), oldest first, after ``cursor``; at most
        ``first``, and whether there are more."""
        names = sorted(set(subjects))
        start_seq, start_index = _parse_cursor(after)
        found: list[RawEvent] = []
        seq = start_seq - 1
        while True:
            rows = self._subject_blocks(names, seq, 16) if names else []
            if not rows:
                return found, False
            for block_seq, received_at, payload in rows:
                for index, raw in enumerate(unpack_events(payload)):
                    if block_seq == start_seq and index <= start_index:
                        continue
                    event = orjson.loads(raw)
                    if not subjects_of(event).isdisjoint(names):
                        if len(found) == first:
                            return found, True
                        found.append(RawEvent(f"{block_seq}:{index}", received_at, event))
            seq = rows[-1][0]

    def by_time(
        self, after: float, before: float, descending: bool, limit: int, offset: int
    ) -> tuple[list[RawEvent], int]:
        """The events whose eventTime is in [``after``, ``before``) (Unix seconds), by eventTime then
        as received, newest first when ``descending``: ``limit`` of them after skipping ``offset``;
        and how many there are in all. Reads the blocks' eventTimes, and the payloads of the page's
        blocks alone; blocks are read by their latest (earliest) eventTime, so a page near the
        newest (oldest) end stops early."""
        rows = self._time_rows(after, before, descending)
        times: dict[int, array] = {}

        def times_of(seq: int) -> array:
            if seq not in times:
                times[seq] = array("d", self._times_blob(seq))
            return times[seq]

        total = 0
        for seq, events, first, last in rows:
            total += (
                events
                if after <= first and last < before
                else sum(after <= t < before for t in times_of(seq))
            )
        wanted = min(offset + limit, total)
        kept: list[
            tuple[float, int, int]
        ] = []  # the ``wanted`` first in order, as keys growing the other way (a min-heap)
        sign = 1 if descending else -1
        for seq, _, first, last in rows:
            if len(kept) >= wanted and (
                not wanted or (last if descending else -first) < kept[0][0]
            ):
                break
            for index, t in enumerate(times_of(seq)):
                if after <= t < before:
                    key = (sign * t, sign * seq, sign * index)
                    if len(kept) < wanted:
                        heapq.heappush(kept, key)
                    elif key > kept[0]:
                        heapq.heapreplace(kept, key)
        page = [
            (sign * seq, sign * index)
            for _, seq, index in sorted(kept, reverse=True)[offset : offset + limit]
        ]
        blocks: dict[int, tuple[float, list[bytes]]] = {}
        for seq in {seq for seq, _ in page}:
            received_at, payload = self._received_payload(seq)
            blocks[seq] = (received_at, unpack_events(payload))
        return [
            RawEvent(f"{seq}:{index}", blocks[seq][0], orjson.loads(blocks[seq][1][index]))
            for seq, index in page
        ], total

    @abstractmethod
    def _subject_blocks(
        self, names: list[str], after: int, page: int
    ) -> list[tuple[int, float, bytes]]:
        """(seq, received_at, payload) of up to ``page`` OpenLineage blocks after seq ``after``
        that name any of ``names``, by seq."""

    @abstractmethod
    def _time_rows(
        self, after: float, before: float, descending: bool
    ) -> list[tuple[int, int, float, float]]:
        """(seq, events, first_time, last_time) of the OpenLineage blocks with an eventTime that
        may be in [``after``, ``before``), by last_time descending or first_time, then seq."""

    @abstractmethod
    def _times_blob(self, seq: int) -> bytes: ...

    @abstractmethod
    def _received_payload(self, seq: int) -> tuple[float, bytes]: ...

    @abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, key: str, value: str | None) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> RawEventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventLog(RawEventLog):
    """The log kept in SQLite: in the embedded store's journal (:meth:`in_journal`: a block and
    the journal batch it made are one transaction, one sync), or on its own in ``directory``
    (created if missing, held by one process at a time): the form an older lineagemesh kept
    beside every server, now read only to migrate it (``graph.eventlog.event_log_migration``), and the
    log ``ingest --neo4j-import`` builds."""

    path: Path

    def __init__(self, directory: Path, existing: bool = False) -> None:
        """``existing``: FileNotFoundError, once the file's lock is held, if there is no log."""
        super().__init__()
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / FILE_NAME
        self._lock = threading.Lock()
        self._meta = "meta"
        self._holder = hold_lock_file(self.path)
        if existing and not self.path.exists():
            os.close(self._holder)
            raise FileNotFoundError(self.path)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA page_size=65536")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._create()
        except BaseException:
            os.close(self._holder)
            raise

    @classmethod
    def in_journal(cls, journal: Journal) -> EventLog:
        """The log in the tables of ``journal``'s own database, on its connection and under its
        lock: the journal writes the blocks riding on a batch in the batch's transaction."""
        log = cls.__new__(cls)
        RawEventLog.__init__(log)
        log.path = journal.path
        log._lock = journal.lock
        log._meta = "event_meta"  # the journal has a ``meta`` of its own
        log._holder = -1  # the journal holds the file
        log._db = journal.connection
        log._create()
        return log

    def _create(self) -> None:
        for statement in _SCHEMA:
            self._db.execute(statement.format(meta=self._meta))
        self._subjects = SubjectIndex(self._db)
        self._hashes = HashIndex(self._db)
        self._add_times()
        self._index_hashes()

    def _add_times(self) -> None:
        """The eventTime columns, filled in for the blocks of a log written before they existed."""
        have = {row[1] for row in self._db.execute("PRAGMA table_info(blocks)")}
        for name, kind in _TIME_COLUMNS:
            if name not in have:
                self._db.execute(f"ALTER TABLE blocks ADD COLUMN {name} {kind}")
        for statement in _TIME_INDEXES:
            self._db.execute(statement)
        after = 0
        while rows := self._db.execute(
            "SELECT seq, payload FROM blocks WHERE kind = ? AND times IS NULL AND seq > ? "
            "ORDER BY seq LIMIT 64",
            (OPENLINEAGE, after),
        ).fetchall():
            with self._writing():
                for seq, payload in rows:
                    times = array("d", _times_of(unpack_events(payload))).tobytes()
                    self._db.execute(
                        "UPDATE blocks SET times = ?, first_time = ?, last_time = ? WHERE seq = ?",
                        (times, *time_bounds(times), seq),
                    )
            after = rows[-1][0]

    def _index_hashes(self) -> None:
        """The ``event_hashes`` of a log written before they existed, a page of blocks per
        transaction (an interrupted indexing resumes where it stopped)."""
        state = self._db.execute(
            f"SELECT value FROM {self._meta} WHERE key = ?", (HASHED,)
        ).fetchone()
        if state is not None and state[0] == "done":
            return
        after = int(state[0]) if state is not None else 0
        while rows := self._db.execute(
            "SELECT seq, payload FROM blocks WHERE kind = ? AND seq > ? ORDER BY seq LIMIT 64",
            (OPENLINEAGE, after),
        ).fetchall():
            with self._writing():
                for seq, payload in rows:
                    self._hashes.add_merged(seq, map(event_hash, unpack_events(payload)))
                after = rows[-1][0]
                self._db.execute(
                    f"INSERT OR REPLACE INTO {self._meta} (key, value) VALUES (?, ?)",
                    (HASHED, str(after)),
                )
        with self._writing():
            self._db.execute(
                f"INSERT OR REPLACE INTO {self._meta} (key, value) VALUES (?, ?)", (HASHED, "done")
            )

    # -- writes ----------------------------------------------------------------------------------

    def append(self, block: Block, received_at: float | None = None) -> int:
        """Write a block, without the events the log already keeps (byte for byte); returns its
        seq once it is on disk, 0 when every event was kept already. Raises StoreUnavailable, with
        nothing written, when SQLite cannot write (disk full, I/O error)."""
        with self._lock, self._writing():
            return self._write(block, received_at)

    def append_all(self, blocks: Sequence[Block], meta: tuple[str, str] | None = None) -> None:
        with self._lock, self._writing():
            for block in blocks:
                self._write(block)
            if meta is not None:
                self._db.execute(
                    f"INSERT OR REPLACE INTO {self._meta} (key, value) VALUES (?, ?)", meta
                )

    def write_riding(self, transaction: object) -> None:
        """The blocks riding on this thread's write, in the journal's open transaction (its lock
        is held: this log shares it)."""
        written = [self._write(block) for block in self._take_riding()]
        self._riding_here.seqs = [seq for seq in written if seq]

    def unwrite_riding(self, transaction: object) -> None:
        """The blocks this thread's last riding write kept, deleted again with their index
        entries, in the journal's open transaction: the batch they rode on was retracted after
        its commit (``Journal.retract``: its plan failed), and a block is kept exactly when what
        it made is."""
        for seq in getattr(self._riding_here, "seqs", ()):
            self._db.execute("DELETE FROM blocks WHERE seq = ?", (seq,))
            self._unindex(seq)
        self._riding_here.seqs = []

    def _unindex(self, seq: int) -> None:
        """Block ``seq`` no longer found by its subjects or its events' hashes (its events aged
        out, or it was deleted)."""
        self._subjects.remove(seq)
        self._hashes.remove(seq)

    def _write(self, block: Block, received_at: float | None = None) -> int:
        if block.hashes:
            new = self._not_kept(block)
            if new is None:
                return 0
            block = new
        cursor = self._db.execute(
            "INSERT INTO blocks (kind, received_at, events, payload, times, first_time, last_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                block.kind,
                received_at or block.received_at or time.time(),
                block.events,
                block.payload,
                block.times,
                *time_bounds(block.times),
            ),
        )
        seq = cursor.lastrowid
        assert seq is not None, "an INSERT sets lastrowid"
        if block.subjects:
            self._subjects.add(seq, block.subjects)
        if block.hashes:
            self._hashes.add(seq, block.hashes)
        return seq

    def _not_kept(self, block: Block) -> Block | None:
        """``block`` without the events already kept or repeated earlier in it (None: nothing is
        left); the block itself when every event is new (no recompression)."""
        return without_kept(block, self._hashes.kept(list(dict.fromkeys(block.hashes))))

    def _writing(self) -> WriteTransaction:
        return WriteTransaction(self._db, f"event log {self.path}")

    def age_out(self, before: float, translate: Callable[[list[bytes]], bytes]) -> int:
        """Replace the OpenLineage blocks received before ``before`` (a Unix time) by the mutations
        ``translate`` makes of their events (in place: reindex still replays them in order, so the
        lineage they made stays), one block per transaction. Returns how many events aged out."""
        aged = 0
        while True:
            with self._lock:
                row = self._db.execute(
                    "SELECT seq, payload, events FROM blocks WHERE kind = ? AND received_at < ? "
                    "ORDER BY seq LIMIT 1",
                    (OPENLINEAGE, before),
                ).fetchone()
            if row is None:
                return aged
            seq, payload, events = row
            kept = pack_mutations(translate(unpack_events(payload)), events)
            with self._lock, self._writing():
                self._db.execute(
                    "UPDATE blocks SET kind = ?, payload = ? WHERE seq = ?",
                    (kept.kind, kept.payload, seq),
                )
                self._unindex(seq)
            aged += events

    # -- reads -----------------------------------------------------------------------------------

    def blocks(self, after: int = 0, page: int = 64) -> Iterator[StoredBlock]:
        """Every block after seq ``after``, oldest first (read a page at a time)."""
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT seq, kind, received_at, events, payload FROM blocks WHERE seq > ? "
                    "ORDER BY seq LIMIT ?",
                    (after, page),
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield StoredBlock(*row)
            after = rows[-1][0]

    def events_before(self, seq: int) -> int:
        """How many events the blocks up to ``seq`` hold (for progress)."""
        with self._lock:
            return self._db.execute(
                "SELECT coalesce(sum(events), 0) FROM blocks WHERE seq <= ?", (seq,)
            ).fetchone()[0]

    def last_seq(self) -> int:
        with self._lock:
            return self._db.execute("SELECT coalesce(max(seq), 0) FROM blocks").fetchone()[0]

    def _subject_blocks(
        self, names: list[str], after: int, page: int
    ) -> list[tuple[int, float, bytes]]:
        with self._lock:
            marks = ",".join("?" * len(names))
            return self._db.execute(
                f"SELECT DISTINCT b.seq, b.received_at, b.payload FROM {self._subjects.rows()} s JOIN blocks b ON b.seq = s.seq "
                f"WHERE s.subject IN ({marks}) AND s.seq > ? AND b.kind = ? ORDER BY b.seq LIMIT ?",
                (*names, after, OPENLINEAGE, page),
            ).fetchall()

    def _time_rows(
        self, after: float, before: float, descending: bool
    ) -> list[tuple[int, int, float, float]]:
        with self._lock:
            return self._db.execute(
                f"SELECT seq, events, first_time, last_time FROM blocks WHERE kind = ? AND first_time < ? AND last_time >= ? "
                f"ORDER BY {'last_time DESC' if descending else 'first_time ASC'}, seq",
                (OPENLINEAGE, before, after),
            ).fetchall()

    def _times_blob(self, seq: int) -> bytes:
        with self._lock:
            return self._db.execute("SELECT times FROM blocks WHERE seq = ?", (seq,)).fetchone()[0]

    def _received_payload(self, seq: int) -> tuple[float, bytes]:
        with self._lock:
            return self._db.execute(
                "SELECT received_at, payload FROM blocks WHERE seq = ?", (seq,)
            ).fetchone()

    # -- reindex progress ------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT value FROM {self._meta} WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str | None) -> None:
        with self._lock, self._writing():
            if value is None:
                self._db.execute(f"DELETE FROM {self._meta} WHERE key = ?", (key,))
            else:
                self._db.execute(
                    f"INSERT OR REPLACE INTO {self._meta} (key, value) VALUES (?, ?)", (key, value)
                )

    def close(self) -> None:
        with self._lock:
            if self._holder < 0:
                return
            self._db.close()
            os.close(self._holder)
            self._holder = -1

    def retire(self, to: Path) -> None:
        """Close the log and rename its file ``to``, the lock held until it is renamed (a log on
        its own, once migrated: no other process opens it meanwhile)."""
        with self._lock:
            if self._holder < 0:
                return
            self._db.close()  # checkpoints the write-ahead log into the file
            self.path.rename(to)
            os.close(self._holder)
            self._holder = -1

    def __enter__(self) -> EventLog:
        return self


def _parse_cursor(cursor: str | None) -> tuple[int, int]:
    """(block seq, index in it) of a cursor; (1, -1) before the first event."""
    if not cursor:
        return 1, -1
    seq, sep, index = cursor.partition(":")
    if not sep or not seq.isdigit() or not index.lstrip("-").isdigit():
        raise ValueError(f"not an event cursor: {cursor!r}")
    return int(seq), int(index)
