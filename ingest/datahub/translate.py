"""DataHub aspects → graph mutations: datasets with schemas (field descriptions, tags, glossary
terms as tags, PII), ownership, domains, data products and their assets, upstream lineage with
its fine-grained (column) lineage, the ``customProperties`` SLOs and PII flags the seeds write
(``domain``, ``slo_freshness``, ``contains_pii``), and dataFlows and dataJobs as jobs (a task
named ``flow_id.job_id`` as OpenLineage's Airflow integration names it) reading and writing the
datasets their ``dataJobInputOutput`` names. What each aspect becomes:
docs/data-products.md#datahub."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from graph.core.model import EdgeKind, PropertyKey
from graph.core.mutations import Mutation
from graph.core.pii import is_pii, truthy
from ingest.builder import GraphBuilder
from ingest.contracts import UNASSIGNED_DOMAIN, freshness_hours
from ingest.datahub.records import Aspect, BadMetadataFile
from ingest.datahub.urns import (
    BadUrn,
    DatasetUrn,
    FlowNamespaces,
    FlowUrn,
    JobUrn,
    Namespaces,
    dataset_urn,
    field_urn,
    flow_urn,
    job_urn,
    last_part,
    ol_flow,
    ol_name,
)

DATAHUB_SOURCE = (
    "datahub"  # BELONGS_TO / EXPOSES / DERIVES_FROM edges from DataHub carry source=datahub
)
#: The aspects read; any other is counted as skipped (and said so), never silently dropped.
MAPPED = frozenset(
    {
        "datasetProperties",
        "editableDatasetProperties",
        "schemaMetadata",
        "editableSchemaMetadata",
        "ownership",
        "domains",
        "globalTags",
        "glossaryTerms",
        "upstreamLineage",
        "status",
        "subTypes",
        "dataProductProperties",
        "domainProperties",
        "dataFlowInfo",
        "dataJobInfo",
        "dataJobInputOutput",
    }
)
_VERSIONED_PATH = re.compile(r"\[[^\]]*\]\.?")


@dataclass(slots=True)
class Translated:
    """The mutations, and what was not read: aspects by name, datasets left without a namespace."""

    mutations: list[Mutation]
    skipped: Counter[str] = field(default_factory=Counter)
    unplaced: list[str] = field(default_factory=list)


def _no_flow_namespaces(flow: FlowUrn) -> None:
    return None


def field_path(path: str) -> str:
    """A DataHub field path as a column path: v2 paths' ``[version=2.0].[type=...]`` dropped."""
    return _VERSIONED_PATH.sub("", path).strip(".") if path.startswith("[") else path


def _tag_names(aspect: dict[str, Any] | None, terms: dict[str, Any] | None = None) -> list[str]:
    tags = [last_part(t["tag"]) for t in (aspect or {}).get("tags") or [] if t.get("tag")]
    tags += [last_part(t["urn"]) for t in (terms or {}).get("terms") or [] if t.get("urn")]
    return tags


