"""A level read in summary form over Neo4j is handed to the native view as the rows the driver
made (graph.stores.remote_reads.NeighbourhoodRows), installed in its mirror without a Python Node
or Edge a row: the very answers of the reads decoded in Python first, and the same neighbourhood
for a Python reader of its fields."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest
from neo4j_history import ON_NEO4J, history, neo4j_history  # noqa: F401 - fixtures
from test_read_ahead import (
    answers,
    ds,
    run,
)

from graph import _native
from graph.core.model import Direction, EdgeKind, NodeKind
from graph.read.lineage import dataset_lineage
from graph.read.view import SUMMARY, GraphView
from graph.read.walk_defaults import Budget
from graph.stores import Neighbourhood, NeighbourhoodRequest
from graph.stores.neo4j import Neo4jStore
from graph.stores.neo4j.reads import _CypherReads
from graph.stores.remote_reads import NeighbourhoodRows
from ingest.openlineage import translate

pytestmark = ON_NEO4J


def _decoded(rows: NeighbourhoodRows) -> bool:
    """Whether a Python reader had its fields decoded (an unset slot: never)."""
    try:
        object.__getattribute__(rows, "nodes")
    except AttributeError:
        return False
    return True


def _kept_as_rows(monkeypatch: pytest.MonkeyPatch) -> list[NeighbourhoodRows]:
    """Every level read the store keeps as rows from now on, in a list."""
    made: list[NeighbourhoodRows] = []
    level_of = _CypherReads._level_of

    def kept(self: _CypherReads, rows: list[Any], direction: Any, props: Any) -> Neighbourhood:
        found = level_of(self, rows, direction, props)
        if isinstance(found, NeighbourhoodRows):
            made.append(found)
        return found

    monkeypatch.setattr(_CypherReads, "_level_of", kept)
    return made


def test_rows_installed_natively_give_the_answers_of_decoded_reads(
    neo4j_history: Neo4jStore,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for event in (  # a job's newer run no longer reads one table nor writes another
        run(
            "moved",
            "2026-03-01T01:00:00Z",
            [ds("old_in"), ds("kept_in")],
            [ds("old_out"), ds("kept_out")],
        ),
        run("moved", "2026-03-02T01:00:00Z", [ds("kept_in")], [ds("kept_out")]),
        run("after", "2026-03-03T01:00:00Z", [ds("old_out"), ds("kept_out")], [ds("last")]),
    ):
        neo4j_history.apply(translate(event))
    starts = [n.id for n in neo4j_history.nodes_of_kind(NodeKind.DATASET, 1000)]
    columns = [n.id for n in neo4j_history.nodes_of_kind(NodeKind.COLUMN, 1000)][::5]
    stale = dataset_lineage(
        GraphView(neo4j_history, summaries=True), "dataset:pg:last", Direction.UPSTREAM
    )
    assert "dataset:pg:kept_in" in {n.id for n in stale.nodes}
    assert "dataset:pg:old_in" not in {n.id for n in stale.nodes}  # (the marks read as rows say so)

    def every_answer() -> list[Any]:
        shown = []  # with the properties Marquez's answers show (values beside the summary)
        for start in starts:
            view = GraphView(neo4j_history, summaries=True, shown=_native.MARQUEZ_SHOWN)
            graph = dataset_lineage(view, start, Direction.BOTH, Budget(depth=5))
            shown.append([(n.id, n.kind, n.props) for n in graph.nodes])
        return [answers(neo4j_history, starts, columns, None, summaries=True), shown]

    with monkeypatch.context() as decoded:  # every read decoded in Python, as before
        decoded.setattr(_CypherReads, "_level_of", _CypherReads._neighbourhood_of)
        expected = every_answer()
        with monkeypatch.context() as level_by_level:
            level_by_level.setattr(neo4j_history, "walk_ahead", None)
            expected_levels = answers(neo4j_history, starts, columns, None, summaries=True)
    made = _kept_as_rows(monkeypatch)
    assert every_answer() == expected
    with monkeypatch.context() as level_by_level:  # the store's own level reads
        level_by_level.setattr(neo4j_history, "walk_ahead", None)
        assert answers(neo4j_history, starts, columns, None, summaries=True) == expected_levels
    assert len(made) > 50
    assert not any(_decoded(rows) for rows in made)  # the native view read each as rows
    assert any(rows.extras for rows in made)  # (Marquez's shown properties: values beside)


def test_a_python_reader_of_rows_reads_the_decoded_neighbourhood(
    neo4j_history: Neo4jStore,  # noqa: F811
) -> None:
    jobs = [n.id for n in neo4j_history.nodes_of_kind(NodeKind.JOB, 1000)]
    datasets = [n.id for n in neo4j_history.nodes_of_kind(NodeKind.DATASET, 1000)]
    read = 0
    for ids, kinds, direction, ahead_in in (
        (jobs, [EdgeKind.WRITES], "out", [EdgeKind.READS, EdgeKind.ALIAS_OF]),
        (jobs, [EdgeKind.READS], "out", [EdgeKind.WRITES]),
        (datasets, [EdgeKind.READS, EdgeKind.WRITES], "in", []),
    ):
        for props in (list(SUMMARY), [*SUMMARY, *_native.MARQUEZ_SHOWN], ["namespace", "name"]):
            request = NeighbourhoodRequest(
                ids,
                kinds,
                direction,  # type: ignore[arg-type]
                ahead=[EdgeKind.ALIAS_OF],
                with_props=False,
                node_props=props,
                ahead_in=ahead_in,
            )
            found = neo4j_history.neighbourhood(request)
            assert isinstance(found, NeighbourhoodRows) and not _decoded(found)
            eager = neo4j_history._neighbourhood_of(list(found.rows), direction, props)  # type: ignore[arg-type]
            for field in fields(Neighbourhood):
                assert getattr(found, field.name) == getattr(eager, field.name), field.name
            assert _decoded(found)
            read += len(found.nodes) + len(found.ahead_nodes)
    assert read > 100
