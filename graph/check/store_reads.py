"""The check in-process: its hot reads straight from the store, everything else through GraphQL.

A check on a data dir asks for its start nodes and for one ``impact`` per change. Answering those
through the GraphQL schema cost a hub check on the 100k-dataset mesh ~0.3 s to import strawberry
and graphql-core and ~0.3 s to carry 100k affected rows through the executor, a sixth of the
whole run. So :class:`StoreExecute` answers them with the queries the resolvers call
(``graph.read.queries.node``, ``graph.read.impact.impact``), in the shapes GraphQL gives (field names, enum
names, the same defaults), and imports the schema only when some other question (datasets,
search, products: the artifact inputs) is first asked. ``--server`` still asks GraphQL for all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from graph._native import Impact
from graph.check.changeset import CheckError, InProcessReads
from graph.core.errors import QueryError
from graph.core.model import Node, NodeKind
from graph.read.impact import SEVERITIES, ChangeKind, impact, owners_by_domain
from graph.read.view import GraphView
from graph.stores import Store, StoreUnavailable

_KIND_NAMES = {kind: kind.name for kind in NodeKind}
_SEVERITY_NAMES = [severity.value for severity in SEVERITIES]  # by rank


class NativeColumns:
    """A native impact answer's affected rows as the report's :class:`Columns`, each column made
    into Python objects when first read (``namespace``, ``name`` and ``dataset`` of a hub's
    100k rows: ~0.1 s that a PR comment never needs)."""

    def __init__(self, answer: Impact) -> None:
        self._answer = answer
        self._made: dict[str, list[Any]] = {}
        self._ranks: list[int] | None = None

    def __len__(self) -> int:
        return self._answer.size

    def column(self, name: str) -> list[Any]:
        found = self._made.get(name)
        if found is None:
            if name == "kind":  # 100k rows: a table lookup each, not an enum's attribute (~20 ms)
                found = list(map(_KIND_NAMES.__getitem__, self._answer.affected_column("kind")))
            elif name == "severity":
                found = list(map(_SEVERITY_NAMES.__getitem__, self.ranks()))
            else:
                found = self._answer.affected_column(name)
            self._made[name] = found
        return found

    def ranks(self) -> list[int]:
        found = self._ranks
        if found is None:
            found = self._ranks = self._answer.affected_column("severity")
        return found


class GraphQLResult(Protocol):
    """What running a GraphQL query answers (graphql-core's ``ExecutionResult``)."""

    @property
    def data(self) -> dict[str, Any] | None: ...

    @property
    def errors(self) -> Sequence[Any] | None: ...


InProcessGraphQL = Callable[[str, dict[str, Any]], GraphQLResult]


class StoreExecute:
    """GraphQL on an open store (``graph.check.Execute``), plus the reads the check makes most
    answered without it: ``nodes`` and ``impact``.

    ``graphql`` runs a query in this process (the serving layer's schema, handed in by the
    command line, which may import it: this layer may not)."""

    def __init__(self, store: Store, graphql: InProcessGraphQL) -> None:
        self.store = store
        self._graphql = graphql

    def __call__(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            result = self._graphql(query, variables)
        except StoreUnavailable as e:
            raise CheckError(f"store unavailable: {e}") from None
        if result.errors:
            raise CheckError("; ".join(error.message for error in result.errors))
        assert result.data is not None, "a query that raised no error has data"
        return result.data

    def _view(self) -> GraphView:
        return GraphView(self.store, summaries=True)  # as the GraphQL context's (``context``)

    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """Each id → ``{id kind namespace name}`` as GraphQL ``node`` gives it, None if unknown."""
        from graph.read import queries  # here: --server never needs it (~30 ms with search)

        view = self._view()
        try:
            return {node_id: _node(queries.node(view, node_id)) for node_id in ids}
        except StoreUnavailable as e:
            raise CheckError(f"store unavailable: {e}") from None

    def impact(self, node_id: str, change: str, depth: int | None) -> dict[str, Any]:
        """GraphQL ``impact``'s answer to the report's query (``graph.check.report``), its
        ``affected`` as :class:`NativeColumns`."""
        from graph.read import queries

        view = self._view()
        try:
            report = impact(
                view, node_id, ChangeKind(change), None if depth is None else max(depth, 0)
            )
            return {
                "changed": _node(report.changed),
                "change": report.change.value,
                "breaking": report.breaking,
                "truncated": report.truncated,
                "affected": NativeColumns(report.answer),
                "products": [
                    {
                        "id": p.id,
                        "name": p.props.get("name", ""),
                        "domain": p.props.get("domain", ""),
                        "owners": [
                            {"name": _owner_name(o.owner)} for o in queries.owners(view, p.id)
                        ],
                    }
                    for p in report.products
                ],
                "domains": [{"id": d.id, "name": d.props.get("name", "")} for d in report.domains],
                "owners": [{"id": o.id, "name": _owner_name(o)} for o in report.owners],
                "ownersByDomain": [
                    {"domain": domain, "owners": [{"id": o.id} for o in owners]}
                    for domain, owners in owners_by_domain(view, report)
                ],
                "consumers": [
                    {
                        "id": c.node.id,
                        "kind": c.node.kind.name,
                        "name": c.node.props.get("name"),
                        "domain": c.domain,
                        "declared": c.declared,
                        "undeclared": c.node.id in report.undeclared,
                    }
                    for c in report.consumers
                ],
                "contracts": [
                    {
                        "id": c.id,
                        "name": c.props.get("name"),
                        "version": _text(c.props.get("version")),
                    }
                    for c in report.contracts
                ],
            }
        except QueryError as e:
            raise CheckError(str(e)) from None
        except StoreUnavailable as e:
            raise CheckError(f"store unavailable: {e}") from None


def _reads_in_process(execute: StoreExecute) -> InProcessReads:
    """For mypy: a :class:`StoreExecute` is what ``changeset.store_execute`` hands back."""
    return execute


def _node(node: Node | None) -> dict[str, Any] | None:
    if node is None:
        return None
    p = node.props
    return {
        "id": node.id,
        "kind": node.kind.name,
        "namespace": p.get("namespace"),
        "name": p.get("name"),
    }


def _text(value: Any) -> str | None:
    """A version as GraphQL shows it (``graph.serve.schema.nodes.text_of``): text, or null."""
    return None if value is None else str(value)


def _owner_name(owner: Node) -> str:
    return str(owner.props.get("name", owner.id))
