"""The graph vocabulary: node kinds, edge kinds, stable node ids and the node/edge records.

Node ids follow Marquez's convention (``dataset:{namespace}:{name}``, ``job:{namespace}:{name}``,
``datasetField:{namespace}:{name}:{field}``, ``run:{runId}``) so that people and tools that know
Marquez recognise them. Ids are opaque strings: namespaces may contain colons
(``postgres://host:5432``), so nothing ever parses an id back; the parts live in node properties.
The parts after the first (names, fields) escape ``%`` as ``%25`` and ``:`` as ``%3A``, so no two
sets of parts share an id (``native/core/ids.h`` states and implements the rule; the functions below
call it; ``graph.stores.id_format`` renames ids an older rule made).

The kinds, id prefixes, ``JOB_IO``/``RUN_IO``, ``FACET_PREFIX`` and the :class:`PropertyKey`
vocabulary here are the native core's too: ``scripts/generate_kinds.py`` writes its ``kinds.h``
from this file (reading it, not importing it; a test fails while the header is stale), so each is
stated here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from typing import Any

from graph import _native

FACET_PREFIX = "facet:"  # property keys holding raw OpenLineage facets: facet:<name>
RULE_SOURCE = "rule"  # BELONGS_TO edges made by a domain mapping rule carry source=rule


class NodeKind(str, Enum):
    """What a node stands for. The value is also the Neo4j label; the declaration order is the
    native code (kept in snapshots and journals): append only."""

    DOMAIN = "Domain"
    DATA_PRODUCT = "DataProduct"
    DATASET = "Dataset"
    COLUMN = "Column"
    JOB = "Job"
    RUN = "Run"
    OWNER = "Owner"
    CONSUMER = "Consumer"
    CONTRACT = "Contract"
    DATASET_VERSION = (
        "DatasetVersion"  # a schema a dataset had from a moment on (graph.change.schema_history)
    )
    SCHEMA_CHANGE = "SchemaChange"  # a breaking change between two versions, with its impact then
    NOTIFICATION = (
        "Notification"  # an outbox entry: one webhook to tell of a change (graph.notify.webhooks)
    )
    ASSERTION = "Assertion"  # a quality check of a dataset, column or job, with its latest result
    ASSERTION_RESULT = "AssertionResult"  # one observed result of an assertion (its history)
    PRODUCT_VERSION = "ProductVersion"  # a data product's descriptor as one version stated it


class EdgeKind(str, Enum):
    """Relationship types. Direction is always the one the name reads in (job READS dataset)."""

    READS = "READS"  # job -> dataset
    WRITES = "WRITES"  # job -> dataset
    HAS_COLUMN = "HAS_COLUMN"  # dataset -> column
    DERIVES_FROM = "DERIVES_FROM"  # column -> column it is computed from (or dataset -> column)
    OF = "OF"  # run -> job; assertion result -> assertion; product version -> product
    CHILD_OF = "CHILD_OF"  # run -> parent run
    CONSUMED = "CONSUMED"  # run -> dataset it read
    PRODUCED = "PRODUCED"  # run -> dataset it wrote
    OWNED_BY = "OWNED_BY"  # dataset/job/product/domain -> owner
    ALIAS_OF = "ALIAS_OF"  # dataset -> the dataset it is another name for
    BELONGS_TO = "BELONGS_TO"  # data product or dataset -> domain
    EXPOSES = "EXPOSES"  # data product -> dataset it publishes
    HAS_CONTRACT = "HAS_CONTRACT"  # data product -> contract
    GOVERNS = "GOVERNS"  # contract -> dataset whose schema and quality it promises
    CONSUMES = "CONSUMES"  # consumer -> data product or dataset it depends on
    CHECKS = "CHECKS"  # assertion -> the dataset, column or job it checks


#: The native code of each edge kind is its place here (kept in snapshots and journals: append
#: only). The code orders each node's adjacency (``native/core/adjacency.h``): kinds that keep growing
#: for as long as pipelines run (a run's CONSUMED/PRODUCED, a job's runs) come last, so adding one
#: appends instead of moving the entries after it.
EDGE_KIND_CODES: tuple[EdgeKind, ...] = (
    EdgeKind.ALIAS_OF,
    EdgeKind.HAS_COLUMN,
    EdgeKind.DERIVES_FROM,
    EdgeKind.OWNED_BY,
    EdgeKind.BELONGS_TO,
    EdgeKind.EXPOSES,
    EdgeKind.HAS_CONTRACT,
    EdgeKind.GOVERNS,
    EdgeKind.CONSUMES,
    EdgeKind.READS,
    EdgeKind.WRITES,
    EdgeKind.CHILD_OF,
    EdgeKind.OF,
    EdgeKind.CONSUMED,
    EdgeKind.PRODUCED,
    EdgeKind.CHECKS,  # the 16th and last code an adjacency entry holds (native/core/adjacency.h)
)

#: The prefix of each kind's node ids (``dataset:...``): what an edge's end is when nobody described it.
ID_PREFIX: dict[NodeKind, str] = {
    NodeKind.DOMAIN: "domain",
    NodeKind.DATA_PRODUCT: "dataProduct",
    NodeKind.DATASET: "dataset",
    NodeKind.COLUMN: "datasetField",
    NodeKind.JOB: "job",
    NodeKind.RUN: "run",
    NodeKind.OWNER: "owner",
    NodeKind.CONSUMER: "consumer",
    NodeKind.CONTRACT: "contract",
    NodeKind.DATASET_VERSION: "datasetVersion",
    NodeKind.SCHEMA_CHANGE: "schemaChange",
    NodeKind.NOTIFICATION: "notification",
    NodeKind.ASSERTION: "assertion",
    NodeKind.ASSERTION_RESULT: "assertionResult",
    NodeKind.PRODUCT_VERSION: "productVersion",
}

JOB_IO = (EdgeKind.READS, EdgeKind.WRITES)  # a job's lineage, restated by its newest completed run
RUN_IO = (EdgeKind.CONSUMED, EdgeKind.PRODUCED)  # what one run read and wrote


class PropertyKey:
    """Property keys the native core reads by name (its ``Keys``, interned once per graph): what
    walks, currency and drops are decided by. Written into ``kinds.h`` with the kinds."""

    DELETED = "deleted"
    NAME = "name"
    NAMESPACE = "namespace"
    DATASET = "dataset"
    DATASET_ID = "datasetId"
    DECLARED = "declared"
    COLUMNS = "columns"
    COLUMN_LINEAGE_AT = "columnLineageAt"
    FIRST_SEEN_AT = "firstSeenAt"
    LAST_SEEN_AT = "lastSeenAt"
    TRANSFORMATIONS = "transformations"
    TYPE = "type"
    JOB_ID = "jobId"
    LATEST_COMPLETED_RUN = "latestCompletedRun"
    STATE = "state"
    ENDED_AT = "endedAt"
    DOMAIN = "domain"
    SOURCE = "source"
    CREATED_AT = "createdAt"
    PROCESSING_TYPE = "jobType.processingType"


class Direction(str, Enum):
    """Which way to follow lineage from a node."""

    UPSTREAM = "UPSTREAM"
    DOWNSTREAM = "DOWNSTREAM"
    BOTH = "BOTH"


_node_id = _native.node_id  # node_id(prefix, first, *rest): the parts after the first escaped


def dataset_id(namespace: str, name: str) -> str:
    return _node_id(ID_PREFIX[NodeKind.DATASET], namespace, name)


def job_id(namespace: str, name: str) -> str:
    return _node_id(ID_PREFIX[NodeKind.JOB], namespace, name)


def field_id(namespace: str, name: str, field_name: str) -> str:
    return _node_id(ID_PREFIX[NodeKind.COLUMN], namespace, name, field_name)


def kind_prefix(kind: NodeKind) -> str:
    """What every id of ``kind`` starts with (its prefix and the separator, by the id rule): how
    an id tells its kind without a read."""
    return _node_id(ID_PREFIX[kind], "")


def _named(kind: NodeKind) -> Callable[[str], str]:
    """The id rule of a kind one name identifies: its prefix, then the name."""
    return partial(_node_id, ID_PREFIX[kind])


run_id = _named(NodeKind.RUN)  # run_id(run_uuid)
domain_id = _named(NodeKind.DOMAIN)
owner_id = _named(NodeKind.OWNER)
consumer_id = _named(NodeKind.CONSUMER)
contract_id = _named(NodeKind.CONTRACT)


def product_id(domain: str, name: str) -> str:
    return _node_id(ID_PREFIX[NodeKind.DATA_PRODUCT], domain, name)


def assertion_id(subject: str, name: str) -> str:
    """An assertion on ``subject`` (a dataset, column or job id), named as its tool names it."""
    return _node_id(ID_PREFIX[NodeKind.ASSERTION], subject, name)


def assertion_result_id(assertion: str, at: str, run: str = "") -> str:
    """The result of ``assertion`` observed at stamp ``at`` (by ``run``, if a run reported it):
    one node per observation, so an assertion keeps its history."""
    return _node_id(ID_PREFIX[NodeKind.ASSERTION_RESULT], assertion, at, run)


def product_version_id(product: str, digest: str) -> str:
    """The version of ``product`` whose descriptor (contracts, SLO, ports, owners) has ``digest``:
    one node per distinct descriptor, so the same descriptor ingested again is the same version."""
    return _node_id(ID_PREFIX[NodeKind.PRODUCT_VERSION], product, digest)


@dataclass(slots=True)
class Node:
    """A node as stored: its kind, its properties and, per property, the stamp that set it.

    Never changed once stored: a write makes a new record (``graph.core.mutations.plan``). Not a frozen
    dataclass only because ingest builds ~40 records per event and a frozen one costs 3x as much to
    build (it sets each field through ``object.__setattr__``).
    """

    id: str
    kind: NodeKind
    props: dict[str, Any] = field(default_factory=dict)
    stamps: dict[str, str] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)


@dataclass(slots=True)
class Edge:
    """A directed, typed relationship; (source, kind, target) is its identity. Never changed once
    stored, like :class:`Node`."""

    source: str
    kind: EdgeKind
    target: str
    props: dict[str, Any] = field(default_factory=dict)
    stamps: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, EdgeKind, str]:
        return (self.source, self.kind, self.target)
