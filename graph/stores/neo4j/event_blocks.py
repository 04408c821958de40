"""The raw event log of a Neo4j deployment, kept in the graph's own database: one log however
many servers write to it.

A block (``graph.eventlog.event_log.Block``: compressed events, or mutations) is an ``:EventBlock`` node
written in the same transaction as the mutations it made (the store calls :meth:`write_riding`
from its write), so the pair commits or fails together. Beside it: an ``:EventHash`` node per
event kept (the byte-identity check that keeps a retried event out), an ``:EventSubject`` node
per job, run or dataset a block names (``events`` of a node), and ``:EventLogMeta`` entries (a
reindex in progress, a migrated file's progress). None of them is a ``:Node``: the graph's reads,
counts and ``clear`` never see them.

Order. Every block has an ``id`` (a random UUID, unique by constraint, so that a block is named
by something no two servers can both make) and a ``seq``, taken from the ``:EventLogClock`` node
as the last step of the transaction: ``SET c.seq = c.seq + n`` takes that node's write lock, held
until the transaction commits or rolls back. So no two transactions hold seqs at once, a
transaction that takes seq n+1 does so after the one that took n committed (a rolled-back one
gives its seqs back), and seq order is commit order, across every server: the order in which the
graph took the mutations, which is what reindex replays. Taking the clock last keeps it held
only for the block writes and the commit, not for the planning of the batch.

Two servers taking one event at the same moment may both keep it (each checks ``:EventHash``
before the other commits); a replay applies it twice, which an idempotent merge does not mind.

Retention (``age_out``) turns an old OpenLineage block into the mutations it made in place, on
the condition that it is still OpenLineage: servers retiring the same block concurrently do it
once.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import neo4j

from graph.eventlog.event_log import (
    OPENLINEAGE,
    Block,
    RawEventLog,
    StoredBlock,
    pack_mutations,
    time_bounds,
    unpack_events,
    without_kept,
)
from graph.stores.neo4j.cypher.event_blocks import (
    AGE,
    BLOCKS,
    DELETE_META,
    EVENTS_BEFORE,
    GET_META,
    KEPT,
    LAST_SEQ,
    OLDEST_TO_AGE,
    RECEIVED_PAYLOAD,
    SCHEMA,
    SET_META,
    SUBJECT_BLOCKS,
    TIME_ROWS_EARLIEST_FIRST,
    TIME_ROWS_LATEST_FIRST,
    TIMES,
    WRITE_BLOCKS,
    WRITE_BLOCKS_IF_NONE_KEPT,
)
from graph.stores.neo4j.parameters import unprinted

if TYPE_CHECKING:
    from graph.stores.neo4j.store import Neo4jStore


class Neo4jEventLog(RawEventLog):
    """The log in ``store``'s database (its driver, its database). Any number of servers open it
    at once: nothing here is held by one process."""

    def __init__(self, store: Neo4jStore) -> None:
        super().__init__()
        self._store = store
        self.path = f"{store.uri} (database {store.database}, :EventBlock nodes)"
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    def _ensure_schema(self) -> None:
        """The constraints and indexes, before the first use (not on open: a server starts while
        Neo4j is down, as the store does)."""
        with self._schema_lock:
            if self._schema_ready:
                return
            with self._store.session("ensuring the raw event log's schema") as session:
                for statement in SCHEMA:
                    try:
                        session.run(statement).consume()
                    except neo4j.exceptions.ClientError as exc:
                        # Another server created the same rule a moment earlier.
                        if "EquivalentSchemaRuleAlreadyExists" not in (exc.code or ""):
                            raise
            self._schema_ready = True

    def _prepare(self) -> None:
        if not self._schema_ready:
            self._ensure_schema()

    def _session(self) -> contextlib.AbstractContextManager[neo4j.Session]:
        if not self._schema_ready:
            self._ensure_schema()
        return self._store.session("using the raw event log")

    def _read(self, query: str, **parameters: Any) -> list[list[Any]]:
        with self._session() as session:
            return session.execute_read(lambda tx: tx.run(query, unprinted(parameters)).values())

    def _write_tx(self, work: Callable[[neo4j.ManagedTransaction], Any]) -> Any:
        with self._session() as session:
            return session.execute_write(work)

    # -- writes ----------------------------------------------------------------------------------

    def write_riding(self, transaction: neo4j.ManagedTransaction) -> None:
        """The blocks riding on this thread's write, in the store's open transaction (the driver
        may run it more than once: each attempt writes them again, in its own transaction)."""
        blocks = self._take_riding()
        if blocks:
            write_blocks(transaction, blocks)

    def append(self, block: Block, received_at: float | None = None) -> int:
        if received_at is not None:
            block = replace(block, received_at=received_at)
        seqs = self._write_tx(lambda tx: write_blocks(tx, [block]))
        return seqs[0] if seqs else 0

    def append_all(self, blocks: Sequence[Block], meta: tuple[str, str] | None = None) -> None:
        def work(tx: neo4j.ManagedTransaction) -> None:
            write_blocks(tx, blocks)
            if meta is not None:
                tx.run(SET_META, key=meta[0], value=meta[1]).consume()

        self._write_tx(work)

    def age_out(self, before: float, translate: Callable[[list[bytes]], bytes]) -> int:
        aged = 0
        while rows := self._read(OLDEST_TO_AGE, before=before, kind=OPENLINEAGE):
            seq, payload, events = rows[0]
            kept = pack_mutations(translate(unpack_events(payload)), events)
            parameters = {
                "seq": seq,
                "old": OPENLINEAGE,
                "kind": kept.kind,
                "payload": kept.payload,
            }
            self._write_tx(functools.partial(_run, AGE, parameters))
            aged += events
        return aged

    # -- reads -----------------------------------------------------------------------------------

    def blocks(self, after: int = 0, page: int = 64) -> Iterator[StoredBlock]:
        while rows := self._read(BLOCKS, after=after, page=page):
            for row in rows:
                yield StoredBlock(*row)
            after = rows[-1][0]

    def events_before(self, seq: int) -> int:
        return int(self._read(EVENTS_BEFORE, seq=seq)[0][0])

    def last_seq(self) -> int:
        return int(self._read(LAST_SEQ)[0][0])

    def _subject_blocks(
        self, names: list[str], after: int, page: int
    ) -> list[tuple[int, float, bytes]]:
        rows = self._read(SUBJECT_BLOCKS, names=names, after=after, kind=OPENLINEAGE, page=page)
        return [(seq, received, payload) for seq, received, payload in rows]

    def _time_rows(
        self, after: float, before: float, descending: bool
    ) -> list[tuple[int, int, float, float]]:
        query = TIME_ROWS_LATEST_FIRST if descending else TIME_ROWS_EARLIEST_FIRST
        rows = self._read(query, kind=OPENLINEAGE, before=before, after=after)
        return [(seq, events, first, last) for seq, events, first, last in rows]

    def _times_blob(self, seq: int) -> bytes:
        return bytes(self._read(TIMES, seq=seq)[0][0] or b"")

    def _received_payload(self, seq: int) -> tuple[float, bytes]:
        received, payload = self._read(RECEIVED_PAYLOAD, seq=seq)[0]
        return received, payload

    def get_meta(self, key: str) -> str | None:
        rows = self._read(GET_META, key=key)
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self._write_tx(lambda tx: tx.run(DELETE_META, key=key).consume())
        else:
            self._write_tx(lambda tx: tx.run(SET_META, key=key, value=value).consume())

    def close(self) -> None:
        """Nothing to release: the driver is the store's."""


