"""Where a DataHub dataset sits in OpenLineage's names: the rule ``ingest datahub`` hands the
pure translator (``ingest.datahub``), so that a table arriving from DataHub and from Spark is one
node.

A URN names a platform (and, in its name's first part, a platform instance) and a name; the
namespace comes from ``--platform-namespace PLATFORM[.INSTANCE]=NAMESPACE`` when one is given
(the instance's prefix then leaves the name), else from the graph: the one dataset of the
platform's scheme with that name, when exactly one exists. Otherwise the translator's fallback
(the bare scheme) stands, and the command says which URNs it could not place.

A dataFlow (and its dataJobs) is placed likewise: its orchestrator (``airflow``, or
``airflow.INSTANCE``) mapped to the jobs' namespace, else the one namespace of the graph's jobs
named as the flow (``dag_id``) or as one of its tasks (``dag_id.task_id``), as OpenLineage's
Airflow integration names them.
"""

from __future__ import annotations

from collections.abc import Mapping

from graph.core.model import NodeKind, PropertyKey
from graph.stores import GraphReader
from ingest.datahub.urns import DatasetUrn, FlowUrn, ol_table_name

PAGE = 5000


class GraphNamespaces:
    """A :data:`ingest.datahub.urns.Namespaces` (and, as ``flow``, a
    :data:`ingest.datahub.urns.FlowNamespaces`)
    over a mapping and the datasets and jobs of ``store``."""

    def __init__(self, store: GraphReader, mapping: Mapping[str, str]) -> None:
        self.store = store
        self.mapping = dict(mapping)
        self._by_name: dict[NodeKind, dict[str, list[str]]] = {}

    def __call__(self, urn: DatasetUrn) -> tuple[str, str] | None:
        name = ol_table_name(urn)
        found = self._mapped(urn.platform, name)
        if found is not None:
            return found
        found_ns = [
            ns
            for ns in self._index(NodeKind.DATASET).get(name, ())
            if ns.split("://", 1)[0] == urn.scheme
        ]
        return (found_ns[0], name) if len(found_ns) == 1 else None

    def flow(self, urn: FlowUrn) -> tuple[str, str] | None:
        """A flow's jobs' namespace and its flow id there (see the module's docstring)."""
        found = self._mapped(urn.orchestrator, urn.flow_id)
        if found is not None:
            return found
        prefix = f"{urn.flow_id}."
        spaces = {
            ns
            for name, in_spaces in self._index(NodeKind.JOB).items()
            if name == urn.flow_id or name.startswith(prefix)
            for ns in in_spaces
        }
        return (spaces.pop(), urn.flow_id) if len(spaces) == 1 else None

    def _mapped(self, platform: str, name: str) -> tuple[str, str] | None:
        """A platform instance's namespace (its prefix left out of the name), else the platform's."""
        for key, namespace in self.mapping.items():
            mapped, _, instance = key.partition(".")
            if mapped == platform and instance and name.startswith(f"{instance}."):
                return namespace, name[len(instance) + 1 :]
        if platform in self.mapping:
            return self.mapping[platform], name
        return None

    def _index(self, kind: NodeKind) -> dict[str, list[str]]:
        """Every live node's namespaces by name (read once, on the first URN not mapped)."""
        if kind not in self._by_name:
            index: dict[str, list[str]] = {}
            after = None
            while page := self.store.nodes_of_kind(kind, PAGE, after):
                for node in page:
                    if not node.props.get(PropertyKey.DELETED):
                        index.setdefault(str(node.props.get(PropertyKey.NAME)), []).append(
                            str(node.props.get(PropertyKey.NAMESPACE))
                        )
                after = page[-1].id
            self._by_name[kind] = index
        return self._by_name[kind]


def namespaces(store: GraphReader, mapping: Mapping[str, str]) -> GraphNamespaces:
    return GraphNamespaces(store, mapping)
