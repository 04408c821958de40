"""Neo4j reads a walk ahead (graph.stores.neo4j.walk_ahead): the very answers of the level-by-level
reads, in fewer statements, whether one read ahead holds the whole reach or only part of it."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j_history import ON_NEO4J, history, neo4j_history  # noqa: F401 - fixtures
from neo4j_statements import statements
from test_read_ahead import answers

from graph.core.model import Direction, NodeKind
from graph.notify import notifications
from graph.read.impact import ImpactReport, impact
from graph.read.lineage import dataset_lineage
from graph.read.view import SUMMARY, GraphView
from graph.read.walk_defaults import Budget
from graph.stores.neo4j import Neo4jStore, walk_ahead

pytestmark = ON_NEO4J


def test_walking_ahead_gives_the_answers_of_reading_level_by_level(
    neo4j_history: Neo4jStore,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    starts = [n.id for n in neo4j_history.nodes_of_kind(NodeKind.DATASET, 1000)]
    columns = [n.id for n in neo4j_history.nodes_of_kind(NodeKind.COLUMN, 1000)][::5]
    with monkeypatch.context() as level_by_level:
        level_by_level.setattr(neo4j_history, "walk_ahead", None)  # views then read as before
        expected = answers(neo4j_history, starts, columns, None, summaries=True)
        deep = {
            (start, depth): dataset_lineage(
                GraphView(neo4j_history, summaries=True), start, Direction.BOTH, Budget(depth=depth)
            ).nodes
            for start in starts
            for depth in (2, 3)
        }
    for cap in (2, 1):  # a part of the reach in one read, the rest read on (else: every test)
        monkeypatch.setattr(walk_ahead, "_CAP", cap)
        monkeypatch.setattr(walk_ahead, "_REACH", cap)
        assert answers(neo4j_history, starts, columns, None, summaries=True) == expected, cap
        for (start, depth), nodes in deep.items():
            view = GraphView(neo4j_history, summaries=True)
            assert (
                dataset_lineage(view, start, Direction.BOTH, Budget(depth=depth)).nodes == nodes
            ), (start, cap)


def test_a_walk_reads_its_levels_in_one_statement(
    neo4j_history: Neo4jStore,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """food_delivery downstream of its orders table: four dataset hops deep."""
    start = "dataset:food_delivery:public.orders"
    with monkeypatch.context() as level_by_level:
        level_by_level.setattr(neo4j_history, "walk_ahead", None)
        asked = statements(neo4j_history, level_by_level)
        before = dataset_lineage(
            GraphView(neo4j_history, summaries=True), start, Direction.DOWNSTREAM
        )
        level_reads = asked.count("reading a neighbourhood")
    asked = statements(neo4j_history, monkeypatch)
    after = dataset_lineage(GraphView(neo4j_history, summaries=True), start, Direction.DOWNSTREAM)
    assert after.nodes == before.nodes and after.edges == before.edges
    assert len(after.nodes) > 10
    assert level_reads >= 5
    # the start whole, with its aliases and jobs, and the walk's levels: one statement
    assert asked == ["reading a walk's start"]
    impact_asked = statements(neo4j_history, monkeypatch)
    report = impact(GraphView(neo4j_history, summaries=True), start)
    # the start, the walk and the lookup around what it reached (owners, products...): one
    assert impact_asked == ["reading a walk's start"]
    with monkeypatch.context() as looked_up_after:  # the lookup read on its own, as before
        looked_up_after.setattr(walk_ahead, "AROUND_KINDS", frozenset())
        apart = statements(neo4j_history, looked_up_after)
        alone = impact(GraphView(neo4j_history, summaries=True), start)
        assert apart == ["reading a walk's start", "reading around an answer"]
    assert report.affected == alone.affected and len(report.affected) >= 10
    assert (report.owners, report.products, report.domains, report.contracts) == (
        alone.owners,
        alone.products,
        alone.domains,
        alone.contracts,
    )
    both_asked = statements(neo4j_history, monkeypatch)  # both ways: both read ahead with the start
    dataset_lineage(GraphView(neo4j_history, summaries=True), start, Direction.BOTH)
    assert both_asked == ["reading a walk's start"]


def test_a_batchs_column_walks_read_their_starts_at_once(
    neo4j_history: Neo4jStore,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The impact walks of a batch of column changes through one view (``BatchWalks``): each
    answer is the one a walk of its own gives, and what each column's walk reads first (the
    column and its dataset whole, the lineage entering it, what surrounds both) is one statement
    for them all."""
    columns = neo4j_history.nodes_of_kind(NodeKind.COLUMN, 1000)[::3]
    datasets = [str(n.props["datasetId"]) for n in columns]
    starts = [n.id for n in columns]
    alone_asked = statements(neo4j_history, monkeypatch)
    alone = [_seen(impact(GraphView(neo4j_history, summaries=True), start)) for start in starts]
    assert "reading the starts of walks" not in alone_asked
    with monkeypatch.context() as shared:
        asked = statements(neo4j_history, shared)
        view = GraphView(neo4j_history, summaries=True)
        view.expect_starts(starts, datasets)
        assert asked == ["reading the starts of walks"]
        together = [_seen(impact(view, start)) for start in starts]
    assert together == alone
    assert len(alone) >= 5 and any(report[0] for report in alone)
    assert asked.count("reading the starts of walks") == 1
    assert "reading around a start" not in asked[:2]
    assert len(asked) < len(alone_asked) - len(starts)


