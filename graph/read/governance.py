"""Governance answers: which columns hold personal data, and is a data product fresh per its SLO.

PII propagates: a column computed from a PII column through DIRECT transformations is PII too, and
the path that makes it so is part of the answer; a masking transformation (or the deprecated
``transformationType: MASKED``) stops it, and INDIRECT uses (filters, joins) never carry it.

Freshness: a product's datasets were last updated by the newest completed run that wrote them, or
by their newest Iceberg snapshot; the product is as fresh as its stalest dataset. Against the SLO
(``freshnessHours`` from the catalog or contract) that is ``OK`` or ``LATE``; without an SLO or
without any update on record it is ``UNKNOWN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph import _native
from graph.core.model import Edge, EdgeKind, Node, NodeKind, PropertyKey
from graph.core.mutations import stamp_moment, stamp_time
from graph.core.pii import is_pii
from graph.read import mesh
from graph.read.aliases import AliasResolver
from graph.stores import GraphReader

MAX_PII_HOPS = 64


@dataclass(frozen=True, slots=True)
class PiiColumn:
    column: Node
    declared: bool  # flagged by its source (contract, catalog, dbt, schema tags), not derived
    path: tuple[str, ...]  # from the declared PII column to this one


def is_declared_pii(column: Node) -> bool:
    props = column.props
    return is_pii(props.get("pii"), props.get("classification"), props.get("tags") or [])


def is_direct_hop(transformations: Any) -> bool:
    """Whether column lineage with these transformations carries the value itself (a DIRECT use):
    the native impact walk's rule (``native/core/impact.h``, ``is_direct_hop``), asked of it.
    Lineage without transformations (pre-1-2-0 producers) is direct, and so is a transformation
    without a type."""
    direct = _native.direct_transformations(transformations)
    return direct is None or bool(direct)


def carries_pii(edge: Edge) -> bool:
    """Whether a DERIVES_FROM edge passes the input's values on unmasked: direct, and none of its
    DIRECT transformations masks them."""
    if str(edge.props.get("transformationType") or "").upper() == "MASKED":
        return False
    transformations = edge.props.get(PropertyKey.TRANSFORMATIONS) or []
    direct = _native.direct_transformations(transformations)
    if direct is None:
        return True
    return bool(direct) and not any(
        isinstance(transformations[i], dict) and transformations[i].get("masking") for i in direct
    )


def pii_columns(
    store: GraphReader, columns: Iterable[Node], max_hops: int = MAX_PII_HOPS
) -> list[PiiColumn]:
    """The given columns that hold personal data, declared or derived, each with its path."""
    by_id = {c.id: c for c in columns if c.kind is NodeKind.COLUMN}
    found: dict[str, PiiColumn] = {}
    for column in by_id.values():
        if is_declared_pii(column):
            found[column.id] = PiiColumn(column, True, (column.id,))
    # Walk upstream from all the others at once; reach[node][start] is a path node -> ... -> start.
    reach: dict[str, dict[str, tuple[str, ...]]] = {c: {c: (c,)} for c in by_id if c not in found}
    frontier = set(reach)
    for _ in range(max_hops):
        if not frontier:
            break
        edges = [
            e for e in store.edges(frontier, (EdgeKind.DERIVES_FROM,), "out") if carries_pii(e)
        ]
        inputs = store.nodes({e.target for e in edges})
        next_frontier: set[str] = set()
        for edge in sorted(edges, key=lambda e: (e.source, e.target)):
            source = inputs.get(edge.target)
            if source is None or source.kind is not NodeKind.COLUMN:
                continue
            for start, path in list(reach[edge.source].items()):
                if start in found:
                    continue
                longer = (edge.target, *path)
                if is_declared_pii(source):
                    found[start] = PiiColumn(by_id[start], False, longer)
                elif start not in reach.setdefault(edge.target, {}):
                    reach[edge.target][start] = longer
                    next_frontier.add(edge.target)
        frontier = {n for n in next_frontier if any(s not in found for s in reach[n])}
    return [found[i] for i in sorted(found)]


def dataset_columns(store: GraphReader, datasets: Iterable[Node]) -> list[Node]:
    """The current columns of datasets (any alias), for PII questions about a product or domain."""
    datasets = list(datasets)
    members = AliasResolver(store).members({d.id for d in datasets})
    schemas = {d.id: d.props.get(PropertyKey.COLUMNS) for d in datasets}
    edges = store.edges(set(members), (EdgeKind.HAS_COLUMN,), "out")
    found = store.nodes({e.target for e in edges})
    current = []
    for edge in edges:
        column = found.get(edge.target)
        schema = schemas.get(members[edge.source])
        if column is not None and (schema is None or column.props.get(PropertyKey.NAME) in schema):
            current.append(column)
    return sorted(current, key=lambda c: c.id)


@dataclass(frozen=True, slots=True)
class Freshness:
    status: str  # OK, LATE or UNKNOWN
    slo_hours: float | None
    last_updated: str | None  # a stamp (UTC, fixed width)
    age_hours: float | None
    stalest_dataset: str | None


def updates(store: GraphReader, datasets: Iterable[Node]) -> dict[str, list[str]]:
    """Per dataset, oldest first: every update on record (each completed writing run's end, and
    its last snapshot); datasets without one are left out. The one rule of what updates a dataset,
    which freshness now (:func:`last_updates`) and over time (``graph.read.slo_compliance``) read."""
    datasets = list(datasets)
    members = AliasResolver(store).members({d.id for d in datasets})
    produced = store.edges(set(members), (EdgeKind.PRODUCED,), "in")
    runs = store.nodes({e.source for e in produced})
    found: dict[str, set[str]] = {
        d.id: {d.props["lastUpdatedAt"]} for d in datasets if d.props.get("lastUpdatedAt")
    }
    for edge in produced:
        run = runs.get(edge.source)
        if (
            run is None
            or run.props.get(PropertyKey.STATE) != "COMPLETE"
            or PropertyKey.ENDED_AT not in run.stamps
        ):
            continue
        found.setdefault(members[edge.target], set()).add(
            stamp_time(run.stamps[PropertyKey.ENDED_AT])
        )
    return {d: sorted(times) for d, times in found.items()}


def last_updates(store: GraphReader, datasets: Iterable[Node]) -> dict[str, str]:
    """Per dataset: the newest of its last completed writing run's end and its last snapshot."""
    return {d: times[-1] for d, times in updates(store, datasets).items()}


def product_slo(store: GraphReader, product: Node) -> float | None:
    """The product's freshness SLO in hours: its own, else the first of its contracts'."""
    slo = product.props.get("freshnessHours")
    if slo is None:
        slo = next(
            (
                c.props["freshnessHours"]
                for c in mesh.contracts(store, product)
                if c.props.get("freshnessHours") is not None
            ),
            None,
        )
    return None if slo is None else float(slo)


def product_freshness(store: GraphReader, product: Node, now: datetime) -> Freshness:
    slo = product_slo(store, product)
    datasets = mesh.exposed_datasets(store, product)
    latest = last_updates(store, datasets)
    if not latest:
        return Freshness("UNKNOWN", slo, None, None, None)
    stalest = min(latest, key=lambda d: (latest[d], d))
    age = (now - stamp_moment(latest[stalest])).total_seconds() / 3600
    if slo is None:
        return Freshness("UNKNOWN", None, latest[stalest], age, stalest)
    return Freshness("LATE" if age > slo else "OK", slo, latest[stalest], age, stalest)
