"""Loading event files into a store (``lineagemesh ingest openlineage``) at the speed of the machine.

Per event, parsing, validating and translating cost about as much as applying does. They are
pure and independent per event, so worker processes do them, a chunk of 500 events at a time,
while this process applies the chunks before. A chunk of a plain NDJSON file crosses as a byte
range the worker reads itself (shipping the lines cost both processes more than reading them);
one of a gzip'd file or a JSON array as its lines or events. The chunk's mutations come back as
one batch in the wire form (one string table for its events: the store journals and plans
less), with the chunk's raw block for the event log, compressed there (``graph.intake.ingest_service``
then keeps the block and applies the batch). Chunks are applied in file order, so the journal,
the report of bad lines and the graph are exactly what one process would make. A small load (under ``WORKER_BYTES`` of files, ``REMOTE_WORKER_BYTES``
into a remote store) stays in this process: starting a worker costs more than it saves.

A worker hands its batch over as a file in a spool directory (in memory where the system has
one), not through the pool's pipe: a pipe of 64 KiB drains only as fast as a thread of this
process reads it, and that thread waits for the GIL while an apply holds it (~20 ms a chunk), so
the worker stalled ~3 ms a chunk (11 % of its time, measured on the 100k mesh).

All or none (``load_events(..., all_or_none=True)``, the command's default): every chunk is read,
parsed, validated and translated, as the load would, before anything is applied; one bad line and
nothing is applied. The translations are kept for the apply when the input is under
``KEEP_CHECKED_BYTES``; a larger one is checked in a first pass that keeps nothing (memory stays
bounded), then read and translated again as it is applied.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import struct
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from graph.change.schema_observations import observed_index
from graph.core.heap import keep_freed_memory, settle_heap, tune_gc
from graph.intake.event_files import BadLine, SourceEvent, SourceLine, is_ndjson, read_sources
from graph.intake.ingest_service import IngestService, Translation, translate_events
from ingest.clock_skew import DEFAULT_MAX_CLOCK_SKEW, latest_accepted
from ingest.domain_rules import DomainRules

CHUNK_EVENTS = 500  # lines a worker translates at once, and the store applies as one batch
QUEUED = 4  # chunks translating per worker: enough that none waits for this process
AHEAD = 16  # chunks in hand per worker, translated or not: what a load holds in memory
WORKER_BYTES = (
    4 * 2**20
)  # below this much input, translating here is quicker than starting a worker
#: The same for a remote store (Neo4j): its server works on the same cores as the workers would,
#: and its apply is most of a load's time. A re-run round of the 1k mesh (1 682 events, 6 MB)
#: loaded ~0.9-1.9 s (15-25 %) quicker here than with two workers starting beside it (5 of 6
#: interleaved pairs); translating 16 MiB here costs ~0.7 s, about what starting them does.
REMOTE_WORKER_BYTES = 16 * 2**20
#: Below this much input, an all-or-none load keeps what its check translated and applies that;
#: above, it translates again as it applies rather than hold the whole input's batches.
KEEP_CHECKED_BYTES = 64 * 2**20

_LINE, _EVENT, _UNREADABLE = (
    0,
    1,
    2,
)  # what a chunk holds of an event: its line, it parsed, or why it is unreadable


@dataclass
class Span:
    """Lines of a plain NDJSON file by byte range, from line ``first_line``: read where translated."""

    path: Path
    start: int
    end: int
    first_line: int

    def events(self) -> Iterator[tuple[int, bytes | Any | str, int]]:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.start)
                text = handle.read(self.end - self.start)
        except OSError as e:
            yield self.first_line, f"cannot read file: {e}", _UNREADABLE
            return
        for number, line in enumerate(text.split(b"\n"), start=self.first_line):
            if line.strip():
                yield number, line, _LINE


@dataclass
class Lines:
    """Events of one file read here: NDJSON lines (bytes), events parsed already, or why unreadable."""

    path: Path
    numbers: list[int] = field(default_factory=list)
    pieces: list[bytes | Any | str] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)

    def add(self, item: SourceLine | SourceEvent | BadLine) -> None:
        self.numbers.append(item.line)
        if isinstance(item, SourceLine):
            self.pieces.append(item.text)
            self.kinds.append(_LINE)
        elif isinstance(item, SourceEvent):
            self.pieces.append(item.event)
            self.kinds.append(_EVENT)
        else:
            self.pieces.append(item.reason)
            self.kinds.append(_UNREADABLE)

    def events(self) -> Iterator[tuple[int, bytes | Any | str, int]]:
        return zip(self.numbers, self.pieces, self.kinds)


Chunk = Span | Lines


@dataclass
class Translated:
    """A chunk's events translated (``graph.intake.ingest_service.Translation``: their mutations as one
    batch, their raw block, why each one left out is refused, here by its line), and the CPU time
    it took."""

    translation: Translation
    cpu_seconds: float
    spooled: str | None = (
        None  # the file holding the payload and block instead (a worker's: translate_spooled)
    )
    #: The batch's schema observations as the worker read them (``graph.change.schema_observations.
    #: observed_index``, from the spool file): the applying process adopts them instead of reading
    #: the batch again (None: it reads them).
    observed: bytes | None = None
    #: The spool file being read on the taker's thread (:meth:`take_ahead`).
    taking: Future[Translation] | None = field(default=None, repr=False, compare=False)

    def take_ahead(self, taker: ThreadPoolExecutor) -> None:
        """Read the spool file on ``taker``'s thread, while this process waits on the batch
        before (its plan, SQLite's commit: both without the GIL)."""
        if self.spooled is not None and self.taking is None:
            self.taking = taker.submit(self._take)

    def take(self) -> Translation:
        """The translation (its batch and block read from the spool file, which
        then goes)."""
        if self.taking is not None:
            return self.taking.result()
        return self._take()

    def drop(self) -> None:
        """The spool file gone, unread (or read ahead already)."""
        if self.taking is not None:
            with contextlib.suppress(OSError):
                self.taking.result()
        elif self.spooled is not None:
            Path(self.spooled).unlink(missing_ok=True)

    def _take(self) -> Translation:
        if self.spooled is None:
            return self.translation
        path = Path(self.spooled)
        try:
            data = path.read_bytes()
        finally:
            path.unlink(missing_ok=True)
        payload_size, packed_size = _SIZES.unpack_from(data)
        at = _SIZES.size + payload_size
        payload, packed = data[_SIZES.size : at], data[at : at + packed_size]
        if len(data) > at + packed_size:
            self.observed = data[at + packed_size :]
        block = self.translation.block
        if block is not None:
            block = replace(block, payload=packed)
        return replace(self.translation, payload=payload, block=block)


_SIZES = struct.Struct("<QQ")  # a spool file's payload and block sizes, before them


@dataclass
class LoadReport:
    accepted: int = 0
    rejected: int = 0
    changes: int = 0
    seconds: float = 0.0  # wall-clock, reading to the last apply
    check_seconds: float = 0.0  # of which an all-or-none load's check before the apply
    applied: bool = True  # False: an all-or-none load refused, nothing applied
    translate_cpu_seconds: float = 0.0  # parsing, validating, translating (in workers, or here)
    apply_seconds: float = 0.0  # the store's apply, here
    wait_seconds: float = 0.0  # here, waiting for a worker's chunk
    workers: int = 0
    chunks: int = 0
    chunks_here: int = 0  # translated in this process

    @property
    def events(self) -> int:
        return self.accepted + self.rejected


def translate_chunk(
    chunk: Chunk, rules: DomainRules, keep_raw: bool = True, not_after: datetime | None = None
) -> Translated:
    """Read, parse, validate and translate a chunk's events (pure: runs in a worker or here);
    ``not_after``: the latest eventTime accepted (``ingest.clock_skew``)."""
    started = time.process_time()
    unreadable: dict[int, str] = {}
    items: list[bytes | Any] = []
    lines: list[int] = []
    for number, piece, kind in chunk.events():
        if kind == _UNREADABLE:
            unreadable[number] = cast(str, piece)  # an unreadable line's piece is its reason
            continue
        items.append(piece)
        lines.append(number)
    translation = translate_events(items, rules, keep_raw, not_after)
    refused = {lines[index]: reason for index, reason in translation.refused.items()} | unreadable
    translation = replace(translation, events=translation.events + len(unreadable), refused=refused)
    return Translated(translation, time.process_time() - started)


def translate_spooled(
    chunk: Chunk, rules: DomainRules, keep_raw: bool, not_after: datetime | None, spool: str
) -> Translated:
    """:func:`translate_chunk` in a worker, its batch and raw block left as a file in ``spool`` (see the module)."""
    translated = translate_chunk(chunk, rules, keep_raw, not_after)
    translation = translated.translation
    packed = b"" if translation.block is None else translation.block.payload
    observed = observed_index(translation.payload)
    handle, name = tempfile.mkstemp(dir=spool, suffix=".wire")
    with os.fdopen(handle, "wb") as out:
        out.write(_SIZES.pack(len(translation.payload), len(packed)))
        out.write(translation.payload)
        out.write(packed)
        if observed is not None:
            out.write(observed)
    block = None if translation.block is None else replace(translation.block, payload=b"")
    return replace(
        translated, translation=replace(translation, payload=b"", block=block), spooled=name
    )


def default_workers() -> int:
    """One worker per core: they run below this process's priority (``_start_worker``), so this
    one keeps a core whenever it has a chunk to apply and the workers share what it leaves (on 2
    cores, 2 workers ~4 % faster than 1 at 100k; unprioritised, 2 were ~10 % slower)."""
    return max(1, os.cpu_count() or 1)


WORKER_NICENESS = 10


def _start_worker() -> None:
    tune_gc()
    keep_freed_memory()  # (a forked worker has it already; a spawned one not)
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)


