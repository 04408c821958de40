"""The impact of a change to one port of a data product: which products and owners it reaches,
and which of the consumers it reaches nobody declared — the impact walk (``graph.read.impact``)
from each dataset the port names, merged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.core.errors import NodeNotFound
from graph.core.model import Node
from graph.read.impact import ChangeKind, impact
from graph.read.product_lineage import product_datasets
from graph.stores import GraphReader


@dataclass(frozen=True, slots=True)
class PortImpact:
    port: str
    datasets: tuple[str, ...]  # what the port names
    breaking: bool
    truncated: bool
    products: tuple[Node, ...]  # products reached, the port's own excepted
    owners: tuple[Node, ...]
    undeclared: tuple[str, ...]  # consumers reached that no contract or input port declares


def port_impact(
    store: GraphReader,
    product: Node,
    port: str,
    change: ChangeKind = ChangeKind.DROP,
    **budgets: Any,
) -> PortImpact:
    """Raises NodeNotFound when the product has no such port naming a dataset; ``budgets`` are
    the impact walk's (``max_nodes``, ``deadline_seconds``)."""
    datasets = sorted(d for d, p in product_datasets(store, product).items() if port in p.ports)
    if not datasets:
        raise NodeNotFound(f"{product.id} has no port {port!r} naming a dataset")
    products: dict[str, Node] = {}
    owners: dict[str, Node] = {}
    undeclared: set[str] = set()
    breaking = truncated = False
    for dataset in datasets:
        report = impact(store, dataset, change, **budgets)  # type: ignore[arg-type]
        breaking = breaking or report.breaking
        truncated = truncated or report.truncated
        products.update((p.id, p) for p in report.products if p.id != product.id)
        owners.update((o.id, o) for o in report.owners)
        undeclared |= report.undeclared
    return PortImpact(
        port,
        tuple(datasets),
        breaking,
        truncated,
        tuple(products[i] for i in sorted(products)),
        tuple(owners[i] for i in sorted(owners)),
        tuple(sorted(undeclared)),
    )
