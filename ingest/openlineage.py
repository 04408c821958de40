"""OpenLineage events → graph mutations. A pure translation: no store, no I/O.

Facets with a meaning in the graph become structure (columns, column lineage, aliases, owners,
descriptions, lifecycle, parent runs); every other facet, standard or custom, is kept verbatim as
a ``facet:<name>`` property so nothing a producer sent is lost. Runs accumulate across events:
each event only adds what it observed, stamped with its eventTime, so START/COMPLETE pairs that
split inputs and outputs, duplicates and out-of-order arrival all converge to one graph.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Iterable

from graph.model import FACET_PREFIX, EdgeKind, NodeKind, dataset_id, job_id, run_id
from graph.mutations import Mutation, UpsertNode, stamp
from ingest.builder import GraphBuilder, held_once
from ingest.domain_rules import NO_RULES, DomainRules
from ingest.openlineage_schema import InvalidEvent, parse_time, validate

#: The longest node id (UTF-8 bytes) an event may produce: ids are keys on every store, and
#: Neo4j cannot index a string property over about 8 KB.
MAX_ID_BYTES = 4096

# Facets turned into graph structure; all others are stored raw.
_STRUCTURED_DATASET_FACETS = frozenset(
    {"schema", "columnLineage", "symlinks", "ownership", "documentation", "dataSource", "lifecycleStateChange"}
)
_STRUCTURED_JOB_FACETS = frozenset({"documentation", "ownership", "sql", "jobType"})
_STRUCTURED_RUN_FACETS = frozenset({"parent", "nominalTime"})

# How much a run state says about the run's end; breaks ties between events with equal eventTime.
_STATE_RANK = {"START": 1, "RUNNING": 2, "COMPLETE": 3, "FAIL": 3, "ABORT": 3}
TERMINAL_STATES = frozenset({"COMPLETE", "FAIL", "ABORT"})


def translate(event: dict[str, Any], rules: DomainRules = NO_RULES) -> list[Mutation]:
    """Validate one OpenLineage event and return the mutations that record it.

    ``rules`` assign domains to the event's datasets (see ``ingest.domain_rules``). Raises
    ``InvalidEvent`` (naming the failing field) for anything that is not a valid OpenLineage
    2-0-2 RunEvent, DatasetEvent or JobEvent.
    """
    kind = validate(event)
    mutations = _Translation(event, kind, rules).mutations
    _check_ids(mutations)
    return mutations


_SAFE_ID_CHARS = MAX_ID_BYTES // 4  # a code point is at most 4 bytes of UTF-8: shorter ids need no encoding
_FIRST, _THIRD = itemgetter(0), itemgetter(2)


def _check_ids(mutations: list[Mutation]) -> None:
    # The common case in C: the longest first field (node id, edge source) and third field (edge
    # target; a node's stamp, always short) is short enough to need no encoding.
    if not mutations or max(max(map(len, map(_FIRST, mutations))), max(map(len, map(_THIRD, mutations)))) <= _SAFE_ID_CHARS:
        return
    for m in mutations:
        for node_id in (m.id,) if isinstance(m, UpsertNode) else (m.source, m.target):
            size = len(node_id.encode("utf-8", "surrogatepass"))
            if size > MAX_ID_BYTES:
                raise InvalidEvent(
                    f"a namespace, name or field makes the id {node_id[:60]!r}... {size} bytes long, "
                    f"over the limit of {MAX_ID_BYTES}"
                )


def _tag_names(tags: Any) -> list[str] | None:
    """The names of a schema field's tags (``key``, or ``name``); tags are not in the 2-0-2 schema
    facet, so anything else a producer sends there is ignored."""
    if not isinstance(tags, list):
        return None
    names = [t.get("key") or t.get("name") for t in tags if isinstance(t, dict)]
    return [n for n in names if isinstance(n, str)] or None


def _ordinal(value: Any, position: int) -> int:
    """A field's ``ordinal_position`` when it is a usable 32-bit position, else its place in the schema."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == int(value) and -2**31 <= value < 2**31:
        return int(value)
    return position


def _raw_facets(facets: dict[str, Any], structured: frozenset[str]) -> dict[str, Any]:
    """Unstructured facets as properties; a facet sent as ``{"_deleted": true}`` removes it."""
    return {
        FACET_PREFIX + name: (None if isinstance(value, dict) and value.get("_deleted") else value)
        for name, value in facets.items()
        if name not in structured
    }


def _flatten_fields(fields: Iterable[dict[str, Any]], parent: str | None = None) -> Iterable[tuple[str, str | None, dict[str, Any]]]:
    """(path, parent path, field) for every field of a schema facet, nested fields as ``a.b``."""
    for field in fields:
        path = f"{parent}.{field['name']}" if parent else field["name"]
        yield path, parent, field
        yield from _flatten_fields(field.get("fields") or [], path)


