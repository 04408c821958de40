"""Where a DataHub dataset sits in OpenLineage's names: the rule ``ingest datahub`` hands the
pure translator (``ingest.datahub``), so that a table arriving from DataHub and from Spark is one
node.

A URN names a platform (and, in its name's first part, a platform instance) and a name; the
namespace comes from ``--platform-namespace PLATFORM[.INSTANCE]=NAMESPACE`` when one is given
(the instance's prefix then leaves the name), else from the graph: the one dataset of the
platform's scheme with that name, when exactly one exists. Otherwise the translator's fallback
(the bare scheme) stands, and the command says which URNs it could not place.
"""

from __future__ import annotations

from collections.abc import Mapping

from graph.core.model import NodeKind, PropertyKey
from graph.stores import GraphReader
from ingest.datahub import DatasetUrn, Namespaces, ol_table_name

PAGE = 5000


class GraphNamespaces:
    """A :data:`ingest.datahub.Namespaces` over a mapping and the datasets of ``store``."""

    def __init__(self, store: GraphReader, mapping: Mapping[str, str]) -> None:
        self.store = store
        self.mapping = dict(mapping)
        self._by_name: dict[str, list[str]] | None = None

    def __call__(self, urn: DatasetUrn) -> tuple[str, str] | None:
        name = ol_table_name(urn)
        for key, namespace in self.mapping.items():
            platform, _, instance = key.partition(".")
            if platform == urn.platform and instance and name.startswith(f"{instance}."):
                return namespace, name[len(instance) + 1 :]
        if urn.platform in self.mapping:
            return self.mapping[urn.platform], name
        found = [ns for ns in self._index().get(name, ()) if ns.split("://", 1)[0] == urn.scheme]
        return (found[0], name) if len(found) == 1 else None

    def _index(self) -> dict[str, list[str]]:
        """Every live dataset's namespaces by name (read once, on the first URN not mapped)."""
        if self._by_name is None:
            self._by_name = {}
            after = None
            while page := self.store.nodes_of_kind(NodeKind.DATASET, PAGE, after):
                for node in page:
                    if not node.props.get(PropertyKey.DELETED):
                        self._by_name.setdefault(str(node.props.get(PropertyKey.NAME)), []).append(
                            str(node.props.get(PropertyKey.NAMESPACE))
                        )
                after = page[-1].id
        return self._by_name


def namespaces(store: GraphReader, mapping: Mapping[str, str]) -> Namespaces:
    return GraphNamespaces(store, mapping)