class _Translation(GraphBuilder):
    def __init__(
        self, aspects: list[Aspect], namespaces: Namespaces, flows: FlowNamespaces, at: str
    ) -> None:
        super().__init__(at)
        self.namespaces = namespaces
        self.flows = flows
        self.found = Translated([])
        self.unplaced: set[str] = set()
        entities: dict[str, dict[str, Aspect]] = {}
        for aspect in aspects:
            if aspect.name not in MAPPED or aspect.change not in ("UPSERT", "CREATE"):
                self.found.skipped[aspect.name] += 1
                continue
            entities.setdefault(aspect.urn, {})[aspect.name] = aspect  # the last one wins
        self.domain_names = {
            urn: a["domainProperties"].value.get("name") or last_part(urn)
            for urn, a in entities.items()
            if "domainProperties" in a
        }
        for urn, by_name in entities.items():
            kind = next(iter(by_name.values())).entity_type
            try:
                if kind == "dataset":
                    self._dataset(urn, by_name)
                elif kind == "dataProduct":
                    self._product(urn, by_name)
                elif kind == "dataFlow":
                    self._flow(urn, by_name)
                elif kind == "dataJob":
                    self._job(urn, by_name)
                elif kind != "domain":
                    self.found.skipped.update(by_name)
            except (BadUrn, KeyError, TypeError, AttributeError) as e:
                first = next(iter(by_name.values()))
                reason = f"missing {e}" if isinstance(e, KeyError) else str(e)
                raise BadMetadataFile(f"{first.source}:{first.line}: {urn}: {reason}") from None

    def _named(self, urn: str) -> tuple[str, str]:
        return self._place(dataset_urn(urn), urn)

    def _place(self, parsed: DatasetUrn, urn: str) -> tuple[str, str]:
        """Its OpenLineage name; a urn no rule places is remembered (for the caller to say)."""
        namespace, name = ol_name(parsed, self.namespaces)
        if namespace == parsed.scheme and parsed.scheme != "bigquery" and urn not in self.unplaced:
            self.unplaced.add(urn)
            self.found.unplaced.append(urn)
        return namespace, name

    def _domain(self, by_name: dict[str, Aspect], custom: dict[str, Any]) -> str | None:
        domains = by_name.get("domains")
        urns = (domains.value.get("domains") or []) if domains else []
        if urns:
            return str(self.domain_names.get(urns[0]) or last_part(urns[0]))
        named = custom.get("domain")
        return named if isinstance(named, str) and named else None

    def _dataset(self, urn: str, by_name: dict[str, Aspect]) -> None:
        ns, name = self._named(urn)
        value = {k: a.value for k, a in by_name.items()}
        props = value.get("datasetProperties") or {}
        custom = props.get("customProperties") or {}
        editable = value.get("editableDatasetProperties") or {}
        tags = list(props.get("tags") or []) + _tag_names(
            value.get("globalTags"), value.get("glossaryTerms")
        )
        node: dict[str, Any] = {
            "datahubUrn": urn,
            "description": editable.get("description") or props.get("description"),
            "customProperties": custom or None,
            "tags": tags or None,
        }
        freshness = freshness_hours(custom.get("slo_freshness"), "h")
        if freshness is not None:
            node["freshnessHours"] = freshness
        if truthy(custom.get("contains_pii")) is not None:
            node["containsPii"] = truthy(custom.get("contains_pii"))
        subtypes = (value.get("subTypes") or {}).get("typeNames") or []
        if subtypes:
            node["datasetType"] = str(subtypes[0]).upper()
        if (value.get("status") or {}).get("removed"):
            node[PropertyKey.DELETED] = True
        columns = self._columns(ns, name, value)
        if columns:
            node[PropertyKey.COLUMNS] = columns
        did = self.dataset(ns, name, {k: v for k, v in node.items() if v is not None})
        self._owned(did, value)
        domain = self._domain(by_name, custom)
        if domain:
            self.edge(
                did, EdgeKind.BELONGS_TO, self.domain(domain), {PropertyKey.SOURCE: DATAHUB_SOURCE}
            )
        self._lineage(ns, name, did, value.get("upstreamLineage"))

    def _columns(self, ns: str, name: str, value: dict[str, Any]) -> list[str]:
        editable = {
            f.get("fieldPath"): f
            for f in (value.get("editableSchemaMetadata") or {}).get("editableSchemaFieldInfo")
            or []
        }
        paths: list[str] = []
        for ordinal, f in enumerate((value.get("schemaMetadata") or {}).get("fields") or [], 1):
            path = field_path(f["fieldPath"])
            extra = editable.get(f["fieldPath"]) or {}
            tags = _tag_names(f.get("globalTags"), f.get("glossaryTerms")) + _tag_names(
                extra.get("globalTags"), extra.get("glossaryTerms")
            )
            props = {
                PropertyKey.DECLARED: True,
                "type": f.get("nativeDataType"),
                "description": extra.get("description") or f.get("description"),
                "nullable": f.get("nullable"),
                "tags": tags or None,
                "ordinal": ordinal,
                "pii": is_pii(None, None, tags, {}),
            }
            self.column(ns, name, path, {k: v for k, v in props.items() if v is not None})
            paths.append(path)
        return paths

    def _lineage(self, ns: str, name: str, did: str, lineage: dict[str, Any] | None) -> None:
        """Table lineage as a job named after the table it writes; column lineage as DERIVES_FROM."""
        if not lineage:
            return
        upstreams = [u["dataset"] for u in lineage.get("upstreams") or [] if u.get("dataset")]
        if upstreams:
            jid = self.job(DATAHUB_SOURCE, f"{ns}/{name}", {"jobType.integration": "DATAHUB"})
            self.edge(jid, EdgeKind.WRITES, did)
            for upstream in upstreams:
                self.edge(jid, EdgeKind.READS, self.dataset_ref(*self._named(upstream)))
        self._column_lineage(lineage.get("fineGrainedLineages"))

    def _column_lineage(self, lineages: list[dict[str, Any]] | None) -> None:
        """Each fine-grained lineage's downstream fields DERIVES_FROM its upstream fields."""
        for fine in lineages or []:
            for down in fine.get("downstreams") or []:
                down_urn, down_path = field_urn(down)
                down_col = self.column(*self._place(down_urn, down), field_path(down_path))
                for up in fine.get("upstreams") or []:
                    up_urn, up_path = field_urn(up)
                    up_col = self.column(*self._place(up_urn, up), field_path(up_path))
                    self.edge(
                        down_col,
                        EdgeKind.DERIVES_FROM,
                        up_col,
                        {PropertyKey.SOURCE: DATAHUB_SOURCE},
                    )

    def _product(self, urn: str, by_name: dict[str, Aspect]) -> None:
        value = {k: a.value for k, a in by_name.items()}
        props = value.get("dataProductProperties") or {}
        custom = props.get("customProperties") or {}
        domain = self._domain(by_name, custom) or UNASSIGNED_DOMAIN
        node = {
            "datahubUrn": urn,
            "description": props.get("description"),
            "customProperties": custom or None,
            "tags": _tag_names(value.get("globalTags"), value.get("glossaryTerms")) or None,
        }
        freshness = freshness_hours(custom.get("slo_freshness"), "h")
        if freshness is not None:
            node["freshnessHours"] = freshness
        pid = self.product(
            domain,
            props.get("name") or last_part(urn),
            {k: v for k, v in node.items() if v is not None},
        )
        self._owned(pid, value)
        for asset in props.get("assets") or []:
            target = asset.get("destinationUrn")
            if isinstance(target, str) and target.startswith("urn:li:dataset:"):
                self.edge(
                    pid,
                    EdgeKind.EXPOSES,
                    self.dataset_ref(*self._named(target)),
                    {PropertyKey.SOURCE: DATAHUB_SOURCE},
                )

    def _flow_place(self, flow: FlowUrn, urn: str) -> tuple[str, str]:
        """A flow's jobs' namespace and its own job's name; an unplaced flow is remembered."""
        placed = self.flows(flow)
        if placed is None and urn not in self.unplaced:
            self.unplaced.add(urn)
            self.found.unplaced.append(urn)
        return placed or ol_flow(flow, self.flows)

    def _job_node(
        self, urn: str, info: dict[str, Any], job_type: str, integration: str
    ) -> dict[str, Any]:
        node = {
            "datahubUrn": urn,
            "description": info.get("description"),
            "customProperties": info.get("customProperties") or None,
            "externalUrl": info.get("externalUrl"),
            "jobType.integration": integration.upper(),
            "jobType.jobType": job_type,
        }
        return {k: v for k, v in node.items() if v is not None}

    def _owned(self, subject: str, value: dict[str, Any]) -> None:
        for owner in (value.get("ownership") or {}).get("owners") or []:
            self.owner(
                subject, last_part(owner["owner"]), str(owner.get("type") or "owner").lower()
            )

    def _flow(self, urn: str, by_name: dict[str, Aspect]) -> None:
        """A dataFlow (an Airflow DAG): a job of its own, as OpenLineage's DAG-level events name it."""
        flow = flow_urn(urn)
        value = {k: a.value for k, a in by_name.items()}
        namespace, name = self._flow_place(flow, urn)
        info = value.get("dataFlowInfo") or {}
        node = self._job_node(urn, info, "DAG", flow.orchestrator)
        if info.get("project"):
            node["project"] = info["project"]
        self._owned(self.job(namespace, name, node), value)

    def _job(self, urn: str, by_name: dict[str, Aspect]) -> None:
        """A dataJob (a task): a job named ``flow_id.job_id`` (a flow's one job named as the flow:
        ``flow_id``) in its flow's namespace, reading and
        writing the datasets its dataJobInputOutput names (the plain lists and the edges alike),
        its fine-grained lineage as DERIVES_FROM, the tasks before it as ``upstreamJobs``."""
        job = job_urn(urn)
        value = {k: a.value for k, a in by_name.items()}
        namespace, flow_name = self._flow_place(job.flow, urn)
        info = value.get("dataJobInfo") or {}
        task = _task_name(flow_name, job)
        node = self._job_node(
            urn, info, "TASK" if task != flow_name else "DAG", job.flow.orchestrator
        )
        if task != flow_name:
            node["parentJob"] = self.job(namespace, flow_name, {})
        io = value.get("dataJobInputOutput") or {}
        upstream_jobs = [self._job_ref(u) for u in _urns(io, "inputDatajobs")]
        if upstream_jobs:
            node["upstreamJobs"] = upstream_jobs
        jid = self.job(namespace, task, node)
        self._owned(jid, value)
        for kind, key in ((EdgeKind.READS, "inputDatasets"), (EdgeKind.WRITES, "outputDatasets")):
            for dataset in _urns(io, key):
                self.edge(jid, kind, self.dataset_ref(*self._named(dataset)))
        self._column_lineage(io.get("fineGrainedLineages"))

    def _job_ref(self, urn: str) -> str:
        job = job_urn(urn)
        namespace, flow_name = self._flow_place(job.flow, urn)
        return self.job(namespace, _task_name(flow_name, job), {})


def _task_name(flow_name: str, job: JobUrn) -> str:
    """A task's job name (``JobUrn.name`` under the flow's placed name): ``flow.task``, or the
    flow's own name for a flow's one job named as the flow."""
    return flow_name if job.job_id == job.flow.flow_id else f"{flow_name}.{job.job_id}"


def _urns(io: dict[str, Any], key: str) -> list[str]:
    """The URNs a dataJobInputOutput list names: ``inputDatasets`` and ``inputDatasetEdges``'s
    ``destinationUrn`` (the newer form) together, each once, in order."""
    urns = [u for u in io.get(key) or [] if isinstance(u, str)]
    urns += [e["destinationUrn"] for e in io.get(f"{key[:-1]}Edges") or []]
    return list(dict.fromkeys(urns))


def translate_datahub(
    aspects: list[Aspect],
    namespaces: Namespaces,
    at: str,
    flows: FlowNamespaces = _no_flow_namespaces,
) -> Translated:
    """The aspects of one or more DataHub files as mutations stamped ``at``; ``flows`` places
    dataFlows and their dataJobs (without it, a flow's namespace is its orchestrator)."""
    translation = _Translation(aspects, namespaces, flows, at)
    translation.found.mutations = translation.mutations
    return translation.found