#: A valid event translated once by each worker started ahead (``TranslationWorkers``): what a
#: worker's first chunk costs beyond the others (the validators compiled, the native translator
#: made, lazy imports; ~60 ms) is then paid while the store opens, not during the load.
_WARM_UP_EVENT = {
    "eventType": "COMPLETE",
    "eventTime": "2020-01-01T00:00:00Z",
    "run": {"runId": "0190a0a0-0000-7000-8000-000000000000"},
    "job": {"namespace": "warm-up", "name": "warm-up"},
    "inputs": [{"namespace": "warm-up", "name": "in"}],
    "outputs": [{"namespace": "warm-up", "name": "out"}],
    "producer": "https://github.com/lineagemesh/warm-up",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
}


def _warm_up(rules: DomainRules) -> None:
    translate_events([_WARM_UP_EVENT], rules, keep_raw=True)


def _start_method() -> str:
    """How workers start: forked where the system forks and this process runs no other thread
    (a thread holding a lock at the fork would leave the child's copy of it held for good), so
    a worker begins with this process's imports and warmed translator instead of repeating them;
    else spawned. A spawned worker spends ~0.3 s of CPU importing and ~60 ms on its first chunk
    while the load runs: forked, a first load of the 20k mesh took 2.13-2.26 s instead of
    2.35-2.55 (3 runs each, main 54b1455)."""
    forks = "fork" in multiprocessing.get_all_start_methods() and sys.platform == "linux"
    return "fork" if forks and threading.active_count() == 1 else "spawn"