def test_nodes_read_whole_ahead_are_answered_alike_each_time_they_are_asked(
    neo4j_history: Neo4jStore,  # noqa: F811
) -> None:
    """What the walk ahead holds is decoded afresh for each asking: decoding takes a row's
    properties over, and a node asked twice must not lose what the first asking took."""
    column = neo4j_history.nodes_of_kind(NodeKind.COLUMN, 1000)[0]
    dataset = str(column.props["datasetId"])
    ahead = neo4j_history.walk_ahead(list(SUMMARY))
    ahead.expect_starts([column.id], [dataset])
    expected = neo4j_history.nodes([column.id, dataset])
    for _ in range(2):
        for ids in ([column.id], [dataset]):
            found = ahead.nodes(ids)
            assert {i: (n.kind, n.props, n.stamps) for i, n in found.items()} == {
                i: (expected[i].kind, expected[i].props, expected[i].stamps) for i in ids
            }


def _seen(report: ImpactReport) -> tuple[list[Any], list[str], list[Any]]:
    """What an impact answer says: the affected with their paths, whom it concerns."""
    return (
        [(a.node.id, a.path, a.severity, a.certain) for a in report.affected],
        [n.id for n in (*report.owners, *report.products, *report.domains, *report.contracts)],
        [(c.node.id, c.datasets) for c in report.consumers],
    )


def test_a_batchs_walks_are_read_ahead_as_one_walk(
    neo4j_history: Neo4jStore,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``BatchWalks`` reads what all of a batch's impact walks read as one walk from all their
    starts (``View.read_impacts_ahead``), a level of them all a statement: each answer is then
    the one a walk of its own gives, the walks read nothing more, and the batch asks fewer
    statements than its walks did one after another through one view."""
    monkeypatch.setattr(notifications, "IMPACT_DEADLINE_SECONDS", 60.0)  # (a slow host: whole)
    columns = neo4j_history.nodes_of_kind(NodeKind.COLUMN, 1000)[::3]
    starts: list[tuple[str, str | None]] = [(str(n.props["datasetId"]), n.id) for n in columns]
    starts += [(dataset, None) for dataset, _ in starts[:3]]  # and whole datasets
    alone = [_seen(impact(GraphView(neo4j_history, summaries=True), c or d)) for d, c in starts]
    with monkeypatch.context() as before:  # the walks through one view, not read ahead
        before.setattr(notifications.BatchWalks, "_read_ahead", lambda *_: None)
        shared_asked = statements(neo4j_history, before)
        walks = notifications.BatchWalks(neo4j_history, starts)
        assert [_seen(impact(walks.view, walks.start(d, c))) for d, c in starts] == alone
    asked = statements(neo4j_history, monkeypatch)
    walks = notifications.BatchWalks(neo4j_history, starts)
    read_ahead = len(asked)
    together = [_seen(impact(walks.view, walks.start(d, c))) for d, c in starts]
    assert together == alone
    assert len(alone) >= 8 and sum(len(report[0]) for report in alone) >= 50
    assert asked[read_ahead:] == []  # everything the walks read was read ahead
    assert read_ahead < len(shared_asked) / 2, (read_ahead, len(shared_asked))
