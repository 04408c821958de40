"""Impact's one lookup around its answer on Neo4j (``Source::around``): the edges it follows to
owners, products, contracts and aliases read as keys, only the domains' edges with their records
(the rule judges them); every report the same as the embedded store's."""

from __future__ import annotations

from typing import Any

import pytest
from test_mesh_queries import build_mesh

from graph.core.model import EdgeKind, NodeKind
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode
from graph.read.impact import ChangeKind, impact
from graph.read.view import SUMMARY, GraphView
from graph.stores import Store
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.neo4j import Neo4jStore
from graph.stores.remote_reads import AroundRequest, NeighbourhoodKeys
from graph.stores.requests import WalkPlan
from ingest.builder import GraphBuilder
from ingest.domain_rules import DomainRules
from ingest.openlineage import translate

pytestmark = pytest.mark.neo4j

AT = "2026-01-06T00:00:00.000000Z"
#: The role of some owners: a value only their OWNED_BY edges hold.
ROLE = "impact-lookup-role"


def _mesh(food_delivery_events: list[dict[str, Any]]) -> list[list[Mutation]]:
    """food_delivery with domains by rule and declared, owners of datasets and jobs (some in the
    role only their edges hold), a contract, and build_mesh's products and consumers."""
    rules = DomainRules.parse(
        {
            "rules": [
                {"domain": "logistics", "name": "public.deliver*"},
                {"domain": "restaurants", "job_namespace": "food_*"},
            ]
        }
    )
    batches = [translate(event, rules) for event in food_delivery_events]
    b = GraphBuilder(AT)
    b.edge("dataset:food_delivery:public.delivery_7_days", EdgeKind.BELONGS_TO, b.domain("ops"))
    for subject, role in [
        ("dataset:food_delivery:public.orders", ROLE),
        ("dataset:food_delivery:public.delivery_7_days", ROLE),
        ("dataset:food_delivery:public.top_delivery_times", "owner"),
        ("job:food_delivery:example.delivery_times_7_days", ROLE),
    ]:
        b.owner(subject, f"team-{role}", role)
    batches.append(b.mutations)
    contract = "contract:delivery-times"
    batches.append(
        [
            UpsertNode(contract, NodeKind.CONTRACT, AT, {"name": "delivery-times"}),
            UpsertEdge(
                contract,
                EdgeKind.GOVERNS,
                "dataset:food_delivery:public.delivery_7_days",
                AT,
                {},
                {"firstSeenAt": AT},
            ),
        ]
    )
    return batches


def _loaded(
    stores: tuple[Neo4jStore, EmbeddedStore], events: list[dict[str, Any]]
) -> tuple[Neo4jStore, EmbeddedStore]:
    """Both stores holding the mesh of :func:`_mesh` and build_mesh's."""
    for target in stores:
        for batch in _mesh(events):
            target.apply(batch)
        build_mesh(target)
    return stores


def _report(store: Store, start: str, change: ChangeKind) -> tuple[Any, ...]:
    report = impact(GraphView(store, summaries=True), start, change)
    return (
        [(a.node.id, a.distance, a.path, a.severity, a.certain) for a in report.affected],
        [o.id for o in report.owners],
        [p.id for p in report.products],
        [d.id for d in report.domains],
        [c.id for c in report.contracts],
        [(c.node.id, c.domain, c.declared, c.datasets) for c in report.consumers],
    )