class TranslationWorkers:
    """Worker processes started, and warmed up, before the store opens, so that their start
    (:func:`_start_method`) falls outside the load: until a worker answers, the applying process
    translates chunks itself, and the embedded store's snapshot load leaves the other core idle
    meanwhile. Closing stops them."""

    def __init__(self, count: int, rules: DomainRules) -> None:
        self.count = count
        method = _start_method()
        if method == "fork":  # warmed here once, and so in every child
            _warm_up(rules)
        self.pool = ProcessPoolExecutor(
            max_workers=count,
            mp_context=multiprocessing.get_context(method),
            initializer=_start_worker,
        )
        for _ in range(count):  # each submit starts a process while none is idle
            self.pool.submit(_warm_up, rules)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> TranslationWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def workers_ahead(
    files: list[Path], workers: int | None, rules: DomainRules
) -> Iterator[TranslationWorkers | None]:
    """The translation workers a load of ``files`` into an embedded store would start
    (:func:`load_events`), started now (None: it would start none); closed on leaving."""
    count = _worker_count(files, workers, remote=False)
    if count == 0:
        yield None
        return
    with TranslationWorkers(count, rules) as started:
        yield started


def _worker_count(files: list[Path], workers: int | None, remote: bool) -> int:
    if workers is not None:
        return workers
    least = REMOTE_WORKER_BYTES if remote else WORKER_BYTES
    return default_workers() if sum(_size(path) for path in files) >= least else 0


