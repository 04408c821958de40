"""A data product's version history: each distinct descriptor ingested (``ingest.products``
writes one ``ProductVersion`` node per descriptor digest, ``OF`` its product), ordered as the
merge rule orders the product's own properties (the newest stamp a descriptor was stated with: its
creation time, then its version; a tie by the descriptor's canonical JSON), so the newest version
is the descriptor the product shows; each with what changed from the one before.

A descriptor ingested again is the version it was; one changed (a contract, an SLO, a port, an
owner) is a new version, even under the same version number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from graph.core.model import EdgeKind, Node, PropertyKey
from graph.core.mutations import stamp_time
from graph.read.view import view_of
from graph.stores import GraphReader

DESCRIPTOR = "descriptor"
#: The descriptor's keys a change is reported by (the SLO's two keys as one), the rest by name.
GROUPS = {"slo": "slo", "freshnessHours": "slo", "ports": "ports", "owners": "owners"}


@dataclass(frozen=True, slots=True)
class ProductVersion:
    node: Node
    descriptor: dict[str, Any]
    stamp: str  # the descriptor's newest stamp (the order of versions)
    changed: list[str] = field(default_factory=list)  # from the version before (all: the first)

    @property
    def since(self) -> str:
        """When it was first stated (its first stamp's time: the descriptor's creation time)."""
        return stamp_time(str(self.node.props.get(PropertyKey.FIRST_SEEN_AT) or self.stamp))


def product_versions(reader: GraphReader, product: str) -> list[ProductVersion]:
    """The product's versions, newest first."""
    view = view_of(reader)
    edges = view.edge_keys({product}, (EdgeKind.OF,), "in")
    nodes = view.nodes({source for source, _, _ in edges})
    found = []
    for node in nodes.values():
        descriptor = node.props.get(DESCRIPTOR)
        if not isinstance(descriptor, dict):
            continue
        newest = node.stamps.get(DESCRIPTOR) or ""
        found.append((newest, json.dumps(descriptor, sort_keys=True), node, descriptor))
    found.sort(key=lambda v: (v[0], v[1]))
    versions: list[ProductVersion] = []
    before: dict[str, Any] | None = None
    for newest, _, node, descriptor in found:
        versions.append(ProductVersion(node, descriptor, newest, _changed(before, descriptor)))
        before = descriptor
    return versions[::-1]


def _changed(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """The parts of the descriptor that differ (``slo``, ``ports``, ``owners``, ``contracts``,
    ``version``, ``status``, any other key by name), sorted; every part present, for the first."""
    keys = set(after) | set(before or {})
    return sorted(
        {
            GROUPS.get(k, k)
            for k in keys
            if before is None or before.get(k) != after.get(k)
            if before is not None or after.get(k) not in (None, [], {})
        }
    )
