"""The Neo4j store: the same graph as the embedded store, kept in a Neo4j 5.26+ database.

What it becomes in the graph, and why: docs/stores.md. The encoding is ``codec``, the Cypher
``cypher``, the column-clock bookkeeping of a batch ``clock_books``, the reads ``reads``, the format
upgrades ``upgrade``."""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, NamedTuple

import neo4j
from neo4j import GraphDatabase, Query
from neo4j import exceptions as neo4j_errors

from graph.core.model import Edge, EdgeKind, Node, NodeKind
from graph.core.mutations import Changes, Mutation, plan, touched_ids
from graph.stores import (
    EdgeDirection,
    EdgeKey,
    FirstsRequest,
    Neighbourhood,
    NeighbourhoodRequest,
    Store,
    StoreUnavailable,
    column_clocks,
    only_keys,
)
from graph.stores.job_currency import grouped_by_job, touched_by
from graph.stores.neo4j import around, batched_reads, facts_reads
from graph.stores.neo4j.clock_books import _Books, _Locked
from graph.stores.neo4j.codec import (
    _CLOCKS,
    _EDGE_KIND_BY_TYPE,
    _STAMPS,
    _clock_owners,
    _column_ids,
    _decode,
    _decode_node,
    _decode_nodes,
    _decode_summaries,
    _delta,
    _encode,
    _encode_node,
    _fields_touched,
    _keys,
    kept_fields,
    summary_parameter,
)
from graph.stores.neo4j.cypher.graph import (
    _CLEAR,
    _COUNTED,
    _COUNTS,
    _FORMAT,
    _LOCK_AND_READ_BATCH,
    _LOCK_AND_READ_EXISTING,
    _LOCK_AND_READ_NODES,
    _NODES_OF_KIND,
    _READ_EDGES,
    _READ_FORMAT,
    _READ_SUMMARIES,
    _READ_UNRESTATED,
    _SCHEMA,
    _SEARCH,
    _WRITE,
    _WRITE_FIELDS,
    PING,
    _first_of_kind_query,
    _newest_query,
    neighbourhood_read,
)
from graph.stores.neo4j.cypher.judging import WRITE_MARKS
from graph.stores.neo4j.judging import Prefetched, judge_batch, judged
from graph.stores.neo4j.parameters import unprinted
from graph.stores.neo4j.reads import _CypherReads, _InTransaction
from graph.stores.neo4j.retries import _UNAVAILABLE, Retries, _Result, _retrying_transient
from graph.stores.neo4j.upgrade import upgrade
from graph.stores.neo4j.walk_ahead import WalkAhead
from graph.stores.remote_reads import NeighbourhoodSource

log = logging.getLogger("graph.stores.neo4j")  # one logger for the whole store


