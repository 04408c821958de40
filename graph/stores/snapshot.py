"""Snapshots of the embedded store: its records on disk, so a start-up replays only the journal's tail.

Replaying the journal re-plans every batch ever written: ~2,300 events/s here, 7.5 s for the 10k
mesh and ~90 s for the 100k one, and linear in history, not in the graph. A snapshot holds the
graph's records as they stand after one journal batch (its *point*), so a start loads them and
replays only the batches after it: on the 10k mesh 1.8 s instead of 7.4, and the graph it loads
holds ~510-520 bytes per element, less than a replay's ~660, since loading shares equal data
through the same :class:`graph.stores.interning.Interner` in small chunks. When the store writes
one is its own business (``graph.stores.embedded``).

The journal stays the source of truth and keeps every batch; a snapshot is only a shortcut to a
state the journal also describes. So any doubt about one means it is not used: a damaged,
truncated or foreign file, one written by another Python (``marshal``'s format is per version),
or one whose point the journal no longer has as it was (the batch at ``seq`` gone or different,
or rows before it removed by ``salvage``) is ignored with one WARNING and the whole journal is
replayed, as before snapshots existed.

File format (``snapshot.bin`` in the data dir, replaced atomically: written to a temporary file,
fsynced, renamed, the directory fsynced)::

    MAGIC
    u32 length, u32 crc32, header   -- marshal: (FORMAT, python (major, minor), marshal.version,
                                       seq, crc32 of batch seq, batches up to seq, nodes, edges)
    u32 length, u32 crc32, chunk    -- zlib(marshal((node rows, edge rows))), CHUNK records at most
    ...
    u32 0, u32 0                    -- the end (a file without it was cut short)

Node rows are ``(id, kind, props, stamps)``, edge rows ``(source, kind, target, props, stamps)``,
kinds as their values. ``marshal`` rather than JSON or pickle: it builds the rows in C without a
Python call per value, keeps every Python type a property can hold and objects shared within a
chunk shared, and, unlike pickle, never runs code.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import marshal
import os
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping, TypeVar

from graph.model import Edge, EdgeKind, Node, NodeKind
from graph.mutations import Changes, Sharing
from graph.stores.journal import Journal, Point

log = logging.getLogger(__name__)

MAGIC = b"lineagemesh snapshot\n"
FORMAT = 1
CHUNK = 4096  # records per chunk: loading a chunk at a time keeps the garbage of a load small and reused
_FRAME = struct.Struct("<II")  # length, crc32
_PYTHON = tuple(sys.version_info[:2])
_NODE_KINDS = {kind.value: kind for kind in NodeKind}
_EDGE_KINDS = {kind.value: kind for kind in EdgeKind}

T = TypeVar("T")
NodeRow = tuple[str, str, dict, dict]
EdgeRow = tuple[str, str, str, dict, dict]


class SnapshotUnusable(Exception):
    """The snapshot cannot be used; the message says why (the journal is replayed instead)."""


@dataclass(frozen=True, slots=True)
class Header:
    point: Point
    nodes: int
    edges: int


def path_in(data_dir: Path) -> Path:
    return data_dir / "snapshot.bin"


def write(path: Path, point: Point, nodes: Iterable[Node], edges: Iterable[Edge], counts: tuple[int, int]) -> int:
    """Write a snapshot of ``nodes`` and ``edges`` (``counts`` of each) at ``point``; return its size.

    They must not change while this runs: the store passes lists of its records, which are never
    changed once stored. Replaces any earlier snapshot only once the new one is whole on disk.
    """
    temporary = path.with_name(path.name + ".tmp")
    header = marshal.dumps((FORMAT, _PYTHON, marshal.version, point.seq, point.crc, point.batches, *counts))
    size = 0
    try:
        with open(temporary, "wb") as out:
            out.write(MAGIC)
            size += len(MAGIC) + _frame(out, header)
            for chunk in _chunks(nodes, edges):
                size += _frame(out, zlib.compress(marshal.dumps(chunk), 1))
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
    except OSError as e:  # the snapshot is in place; only its directory entry may not be durable yet
        log.warning("snapshot %s: cannot fsync its directory: %s", path, e)
    return size + _FRAME.size


def _chunks(nodes: Iterable[Node], edges: Iterable[Edge]) -> Iterator[tuple[list[NodeRow], list[EdgeRow]]]:
    node_rows = ((node.id, node.kind.value, node.props, node.stamps) for node in nodes)
    edge_rows = ((edge.source, edge.kind.value, edge.target, edge.props, edge.stamps) for edge in edges)
    for chunk in _of_chunk_size(node_rows):
        yield chunk, []
    for chunk in _of_chunk_size(edge_rows):
        yield [], chunk


def _of_chunk_size(rows: Iterator[T]) -> Iterator[list[T]]:
    """``rows`` in lists of CHUNK (the last one shorter)."""
    while chunk := list(itertools.islice(rows, CHUNK)):
        yield chunk


def _frame(out, payload: bytes) -> int:
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
    if not journal.holds(reader.header.point):
        raise SnapshotUnusable(f"the journal no longer holds batch {reader.header.point.seq} as it was")
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

    def changes(self, share: Sharing, stored: Mapping[str, Node]) -> Iterator[Changes]:
        """The records, a chunk at a time, to commit in order (every node comes before any edge).
        Props and stamps go through ``share``; an edge's ends are the id strings of the nodes in
        ``stored`` (the store's, holding the chunks committed so far), so each id is held once."""
        for frame in self._chunks:
            try:
                node_rows, edge_rows = marshal.loads(zlib.decompress(frame))
                yield _records(node_rows, edge_rows, share, stored)
            except (ValueError, EOFError, TypeError, KeyError, zlib.error) as e:  # intact (crc32 matched): our bug
                raise SnapshotUnusable(f"a chunk does not load: {type(e).__name__}: {e}") from None


def _records(node_rows: list[NodeRow], edge_rows: list[EdgeRow], share: Sharing, stored: Mapping[str, Node]) -> Changes:
    changes = Changes()
    nodes, edges = changes.nodes, changes.edges
    node_props, edge_props, stamps = share.node_props, share.edge_props, share.stamps
    for node_id, kind, props, node_stamps in node_rows:
        nodes[node_id] = Node(node_id, _NODE_KINDS[kind], node_props(props), stamps(node_stamps))
    for source, kind, target, props, edge_stamps in edge_rows:
        edge_kind = _EDGE_KINDS[kind]
        source, target = stored[source].id, stored[target].id
        edges[(source, edge_kind, target)] = Edge(source, edge_kind, target, edge_props(props), stamps(edge_stamps))
    return changes


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
        frame = view[offset:offset + length]
        if len(frame) != length:
            raise SnapshotUnusable(f"cut short at byte {offset} of {len(data)}")
        if zlib.crc32(frame) != crc:
            raise SnapshotUnusable(f"crc32 mismatch in the frame at byte {offset - _FRAME.size}")
        offset += length
        yield frame


def _header(frame: memoryview) -> Header:
    try:
        format_, python, marshal_version, seq, crc, batches, nodes, edges = marshal.loads(frame)
        if format_ != FORMAT:
            raise SnapshotUnusable(f"format {format_}; this lineagemesh reads format {FORMAT}")
        if tuple(python) != _PYTHON or marshal_version != marshal.version:
            raise SnapshotUnusable(f"written by Python {python[0]}.{python[1]}, this is {_PYTHON[0]}.{_PYTHON[1]}")
    except (ValueError, EOFError, TypeError, IndexError) as e:
        raise SnapshotUnusable(f"its header does not decode: {e}") from None
    return Header(Point(seq, crc, batches), nodes, edges)
