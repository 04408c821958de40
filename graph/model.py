"""The graph vocabulary: node kinds, edge kinds, stable node ids and the node/edge records.

Node ids follow Marquez's convention (``dataset:{namespace}:{name}``, ``job:{namespace}:{name}``,
``datasetField:{namespace}:{name}:{field}``, ``run:{runId}``) so that people and tools that know
Marquez recognise them. Ids are opaque strings: namespaces may contain colons
(``postgres://host:5432``), so nothing ever parses an id back; the parts live in node properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


FACET_PREFIX = "facet:"  # property keys holding raw OpenLineage facets: facet:<name>
RULE_SOURCE = "rule"  # BELONGS_TO edges made by a domain mapping rule carry source=rule


class NodeKind(str, Enum):
    """What a node stands for. The value is also the Neo4j label."""

    DOMAIN = "Domain"
    DATA_PRODUCT = "DataProduct"
    DATASET = "Dataset"
    COLUMN = "Column"
    JOB = "Job"
    RUN = "Run"
    OWNER = "Owner"
    CONSUMER = "Consumer"
    CONTRACT = "Contract"


class EdgeKind(str, Enum):
    """Relationship types. Direction is always the one the name reads in (job READS dataset)."""

    READS = "READS"  # job -> dataset
    WRITES = "WRITES"  # job -> dataset
    HAS_COLUMN = "HAS_COLUMN"  # dataset -> column
    DERIVES_FROM = "DERIVES_FROM"  # column -> column it is computed from (or dataset -> column)
    OF = "OF"  # run -> job
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


JOB_IO = (EdgeKind.READS, EdgeKind.WRITES)  # a job's lineage, restated by its newest completed run
RUN_IO = (EdgeKind.CONSUMED, EdgeKind.PRODUCED)  # what one run read and wrote

class Direction(str, Enum):
    """Which way to follow lineage from a node."""

    UPSTREAM = "UPSTREAM"
    DOWNSTREAM = "DOWNSTREAM"
    BOTH = "BOTH"


def dataset_id(namespace: str, name: str) -> str:
    return f"dataset:{namespace}:{name}"


def job_id(namespace: str, name: str) -> str:
    return f"job:{namespace}:{name}"


def field_id(namespace: str, name: str, field_name: str) -> str:
    return f"datasetField:{namespace}:{name}:{field_name}"


def run_id(run_uuid: str) -> str:
    return f"run:{run_uuid}"


def domain_id(name: str) -> str:
    return f"domain:{name}"


def product_id(domain: str, name: str) -> str:
    return f"dataProduct:{domain}:{name}"


def owner_id(name: str) -> str:
    return f"owner:{name}"


def consumer_id(name: str) -> str:
    return f"consumer:{name}"


def contract_id(name: str) -> str:
    return f"contract:{name}"


@dataclass(slots=True)
class Node:
    """A node as stored: its kind, its properties and, per property, the stamp that set it.

    Never changed once stored: a write makes a new record (``graph.mutations.plan``). Not a frozen
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
