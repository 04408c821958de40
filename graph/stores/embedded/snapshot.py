"""Snapshots of the embedded store: its records on disk, so a start-up replays only the journal's tail.

Replaying the journal re-plans every batch ever written, linear in history, not in the graph. A
snapshot holds the graph's records as they stand after one journal batch (its *point*), so a
start loads them and replays only the batches after it. When the store writes one is its own
business (``graph.stores.embedded.store``).

The journal stays the source of truth and keeps every batch; a snapshot is only a shortcut to a
state the journal also describes. So any doubt about one means it is not used: a damaged,
truncated or foreign file, one of another format (an older lineagemesh's), or one whose point
the journal no longer has as it was (the batch at ``seq`` gone or different, or rows before it
removed by ``salvage``) is ignored with one WARNING and the whole journal is replayed.

File format (``snapshot.bin`` in the data dir, replaced atomically: written to a temporary file,
fsynced, renamed, the directory fsynced)::

    MAGIC
    u32 length, u32 crc32, header   -- JSON: {format, seq, crc, batches, nodes, edges}
    u32 length, u32 crc32, chunk    -- zstd(a native chunk: CHUNK records at most, native/core/snapshot.h)
    ...
    u32 0, u32 0                    -- the end (a file without it was cut short)

Format 3 compresses chunks with zstd (level 1), format 2 with zlib (level 1); both are read.
zstd decompresses a 100k-dataset graph's ~500 MB of chunks ~3.5 times faster than zlib, into a
smaller file, and a start (every ``lineagemesh check`` on a data dir) pays that each time.
Format 4 (zstd) writes an edge record that an earlier edge of its chunk holds as a reference
to it (native chunk version 2): two thirds of a mesh's edges share their event's record, and
each one read whole was parsed, hashed and compared only to be found held already.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson
import zstandard

from graph import _native
from graph.stores.embedded.prefault import HeapPrefault
from graph.stores.journal import Journal, JournalCorrupt, Point

log = logging.getLogger(__name__)

MAGIC = b"lineagemesh snapshot\n"
FORMAT = 4  # 1: marshal rows of Python records (before the native core); 2: zlib chunks; 3: zstd
READS = (2, 3, 4)  # the formats a start loads
_ZSTD_LEVEL = 1  # level 3 saves ~3 % more for ~50 % more time on the writer
CHUNK = 65536  # records per chunk: a few MB of bytes in flight, and a background writer lets writes in between
_FRAME = struct.Struct("<II")  # length, crc32


class SnapshotUnusable(Exception):
    """The snapshot cannot be used; the message says why (the journal is replayed instead)."""


@dataclass(frozen=True, slots=True)
class Header:
    point: Point
    nodes: int
    edges: int
    format: int = FORMAT


def path_in(data_dir: Path) -> Path:
    return data_dir / "snapshot.bin"


def write(path: Path, point: Point, capture: _native.Capture) -> int:
    """Write a snapshot of the captured graph at ``point``; return its size. Replaces any earlier
    snapshot only once the new one is whole on disk."""
    temporary = path.with_name(path.name + ".tmp")
    nodes, edges = capture.counts
    header = orjson.dumps(
        {
            "format": FORMAT,
            "seq": point.seq,
            "crc": point.crc,
            "batches": point.batches,
            "nodes": nodes,
            "edges": edges,
        }
    )
    size = 0
    try:
        with open(temporary, "wb") as out:
            out.write(MAGIC)
            size += len(MAGIC) + _frame(out, header)
            size += _write_chunks(out, capture)
            out.write(_FRAME.pack(0, 0))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):  # a full disk keeps no half-written copy
            temporary.unlink()
        raise
    try:
        _sync_directory(path.parent)
    except (
        OSError
    ) as e:  # the snapshot is in place; only its directory entry may not be durable yet
        log.warning("snapshot %s: cannot fsync its directory: %s", path, e)
    return size + _FRAME.size


def _write_chunks(out: IO[bytes], capture: _native.Capture) -> int:
    """Frame the captured chunks, compressed one behind the capture: zstd releases the GIL, so a
    second core compresses chunk n while this thread has the capture make chunk n+1 (which holds
    the GIL). Each chunk is compressed on its own, as before: the same bytes."""
    compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)  # one thread uses it at a time
    size = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshot-zstd") as compressing:
        behind: Future[bytes] | None = None
        while chunk := capture.next_chunk(CHUNK):
            compressed = compressing.submit(compressor.compress, chunk)
            if behind is not None:
                size += _frame(out, behind.result())
            behind = compressed
        if behind is not None:
            size += _frame(out, behind.result())
    return size


def _frame(out: IO[bytes], payload: bytes) -> int:
    out.write(_FRAME.pack(len(payload), zlib.crc32(payload)))
    out.write(payload)
    return _FRAME.size + len(payload)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def usable(data_dir: Path, journal: Journal) -> Reader | None:
    """The data dir's snapshot, if it has one, checked whole and against ``journal``; raises
    SnapshotUnusable saying why it cannot be used."""
    path = path_in(data_dir)
    if not path.exists():
        return None
    reader = Reader(path)
    point = reader.header.point
    if not journal.holds(point):
        lost = journal.lost(point)
        if lost is not None:  # the snapshot proves the journal held more: acknowledged batches
            raise JournalCorrupt(
                f"journal {journal.path}: {lost}, yet the snapshot {path} holds the graph as of that batch: the "
                f"journal lost acknowledged batches; refusing to start rather than serve (and later snapshot) a "
                f"graph without them. Keep a copy of {data_dir} and restore the journal from a copy if there is "
                f"one; to go on from the journal alone, accepting that loss, move {path} aside."
            )
        raise SnapshotUnusable(f"the journal no longer holds batch {point.seq} as it was")
    return reader


class Reader:
    """A snapshot file, checked whole (every frame's crc32, the end mark) before anything is loaded."""

    def __init__(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise SnapshotUnusable(f"cannot read it: {e}") from None
        if not data.startswith(MAGIC):
            raise SnapshotUnusable("not a lineagemesh snapshot")
        frames = list(_frames(data, len(MAGIC)))
        if not frames:
            raise SnapshotUnusable("no header")
        self.header = _header(frames[0])
        self._chunks = frames[1:]

    def chunks(self, prefault: bool = False) -> Iterator[bytes]:
        """The native chunks, in order (every node comes before any edge naming it).

        Each is decompressed in a second thread while the one before loads: zstd and the native
        load both let go of the GIL, so on two cores a start waits for the first chunk's
        decompression only (~0.4 s of a 100k-dataset graph's ~3 s load). ``prefault`` (a command
        that only reads): that thread also fills in the pages the load's heap grew by
        (``graph.stores.embedded.prefault``), so the loading thread rarely waits for a page fault."""
        decompress = (
            zstandard.ZstdDecompressor().decompress if self.header.format >= 3 else zlib.decompress
        )
        heap = HeapPrefault() if prefault else None

        def one(frame: memoryview) -> bytes:
            try:
                chunk = decompress(frame)
            except (zlib.error, zstandard.ZstdError) as e:  # intact (crc32 matched): our bug
                raise SnapshotUnusable(f"a chunk does not decompress: {e}") from None
            if heap is not None:
                heap.populate()
            return chunk

        with (
            heap if heap is not None else contextlib.nullcontext(),
            ThreadPoolExecutor(1, thread_name_prefix="lineagemesh-snapshot-read") as ahead,
        ):
            pending: Future[bytes] | None = None
            for frame in self._chunks:  # one at a time: the decompressor is not shared
                following = ahead.submit(one, frame)
                if pending is not None:
                    yield pending.result()
                pending = following
            if pending is not None:
                yield pending.result()


def _frames(data: bytes, offset: int) -> Iterator[memoryview]:
    view = memoryview(data)
    while True:
        if offset + _FRAME.size > len(data):
            raise SnapshotUnusable(f"cut short at byte {offset} of {len(data)}")
        length, crc = _FRAME.unpack_from(data, offset)
        offset += _FRAME.size
        if length == 0:
            if offset != len(data):
                raise SnapshotUnusable(f"{len(data) - offset} bytes after its end")
            return
        frame = view[offset : offset + length]
        if len(frame) != length:
            raise SnapshotUnusable(f"cut short at byte {offset} of {len(data)}")
        if zlib.crc32(frame) != crc:
            raise SnapshotUnusable(f"crc32 mismatch in the frame at byte {offset - _FRAME.size}")
        offset += length
        yield frame


def _header(frame: memoryview) -> Header:
    try:
        fields = orjson.loads(frame)
        if not isinstance(fields, dict):
            raise ValueError("not an object")
        if fields.get("format") not in READS:
            raise SnapshotUnusable(
                f"format {fields.get('format')}; this lineagemesh reads formats "
                f"{', '.join(map(str, READS))}"
            )
        return Header(
            Point(fields["seq"], fields["crc"], fields["batches"]),
            fields["nodes"],
            fields["edges"],
            fields["format"],
        )
    except (orjson.JSONDecodeError, ValueError, KeyError, TypeError) as e:
        raise SnapshotUnusable(
            f"its header does not decode (an older lineagemesh's?): {e}"
        ) from None
