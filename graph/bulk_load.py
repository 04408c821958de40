"""Loading event files into a store (``lineagemesh ingest openlineage``) at the speed of the machine.

Per event, parsing, validating and translating cost about as much as applying does. They are
pure and independent per event, so worker processes do them, a chunk of NDJSON lines at a time,
while this process applies the chunk before: lines cross as bytes one way, the chunk's
mutations come back as one batch in the wire form the other (one string table for its 500
events: the store journals and plans less). Chunks are applied in file order, so the journal,
the report of bad lines and the graph are exactly what one process would make. A small load (under ``WORKER_BYTES`` of files) stays in this process:
starting a worker costs more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Union

from graph.heap import settle_heap, tune_gc
from graph.stores import Store
from ingest.domain_rules import DomainRules
from ingest.event_files import BadLine, NotJSON, SourceEvent, SourceLine, parse_json, read_sources
from ingest.openlineage import translate_many

CHUNK_EVENTS = 500  # events a worker translates at once, and the store applies as one batch
WORKER_BYTES = 4 * 2**20  # below this much input, translating here is quicker than starting a worker

# What a chunk holds per event: where it is, and the line's bytes, the event already parsed, or
# why it could not be read.
Piece = Union[bytes, Any, str]
_LINE, _EVENT, _UNREADABLE = 0, 1, 2


@dataclass
class Chunk:
    places: list[tuple[Path, int]] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)

    def add(self, item: SourceLine | SourceEvent | BadLine) -> None:
        self.places.append((item.path, item.line))
        if isinstance(item, SourceLine):
            self.kinds.append(_LINE)
            self.pieces.append(item.text)
        elif isinstance(item, SourceEvent):
            self.kinds.append(_EVENT)
            self.pieces.append(item.event)
        else:
            self.kinds.append(_UNREADABLE)
            self.pieces.append(item.reason)


@dataclass
class Translated:
    """A chunk's events: their mutations as one batch (wire form), the reason each one left out
    is refused (by its place in the chunk), and the CPU time it took."""

    payload: bytes
    refused: dict[int, str]
    cpu_seconds: float


@dataclass
class LoadReport:
    accepted: int = 0
    rejected: int = 0
    changes: int = 0
    seconds: float = 0.0            # wall-clock, reading to the last apply
    translate_cpu_seconds: float = 0.0  # parsing, validating, translating (in workers, or here)
    apply_seconds: float = 0.0      # the store's apply, here
    workers: int = 0

    @property
    def events(self) -> int:
        return self.accepted + self.rejected


def translate_chunk(kinds: list[int], pieces: list[Piece], rules: DomainRules) -> Translated:
    """Parse, validate and translate a chunk's events (pure: runs in a worker or here)."""
    started = time.process_time()
    refused: dict[int, str] = {}
    events: list[Any] = []
    places: list[int] = []
    for i, (kind, piece) in enumerate(zip(kinds, pieces)):
        if kind == _UNREADABLE:
            refused[i] = piece
            continue
        try:
            events.append(parse_json(piece) if kind == _LINE else piece)
            places.append(i)
        except NotJSON as e:
            refused[i] = str(e)
    payload, invalid = translate_many(events, rules)
    refused.update((places[index], str(reason)) for index, reason in invalid.items())
    return Translated(payload, refused, time.process_time() - started)


def default_workers() -> int:
    """One worker per core beside this process's (which applies), at least one."""
    return max(1, (os.cpu_count() or 1) - 1)


def load_events(
    store: Store,
    files: list[Path],
    rules: DomainRules,
    on_bad: Callable[[BadLine], None] = lambda bad: None,
    on_progress: Callable[[int], None] = lambda events: None,
    workers: int | None = None,
) -> LoadReport:
    """Ingest the events of ``files`` (``ingest.event_files``) into ``store``, in file order.

    Bad lines and refused events go to ``on_bad`` (as ``BadLine``: file, line, reason), in order;
    ``on_progress`` hears how many events each applied chunk held. ``workers``: translation
    processes (0: translate here; default: one per spare core, or none for a small load).
    Raises ``StoreUnavailable`` as the store does; what was applied before stays applied.
    """
    if workers is None:
        workers = default_workers() if sum(_size(path) for path in files) >= WORKER_BYTES else 0
    report = LoadReport(workers=workers)
    started = time.perf_counter()
    chunks = _chunks(files)
    if workers == 0:
        for chunk in chunks:
            _apply(store, chunk, translate_chunk(chunk.kinds, chunk.pieces, rules), report, on_bad, on_progress)
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=tune_gc) as pool:
            in_flight: deque[tuple[Chunk, Future[Translated]]] = deque()
            for chunk in chunks:
                in_flight.append((chunk, _submit(pool, chunk, rules)))
                if len(in_flight) > 2 * workers:  # two chunks queued per worker, so none waits for this one
                    done, future = in_flight.popleft()
                    _apply(store, done, _translated(done, future, rules), report, on_bad, on_progress)
            while in_flight:
                done, future = in_flight.popleft()
                _apply(store, done, _translated(done, future, rules), report, on_bad, on_progress)
    report.seconds = time.perf_counter() - started
    return report


def _submit(pool: ProcessPoolExecutor, chunk: Chunk, rules: DomainRules) -> Future[Translated]:
    try:
        return pool.submit(translate_chunk, chunk.kinds, chunk.pieces, rules)
    except BrokenProcessPool:  # see _translated
        done: Future[Translated] = Future()
        done.set_result(translate_chunk(chunk.kinds, chunk.pieces, rules))
        return done


def _translated(chunk: Chunk, future: Future[Translated], rules: DomainRules) -> Translated:
    try:
        return future.result()
    except BrokenProcessPool:  # a worker died (killed, out of memory): this process translates instead
        return translate_chunk(chunk.kinds, chunk.pieces, rules)


def _chunks(files: Iterable[Path]) -> Iterator[Chunk]:
    chunk = Chunk()
    for path in files:
        for item in read_sources(path):
            chunk.add(item)
            if len(chunk.kinds) >= CHUNK_EVENTS:
                yield chunk
                chunk = Chunk()
    if chunk.kinds:
        yield chunk


def _apply(store: Store, chunk: Chunk, translated: Translated, report: LoadReport,
           on_bad: Callable[[BadLine], None], on_progress: Callable[[int], None]) -> None:
    for i in sorted(translated.refused):
        path, line = chunk.places[i]
        on_bad(BadLine(path, line, translated.refused[i]))
    report.accepted += len(chunk.places) - len(translated.refused)
    report.rejected += len(translated.refused)
    report.translate_cpu_seconds += translated.cpu_seconds
    if len(translated.refused) < len(chunk.places):
        applying = time.perf_counter()
        report.changes += store.apply_encoded(translated.payload)
        settle_heap()  # the batch's garbage now; the graph out of every later collection
        report.apply_seconds += time.perf_counter() - applying
    on_progress(len(chunk.places))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it says what is wrong, in order
