"""Schema history: every schema a dataset has had, and the breaking changes between them.

A schema observation is a dataset written with its ``columns`` (an OpenLineage schema facet, an
Iceberg crawl, a contract, a dbt manifest: every ingester states a dataset's whole schema that
way) together with those columns. When one differs from the dataset's newest version, it becomes
a new ``DatasetVersion`` node; the changes from the version before are classified by
``graph.change.classifier`` (the rules the pull-request check uses), and each BREAKING one becomes
a ``SchemaChange`` node carrying its impact as the graph stood at that moment.

Versions and changes are graph mutations, made by the ingest service (:class:`SchemaHistory`) and
applied in the same batch as the observation that caused them, so they are as durable as it is,
on every store, and a reindex of the event log keeps them. Their ids sort newest first per dataset
(versions) and overall (changes): a page of them is a range of ids (``Store.nodes_of_kind``).
An observation older than the dataset's newest version, or stating the same schema (and freshness
SLO, for a contract), adds nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from graph import _native
from graph._native import ObservedSchemas
from graph.change.classifier import Change, classify_schema
from graph.change.contract_rules import ContractTerms, classify_contract
from graph.change.schema_observations import (
    Observation,
    distinct,
    field_specs,
    freshness_hours,
    observations,
    observations_of,
    read_observed,
)
from graph.core.model import ID_PREFIX, Node, NodeKind
from graph.core.mutations import Mutation, UpsertNode, decode, encode, newest_first, stamp
from graph.notify import notifications
from graph.read import impact
from graph.stores import FirstsRequest, ObservedFields, Store

if TYPE_CHECKING:
    from graph.notify.quality_alerts import QualityOutbox

log = logging.getLogger(__name__)

CHANGE_PREFIX = ID_PREFIX[NodeKind.SCHEMA_CHANGE]
CACHED_DATASETS = 50_000  # newest versions held in memory (each a few hundred bytes)
MOST_VERSIONS_READ = 100_000  # a dataset's history read for a count, at most


#: A part of an id that must not be split at its colons: ``graph.core.model``'s escaping rule, as the
#: native core states it (``native/core/ids.h``).
escaped = _native.id_part


#: What every version id of a dataset starts with (and no other dataset's); a version's id (newest
#: first by the time the schema was observed, then by when that was detected: a document restating
#: its own creation time as it changes observes at one time twice); a version's uuid (the SHA-256
#: of the canonical JSON of what it states, as a version-5 uuid's text). One rule each, in
#: ``native/core/schema_versions.h``: a first load's first versions are made there.
versions_prefix = _native.versions_prefix
version_node_id = _native.version_id
version_uuid = _native.version_uuid


def change_node_id(at: str, dataset_id: str, index: int) -> str:
    return _native.node_id(CHANGE_PREFIX, newest_first(at), dataset_id, str(index))


def changes_end(since: str) -> str:
    """Changes are listed newest first: those at or after the stamp ``since`` have ids below this."""
    return f"{CHANGE_PREFIX}:{newest_first(since)};"  # ";" sorts right after ":"


def same_schema(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> bool:
    """Whether two field lists state the same schema: names in order, and every property both
    sides know equal (a source that does not say a column's type is no evidence it changed)."""
    if tuple(a) == tuple(b):  # equal fields (a re-run's usual case), compared in C
        return True
    if [f["name"] for f in a] != [f["name"] for f in b]:
        return False
    for x, y in zip(a, b):
        for key in ("type", "required", "fieldId", "enum"):
            if x.get(key) is not None and y.get(key) is not None and x[key] != y[key]:
                return False
    return True


#: What the detection reads of a dataset's newest version (:class:`Newest`): the store is asked
#: for these only, not the version's whole record (its changes, names, origin...).
NEWEST_KEYS = ("version", "createdAt", "fields", "freshnessHours")


class Newest(NamedTuple):
    """A dataset's newest version, as the detection compares with it (a tuple: one is made for
    every dataset a process observes)."""

    version: str
    at: str
    fields: tuple[dict[str, Any], ...]
    freshness_hours: float | None = None


def newest_version(store: Store, dataset_id: str) -> Node | None:
    prefix = versions_prefix(dataset_id)
    found = store.nodes_of_kind(NodeKind.DATASET_VERSION, 1, prefix)
    return found[0] if found and found[0].id.startswith(prefix) else None


def versions(store: Store, dataset_id: str, first: int, offset: int = 0) -> list[Node]:
    """A dataset's versions, newest first: ``first`` of them after the ``offset`` newest."""
    if offset >= MOST_VERSIONS_READ or first <= 0:
        return []
    prefix = versions_prefix(dataset_id)
    found = [
        n
        for n in store.nodes_of_kind(NodeKind.DATASET_VERSION, offset + first, prefix)
        if n.id.startswith(prefix)
    ]
    return found[offset:]


def versions_after(store: Store, dataset_id: str, first: int, after: str | None) -> list[Node]:
    """A page of a dataset's versions, newest first, after the version id ``after``."""
    prefix = versions_prefix(dataset_id)
    start = after if after and after.startswith(prefix) else prefix
    return [
        n
        for n in store.nodes_of_kind(NodeKind.DATASET_VERSION, first, start)
        if n.id.startswith(prefix)
    ]


def count_versions(store: Store, dataset_id: str) -> int:
    prefix = versions_prefix(dataset_id)
    total, after = 0, prefix
    while total < MOST_VERSIONS_READ:
        page = [
            n.id
            for n in store.nodes_of_kind(NodeKind.DATASET_VERSION, 1000, after)
            if n.id.startswith(prefix)
        ]
        total += len(page)
        if len(page) < 1000:
            break
        after = page[-1]
    return total


def version_by_uuid(store: Store, dataset_id: str, version: str) -> Node | None:
    """The version ``version`` (its uuid) of a dataset, None if it has none such."""
    prefix = versions_prefix(dataset_id)
    after = prefix
    for _ in range(MOST_VERSIONS_READ // 1000):
        page = [
            n
            for n in store.nodes_of_kind(NodeKind.DATASET_VERSION, 1000, after)
            if n.id.startswith(prefix)
        ]
        for node in page:
            if node.props.get("version") == version:
                return node
        if len(page) < 1000:
            return None
        after = page[-1].id
    return None


def schema_changes(
    store: Store,
    first: int,
    after: str | None = None,
    since: str | None = None,
    node_id: str | None = None,
    domain: str | None = None,
    most_read: int = 100_000,
) -> list[Node]:
    """Breaking changes, newest first: after the change id ``after``, none older than the stamp
    ``since``, of the dataset or column ``node_id`` (or of the datasets of ``domain``, a domain
    name). At most ``most_read`` changes are read to find them: a filter that matches little
    answers what those held."""
    start = after or f"{CHANGE_PREFIX}:"
    end = changes_end(since) if since else None
    found: list[Node] = []
    read = 0
    while len(found) < first and read < most_read:
        page = store.nodes_of_kind(NodeKind.SCHEMA_CHANGE, min(1000, most_read - read), start)
        if not page:
            break
        read += len(page)
        for node in page:
            if end is not None and node.id > end:
                return found
            p = node.props
            if node_id is not None and node_id not in (p.get("datasetId"), p.get("columnId")):
                continue
            if domain is not None and domain not in (p.get("domains") or []):
                continue
            found.append(node)
            if len(found) == first:
                return found
        start = page[-1].id
    return found


#: Told of each batch of breaking changes once applied (the subscription feed, the webhooks).
Listener = Callable[[list[Node]], None]
#: Makes the outbox entries for a version's breaking changes: (version, changes, observed at,
#: detected at, the writer: the principal whose batch it was, None when unknown) → mutations.
Outbox = Callable[[Node, list[Node], str, str, str | None], list[Mutation]]


class SchemaHistory:
    """Turns the schema observations of a batch into versions, changes (and, through ``outbox``,
    notifications) applied with it. One per store and process; :meth:`apply` serialises the
    batches that observe schemas, so two of them never both take the same version as newest."""

    def __init__(self, store: Store, clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.clock = clock or (lambda: datetime.now(UTC))  # detection times
        self.outbox: Outbox | None = None
        self.listeners: list[Listener] = []
        #: Makes the notifications of failed checks in a batch (``graph.notify.quality_alerts``).
        self.quality: QualityOutbox | None = None
        self.outbox_listeners: list[Callable[[], None]] = []  # told of other notifications made
        self._lock = threading.Lock()
        self._newest: OrderedDict[str, Newest | None] = OrderedDict()
        self._walks_until = 0.0  # monotonic time the impact walks of the batch in hand must end by

    def apply(
        self,
        payload: bytes,
        source: str | None,
        keep: Callable[[bytes], None] | None = None,
        observed_index: bytes | None = None,
        writer: str | None = None,
    ) -> tuple[int, bytes]:
        """Apply ``payload`` to the store with the history it makes; returns the changes the store
        counted and the history's own mutations (encoded, empty if none), for the event log.
        ``keep`` hears those mutations before the store writes (the log keeps them in the write's
        transaction). ``observed_index``: the batch's observations as read where it was
        translated (``graph.change.schema_observations.observed_index``). ``writer``: the
        principal whose batch it is, named on its notifications (webhooks pace each writer)."""
        schemas = b"columns" in payload
        quality = self.quality is not None and self.quality.wants(payload)
        if not schemas and not quality:  # nothing in it states a schema or fails a check
            return self.store.apply_encoded(payload), b""
        # A store planning from the wire form is handed the batch as it is: nothing is decoded
        # unless the quality notices or the Python observations reader need it.
        wire = type(self.store).apply_encoded is not Store.apply_encoded
        reading = read_observed(payload, observed_index) if schemas and source and wire else None
        decoded = decode(payload) if reading is None or quality else None
        observed: list[Observation] = []
        if reading is None and decoded is not None and schemas:
            observed = observations(decoded, source)
        told = (
            self.quality.entries(decoded, stamp(self.clock()))
            if self.quality is not None and quality and decoded is not None
            else []
        )
        if not observed and (reading is None or reading.size == 0) and not told:
            if decoded is None:
                return self.store.apply_encoded(payload), b""
            return self.store.apply(decoded, payload), b""
        with self._lock:
            detected = stamp(self.clock())
            firsts = b""  # first versions made natively (_changing_in)
            if reading is not None:
                assert source is not None  # (read natively only when told)
                observed, firsts = self._changing_in(reading, source, detected)
            else:
                observed = self._changing(observed)
            try:  # (a walk failing leaves versions taken as newest that were never written)
                made, changes = self._history(observed, detected, writer) if observed else ([], [])
            except BaseException:
                self._newest.clear()
                raise
            made.extend(told)
            extra = (encode(made) if made else b"") + firsts  # (two batches back to back)
            if extra and keep is not None:
                keep(extra)
            try:  # decoded once: a store planning from mutations does not decode it again
                if decoded is None:
                    written = self.store.apply_encoded(payload + extra)
                else:
                    written = self.store.apply([*decoded, *made], payload + extra)
            except BaseException:
                self._newest.clear()  # what was taken as newest may not have been applied
                raise
        if changes:
            for listener in self.listeners:
                try:
                    listener(changes)
                except Exception:  # a listener's failure is its own; ingest goes on
                    log.exception("schema change listener failed")
        if told:
            for wake in self.outbox_listeners:
                wake()
        return written, extra

    def _current(self, dataset_id: str) -> Newest | None:
        if dataset_id in self._newest:
            self._newest.move_to_end(dataset_id)
            return self._newest[dataset_id]
        held = _held(newest_version(self.store, dataset_id))
        self._remember(dataset_id, held)
        return held

    def _changing_in(
        self, reading: ObservedSchemas, source: str, detected: str
    ) -> tuple[list[Observation], bytes]:
        """The observations of a batch read natively (:func:`read_observed`) that may make
        something (:meth:`_restating`): the store compares their fields with the newest
        versions' where they lie in the batch. Of the others, the first versions of datasets
        held to have none, observed once in the batch, are made natively
        (``ObservedSchemas.first_versions``: ~0.5 s of a first load of the 20k mesh in Python),
        returned in the wire form, and their datasets no longer held (the next batch observing
        one asks the store, as for a dataset not held); only the rest are made into Python
        objects."""
        datasets, indices = distinct(reading)

        def held(asked: list[int]) -> list[bool | None]:
            return self.store.first_holding_observed(
                NodeKind.DATASET_VERSION,
                [versions_prefix(datasets[i]) for i in asked],
                "fields",
                ObservedFields(reading, [indices[i] for i in asked]),
            )

        seen = Counter(datasets)
        restating = self._restating(datasets, seen, [True] * len(datasets), held)
        first: dict[int, str] = {}  # observation index -> its dataset
        rest: list[int] = []
        for k, (dataset, index) in enumerate(zip(datasets, indices)):
            if k in restating:
                continue
            if seen[dataset] == 1 and dataset in self._newest and self._newest[dataset] is None:
                first[index] = dataset
            else:
                rest.append(index)
        made = b""
        if first:
            made, left = reading.first_versions(list(first), source, detected)
            rest.extend(left)
            for index in set(first).difference(left):
                del self._newest[first[index]]
        return observations_of(reading, rest, source), made

    def _changing(self, observed: list[Observation]) -> list[Observation]:
        """``observed`` (read from mutations) without those :meth:`_restating` finds."""

        def held(asked: list[int]) -> list[bool | None]:
            return self.store.first_holding(
                NodeKind.DATASET_VERSION,
                [versions_prefix(observed[i].dataset) for i in asked],
                "fields",
                [list(observed[i].fields) for i in asked],
            )

        asked = [o.contract is None for o in observed]
        datasets = [o.dataset for o in observed]
        restating = self._restating(datasets, Counter(datasets), asked, held)
        return [o for k, o in enumerate(observed) if k not in restating] if restating else observed

    def _restating(
        self,
        datasets: Sequence[str],
        seen: Counter[str],
        askable: Sequence[bool],
        held: Callable[[list[int]], list[bool | None]],
    ) -> set[int]:
        """Which of a batch's observations (by their ``datasets``, one per dataset and stamp)
        restate their dataset's newest version as it stands, and so make nothing (:meth:`_history`
        skips a schema the same as its newest version's): asked of a local store in one read
        (``held``: ``Store.first_holding`` of the asked ones' fields) for the datasets held here no
        version of yet, observed once in the batch (``seen``: its datasets counted), ``askable`` (no contract, whose freshness SLO
        is compared too). A re-run of the 20k mesh observes ~18k schemas in a process that holds
        none, nearly all unchanged: reading each newest version to compare was ~0.2 s of its
        applying thread. A dataset with no version yet is held as such (a first load's), not read
        again. A remote store would read the versions to answer, as :meth:`_read_newest` then
        does: it is not asked."""
        if self.store.remote or not datasets:
            return set()
        asked = [
            k
            for k, dataset in enumerate(datasets)
            if seen[dataset] == 1 and askable[k] and dataset not in self._newest
        ]
        if not asked:
            return set()
        restating: set[int] = set()
        for k, same in zip(asked, held(asked), strict=True):
            if same is None:  # no version yet: held as such, not read again (_read_newest)
                self._remember(datasets[k], None)
            elif same:
                restating.add(k)
        return restating

    def _read_newest(self, observed: Iterable[Observation]) -> None:
        """Hold the newest versions of the datasets observed not held yet: one read a batch. The
        read is told each dataset's first schema observed: a version stating those very fields
        (a re-run's usual case) is answered with them, not a copy to compare with them."""
        first: dict[str, Observation] = {}
        for o in observed:
            if o.dataset not in self._newest and o.dataset not in first:
                first[o.dataset] = o
        if first:
            prefixes = [versions_prefix(d) for d in first]
            like = [{"fields": list(o.fields)} for o in first.values()]
            asking = FirstsRequest(NodeKind.DATASET_VERSION, prefixes, NEWEST_KEYS, like)
            found = self.store.first_of_kind(asking)
            for (dataset_id, o), prefix, told in zip(first.items(), prefixes, like):
                node = found.get(prefix)
                same = node is not None and node.props["fields"] is told["fields"]
                self._remember(dataset_id, _held(node, o.fields if same else None))

    def _remember(self, dataset_id: str, newest: Newest | None) -> None:
        self._newest[dataset_id] = newest
        self._newest.move_to_end(dataset_id)
        while len(self._newest) > CACHED_DATASETS:
            self._newest.popitem(last=False)

    def _history(
        self, observed: list[Observation], detected: str, writer: str | None = None
    ) -> tuple[list[Mutation], list[Node]]:
        # Each version's mutations, in order; the breaking changes' are made once the batch's
        # walks are read (``_changes``): each new version with its breaking changes.
        made: list[list[Mutation]] = []
        breaking_in: list[tuple[int, Observation, str, Node, Newest | None, list[Change]]] = []
        self._walks_until = time.monotonic() + notifications.IMPACT_BATCH_SECONDS
        self._read_newest(observed)
        for o in observed:
            current = self._current(o.dataset)
            # A source that states no freshness SLO leaves the one a contract stated standing.
            hours = o.freshness_hours if o.contract is not None or current is None else None
            if hours is None and current is not None:
                hours = current.freshness_hours
            if current is not None and (
                o.at < current.at
                or (same_schema(current.fields, o.fields) and hours == current.freshness_hours)
            ):
                continue
            version = version_uuid(
                orjson.dumps([o.dataset, o.at, list(o.fields), hours], option=orjson.OPT_SORT_KEYS)
            )
            classified = [] if current is None else self._classify(o, current, hours)
            breaking = [c for c in classified if c.severity == "BREAKING"]
            props: dict[str, Any] = {
                "datasetId": o.dataset,
                "namespace": o.namespace,
                "name": o.name,
                "version": version,
                "createdAt": o.at,
                "source": o.source,
                "origin": o.origin,
                "fields": list(o.fields),
                "previousVersion": None if current is None else current.version,
                "changes": [_change_summary(c) for c in classified],
                "breaking": len(breaking),
                "freshnessHours": hours,
                "contract": o.contract,
            }
            version_id = version_node_id(o.dataset, o.at, version, detected)
            made.append([UpsertNode(version_id, NodeKind.DATASET_VERSION, o.at, props)])
            if breaking:
                version_node = Node(version_id, NodeKind.DATASET_VERSION, props)
                breaking_in.append((len(made) - 1, o, version, version_node, current, breaking))
            self._remember(o.dataset, Newest(version, o.at, o.fields, hours))
        change_nodes = self._changes(breaking_in, made, detected, writer) if breaking_in else []
        return [m for version in made for m in version], change_nodes

    def _changes(
        self,
        breaking_in: list[tuple[int, Observation, str, Node, Newest | None, list[Change]]],
        made: list[list[Mutation]],
        detected: str,
        writer: str | None = None,
    ) -> list[Node]:
        """The breaking changes of a batch's new versions as nodes, each with its impact (their
        walks share what they read: ``notifications.BatchWalks``), appended to their version's
        mutations in ``made`` with their notifications."""
        columns = [[_column_id(o, c) for c in breaking] for _, o, _, _, _, breaking in breaking_in]
        walks = notifications.BatchWalks(
            self.store,
            [
                (o.dataset, column)
                for (_, o, *_), these in zip(breaking_in, columns)
                for column in these
            ],
            self._walks_until,
        )
        change_nodes: list[Node] = []
        for (at, o, version, version_node, current, breaking), these_columns in zip(
            breaking_in, columns
        ):
            these = [
                self._change(o, version_node.id, version, current, c, i, detected, column, walks)
                for i, (c, column) in enumerate(zip(breaking, these_columns))
            ]
            made[at].extend(UpsertNode(n.id, n.kind, o.at, n.props) for n in these)
            if self.outbox is not None:
                made[at].extend(self.outbox(version_node, these, o.at, detected, writer))
            change_nodes.extend(these)
        return change_nodes

    @staticmethod
    def _classify(o: Observation, current: Newest, hours: float | None) -> list[Change]:
        """The changes from ``current``: its schema, and (a contract stating it) its freshness SLO."""
        if o.contract is None or hours == current.freshness_hours:
            return classify_schema(o.dataset, field_specs(current.fields), o.specs())
        return classify_contract(
            o.contract,
            ContractTerms(current.freshness_hours, (), {o.dataset: field_specs(current.fields)}),
            ContractTerms(hours, (), {o.dataset: o.specs()}),
        )

    def _change(
        self,
        o: Observation,
        version_id: str,
        version: str,
        current: Newest | None,
        change: Change,
        index: int,
        detected: str,
        column_id: str | None,
        walks: notifications.BatchWalks,
    ) -> Node:
        """A breaking change as a node, with its impact on the graph as it is now."""
        props: dict[str, Any] = {
            "datasetId": o.dataset,
            "namespace": o.namespace,
            "name": o.name,
            "columnId": column_id,
            **_change_summary(change),
            "version": version,
            "versionId": version_id,
            "previousVersion": None if current is None else current.version,
            "at": o.at,
            "detectedAt": detected,
            "source": o.source,
            "origin": o.origin,
            **self._impact(o.dataset, column_id, change, walks),
        }
        return Node(change_node_id(o.at, o.dataset, index), NodeKind.SCHEMA_CHANGE, props)

    def _impact(
        self,
        dataset_id: str,
        column_id: str | None,
        change: Change,
        walks: notifications.BatchWalks,
    ) -> dict[str, Any]:
        """Whom the change concerns, as the graph stands before it is applied."""
        domains = walks.domains[dataset_id]
        start = walks.start(dataset_id, column_id)
        kind = impact.ChangeKind(change.kind.impact_kind or "SEMANTIC")
        report = notifications.bounded_impact(walks.view, start, kind, self._walks_until)
        if report is None:  # the change is kept, without its impact
            return {"domains": sorted(domains), "impactComputed": False}
        severities = report.answer.affected_column("severity")
        breaking_rank, warning_rank = (
            impact.SEVERITIES.index(impact.Severity.BREAKING),
            impact.SEVERITIES.index(impact.Severity.WARNING),
        )
        return {
            **notifications.recipients(report, domains),
            "impactComputed": True,
            "impactTruncated": report.truncated,
            "affected": len(severities),
            "affectedBreaking": severities.count(breaking_rank),
            "affectedWarning": severities.count(warning_rank),
            "affectedDatasets": notifications.reached_datasets(report)[
                : notifications.MOST_DATASETS_TOLD
            ],
        }


def _column_id(o: Observation, change: Change) -> str | None:
    """The id of the column a change is to (None: a change to the whole dataset)."""
    if change.column is None:
        return None
    return _native.node_id("datasetField", o.namespace, o.name, change.column)


def _held(node: Node | None, fields: tuple[dict[str, Any], ...] | None = None) -> Newest | None:
    """A version node as the detection compares with it; ``fields``: its fields as held already
    (those observed, which the store answered it states)."""
    if node is None:
        return None
    p = node.props
    return Newest(
        p["version"],
        p["createdAt"],
        tuple(p["fields"]) if fields is None else fields,
        freshness_hours(p.get("freshnessHours")),
    )


def _change_summary(change: Change) -> dict[str, Any]:
    return {
        "kind": change.kind.value,
        "column": change.column,
        "old": change.old,
        "new": change.new,
        "severity": change.severity,
        "reason": change.reason,
        "description": change.describe(),
    }