class Neo4jStore(_CypherReads, Store):
    """The graph in a Neo4j 5.26+ database, through the official driver (one driver per store).

    It offers every read of :class:`NeighbourhoodSource` structurally (mypy checks it below): not
    by inheriting the Protocol, whose empty method bodies would answer ``hasattr`` for a read this
    class lacks, and the native core picks its reads by ``hasattr``."""

    remote = True  # every read is a Bolt round trip: the views read ahead (``neighbourhood``)
    reads_batches = True  # (NeighbourhoodSource: several neighbourhoods and the facts at once)

    def __init__(
        self,
        uri: str,
        *,
        user: str | None = None,
        password: str | None = None,
        database: str = "neo4j",
        retry_time: float = 2.0,
        connection_timeout: float = 3.0,
        query_timeout: float | None = 120.0,
    ) -> None:
        """Open a driver for ``uri``. Never fails because Neo4j is down: the schema is then ensured
        before the first write, and every call raises StoreUnavailable until Neo4j answers.

        ``retry_time`` bounds how long the driver retries a transaction that failed for a
        transient reason (lost connection, deadlock) before StoreUnavailable is raised: short,
        so that ingest answers 503 well within an OpenLineage client's 5 s timeout.
        """
        self.uri = uri
        self.database = database
        self._query_timeout = query_timeout
        auth = (user or "neo4j", password or "") if (user or password) else None
        self._driver = GraphDatabase.driver(
            uri,
            auth=auth,
            max_transaction_retry_time=retry_time,
            connection_timeout=connection_timeout,
            connection_acquisition_timeout=max(connection_timeout * 2, 10.0),
            user_agent="lineagemesh",
            notifications_min_severity="OFF",
        )
        self._bookmarks = self._driver.execute_query_bookmark_manager
        # ``soon``: a read run beside the caller's own (two threads, made as first needed; every
        # caller waits on its own, so what queues here is bounded by the callers)
        self._beside = ThreadPoolExecutor(max_workers=2, thread_name_prefix="neo4j-read")
        self._write_lock = threading.Lock()
        self.retries = Retries()
        self._schema_lock = threading.Lock()
        self._schema_ready = False
        #: Nodes and edges this store object has written (created, or rewritten in part): what a
        #: batch cost the server, beside the changes ``apply`` counts.
        self.elements_written = 0
        try:
            self._ensure_schema()
        except StoreUnavailable as exc:
            log.warning("%s; the schema will be ensured before the first write", exc)

    # -- plumbing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _translate_errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(
                f"Neo4j at {self.uri} (database {self.database!r}) is unavailable while {doing}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    @contextlib.contextmanager
    def session(self, doing: str) -> Iterator[neo4j.Session]:
        """A session on the store's database, its unavailability as StoreUnavailable: the raw
        event log's (``event_blocks``), which lives beside the graph."""
        with (
            self._translate_errors(doing),
            self._driver.session(
                database=self.database, bookmark_manager=self._bookmarks
            ) as session,
        ):
            yield session

    def _query(self, text: str) -> Query:
        return Query(text, timeout=self._query_timeout)

    def _read(self, text: str, parameters: dict[str, Any], doing: str) -> list[list[Any]]:
        """One auto-commit query: a single round trip (RUN and PULL pipelined), where a managed
        transaction costs BEGIN/RUN/PULL and then COMMIT. The walks make hundreds of these
        calls per answer. A retryable transient error is retried (``_retrying_transient``); any
        other failure is StoreUnavailable at once."""
        self._ensure_schema()  # a database written before the current format is upgraded first

        def attempt() -> list[list[Any]]:
            with self._driver.session(
                database=self.database,
                bookmark_manager=self._bookmarks,
                default_access_mode=neo4j.READ_ACCESS,
                fetch_size=-1,
            ) as session:
                return session.run(self._query(text), unprinted(parameters)).values()

        with self._translate_errors(doing):
            return _retrying_transient(attempt, retried=functools.partial(self.retries.add, "read"))

    def _ensure_schema(self) -> None:
        """Create the constraints and indexes if missing and bring the graph to the current format
        (idempotent; once per store object)."""
        if self._schema_ready:
            return
        with self._schema_lock, self._translate_errors("ensuring the schema"):
            if self._schema_ready:
                return
            with self._driver.session(database=self.database) as session:
                for statement in _SCHEMA:
                    try:
                        session.run(statement).consume()
                    except neo4j_errors.ClientError as exc:
                        # Another process created the same rule a moment earlier.
                        if "EquivalentSchemaRuleAlreadyExists" not in (exc.code or ""):
                            raise
                found = session.run(_READ_FORMAT).single(strict=True)[0] or 0
                if found > _FORMAT:
                    raise StoreUnavailable(
                        f"the graph in {self.uri} has format {found}, written by a newer "
                        f"lineagemesh; this one reads formats up to {_FORMAT}"
                    )
                if found < _FORMAT:
                    upgrade(
                        session,
                        self.uri,
                        found,
                        lambda tx, ids: self._keep_fields(tx, ids, _Locked()),
                    )
            self._schema_ready = True

    # -- writes --------------------------------------------------------------------------------

    def apply(self, mutations: Sequence[Mutation], encoded: bytes | None = None) -> int:
        mutations = list(mutations)
        if not mutations:
            return 0
        with self._write_lock, self._translate_errors("applying a batch"):
            self._ensure_schema()
            attempts = 0
            written = [0]  # by the attempt that committed

            def attempt(tx: neo4j.ManagedTransaction, batch: list[Mutation]) -> int:
                nonlocal attempts
                attempts += 1  # the driver runs it again after a transient failure (a deadlock)
                changed, written[0] = self._apply_in(tx, batch)
                if self.raw_blocks is not None:  # the raw blocks it came from, in its transaction
                    self.raw_blocks.write_riding(tx)
                return changed

            try:
                with self._driver.session(
                    database=self.database, bookmark_manager=self._bookmarks
                ) as session:
                    work = neo4j.unit_of_work(timeout=self._query_timeout)(attempt)
                    changed = session.execute_write(work, mutations)
                self.elements_written += written[0]
                return changed
            finally:
                if attempts > 1:
                    self.retries.add("write", attempts - 1)

    def _apply_in(
        self,
        tx: neo4j.ManagedTransaction,
        mutations: list[Mutation],
        settled: frozenset[str] = frozenset(),
    ) -> tuple[int, int]:
        """One batch in ``tx``: the nodes and edges it changed, and those it wrote. Column groups
        whose clocks can move instead (``graph.stores.column_clocks``) touch only their dataset;
        ``settled``: datasets whose groups are written element by element."""
        rest, grouped = column_clocks.partition(mutations)
        owners = {owner for owner, _ in grouped}
        rest_ids, rest_keys = touched_ids(rest)
        nodes: _Locked[str] = _Locked()
        reading = self._lock_read_batch(tx, rest_ids | owners, rest_keys)
        groups = column_clocks.digested(grouped)  # while Neo4j runs the statement
        found, prefetched = reading.read(nodes)
        clocks: dict[str, column_clocks.Clocks] = {}
        blocked = set(settled)
        for owner in owners:
            stored = nodes.stored[owner]
            if _STAMPS not in stored:
                blocked.add(owner)
            clocks[owner] = column_clocks.parse(stored.get(_CLOCKS))
        for group in (
            groups.values()
        ):  # an owner defers only if all its groups do: one written may move another's
            if not column_clocks.deferrable(group, clocks[group.owner]):
                blocked.add(group.owner)
        written = [group for group in groups.values() if group.owner in blocked]
        deferred = [group for group in groups.values() if group.owner not in blocked]
        full = [*rest, *(m for group in written for m in group.mutations)]
        node_ids, edge_keys = touched_ids(full)
        if extra := node_ids - nodes.stored.keys():
            self._lock_read(tx, _LOCK_AND_READ_NODES, extra, nodes)
        if found is None:  # (the first statement could not say which edges its nodes have)
            found = self._read_batch_edges(tx, edge_keys, nodes)
        elif more := edge_keys - rest_keys:  # the edges of groups written element by element
            found += self._read_batch_edges(tx, more, nodes)
        maps = [*(nodes.stored[node_id] for node_id in node_ids), *(row[4] for row in found)]
        self._owner_clocks(tx, maps, nodes, clocks)
        for node_id, stored in nodes.stored.items():
            node = _decode_node(node_id, nodes.labels[node_id], dict(stored), clocks)
            if node is not None:
                nodes.current[node_id] = node
        edges: _Locked[tuple[str, EdgeKind, str]] = _Locked()
        for source, type_, target, eid, stored in found:
            key = (source, _EDGE_KIND_BY_TYPE[type_], target)
            props, stamps = _decode(dict(stored), clocks)
            edges.current[key] = Edge(source, key[1], target, props, stamps)
            edges.eids[key] = eid
            edges.stored[key] = stored

        changes = plan(full, nodes.current, edges.current)
        books = _Books(clocks)
        for node_id, node in changes.nodes.items():
            books.changed(node_id, nodes.stored.get(node_id), nodes.current.get(node_id), node)
        for key, edge in changes.edges.items():
            books.changed(key, edges.stored.get(key), edges.current.get(key), edge)
        if conflicts := {
            group.owner for group in deferred if group.digest in books.invalid.get(group.owner, ())
        }:
            return self._apply_in(tx, mutations, settled | conflicts)  # nothing written yet
        books.invalidate()
        for group in written:
            books.establish(group, nodes, edges, changes)
        moved: set[Any] = set()
        for group in deferred:
            if column_clocks.defer(group, clocks[group.owner]):
                moved.update(column_clocks.element_key(m) for m in group.mutations)
        writing, elements = self._write(tx, changes, nodes, edges, books)
        marks = judged(prefetched, nodes.current, nodes.stored, changes, clocks)  # meanwhile
        rows = marks.rows(writing.made() if writing else {}) if marks is not None else None
        if rows:
            tx.run(WRITE_MARKS, unprinted(marks=rows)).consume()
        if touched := _fields_touched(changes, nodes.current):
            elements += self._keep_fields(tx, touched, nodes, changes.nodes)
        if rows is None:  # judged after the write, with what the first statement did not read
            jobs, runs = touched_by(changes)
            known = {**nodes.current, **changes.nodes}
            locked = [i for i in nodes.eids if i in known and known[i].kind is NodeKind.JOB]
            judge_batch(tx, jobs, runs, known, locked, clocks)
        moved -= changes.nodes.keys() | changes.edges.keys()
        return len(changes.nodes) + len(changes.edges) + len(moved), elements

    def _keep_fields(
        self,
        tx: neo4j.ManagedTransaction,
        datasets: Collection[str],
        nodes: _Locked[str],
        written: Mapping[str, Node] | None = None,
    ) -> int:
        """Write the kept fields (_FIELDS) of ``datasets`` as ``tx`` leaves them; returns how many
        changed. Each is write-locked before its columns are read: a writer changing a column
        locks its dataset only then, so the last to lock it reads every other's committed
        columns. ``written``: nodes as ``tx`` wrote them (``nodes.current`` before that)."""
        if missing := set(datasets) - nodes.stored.keys():
            self._lock_read(tx, _LOCK_AND_READ_EXISTING, missing, nodes)
        known = {**nodes.current, **(written or {})}
        for node_id in missing & nodes.stored.keys():
            found = _decode_node(node_id, nodes.labels[node_id], dict(nodes.stored[node_id]))
            if found is not None:
                known[node_id] = found
        column_ids = {d: _column_ids(known[d]) for d in sorted(datasets) if d in known}
        wanted = {c for ids in column_ids.values() for c in ids or ()}
        columns = _InTransaction(tx, known).nodes(wanted) if wanted else {}
        rows = [[nodes.eids[d], kept_fields(ids, columns)] for d, ids in column_ids.items()]
        if not rows:
            return 0
        (changed,) = tx.run(_WRITE_FIELDS, unprinted(rows=rows)).single(strict=True)
        return int(changed)

    @staticmethod
    def _lock_read_batch(
        tx: neo4j.ManagedTransaction, ids: Collection[str], keys: Collection[EdgeKey]
    ) -> _BatchRead:
        """The batch's first statement (``_LOCK_AND_READ_BATCH``), sent: it locks the nodes of
        ``ids``, finds the edges of ``keys`` among them and reads what judging the batch's jobs
        reads (:meth:`_BatchRead.read` waits for it)."""
        order = sorted(ids)
        at = {node_id: i for i, node_id in enumerate(order)}
        parameters: dict[str, Any] = {kind.value: [] for kind in EdgeKind}
        for source, kind, target in keys:
            parameters[kind.value].append([at[source], at[target]])
        parameters["ids"] = order
        return _BatchRead(tx.run(_LOCK_AND_READ_BATCH, unprinted(parameters)), order)

    @staticmethod
    def _read_batch_edges(
        tx: neo4j.ManagedTransaction, keys: Collection[EdgeKey], nodes: _Locked[str]
    ) -> list[list[Any]]:
        """The stored ones of the edges ``keys`` names between locked nodes (``_READ_EDGES``)."""
        by_kind: dict[EdgeKind, list[list[str]]] = {}
        for source, kind, target in keys:
            if source in nodes.stored and target in nodes.stored:
                by_kind.setdefault(kind, []).append(
                    [nodes.eids[source], nodes.eids[target], source, target]
                )
        if not by_kind:
            return []
        parameters = {kind.value: by_kind.get(kind, []) for kind in EdgeKind}
        (found,) = tx.run(_READ_EDGES, unprinted(parameters)).single(strict=True)
        return list(found)

    @staticmethod
    def _lock_read(
        tx: neo4j.ManagedTransaction, query: str, ids: Collection[str], nodes: _Locked[str]
    ) -> None:
        """Write-lock the nodes of ``ids`` in id order (so concurrent writers queue instead of
        deadlocking) and keep what they hold."""
        (locked,) = tx.run(query, unprinted(ids=sorted(ids))).single(strict=True)
        for node_id, eid, labels, stored in locked:
            nodes.eids[node_id] = eid
            nodes.stored[node_id] = stored
            nodes.labels[node_id] = labels

    def _owner_clocks(
        self,
        tx: neo4j.ManagedTransaction,
        maps: Iterable[Mapping[str, Any]],
        nodes: _Locked[str],
        clocks: dict[str, column_clocks.Clocks],
    ) -> None:
        """The clocks ``maps`` refer to, their owners write-locked (a write may invalidate them)."""
        wanted = _clock_owners(maps) - clocks.keys()
        if missing := wanted - nodes.stored.keys():
            self._lock_read(tx, _LOCK_AND_READ_EXISTING, missing, nodes)
        for owner in wanted:
            if owner in nodes.stored:
                clocks[owner] = column_clocks.parse(nodes.stored[owner].get(_CLOCKS))

    def _write(
        self,
        tx: neo4j.ManagedTransaction,
        changes: Changes,
        nodes: _Locked[str],
        edges: _Locked[tuple[str, EdgeKind, str]],
        books: _Books,
    ) -> tuple[_Writing | None, int]:
        """Send the write of what the batch changed (None: nothing to write), and how many nodes
        and edges it rewrites or makes."""
        new_nodes: list[list[Any]] = []
        changed_nodes: list[list[Any]] = []
        for node_id, node in changes.nodes.items():
            delta = _delta(
                nodes.stored[node_id],
                {**_encode_node(node), **books.props(node_id, nodes.stored[node_id])},
            )
            if node_id not in nodes.current:  # created by the lock query (or not written by us)
                new_nodes.append([nodes.eids[node_id], node.kind.value, delta])
            elif delta:
                changed_nodes.append([nodes.eids[node_id], delta])
        bookkept = (
            (node_id, books.delta(node_id, nodes.stored[node_id]))
            for node_id in books.touched_nodes(changes.nodes)
        )
        changed_nodes.extend([nodes.eids[node_id], delta] for node_id, delta in bookkept if delta)
        new_edges: list[list[Any]] = []
        changed_edges: list[list[Any]] = []
        made: list[EdgeKey] = []
        for key, edge in changes.edges.items():
            stored = edges.stored.get(key, {})
            props = {**_encode(edge.props, edge.stamps), **books.props(key, stored)}
            eid = edges.eids.get(key)
            if eid is None:
                made.append(key)
                new_edges.append(
                    [nodes.eids[edge.source], nodes.eids[edge.target], edge.kind.value, props]
                )
            else:
                delta = _delta(stored, props)
                if delta:
                    changed_edges.append([eid, delta])
        bookkept_edges = (
            (key, books.delta(key, edges.stored[key])) for key in books.touched_edges(changes.edges)
        )
        changed_edges.extend([edges.eids[key], delta] for key, delta in bookkept_edges if delta)
        written = len(new_nodes) + len(changed_nodes) + len(new_edges) + len(changed_edges)
        if not written:
            return None, 0
        result = tx.run(
            _WRITE,
            unprinted(
                new_nodes=new_nodes,
                changed_nodes=changed_nodes,
                new_edges=new_edges,
                changed_edges=changed_edges,
            ),
        )
        return _Writing(result, made), written

    # -- reads ---------------------------------------------------------------------------------

    def clear(self) -> None:
        with self._write_lock, self._translate_errors("clearing the graph"):
            self._ensure_schema()
            with self._driver.session(
                database=self.database, bookmark_manager=self._bookmarks
            ) as session:
                # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
                session.run(_CLEAR).consume()

    def unrestated_job_edges(self, jobs: Collection[str]) -> dict[str, frozenset[EdgeKey]]:
        if not jobs:
            return {}
        ((rows,),) = self._read(_READ_UNRESTATED, {"ids": list(jobs)}, "reading job currency")
        return {job: frozenset(keys) for job, keys in grouped_by_job(_keys(rows)).items()}

    def neighbourhood(self, request: NeighbourhoodRequest) -> Neighbourhood:
        read = neighbourhood_read(request)
        if read is None:
            return Neighbourhood([], {}, [], set())
        query, parameters = read
        ((*rows,),) = self._read(query, parameters, "reading a neighbourhood")
        if request.node_props is not None and not request.with_props:
            return self._level_of(rows, request.direction, request.node_props)
        return self._neighbourhood_of(rows, request.direction, request.node_props)

    def neighbourhoods(self, requests: Sequence[NeighbourhoodRequest]) -> list[Neighbourhood]:
        return batched_reads.neighbourhoods(self, requests)

    facts_read = facts_reads.facts_read
    lookup_around = around.around

    def walk_ahead(self, summary: Sequence[str] = ()) -> WalkAhead:
        """What one query's view reads through: this store, with walks read ahead (``summary``:
        what the view reads of the nodes walks reach)."""
        return WalkAhead(self, summary)

    def newest(
        self, ids: Collection[str], kind: EdgeKind, direction: EdgeDirection, key: str
    ) -> dict[str, Node]:
        if not ids:
            return {}
        query = _newest_query(EdgeKind(kind), direction)
        ((rows,),) = self._read(query, {"ids": list(ids), "key": key}, "reading the newest")
        clocks = self._clocks_of(row[1][2] for row in rows)
        found = _decode_nodes([row[1] for row in rows], clocks)
        return {start: found[end[0]] for start, end in rows if end[0] in found}

    def node_summaries(self, ids: Collection[str], names: Sequence[str]) -> dict[str, Node]:
        if not ids:
            return {}
        ((rows,),) = self._read(
            _READ_SUMMARIES,
            {"ids": list(ids), "props": summary_parameter(names)},
            "reading nodes",
        )
        return _decode_summaries(rows, names)

    def search(self, text: str, kinds: Collection[NodeKind], first: int) -> list[Node]:
        labels = sorted({NodeKind(kind).value for kind in kinds})
        if not labels or first <= 0:
            return []
        rows = self._read(
            _SEARCH,
            {"needle": text.lower(), "kinds": labels, "first": int(first)},
            "searching names",
        )
        clocks = self._clocks_of(row[2] for row in rows)
        return [
            node
            for node in (_decode_node(row[0], row[1], row[2], clocks) for row in rows)
            if node is not None
        ]

    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None) -> list[Node]:
        if first <= 0:
            return []
        kind = NodeKind(kind)
        query = _NODES_OF_KIND[(kind, after is not None)]
        rows = self._read(query, {"after": after, "first": int(first)}, "listing nodes")
        clocks = self._clocks_of(row[2] for row in rows)
        return [
            node
            for node in (_decode_node(row[0], row[1], row[2], clocks) for row in rows)
            if node is not None
        ]

    def first_of_kind(self, asked: FirstsRequest) -> dict[str, Node]:
        if not asked.prefixes:
            return {}
        query = _first_of_kind_query(NodeKind(asked.kind))
        prefixes = list(asked.prefixes)
        ((rows,),) = self._read(query, {"prefixes": prefixes}, "reading the first by prefix")
        clocks = self._clocks_of(row[1][2] for row in rows)
        found = _decode_nodes([row[1] for row in rows], clocks)
        first = {prefix: found[node[0]] for prefix, node in rows if node[0] in found}
        return first if asked.keys is None else only_keys(first, asked.keys)

    def counts(self) -> dict[str, int]:
        (row,) = self._read(_COUNTS, {}, "counting")
        return {kind.value: count for kind, count in zip(_COUNTED, row) if count}

    def ping(self) -> None:
        # One auto-commit query, no driver retries: a health check should answer at once.
        with (
            self._translate_errors("pinging"),
            self._driver.session(database=self.database) as session,
        ):
            session.run(PING).consume()

    def soon(self, read: Callable[..., _Result], /, *args: Any) -> Future[_Result]:
        return self._beside.submit(read, *args)

    def close(self) -> None:
        self._beside.shutdown(wait=True, cancel_futures=True)
        self._driver.close()