class _Translation(GraphBuilder):
    """Translates one event; every mutation carries the event's stamp."""

    def __init__(self, event: dict[str, Any], kind: str, rules: DomainRules) -> None:
        super().__init__(stamp(parse_time(event["eventTime"], "$.eventTime")))
        self.event = event
        self.rules = rules
        self.canonical = self._canonical_names()
        if kind == "RunEvent":
            self._run_event()
        elif kind == "DatasetEvent":
            self._dataset(event["dataset"])
        else:
            self._job_datasets(self._job(event["job"]))

    # -- helpers -----------------------------------------------------------------------------

    def _canonical_names(self) -> dict[tuple[str, str], tuple[str, str]]:
        """Physical name → catalog table name, from the symlinks facets of this event's datasets.

        A dataset whose symlinks name a TABLE is recorded under that table name (as Marquez does),
        so the catalog identity and the storage location meet in one node.
        """
        mapping: dict[tuple[str, str], tuple[str, str]] = {}
        datasets = list(self.event.get("inputs") or []) + list(self.event.get("outputs") or [])
        if "dataset" in self.event:
            datasets.append(self.event["dataset"])
        for ds in datasets:
            identifiers = ((ds.get("facets") or {}).get("symlinks") or {}).get("identifiers") or []
            tables = sorted((i["namespace"], i["name"]) for i in identifiers if i.get("type", "").upper() == "TABLE")
            if tables:
                mapping[(ds["namespace"], ds["name"])] = tables[0]
        return mapping

    def _canonical_ref(self, namespace: str, name: str) -> tuple[str, str, str]:
        ns, nm = self.canonical.get((namespace, name), (namespace, name))
        return dataset_id(ns, nm), ns, nm

    def _column(self, namespace: str, name: str, field: str, props: dict[str, Any] | None = None) -> str:
        """A column under its dataset's canonical name; without props it is a mere reference."""
        if self.canonical:
            namespace, name = self.canonical.get((namespace, name), (namespace, name))
        return self.column(namespace, name, field, props)

    def _owners(self, subject: str, ownership: dict[str, Any]) -> None:
        for owner in ownership.get("owners") or []:
            self.owner(subject, owner["name"], owner.get("type"))

    # -- datasets ----------------------------------------------------------------------------

    def _dataset(self, ds: dict[str, Any], writer_namespace: str | None = None) -> str:
        did, ns, nm = self._canonical_ref(ds["namespace"], ds["name"])
        facets = ds.get("facets") or {}
        props: dict[str, Any] = _raw_facets(facets, _STRUCTURED_DATASET_FACETS)
        if "documentation" in facets:
            props["description"] = facets["documentation"].get("description")
        if "dataSource" in facets:
            props["sourceName"] = facets["dataSource"].get("name")
            props["sourceUri"] = facets["dataSource"].get("uri")
        if "lifecycleStateChange" in facets:
            change = facets["lifecycleStateChange"]
            props["lifecycleState"] = change.get("lifecycleStateChange")
            props["deleted"] = change.get("lifecycleStateChange") == "DROP"
            previous = change.get("previousIdentifier")
            if change.get("lifecycleStateChange") == "RENAME" and previous:
                self.alias(previous["namespace"], previous["name"], did, "RENAME")
        self.will_describe(ns, nm)  # below, once its columns are known
        if "schema" in facets:
            props["columns"] = self._schema(ns, nm, facets["schema"].get("fields") or [])
        if "columnLineage" in facets:
            props["columnLineageAt"] = self.at  # older column lineage not restated since is stale
        self.dataset(ns, nm, props)
        self.rules.assign(self, did, ns, nm, writer_namespace)
        if (ds["namespace"], ds["name"]) != (ns, nm):
            self.alias(ds["namespace"], ds["name"], did, "SYMLINK")
        for identifier in (facets.get("symlinks") or {}).get("identifiers") or []:
            self.alias(identifier["namespace"], identifier["name"], did, identifier.get("type") or "SYMLINK")
        if "ownership" in facets:
            self._owners(did, facets["ownership"])
        if "columnLineage" in facets:
            self._column_lineage(ns, nm, did, facets["columnLineage"])
        return did

    def _schema(self, ns: str, nm: str, fields: list[dict[str, Any]]) -> list[str]:
        paths: list[str] = []
        for ordinal, (path, parent, field) in enumerate(_flatten_fields(fields), start=1):
            path = held_once(path)  # the dataset's `columns` and its column share the name
            paths.append(path)
            self._column(ns, nm, path, {
                "declared": True,
                "type": field.get("type"),
                "description": field.get("description"),
                "ordinal": _ordinal(field.get("ordinal_position"), ordinal),
                "parent": parent,
                "tags": _tag_names(field.get("tags")),
            })
        return paths

    def _column_lineage(self, ns: str, nm: str, did: str, facet: dict[str, Any]) -> None:
        jid = self.job_id
        for out_field, spec in (facet.get("fields") or {}).items():
            out_id = self._column(ns, nm, out_field)
            legacy = {
                "transformationType": spec.get("transformationType"),
                "transformationDescription": spec.get("transformationDescription"),
            }
            self._derivations(out_id, spec.get("inputFields") or [], jid, legacy)
        self._derivations(did, facet.get("dataset") or [], jid, {})

    def _derivations(self, target: str, inputs: list[dict[str, Any]], jid: str | None, legacy: dict[str, Any]) -> None:
        """DERIVES_FROM edges from ``target`` to each input field, transformations merged per field."""
        merged: dict[str, list[dict[str, Any]]] = {}
        for source in inputs:
            in_id = self._column(source["namespace"], source["name"], source["field"])
            merged.setdefault(in_id, []).extend(source.get("transformations") or [])
        for in_id, transformations in merged.items():
            props = {"transformations": transformations or None, "jobId": jid, **legacy}
            self.edge(target, EdgeKind.DERIVES_FROM, in_id, props)

    # -- jobs and runs -------------------------------------------------------------------------

    job_id: str | None = None

    def _job(self, job: dict[str, Any], completed_run: str | None = None) -> str:
        facets = job.get("facets") or {}
        props: dict[str, Any] = _raw_facets(facets, _STRUCTURED_JOB_FACETS)
        if completed_run is not None:
            # The newest completed run decides which inputs and outputs are current (graph.view).
            props["latestCompletedRun"] = run_id(completed_run)
        if "documentation" in facets:
            props["description"] = facets["documentation"].get("description")
        if "sql" in facets:
            props["sql"] = facets["sql"].get("query")
        if "jobType" in facets:
            for key in ("processingType", "integration", "jobType"):
                props[f"jobType.{key}"] = facets["jobType"].get(key)
        jid = self.job_id = self.job(job["namespace"], job["name"], props)
        if "ownership" in facets:
            self._owners(jid, facets["ownership"])
        return jid

    def _job_datasets(self, jid: str, rid: str | None = None) -> None:
        for side, job_edge, run_edge, extra in (
            ("inputs", EdgeKind.READS, EdgeKind.CONSUMED, "inputFacets"),
            ("outputs", EdgeKind.WRITES, EdgeKind.PRODUCED, "outputFacets"),
        ):
            writer = self.event["job"]["namespace"] if job_edge is EdgeKind.WRITES else None
            for ds in self.event.get(side) or []:
                did = self._dataset(ds, writer)
                self.edge(jid, job_edge, did)
                if rid is not None:
                    self.edge(rid, run_edge, did, _raw_facets(ds.get(extra) or {}, frozenset()))

    def _run_event(self) -> None:
        event = self.event
        completed = event.get("eventType") == "COMPLETE"
        jid = self._job(event["job"], event["run"]["runId"] if completed else None)
        run = event["run"]
        rid = run_id(run["runId"])
        facets = run.get("facets") or {}
        event_type = event.get("eventType") or "OTHER"
        props: dict[str, Any] = {"runId": run["runId"], "jobId": jid}
        props.update(_raw_facets(facets, _STRUCTURED_RUN_FACETS))
        if "nominalTime" in facets:
            props["nominalStartTime"] = facets["nominalTime"].get("nominalStartTime")
            props["nominalEndTime"] = facets["nominalTime"].get("nominalEndTime")
        first: dict[str, Any] = {"createdAt": event["eventTime"]}
        if event_type in ("START", "RUNNING"):
            first["startedAt"] = event["eventTime"]
        if event_type in TERMINAL_STATES:
            props["endedAt"] = event["eventTime"]
        self.node(rid, NodeKind.RUN, props, first)
        if event_type in _STATE_RANK:
            self.node(rid, NodeKind.RUN, {"state": event_type}, at=f"{self.at}#{_STATE_RANK[event_type]}")
        self.edge(rid, EdgeKind.OF, jid)
        parent = facets.get("parent")
        if parent:
            parent_job = self._job_ref(parent["job"])
            parent_rid = run_id(parent["run"]["runId"])
            self.node(parent_rid, NodeKind.RUN, {"runId": parent["run"]["runId"], "jobId": parent_job})
            self.edge(parent_rid, EdgeKind.OF, parent_job)
            self.edge(rid, EdgeKind.CHILD_OF, parent_rid)
        self._job_datasets(jid, rid)

    def _job_ref(self, job: dict[str, Any]) -> str:
        jid = job_id(job["namespace"], job["name"])
        self.node(jid, NodeKind.JOB, {"namespace": job["namespace"], "name": job["name"]})
        return jid


