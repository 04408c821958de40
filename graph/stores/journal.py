"""An append-only, checksummed, fsync'ed journal of mutation batches in SQLite (WAL mode).

What it becomes in the graph, and why: docs/stores.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple, TypeVar

import zstandard

from graph.stores.sqlite_write import WriteTransaction, rollback

log = logging.getLogger(__name__)

FORMAT = 4  # PRAGMA user_version written by this code (docs/stores.md: each format)
#: What a journal gains from each format on, said when one is migrated.
_FORMAT_GAINS = {
    3: "new batches are stored compressed",
    4: "the raw event log stages an append's index keys in one row (graph.eventlog.staged_index)",
}
CACHE_KIB = 16 * 1024  # SQLite's page cache for the journal's connection (see Journal)
ZLIB = "zlib"  # the codec of rows compressed by earlier versions (see format 2)
ZSTD = "zstd"  # the codec of rows of COMPRESS_BYTES and more (see format 3)
#: A batch this large (encoded) is stored compressed: zstd at level 1 shrinks a mesh's wire form
#: ~4.5x at ~600 MB/s, which SQLite's writes, the WAL's checkpoints and the disk gain back; a
#: smaller one (an HTTP ack of an event or two) is stored as it is.
COMPRESS_BYTES = 4096
ZSTD_LEVEL = 1
T = TypeVar("T")

_CREATE_BATCHES = (
    "CREATE TABLE IF NOT EXISTS batches ("
    "seq INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL, length INTEGER, crc32 INTEGER, codec TEXT)"
)
_CREATE_QUARANTINE = (
    "CREATE TABLE IF NOT EXISTS quarantine ("
    "seq INTEGER PRIMARY KEY, payload BLOB, length INTEGER, crc32 INTEGER, reason TEXT NOT NULL, quarantined_at TEXT NOT NULL, "
    "codec TEXT)"
)
#: Facts about what the batches hold (``key``: ``ids``, the format of their node ids: graph.stores.id_format).
_CREATE_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"


class JournalError(RuntimeError):
    """The journal cannot be opened as it is; the message says why and what to do."""


class JournalInUse(JournalError):
    """Another process (or another store in this one) has the journal open."""


class JournalCorrupt(JournalError):
    """Acknowledged batches are damaged (not a torn tail): start-up refuses rather than lose them."""


@dataclass(frozen=True, slots=True)
class Damaged:
    """A batch that cannot be replayed."""

    seq: int
    size: int
    reason: str


def checksum(payload: bytes) -> int:
    return zlib.crc32(payload)


@dataclass(frozen=True, slots=True)
class Point:
    """A place in the journal: just after batch ``seq``, whose stored bytes have crc32 ``crc``,
    the ``batches``-th batch of the journal (a snapshot names the state it holds by one)."""

    seq: int
    crc: int
    batches: int


class Sealed(NamedTuple):
    """A batch ready to append: its payload as stored, with the length and crc32 of those bytes."""

    payload: bytes
    length: int
    crc32: int
    codec: str | None


def seal(payload: bytes) -> Sealed:
    """Checksum an encoded batch, compressed when it is large (:data:`COMPRESS_BYTES`). It depends
    on nothing but the payload, and zstd lets the GIL go, so a writer seals while it waits for
    nothing else: before it takes the store's lock, or while the graph plans a large batch."""
    if len(payload) >= COMPRESS_BYTES:
        stored = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(payload)
        return Sealed(stored, len(stored), checksum(stored), ZSTD)
    return Sealed(payload, len(payload), checksum(payload), None)


def _unstored(payload: bytes, codec: str | None) -> bytes:
    """The encoded batch a stored payload holds; raises for an unknown codec or bad compressed data."""
    if codec is None:
        return payload
    if codec == ZLIB:
        return zlib.decompress(payload)
    if codec == ZSTD:
        return zstandard.ZstdDecompressor().decompress(payload)
    raise ValueError(f"unknown codec {codec!r}")