class _Writing(NamedTuple):
    """A batch's write, sent (``Neo4jStore._write``)."""

    result: neo4j.Result
    new: list[EdgeKey]  # the edges it creates, in its rows' order

    def made(self) -> dict[EdgeKey, str]:
        """Once it is done: the element ids of the edges it created."""
        (eids,) = self.result.single(strict=True)
        return dict(zip(self.new, eids))


class _BatchRead(NamedTuple):
    """A batch's first statement, sent (``Neo4jStore._lock_read_batch``)."""

    result: neo4j.Result
    order: list[str]  # the ids it locks, in the order its edges were asked by position

    def read(self, nodes: _Locked[str]) -> tuple[list[list[Any]] | None, Prefetched]:
        """Its answer: the locked nodes kept in ``nodes``, the edges found as ``_READ_EDGES``
        rows (None: to be read apart), and what judging reads."""
        locked, found, jobs, runs = self.result.single(strict=True)
        for node_id, eid, labels, stored in locked:
            nodes.eids[node_id] = eid
            nodes.stored[node_id] = stored
            nodes.labels[node_id] = labels
        # The edges were asked by position in the list of nodes the statement collected, which
        # is the order of ``ids`` if its rows came back in that order.
        order = self.order
        in_order = len(locked) == len(order) and all(
            row[0] == node_id for row, node_id in zip(locked, order)
        )
        return (found if in_order else None), Prefetched(order, jobs, runs)


def _offers_every_remote_read(store: Neo4jStore) -> NeighbourhoodSource:
    """For mypy: the Neo4j store is a :class:`NeighbourhoodSource` (the reads the core makes)."""
    return store
