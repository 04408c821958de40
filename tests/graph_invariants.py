"""A store's whole graph as comparable plain data (``dump``), and what must hold of any graph
a store keeps (``invariant_violations``): edge ends exist, every column hangs off its dataset,
ids match their parts, counts() counts what is there."""

from __future__ import annotations

from collections import Counter
from typing import Any

from graph.core.model import EdgeKind, NodeKind, dataset_id, field_id, job_id, run_id
from graph.stores import Store

#: Schema history records when, and in what order, schemas were detected: the same events batched
#: or ordered otherwise make another history (tests/test_schema_history.py tests it), so the graphs
#: compared here leave it out.
HISTORY = frozenset({NodeKind.DATASET_VERSION, NodeKind.SCHEMA_CHANGE, NodeKind.NOTIFICATION})


def dump(store: Store, history: bool = False) -> tuple[dict, dict]:
    """Every node and edge, as comparable plain data (schema history only if asked: ``HISTORY``)."""
    nodes: dict[str, Any] = {}
    for kind in NodeKind:
        if kind in HISTORY and not history:
            continue
        after = None
        while page := store.nodes_of_kind(kind, 1000, after):
            nodes.update((n.id, (n.kind, n.props, n.stamps)) for n in page)
            after = page[-1].id
    edges: dict[tuple, Any] = {}
    ids = sorted(nodes)
    for start in range(0, len(ids), 500):
        for e in store.edges(ids[start : start + 500], list(EdgeKind), "out"):
            assert e.key not in edges, f"edge {e.key} twice"
            edges[e.key] = (e.props, e.stamps)
    return nodes, edges


def placeholder_kind(node_id: str) -> NodeKind | None:
    """The kind an id's prefix implies: written out here, apart from the stores' own table, as the oracle."""
    return _PREFIX_KINDS.get(node_id.split(":", 1)[0])


_PREFIX_KINDS = {
    "dataset": NodeKind.DATASET,
    "datasetField": NodeKind.COLUMN,
    "job": NodeKind.JOB,
    "run": NodeKind.RUN,
    "domain": NodeKind.DOMAIN,
    "dataProduct": NodeKind.DATA_PRODUCT,
    "owner": NodeKind.OWNER,
    "consumer": NodeKind.CONSUMER,
    "contract": NodeKind.CONTRACT,
    "datasetVersion": NodeKind.DATASET_VERSION,
    "assertion": NodeKind.ASSERTION,
    "assertionResult": NodeKind.ASSERTION_RESULT,
    "productVersion": NodeKind.PRODUCT_VERSION,
    "schemaChange": NodeKind.SCHEMA_CHANGE,
    "notification": NodeKind.NOTIFICATION,
}


def invariant_violations(store: Store) -> list[str]:
    """What is wrong with a store's graph, as sentences (an empty list: nothing)."""
    nodes, edges = dump(store, history=True)
    wrong: list[str] = []
    for source, kind, target in edges:
        wrong.extend(
            f"{kind.value} edge {source} -> {target}: no node {end}"
            for end in (source, target)
            if end not in nodes
        )
    for node_id, (kind, props, _) in nodes.items():
        if placeholder_kind(node_id) != kind:
            wrong.append(f"{node_id} is a {kind.value}, its id says {placeholder_kind(node_id)}")
        if kind is NodeKind.COLUMN and "datasetId" in props:
            if (props["datasetId"], EdgeKind.HAS_COLUMN, node_id) not in edges:
                wrong.append(f"column {node_id} has no HAS_COLUMN from {props['datasetId']}")
            parts = (props.get("namespace"), props.get("dataset"), props.get("name"))
            if None not in parts and field_id(*parts) != node_id:
                wrong.append(f"column {node_id} has parts {parts}")
        if (
            kind is NodeKind.DATASET
            and "namespace" in props
            and dataset_id(props["namespace"], props["name"]) != node_id
        ):
            wrong.append(f"dataset {node_id} is named {props['namespace']!r} {props['name']!r}")
        if (
            kind is NodeKind.JOB
            and "namespace" in props
            and job_id(props["namespace"], props["name"]) != node_id
        ):
            wrong.append(f"job {node_id} is named {props['namespace']!r} {props['name']!r}")
        if kind is NodeKind.RUN and "runId" in props:
            if run_id(props["runId"]) != node_id:
                wrong.append(f"run {node_id} has runId {props['runId']!r}")
            if not any(s == node_id and k is EdgeKind.OF for s, k, _ in edges):
                wrong.append(f"run {node_id} belongs to no job")
    tally = Counter(kind.value for kind, _, _ in nodes.values()) + Counter(
        k.value for _, k, _ in edges
    )
    if dict(tally) != store.counts():
        wrong.append(f"counts() {store.counts()} but the graph holds {dict(tally)}")
    return wrong