def _run(query: str, parameters: dict[str, Any], tx: neo4j.ManagedTransaction) -> None:
    tx.run(query, unprinted(parameters)).consume()


def write_blocks(tx: neo4j.ManagedTransaction, blocks: Sequence[Block]) -> list[int]:
    """Write ``blocks`` (without the events the log keeps already) in ``tx``, the clock taken
    last (see the module docstring); returns their seqs. When no event repeats among them, the
    check and the write are one statement, written only if none of them is kept already."""
    digests = [digest.hex() for block in blocks for digest in block.hashes]
    hashes = sorted(set(digests))
    if len(hashes) == len(digests):
        found, seqs = tx.run(
            WRITE_BLOCKS_IF_NONE_KEPT, unprinted(hashes=hashes, blocks=_rows(blocks))
        ).single(strict=True)
        if not found:
            return list(seqs)
    elif hashes:
        (found,) = tx.run(KEPT, unprinted(hashes=hashes)).single(strict=True)
    else:
        found = []
    kept = {bytes.fromhex(digest) for digest in found}
    new: list[Block] = []
    for block in blocks:
        left = without_kept(block, kept) if block.hashes else block
        if left is not None:
            new.append(left)
            kept.update(left.hashes)
    if not new:
        return []
    return [seq for (seq,) in tx.run(WRITE_BLOCKS, unprinted(blocks=_rows(new))).values()]


def _rows(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """The parameters of ``blocks``' nodes."""
    rows = []
    for block in blocks:
        first_time, last_time = time_bounds(block.times)
        rows.append(
            {
                "id": uuid.uuid4().hex,
                "kind": block.kind,
                "receivedAt": block.received_at or time.time(),
                "events": block.events,
                "payload": block.payload,
                "times": block.times,
                "firstTime": first_time,
                "lastTime": last_time,
                "hashes": [digest.hex() for digest in block.hashes],
                "subjects": sorted(block.subjects),
            }
        )
    return rows