def load_events(
    service: IngestService,
    files: list[Path],
    on_bad: Callable[[BadLine], None] = lambda bad: None,
    on_progress: Callable[[int], object] = lambda events: None,
    workers: int | None = None,
    max_clock_skew: timedelta | None = DEFAULT_MAX_CLOCK_SKEW,
    ahead: TranslationWorkers | None = None,
    all_or_none: bool = False,
) -> LoadReport:
    """Ingest the events of ``files`` (``graph.intake.event_files``) through ``service`` (its store, raw
    log and domain rules), in file order.

    Bad lines and refused events go to ``on_bad`` (as ``BadLine``: file, line, reason), in order;
    ``on_progress`` hears how many events each applied chunk held. ``workers``: translation
    processes (0: translate here; default: one per core, or none for a small load). An event dated
    more than ``max_clock_skew`` after the load started is refused (``ingest.clock_skew``).
    ``ahead``: workers started ahead (:func:`workers_ahead`), used when they are as many as
    this load takes (the caller closes them). ``all_or_none``: every event is checked first; with
    one bad, nothing is applied (``applied`` False; see the module). Raises ``StoreUnavailable``
    as the store does; what was applied before stays applied.
    """
    workers = _worker_count(files, workers, service.store.remote)
    report = LoadReport(workers=workers)
    rules, keep_raw = service.rules, service.keeps_raw
    not_after = latest_accepted(max_clock_skew)
    started = time.perf_counter()

    def apply(chunk: Chunk, translated: Translated) -> None:
        _apply(service, chunk, translated, report, on_bad, on_progress)

    with contextlib.ExitStack() as own:
        pool, spool = None, ""
        if workers:
            spool_in = _MEMORY_DIR if os.path.isdir(_MEMORY_DIR) else None
            spool = own.enter_context(
                tempfile.TemporaryDirectory(prefix="lineagemesh-load-", dir=spool_in)
            )
            if ahead is None or ahead.count != workers:
                ahead = own.enter_context(TranslationWorkers(workers, rules))
            pool = ahead.pool

        def run(use: Callable[[Chunk, Translated], None], keep_raw: bool) -> None:
            if pool is None:
                for chunk in _chunks(files):
                    report.chunks_here += 1
                    use(chunk, translate_chunk(chunk, rules, keep_raw, not_after))
            else:
                _pipeline(
                    _chunks(files), rules, keep_raw, not_after, pool, spool, workers, report, use
                )

        if all_or_none:
            keep = sum(_size(path) for path in files) < KEEP_CHECKED_BYTES
            checked = _Checked(keep)
            run(checked.add, keep_raw if keep else False)
            report.check_seconds = time.perf_counter() - started
            if checked.bad:
                for line in checked.bad:
                    on_bad(line)
                report.rejected, report.applied = len(checked.bad), False
            elif keep:
                for chunk, translated in checked.kept:
                    apply(chunk, translated)
            else:
                run(apply, keep_raw)
        else:
            run(apply, keep_raw)
    report.seconds = time.perf_counter() - started
    return report


class _Checked:
    """An all-or-none load's check: the bad lines found, and what was translated when ``keep``."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.bad: list[BadLine] = []
        self.kept: list[tuple[Chunk, Translated]] = []

    def add(self, chunk: Chunk, translated: Translated) -> None:
        refused = translated.translation.refused
        self.bad.extend(BadLine(chunk.path, line, refused[line]) for line in sorted(refused))
        self.kept.append((chunk, translated))
        if self.bad or not self.keep:  # nothing kept is applied: the batches go
            for _, unwanted in self.kept:
                unwanted.drop()
            self.kept.clear()


def _pipeline(
    chunks: Iterator[Chunk],
    rules: DomainRules,
    keep_raw: bool,
    not_after: datetime | None,
    pool: ProcessPoolExecutor,
    spool: str,
    workers: int,
    report: LoadReport,
    use: Callable[[Chunk, Translated], None],
) -> None:
    """Chunks go to the workers, QUEUED each so that none waits for this process, and are applied
    in order as they come back. The workers are kept busy before anything else: a chunk is
    submitted whenever fewer than QUEUED each are still translating, up to AHEAD chunks a worker
    in hand, so that the parent applying (``use``) a run of chunks that came back together does not leave
    them idle. Until the first comes back this process translates the chunks it reads itself
    rather than wait; after that it only applies. (Translating here whenever the oldest chunk is
    not back yet measured slower: the apply then ran ~20 % slower beside it, and the workers went
    without work meanwhile.)"""
    queue: deque[tuple[Chunk, Future[Translated] | Translated]] = deque()
    started = False  # a worker has translated a chunk
    busy, held = QUEUED * workers, AHEAD * workers

    def apply_head() -> None:
        nonlocal started
        chunk, translated = queue.popleft()
        if isinstance(translated, Future):
            waiting = time.perf_counter()
            translated = _translated(chunk, translated, rules, keep_raw, not_after)
            report.wait_seconds += time.perf_counter() - waiting
            started = True
        else:
            report.chunks_here += 1
        if queue:
            _take_ahead(queue[0][1], taker)
        use(chunk, translated)

    def translating() -> int:
        return sum(isinstance(t, Future) and not t.done() for _, t in queue)

    with ThreadPoolExecutor(1, thread_name_prefix="lineagemesh-take") as taker:
        for chunk in chunks:
            while len(queue) >= held or translating() >= busy:
                if _ready(queue[0][1]):
                    apply_head()
                elif not started and len(queue) < held:
                    queue.append(
                        (chunk, translate_chunk(chunk, rules, keep_raw, not_after))
                    )  # rather than wait for the workers to start
                    break
                else:
                    apply_head()  # waits for the oldest
            else:
                queue.append((chunk, _submit(pool, chunk, rules, keep_raw, not_after, spool)))
        while queue:
            apply_head()


def _take_ahead(translated: Future[Translated] | Translated, taker: ThreadPoolExecutor) -> None:
    """The next chunk's spool file read while this one applies, if it is back (~1.7 ms a re-run
    batch, ~5 % of its apply, off the applying thread's path)."""
    if isinstance(translated, Future):
        if not translated.done() or translated.exception() is not None:
            return
        translated = translated.result()
    translated.take_ahead(taker)


