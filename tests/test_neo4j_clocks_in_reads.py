"""A Neo4j read that returns elements whole returns the column clocks they refer to in the same
statement (``cypher.graph._CLOCKS_OF_OWNERS``): a node, edge or neighbourhood read, and a walk's start,
each one statement where a clocks read followed, with the embedded store's answers. A walk over
whole nodes reads a level's aliases both ways in one statement (``walk_ahead``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from neo4j_statements import statements
from test_lineage_conformance import _event, _facet
from test_neo4j_column_clocks import apply, mesh, neo4j_uri, rerun  # noqa: F401 - fixtures

from graph.core.model import EdgeKind, Node, NodeKind
from graph.read import impact
from graph.read.view import GraphView
from graph.stores import NeighbourhoodRequest, neighbourhood
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.neo4j import Neo4jStore

pytestmark = pytest.mark.neo4j


@pytest.fixture
def stores(
    neo4j_uri: str,  # noqa: F811 - the fixture
    mesh: list[dict[str, Any]],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> Any:
    """The mesh and a re-run of it (so columns and their edges refer to their datasets' clocks),
    and a table written under a symlink (an alias) and read by its path, on Neo4j and on the
    embedded store."""
    neo4j, embedded = Neo4jStore(neo4j_uri), EmbeddedStore(tmp_path / "embedded")
    try:
        for store in (neo4j, embedded):
            apply(store, mesh)
            apply(store, rerun(mesh, 1))
            apply(store, ALIASED)
        yield neo4j, embedded
    finally:
        neo4j.close()
        embedded.close()


_TABLE = {"namespace": "hive://metastore", "name": "sales.orders", "type": "TABLE"}
_PATH = {"namespace": "s3://bucket", "name": "warehouse/sales/orders"}
_FIELDS = [{"name": "id", "type": "long"}, {"name": "email", "type": "string"}]
ALIASED = [
    _event(
        "COMPLETE",
        "2026-01-05T06:00:00Z",
        outputs=[
            {
                **_PATH,
                "facets": {
                    "symlinks": _facet(identifiers=[_TABLE]),
                    "schema": _facet(fields=_FIELDS),
                },
            }
        ],
        job="load_orders",
        run_id="0193a1a0-0000-7000-8000-000000000001",
    ),
    _event(
        "COMPLETE",
        "2026-01-05T07:00:00Z",
        inputs=[_PATH],
        outputs=[
            {
                "namespace": "s3://bucket",
                "name": "reports/daily",
                "facets": {
                    "schema": _facet(fields=_FIELDS),
                    "columnLineage": _facet(
                        fields={
                            f["name"]: {"inputFields": [{**_PATH, "field": f["name"]}]}
                            for f in _FIELDS
                        }
                    ),
                },
            }
        ],
        job="report",
        run_id="0193a1a0-0000-7000-8000-000000000002",
    ),
]
CANONICAL = "dataset:hive://metastore:sales.orders"
BY_PATH = "dataset:s3://bucket:warehouse/sales/orders"


def referring(store: Neo4jStore) -> list[str]:
    """Columns that refer to column clocks (and have column lineage), a few."""
    ((ids,),) = store._read(
        "MATCH (n:Node)<-[:DERIVES_FROM]-() WHERE n._refs IS NOT NULL "
        "WITH DISTINCT n.id AS id ORDER BY id LIMIT 12 RETURN collect(id)",
        {},
        "finding columns",
    )
    assert len(ids) >= 5, ids
    return list(ids)


def plain(nodes: dict[str, Node]) -> dict[str, Any]:
    return {i: (n.kind, n.props, n.stamps) for i, n in nodes.items()}


def test_whole_reads_return_their_clocks_in_the_same_statement(
    stores: tuple[Neo4jStore, EmbeddedStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    neo4j, embedded = stores
    columns = referring(neo4j)
    asked = statements(neo4j, monkeypatch)

    assert plain(neo4j.nodes(columns)) == plain(embedded.nodes(columns))
    assert asked == ["reading nodes"]

    for direction in ("in", "out"):
        asked.clear()
        edges = neo4j.edges(columns, list(EdgeKind), direction)
        assert asked == ["reading edges"]
        assert any(edge.kind is EdgeKind.DERIVES_FROM for edge in edges)
        expected_edges = embedded.edges(columns, list(EdgeKind), direction)
        assert {e.key: (e.props, e.stamps) for e in edges} == {
            e.key: (e.props, e.stamps) for e in expected_edges
        }

    request = NeighbourhoodRequest(
        columns, [EdgeKind.DERIVES_FROM], "both", ahead_in=[EdgeKind.DERIVES_FROM]
    )
    asked.clear()
    (found,) = neo4j.neighbourhoods([request])  # (batched reads pass the clocks on too)
    assert asked == ["reading neighbourhoods"]
    asked.clear()
    read = neo4j.neighbourhood(request)
    assert asked == ["reading a neighbourhood"]
    expected = neighbourhood(embedded, request)
    for got in (found, read):
        assert {e.key: (e.props, e.stamps) for e in got.edges} == {
            e.key: (e.props, e.stamps) for e in expected.edges
        }
        assert plain(got.nodes) == plain(expected.nodes)
        assert plain(got.ahead_nodes) == plain(expected.ahead_nodes)
        assert set(got.ahead_in) == set(expected.ahead_in)


def affected(report: impact.ImpactReport) -> list[Any]:
    return [(a.node.id, a.distance, a.path, a.severity, a.certain) for a in report.affected]


def test_a_column_impact_reads_no_clocks_apart(
    stores: tuple[Neo4jStore, EmbeddedStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    neo4j, embedded = stores
    for column in referring(neo4j)[:5]:
        asked = statements(neo4j, monkeypatch)
        got = impact.impact(neo4j, column, impact.ChangeKind.TYPE_CHANGE)
        assert "reading column clocks" not in asked, asked
        monkeypatch.undo()
        expected = impact.impact(embedded, column, impact.ChangeKind.TYPE_CHANGE)
        assert affected(got) == affected(expected)
        assert plain({got.changed.id: got.changed}) == plain(
            {expected.changed.id: expected.changed}
        )
        assert [n.id for n in got.owners] == [n.id for n in expected.owners]


def test_a_levels_aliases_both_ways_are_one_statement(
    stores: tuple[Neo4jStore, EmbeddedStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    neo4j, embedded = stores
    walks = neo4j.walk_ahead()
    asked = statements(neo4j, monkeypatch)
    for ids in ([BY_PATH, CANONICAL], [CANONICAL]):
        asked.clear()
        leaving = NeighbourhoodRequest(ids, [EdgeKind.ALIAS_OF], "out", with_props=False)
        entering = NeighbourhoodRequest(ids, [EdgeKind.ALIAS_OF], "in", with_props=False)
        got = [walks.neighbourhood(leaving), walks.neighbourhood(entering)]
        assert asked == ["reading neighbourhoods"]
        again = walks.neighbourhood(entering)  # (held for the one read asked next only)
        assert asked == ["reading neighbourhoods", "reading a neighbourhood"]
        for found, request in zip([*got, again], [leaving, entering, entering]):
            expected = neighbourhood(embedded, request)
            assert {e.key for e in found.edges} == {e.key for e in expected.edges}
            assert plain(found.nodes) == plain(expected.nodes)
        assert (BY_PATH, EdgeKind.ALIAS_OF, CANONICAL) in {e.key for e in got[1].edges}


def test_a_column_impact_over_an_alias_is_the_embedded_stores(
    stores: tuple[Neo4jStore, EmbeddedStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    neo4j, embedded = stores
    column = f"datasetField:{CANONICAL[len('dataset:') :]}:email"
    asked = statements(neo4j, monkeypatch)
    got = impact.impact(GraphView(neo4j), column, impact.ChangeKind.TYPE_CHANGE)
    assert "reading neighbourhoods" in asked  # (the aliases of a level, both ways)
    expected = impact.impact(embedded, column, impact.ChangeKind.TYPE_CHANGE)
    assert affected(got) == affected(expected)
    assert "datasetField:s3://bucket:reports/daily:email" in {a.node.id for a in got.affected}


def test_a_levels_dataset_lineage_and_columns_are_one_statement(
    stores: tuple[Neo4jStore, EmbeddedStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    neo4j, embedded = stores
    datasets = sorted(
        {
            column.rsplit(":", 1)[0].replace("datasetField:", "dataset:", 1)
            for column in referring(neo4j)
        }
    )
    walks = neo4j.walk_ahead()
    asked = statements(neo4j, monkeypatch)
    lineage = NeighbourhoodRequest(datasets, [EdgeKind.DERIVES_FROM], "out")
    columns = NeighbourhoodRequest(datasets, [EdgeKind.HAS_COLUMN], "out", with_props=False)
    got = [walks.neighbourhood(lineage), walks.neighbourhood(columns)]
    assert asked == ["reading neighbourhoods"]
    for found, request in zip(got, [lineage, columns]):
        expected = neighbourhood(embedded, request)
        assert {e.key for e in found.edges} == {e.key for e in expected.edges}
        assert plain(found.nodes) == plain(expected.nodes)
    assert {e.kind for e in got[1].edges} == {EdgeKind.HAS_COLUMN}
    asked.clear()
    # the lineage of those columns (whether they derive: what a column impact asks next) came
    # with the level's read, and is answered from it for any of them
    derives = NeighbourhoodRequest(referring(neo4j), [EdgeKind.DERIVES_FROM], "out")
    found = walks.neighbourhood(derives)
    assert asked == ["finding columns"]  # (referring's own statement)
    expected = neighbourhood(embedded, derives)
    assert found.edges and {e.key for e in found.edges} == {e.key for e in expected.edges}
    assert plain(found.nodes) == plain(expected.nodes)


def _sent_bookkeeping(rows: Any) -> list[str]:
    """The column clocks and kept Marquez fields among the property maps of a read's rows."""
    found: list[str] = []
    if isinstance(rows, dict):
        found += [key for key in ("_clocks", "_fields") if rows.get(key) is not None]
        rows = list(rows.values())
    if isinstance(rows, list):
        for item in rows:
            found += _sent_bookkeeping(item)
    return found


def test_whole_reads_send_no_clocks_or_kept_fields(
    stores: tuple[Neo4jStore, EmbeddedStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dataset's column clocks and Marquez field cache are most of its stored bytes, and no
    whole read decodes them (the clocks come from their owners' ids): none sends them."""
    neo4j, embedded = stores
    datasets = sorted(
        {c.rsplit(":", 1)[0].replace("datasetField:", "dataset:", 1) for c in referring(neo4j)}
    )
    ((holding,),) = neo4j._read(
        "UNWIND $ids AS id MATCH (n:Node {id: id}) "
        "RETURN count(CASE WHEN n._clocks IS NOT NULL AND n._fields IS NOT NULL THEN 1 END)",
        {"ids": datasets},
        "counting",
    )
    assert holding >= 2  # (datasets holding both: a read could send them)
    sent: list[str] = []
    read = neo4j._read

    def recorded(text: str, parameters: dict[str, Any], doing: str) -> list[list[Any]]:
        rows = read(text, parameters, doing)
        sent.extend(f"{doing}: {key}" for key in _sent_bookkeeping(rows))
        return rows

    monkeypatch.setattr(neo4j, "_read", recorded)
    assert plain(neo4j.nodes(datasets)) == plain(embedded.nodes(datasets))
    name = embedded.nodes(datasets[:1])[datasets[0]].props["name"]
    assert [n.id for n in neo4j.search(name, [NodeKind.DATASET], 5)] == [
        n.id for n in embedded.search(name, [NodeKind.DATASET], 5)
    ]
    assert plain({n.id: n for n in neo4j.nodes_of_kind(NodeKind.DATASET, 50)}) == plain(
        {n.id: n for n in embedded.nodes_of_kind(NodeKind.DATASET, 50)}
    )
    for column in referring(neo4j)[:3]:  # (a column's impact judges its lineage: wholes read)
        got = impact.impact(GraphView(neo4j, summaries=True), column, impact.ChangeKind.DROP)
        assert affected(got) == affected(impact.impact(embedded, column, impact.ChangeKind.DROP))
    assert sent == []