def _as_bytes(value: object) -> bytes:
    """A payload as stored; a row written by hand may hold TEXT, a number or NULL instead of a BLOB."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return b"" if value is None else str(value).encode()


class Appended(NamedTuple):
    """Batches in an open transaction (:meth:`Journal.appending`): their seqs, and what rolls
    them back when the transaction ends."""

    seqs: list[int]
    abandon: Callable[[], None]


class Journal:
    """Durable, ordered storage of encoded mutation batches."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.torn_tail: list[
            Damaged
        ] = []  # what the last replay found past the last complete batch
        self._lock = threading.Lock()
        self._directory_synced = False
        self._holder = hold_lock_file(path)
        cut = describe_cut_file(path)
        if (
            cut
        ):  # SQLite would read the missing pages as zeros: batches lost, or dropped as a torn tail
            os.close(self._holder)
            raise JournalCorrupt(
                f"journal {path}: {cut}: the file was cut short (a copy, a disk or an outside write; no crash "
                f"shrinks it), so acknowledged batches may be gone; refusing to start rather than serve a graph "
                f"without them, and leaving the snapshot beside it as it is. Keep a copy of {path.parent}, then "
                f"restore the journal from a copy of it; or, to start again, move the data dir aside and re-send "
                f"the events (the snapshot there still holds the graph as of its batch, for inspection)"
            )
        wal_loss = describe_torn_wal(wal_path(path))  # before SQLite's recovery rewrites the WAL
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as e:
            os.close(self._holder)
            raise JournalError(f"journal {path}: cannot open it: {e}") from e
        try:
            # A new journal's pages: a batch of 500 events is ~1.2 MB, stored in overflow pages, and
            # at 64 KiB instead of 4 its append costs ~40 % less (an existing file keeps its size).
            self._db.execute("PRAGMA page_size=65536")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            # The raw event log keeps its indexes in this file too (``graph.eventlog.event_log``: subjects,
            # event hashes), and an append inserts ~2,000 keys at random places in them: in
            # SQLite's default 2 MiB cache their pages were read from the OS again every batch
            # (a third of the log's writing CPU on the 20k mesh).
            self._db.execute(f"PRAGMA cache_size={-CACHE_KIB}")
            self._migrate()
            self._db.execute(_CREATE_META)
            last = self._db.execute("SELECT max(seq) FROM batches").fetchone()[0]
        except BaseException as e:
            self._db.close()
            os.close(self._holder)
            if isinstance(e, sqlite3.OperationalError):
                raise JournalError(f"journal {path}: cannot open it: {e}") from e
            if isinstance(e, sqlite3.DatabaseError):  # "file is not a database", "malformed"
                raise JournalCorrupt(f"journal {path}: SQLite cannot read it: {e}") from e
            raise
        if wal_loss:
            log.warning(
                "journal %s: SQLite discarded the end of its write-ahead log: %s; a write cut short by a "
                "crash, never acknowledged; the journal ends at %s",
                path,
                wal_loss,
                f"batch {last}, the last complete one" if last else "no batch",
            )

    # -- format ----------------------------------------------------------------------------------

    def _migrate(self) -> None:
        """Bring the file to FORMAT in one transaction (nothing to do when it already is)."""
        db = self._db
        if db.execute("PRAGMA user_version").fetchone()[0] == FORMAT:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[
                0
            ]  # another process may have migrated
            if version > FORMAT:
                raise JournalError(
                    f"journal {self.path} has format {version}, written by a newer lineagemesh; "
                    f"this one reads formats 0 to {FORMAT}"
                )
            if version == FORMAT:
                db.execute("COMMIT")
                return
            legacy = 0
            columns = {row[1] for row in db.execute("PRAGMA table_info(batches)")}
            if columns:
                if version == 0:
                    legacy = db.execute("SELECT count(*) FROM batches").fetchone()[0]
                for column, kind in (
                    ("length", "INTEGER"),
                    ("crc32", "INTEGER"),
                    ("codec", "TEXT"),
                ):
                    if column not in columns:
                        db.execute(f"ALTER TABLE batches ADD COLUMN {column} {kind}")
            else:
                db.execute(_CREATE_BATCHES)
            db.execute(_CREATE_QUARANTINE)
            if "codec" not in {row[1] for row in db.execute("PRAGMA table_info(quarantine)")}:
                db.execute("ALTER TABLE quarantine ADD COLUMN codec TEXT")
            db.execute(f"PRAGMA user_version = {FORMAT}")
            db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        if legacy:
            log.info(
                "journal %s: format %d migrated to %d; its %d batches are verified by decoding, new ones by crc32",
                self.path,
                version,
                FORMAT,
                legacy,
            )
        elif columns:
            log.info(
                "journal %s: format %d migrated to %d; %s",
                self.path,
                version,
                FORMAT,
                "; ".join(gain for step, gain in _FORMAT_GAINS.items() if step > version),
            )

    def _rollback(self) -> None:
        rollback(self._db)

    # -- writes ----------------------------------------------------------------------------------

    @property
    def connection(self) -> sqlite3.Connection:
        """The journal's connection: the raw event log of the embedded store keeps its tables in
        this database (``graph.eventlog.event_log.EventLog.in_journal``), under :attr:`lock`."""
        return self._db

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    @contextlib.contextmanager
    def appending(
        self, rows: list[Sealed], also: Callable[[sqlite3.Connection], None] | None = None
    ) -> Iterator[Appended]:
        """Write sealed batches (:func:`seal`) in one transaction, with what ``also`` writes in it
        (the raw blocks they came from): they are in the open transaction when the body runs, and
        committed (on disk) when it returns, unless it called ``abandon`` on what it is given,
        which rolls them back. So a store can plan a batch while SQLite writes it, and keep the
        batch only if the plan changes something. A body that raises rolls back too. What it is
        given also holds the batches' seqs, for :meth:`retract`.

        Raises StoreUnavailable, with nothing written, when SQLite cannot write (disk full, an
        I/O error, another process holding the write lock past the busy timeout).
        """
        with self._lock:
            transaction = WriteTransaction(self._db, f"journal {self.path}")
            with transaction as db:
                db.executemany(
                    "INSERT INTO batches (payload, length, crc32, codec) VALUES (?, ?, ?, ?)", rows
                )
                (last,) = db.execute("SELECT last_insert_rowid()").fetchone()
                if also is not None:
                    also(db)
                yield Appended(list(range(last - len(rows) + 1, last + 1)), transaction.abandon)
            if not transaction.abandoned and not self._directory_synced:
                self._sync_directory()

    def retract(
        self, seqs: list[int], also: Callable[[sqlite3.Connection], None] | None = None
    ) -> None:
        """Delete batches :meth:`appending` just committed, and what ``also`` deletes with them,
        in one transaction: the store found they change nothing (or could not plan them), so the
        journal ends as if they had been rolled back. A crash before this leaves them in its
        tail, which a start replays as the nothing they change."""
        if not seqs:
            return
        with self._lock, WriteTransaction(self._db, f"journal {self.path}") as db:
            db.executemany("DELETE FROM batches WHERE seq = ?", [(seq,) for seq in seqs])
            if also is not None:
                also(db)

    def clear(self) -> None:
        """Delete every batch (the quarantine stays), durably."""
        with self._lock, WriteTransaction(self._db, f"journal {self.path}") as db:
            db.execute("DELETE FROM batches")

    def meta(self, key: str) -> int | None:
        """A fact recorded with :meth:`set_meta` (None: never recorded)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else int(row[0])

    def set_meta(self, key: str, value: int) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def rewrite(self, rows: list[Sealed], key: str, value: int) -> None:
        """Replace every batch by ``rows`` and record ``key`` = ``value``, in one transaction (a
        format change of what batches hold). The replaced batches are kept, in the table
        ``batches_before_<key>_<value>``: nothing is ever deleted."""
        kept = f"batches_before_{key}_{int(value)}"
        if not kept.replace("_", "").isalnum():
            raise ValueError(f"meta key {key!r}: letters, digits and _ only")
        with self._lock, WriteTransaction(self._db, f"journal {self.path}") as db:
            db.execute(f"CREATE TABLE IF NOT EXISTS {kept} AS SELECT * FROM batches WHERE 0")
            db.execute(f"INSERT INTO {kept} SELECT * FROM batches")
            db.execute("DELETE FROM batches")
            db.executemany(
                "INSERT INTO batches (payload, length, crc32, codec) VALUES (?, ?, ?, ?)", rows
            )
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def _sync_directory(self) -> None:
        """fsync the directory once the files exist (the WAL appears with the first write), so that
        a power cut cannot lose the journal's directory entries after a batch was acknowledged."""
        try:
            fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:  # the batch is committed either way; try again with the next one
            log.warning("journal %s: cannot fsync its directory: %s", self.path, e)
            return
        self._directory_synced = True

    # -- reads -----------------------------------------------------------------------------------

    def replay(
        self,
        decode: Callable[[bytes], T],
        repair: bool = True,
        after: int = 0,
        check_held: bool = True,
    ) -> Iterator[T]:
        """Every committed batch (after batch ``after``: a snapshot holds those), oldest first, as
        ``decode`` makes it.

        Once the iterator is exhausted, a torn tail is dropped: one WARNING, and the rows move to
        ``quarantine`` (unless ``repair`` is false: then the tail is only logged). Damage before
        intact batches raises JournalCorrupt (see the module docstring). The batches up to
        ``after`` are checked all the same, by their length and crc32 without decoding them (a
        format-0 row, which has neither, by decoding): damage among them is damage in the middle.
        ``check_held=False`` skips them (a command that only reads: its graph is the snapshot,
        checked whole, and the batches after it; a start that may write checks them all).
        """
        damaged = self.torn_tail = []
        try:
            for seq, payload, length, crc, codec in self._rows(None if check_held else after):
                held = seq <= after
                if held and crc is not None:
                    problem, batch = self._damage(seq, _as_bytes(payload), length, crc), None
                else:
                    problem, batch = self._check(seq, payload, length, crc, codec, decode)
                if problem is not None:
                    damaged.append(problem)
                elif damaged:
                    raise JournalCorrupt(self._corrupt_message(damaged, seq))
                elif not held:
                    yield batch  # type: ignore[misc]
        except sqlite3.DatabaseError as e:
            raise JournalCorrupt(f"journal {self.path}: SQLite cannot read it: {e}") from e
        if not damaged:
            return
        if damaged[0].seq <= after:  # the snapshot's own batch: held, so not a tail to drop
            raise JournalCorrupt(self._corrupt_message(damaged, after))
        if repair:
            self._quarantine(damaged)
        last = self._db.execute(
            "SELECT max(seq) FROM batches WHERE seq < ?", (damaged[0].seq,)
        ).fetchone()[0]
        log.warning(
            "journal %s: %s a torn tail of %d batch%s (%s), cut short by a crash; the store recovers to %s%s",
            self.path,
            "dropped" if repair else "found",
            len(damaged),
            "" if len(damaged) == 1 else "es",
            "; ".join(f"seq {d.seq}: {d.reason}" for d in damaged[:10])
            + (" ..." if len(damaged) > 10 else ""),
            f"batch {last}, the last complete one" if last else "an empty graph",
            "; the bytes are kept in its quarantine table" if repair else "",
        )

    def salvage(self, decode: Callable[[bytes], object]) -> list[Damaged]:
        """Quarantine every batch replay cannot use, wherever it is; return them. The operator's
        explicit way past JournalCorrupt."""
        found: list[Damaged] = []
        try:
            for seq, payload, length, crc, codec in self._rows():
                try:
                    problem, _ = self._check(seq, payload, length, crc, codec, decode)
                except JournalCorrupt as e:
                    problem = Damaged(seq, len(_as_bytes(payload)), str(e))
                if problem is not None:
                    found.append(problem)
        except sqlite3.DatabaseError as e:
            raise JournalCorrupt(f"journal {self.path}: SQLite cannot read it: {e}") from e
        if found:
            self._quarantine(found)
        return found

    def position(self) -> Point | None:
        """Where the journal ends: its last batch (None when it has none)."""
        row = self._db.execute(
            "SELECT seq, payload FROM batches ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        count = self._db.execute("SELECT count(*) FROM batches").fetchone()[0]
        return Point(row[0], checksum(_as_bytes(row[1])), count)

    def holds(self, point: Point) -> bool:
        """Whether the journal still has ``point`` as it was: the same bytes at ``point.seq``, and
        as many batches up to it (``salvage`` removes rows, and a replaced file has others)."""
        row = self._db.execute("SELECT payload FROM batches WHERE seq = ?", (point.seq,)).fetchone()
        if row is None or checksum(_as_bytes(row[0])) != point.crc:
            return False
        return (
            self._db.execute(
                "SELECT count(*) FROM batches WHERE seq <= ?", (point.seq,)
            ).fetchone()[0]
            == point.batches
        )

    def lost(self, point: Point) -> str | None:
        """Why the journal has lost ``point`` (a snapshot's) when it has: it ends before it, or the
        batch there is damaged. None when it is merely another batch (another journal's snapshot)."""
        last = self._db.execute("SELECT max(seq) FROM batches").fetchone()[0]
        if last is None or last < point.seq:
            return f"it ends at {f'batch {last}' if last else 'no batch'}, before batch {point.seq}"
        row = self._db.execute(
            "SELECT payload, length, crc32 FROM batches WHERE seq = ?", (point.seq,)
        ).fetchone()
        if (
            row is not None
            and self._damage(point.seq, _as_bytes(row[0]), row[1], row[2]) is not None
        ):
            return f"its batch {point.seq} is damaged"
        return None

    def _rows(
        self, after: int | None = None
    ) -> Iterator[tuple[int, object, int | None, int | None, str | None]]:
        columns = "SELECT seq, payload, length, crc32, codec FROM batches"
        cursor = (
            self._db.execute(f"{columns} ORDER BY seq")
            if after is None
            else self._db.execute(f"{columns} WHERE seq > ? ORDER BY seq", (after,))
        )
        while rows := cursor.fetchmany(1024):
            yield from rows

    @staticmethod
    def _damage(seq: int, payload: bytes, length: int | None, crc: int | None) -> Damaged | None:
        if length is not None and len(payload) != length:
            return Damaged(seq, len(payload), f"{len(payload)} of {length} bytes")
        if crc is not None and checksum(payload) != crc:
            return Damaged(seq, len(payload), "crc32 mismatch")
        return None

    def _check(
        self,
        seq: int,
        payload: object,
        length: int | None,
        crc: int | None,
        codec: str | None,
        decode: Callable[[bytes], T],
    ) -> tuple[Damaged | None, T | None]:
        """(None, batch) for a usable row, (Damaged, None) for a damaged one; JournalCorrupt for an
        intact row that does not decode."""
        payload = _as_bytes(payload)
        problem = self._damage(seq, payload, length, crc)
        if problem is not None:
            return problem, None
        try:
            return None, decode(_unstored(payload, codec))
        except Exception as e:
            if crc is None:  # a format-0 row: decoding is its only check
                return Damaged(seq, len(payload), f"undecodable: {type(e).__name__}: {e}"), None
            raise JournalCorrupt(
                f"journal {self.path}: batch {seq} is intact (crc32 matches) but cannot be decoded "
                f"({type(e).__name__}: {e}): a bug or a downgrade, not a crash; refusing to start rather "
                f"than drop it. {self._salvage_hint()}"
            ) from e

    def _corrupt_message(self, damaged: list[Damaged], next_intact: int) -> str:
        listed = "; ".join(f"seq {d.seq}: {d.reason}" for d in damaged[:10])
        more = f" and {len(damaged) - 10} more" if len(damaged) > 10 else ""
        return (
            f"journal {self.path}: {len(damaged)} damaged batch{'' if len(damaged) == 1 else 'es'} ({listed}{more}) "
            f"before intact batch {next_intact}: not a torn tail but damage to acknowledged data (disk, "
            f"filesystem or an outside write); refusing to start rather than serve a graph without them. "
            f"{self._salvage_hint()}"
        )

    def _salvage_hint(self) -> str:
        return (
            f"Keep a copy of {self.path.parent}, then run `lineagemesh journal salvage {self.path}` "
            f"to quarantine what cannot be replayed, and re-send those events if you can."
        )

    def _quarantine(self, damaged: list[Damaged]) -> None:
        now = datetime.now(UTC).isoformat()
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                for d in damaged:
                    self._db.execute(
                        "INSERT OR REPLACE INTO quarantine (seq, payload, length, crc32, codec, reason, quarantined_at) "
                        "SELECT seq, payload, length, crc32, codec, ?, ? FROM batches WHERE seq = ?",
                        (d.reason, now, d.seq),
                    )
                    self._db.execute("DELETE FROM batches WHERE seq = ?", (d.seq,))
                self._db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()
            if self._holder >= 0:
                os.close(self._holder)  # releases the lock
                self._holder = -1


def hold_lock_file(path: Path) -> int:
    """Take the lock file beside the SQLite file ``path`` exclusively and write our pid in it; the
    descriptor returned holds it until closed. One process per file: the journal and the raw event
    log (``graph.eventlog.event_log``) both hold theirs with it. Raises JournalInUse naming the holder."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise JournalInUse(
            f"journal {path} is in use by another lineagemesh process (pid {holder}); stop it first, "
            "or send that server the data: lineagemesh ingest dbt|contracts|quality ... --server URL, "
            "OpenLineage events to its POST /api/v1/lineage"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


# -- the write-ahead log, read only to say what SQLite's recovery drops ----------------------------

_WAL_MAGIC_LE, _WAL_MAGIC_BE = 0x377F0682, 0x377F0683
_WAL_HEADER, _FRAME_HEADER = 32, 24


def describe_cut_file(path: Path) -> str | None:
    """How much of the database file is missing, when it is shorter than its own header says (None:
    it is not, or the header cannot tell). Only read without a write-ahead log holding frames: a
    checkpoint in progress may leave the file's header ahead of it until SQLite's recovery."""
    wal = wal_path(path)
    if wal.exists() and wal.stat().st_size > 0:
        return None
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
            size = os.fstat(handle.fileno()).st_size
    except OSError:
        return None
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return None
    page_size = struct.unpack_from(">H", header, 16)[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages = struct.unpack_from(">II", header, 24)
    valid_for = struct.unpack_from(">I", header, 92)[0]
    if (
        valid_for != change_counter or pages * page_size <= size
    ):  # a header from before 3.7.0 does not tell
        return None
    return f"{size} bytes where its header says {pages} pages of {page_size} ({pages * page_size} bytes)"


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def _wal_checksum(data: bytes, s0: int, s1: int, big_endian: bool) -> tuple[int, int]:
    """SQLite's WAL checksum (https://www.sqlite.org/fileformat2.html#walformat), continued from (s0, s1)."""
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def describe_torn_wal(wal: Path) -> str | None:
    """What SQLite's recovery will discard from ``wal``, in words, or None when it discards nothing.

    Counts the frames of the current WAL generation (their salts match the header) that follow the
    last valid commit frame, and trailing bytes that do not make a whole frame. Frames of an earlier
    generation (other salts) are normal leftovers of a reset and not reported. Meant for a WAL no
    live process is writing (after a crash); never raises.
    """
    try:
        size = wal.stat().st_size
    except OSError:
        return None
    if size == 0:
        return None
    try:
        with wal.open("rb") as f:
            header = f.read(_WAL_HEADER)
            if len(header) < _WAL_HEADER:
                return f"a partial header ({size} bytes)"
            magic, _version, page_size, _ckpt, salt1, salt2, c0, c1 = struct.unpack(">8I", header)
            big_endian = magic == _WAL_MAGIC_BE
            if magic not in (_WAL_MAGIC_LE, _WAL_MAGIC_BE) or _wal_checksum(
                header[:24], 0, 0, big_endian
            ) != (c0, c1):
                return f"an unreadable header ({size} bytes)"
            frame_size = _FRAME_HEADER + page_size
            s0, s1 = c0, c1
            uncommitted = 0  # valid frames of this generation since the last commit
            torn = False
            while True:
                frame = f.read(frame_size)
                if len(frame) < frame_size:
                    break
                _page, commit, fsalt1, fsalt2, f0, f1 = struct.unpack(">6I", frame[:_FRAME_HEADER])
                if (fsalt1, fsalt2) != (salt1, salt2):
                    break  # an earlier generation's frame
                s0, s1 = _wal_checksum(frame[:8] + frame[_FRAME_HEADER:], s0, s1, big_endian)
                if (s0, s1) != (f0, f1):
                    torn = True
                    break
                uncommitted = 0 if commit else uncommitted + 1
            partial = (size - _WAL_HEADER) % frame_size
    except (OSError, struct.error) as e:
        log.debug("cannot inspect %s: %s", wal, e)
        return None
    parts = []
    if uncommitted:
        plural = "s" if uncommitted > 1 else ""
        parts.append(
            f"{uncommitted} frame{plural} after the last commit ({uncommitted * frame_size} bytes)"
        )
    if torn:
        parts.append("a frame failing its checksum")
    if partial:
        parts.append(f"a partial frame ({partial} of {frame_size} bytes)")
    return " and ".join(parts) or None