def _ready(translated: Future[Translated] | Translated) -> bool:
    return not isinstance(translated, Future) or translated.done()


def _submit(
    pool: ProcessPoolExecutor,
    chunk: Chunk,
    rules: DomainRules,
    keep_raw: bool,
    not_after: datetime | None,
    spool: str,
) -> Future[Translated]:
    try:
        return pool.submit(translate_spooled, chunk, rules, keep_raw, not_after, spool)
    except BrokenProcessPool:  # see _translated
        done: Future[Translated] = Future()
        done.set_result(translate_chunk(chunk, rules, keep_raw, not_after))
        return done


def _translated(
    chunk: Chunk,
    future: Future[Translated],
    rules: DomainRules,
    keep_raw: bool,
    not_after: datetime | None,
) -> Translated:
    try:
        return future.result()
    except (
        BrokenProcessPool
    ):  # a worker died (killed, out of memory): this process translates instead
        return translate_chunk(chunk, rules, keep_raw, not_after)


def _chunks(files: Iterable[Path]) -> Iterator[Chunk]:
    """Each file's chunks: spans of a plain NDJSON file, else lines or events read here."""
    for path in files:
        if not path.name.endswith(".gz") and path.is_file() and is_ndjson(path):
            yield from _spans(path)
            continue
        chunk = Lines(path)
        for item in read_sources(path):
            chunk.add(item)
            if len(chunk.numbers) >= CHUNK_EVENTS:
                yield chunk
                chunk = Lines(path)
        if chunk.numbers:
            yield chunk


def _spans(path: Path) -> Iterator[Span]:
    """CHUNK_EVENTS lines at a time, found by reading the file in blocks (not into line objects,
    and not mapped: a mapped file's pages would count in this process's memory)."""
    with open(path, "rb") as handle:
        start = offset = 0  # the span's first byte; the block's
        line, lines = 1, 0
        block = handle.read(_BLOCK)
        while block:
            at = 0
            while True:
                newline = block.find(b"\n", at)
                if newline < 0:
                    break
                at = newline + 1
                lines += 1
                if lines == CHUNK_EVENTS:
                    yield Span(path, start, offset + at, line)
                    start, line, lines = offset + at, line + lines, 0
            offset += len(block)
            block = handle.read(_BLOCK)
        if offset > start:
            yield Span(path, start, offset, line)


_BLOCK = 4 * 2**20
_MEMORY_DIR = (
    "/dev/shm"  # where Linux keeps files in memory; elsewhere the system's temporary directory
)


def _apply(
    service: IngestService,
    chunk: Chunk,
    translated: Translated,
    report: LoadReport,
    on_bad: Callable[[BadLine], None],
    on_progress: Callable[[int], object],
) -> None:
    translation = translated.take()
    for line in sorted(translation.refused):
        on_bad(BadLine(chunk.path, line, translation.refused[line]))
    report.accepted += translation.accepted
    report.rejected += len(translation.refused)
    report.chunks += 1
    report.translate_cpu_seconds += translated.cpu_seconds
    if translation.accepted:
        applying = time.perf_counter()
        report.changes += service.commit(
            translation.payload, translation.block, observed=translated.observed
        )
        settle_heap()  # the batch's garbage now; the graph out of every later collection
        report.apply_seconds += time.perf_counter() - applying
    on_progress(translation.events)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it says what is wrong, in order