def test_impact_looks_up_owners_by_key_and_answers_as_the_embedded_store(
    neo4j_and_reference: tuple[Neo4jStore, EmbeddedStore],
    food_delivery_events: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, reference = _loaded(neo4j_and_reference, food_delivery_events)
    replies: list[str] = []
    read = store._read

    def recorded(text: str, parameters: dict[str, Any], doing: str) -> list[list[Any]]:
        rows = read(text, parameters, doing)
        replies.append(repr(rows))
        return rows

    monkeypatch.setattr(store, "_read", recorded)
    starts = [n.id for n in reference.nodes_of_kind(NodeKind.DATASET, 1000)]
    reported = set()
    for start in starts:
        for change in (ChangeKind.DROP, ChangeKind.SEMANTIC):
            expected = _report(reference, start, change)
            assert _report(store, start, change) == expected, (start, change)
            reported.update(expected[1])
    # owners in the role reached through the lookup, and every report read without a record of
    # an OWNED_BY edge (the role is on the edges only)
    assert "owner:team-impact-lookup-role" in reported
    assert any("domain:ops" in _report(reference, s, ChangeKind.DROP)[3] for s in starts)
    assert replies and not any(f"'type': '{ROLE}'" in reply for reply in replies)


def test_the_lookup_keeps_followed_edges_as_rows_and_a_python_reader_sees_them_all(
    neo4j_and_reference: tuple[Neo4jStore, EmbeddedStore],
    food_delivery_events: list[dict[str, Any]],
) -> None:
    store, reference = _loaded(neo4j_and_reference, food_delivery_events)
    ids = [n.id for n in reference.nodes_of_kind(NodeKind.DATASET, 1000)]
    ids += [n.id for n in reference.nodes_of_kind(NodeKind.JOB, 1000)]
    kinds = [EdgeKind.ALIAS_OF, EdgeKind.EXPOSES, EdgeKind.GOVERNS, EdgeKind.OWNED_BY]
    records = [EdgeKind.BELONGS_TO]
    found = store.lookup_around(AroundRequest(ids, [*kinds, *records], records))
    assert isinstance(found, NeighbourhoodKeys)
    # the followed edges as key rows, the domains' with their records, each edge once
    assert found.keyed and {row[1] for row in found.keyed} <= {kind.value for kind in kinds}
    assert found.recorded and all(e.kind == EdgeKind.BELONGS_TO for e in found.recorded)
    expected = {
        e.key: e
        for direction in ("out", "in")
        for e in reference.edges(ids, [*kinds, *records], direction)
    }
    assert {e.key for e in found.edges} == set(expected)
    assert len(found.edges) == len(expected)
    for edge in found.edges:
        if edge.kind == EdgeKind.BELONGS_TO:
            assert edge.props == expected[edge.key].props
        else:
            assert edge.props == {} and edge.stamps == {}
    assert set(found.nodes) == {e.target for e in expected.values() if e.source in ids} | {
        e.source for e in expected.values() if e.target in ids
    }
    with pytest.raises(ValueError):
        store.lookup_around(AroundRequest(ids, [EdgeKind.READS], records))


def test_a_lookup_the_walk_ahead_holds_answers_as_the_stores_own(
    neo4j_and_reference: tuple[Neo4jStore, EmbeddedStore],
    food_delivery_events: list[dict[str, Any]],
) -> None:
    store, _ = _loaded(neo4j_and_reference, food_delivery_events)
    ahead = store.walk_ahead(list(SUMMARY))
    plan = WalkPlan(None, downstream=True, looks_around=True)
    ahead.start_walk(plan, "dataset:food_delivery:public.orders")
    assert ahead._looked is not None  # (read with the start: the statement's ``looked``)
    met = sorted(ahead._looked[0])
    kinds = [EdgeKind.ALIAS_OF, EdgeKind.EXPOSES, EdgeKind.GOVERNS, EdgeKind.OWNED_BY]
    records = [EdgeKind.BELONGS_TO]
    # all it holds (as an impact asks), again (what it holds is decoded afresh each time), some
    # of it, and fewer kinds
    for ids, asked in [
        (met, [*kinds, *records]),
        (met, [*kinds, *records]),
        (met[::2], [*kinds, *records]),
        (met, kinds),
    ]:
        held = ahead.lookup_around(AroundRequest(ids, asked, records))
        own = store.lookup_around(AroundRequest(ids, asked, records))
        # the followed edges handed on as rows, as the store's own lookup hands them on
        assert isinstance(held, NeighbourhoodKeys) and held.keyed
        assert {row[1] for row in held.keyed} <= {kind.value for kind in kinds}
        assert all(edge.kind == EdgeKind.BELONGS_TO for edge in held.recorded)
        assert {e.key: (e.props, e.stamps) for e in held.edges} == {
            e.key: (e.props, e.stamps) for e in own.edges
        }
        assert {n.id: (n.props, n.stamps) for n in held.nodes.values()} == {
            n.id: (n.props, n.stamps) for n in own.nodes.values()
        }
        assert any(e.kind == EdgeKind.OWNED_BY for e in held.edges)
        if EdgeKind.BELONGS_TO in asked:  # (the domains' edges with their records and stamps)
            assert any(e.kind == EdgeKind.BELONGS_TO and e.stamps for e in held.edges)
