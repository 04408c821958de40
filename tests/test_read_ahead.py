"""Reading ahead, on every store: the composite reads say exactly what the primitives say, and
queries that read ahead (as on a remote store) give the very answers of queries that do not."""

from __future__ import annotations

from typing import Any

import pytest
from openlineage_events import PRODUCER, complete

from graph.core.model import JOB_IO, Direction, EdgeKind, Node, NodeKind, dataset_id
from graph.core.mutations import UpsertEdge, UpsertNode
from graph.read.impact import impact
from graph.read.lineage import column_lineage, dataset_lineage
from graph.read.view import SUMMARY, GraphView
from graph.read.walk_defaults import Budget
from graph.stores import (
    EdgeDirection,
    JudgesJobEdges,
    NeighbourhoodRequest,
    Store,
    neighbourhood,
)
from ingest.openlineage import translate

T1 = "2024-01-01T00:00:00.000000Z"
DIRECTIONS: tuple[EdgeDirection, ...] = ("out", "in")


def facet(**fields: Any) -> dict[str, Any]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/X.json",
        **fields,
    }


def run(job: str, end: str, inputs: list[dict], outputs: list[dict]) -> dict[str, Any]:
    return complete(job, inputs, outputs, at=end, job_namespace="etl")


def ds(name: str, **facets: Any) -> dict[str, Any]:
    return {"namespace": "pg", "name": name, "facets": facets}


def test_edge_keys_and_neighbourhood_say_what_the_primitives_say(
    store: Store, food_delivery_events
) -> None:
    for event in food_delivery_events:
        store.apply(translate(event))
    a, b, c = dataset_id("e", "a"), dataset_id("e", "b"), dataset_id("e", "c")
    store.apply(
        [
            UpsertNode(a, NodeKind.DATASET, T1, {"name": "a", "next": b}),
            UpsertNode(b, NodeKind.DATASET, T1, {"name": "b", "next": ["not", "an", "id"]}),
            UpsertNode(c, NodeKind.DATASET, T1, {"name": "c"}),
            UpsertEdge(c, EdgeKind.DERIVES_FROM, a, T1),
            UpsertEdge(c, EdgeKind.DERIVES_FROM, b, T1),
            UpsertEdge(a, EdgeKind.ALIAS_OF, c, T1),
            UpsertEdge(b, EdgeKind.ALIAS_OF, a, T1),
        ]
    )
    ids = [
        *sorted({n.id for kind in NodeKind for n in store.nodes_of_kind(kind, 1000)}),
        "dataset:none:x",
    ]
    asks = [
        (EdgeKind.READS,),
        (EdgeKind.WRITES, EdgeKind.READS),
        (EdgeKind.ALIAS_OF, EdgeKind.DERIVES_FROM),
        (EdgeKind.CONSUMED, EdgeKind.PRODUCED),
        tuple(EdgeKind),
    ]
    for kinds in asks:
        for direction in DIRECTIONS:
            for chosen in (ids, ids[::5], [a, a, c], []):
                edges = store.edges(chosen, kinds, direction)
                assert sorted(store.edge_keys(chosen, kinds, direction)) == sorted(
                    e.key for e in edges
                )
                far = {e.target if direction == "out" else e.source for e in edges}
                job_edges = {e.key for e in edges if e.kind in (EdgeKind.READS, EdgeKind.WRITES)}
                assert isinstance(store, JudgesJobEdges)
                kept = store.unrestated_job_edges({key[0] for key in job_edges})
                assert kept is not None
                for ahead, ahead_in in AHEADS:
                    read = neighbourhood(
                        store,
                        NeighbourhoodRequest(chosen, kinds, direction, ahead, ahead_in=ahead_in),
                    )
                    assert sorted(e.key for e in read.edges) == sorted(e.key for e in edges)
                    assert {e.key: (e.props, e.stamps) for e in read.edges} == {
                        e.key: (e.props, e.stamps) for e in edges
                    }
                    assert read.nodes == store.nodes(far)
                    assert sorted(read.ahead) == sorted(store.edge_keys(far, ahead, "out"))
                    entering = store.edge_keys(far, ahead_in, "in")
                    assert sorted(read.ahead_in) == sorted(entering)
                    assert read.ahead_nodes == store.nodes({key[0] for key in entering})
                    io = job_edges | {key for key in entering if key[1] in JOB_IO}
                    verdict = store.unrestated_job_edges({key[0] for key in io})
                    assert read.unrestated == set().union(*verdict.values()) & io
                    light = neighbourhood(
                        store,
                        NeighbourhoodRequest(
                            chosen,
                            kinds,
                            direction,
                            ahead,
                            with_props=False,
                            node_props=SUMMARY,
                            ahead_in=ahead_in,
                        ),
                    )
                    assert sorted(e.key for e in light.edges) == sorted(e.key for e in edges)
                    assert (sorted(light.ahead), sorted(light.ahead_in), light.unrestated) == (
                        sorted(read.ahead),
                        sorted(read.ahead_in),
                        read.unrestated,
                    )
                    for got, whole in (
                        (light.nodes, read.nodes),
                        (light.ahead_nodes, read.ahead_nodes),
                    ):
                        assert {i: (n.kind, summary(n)) for i, n in got.items()} == {
                            i: (n.kind, summary(n)) for i, n in whole.items()
                        }
                    if store.remote:  # Neo4j sends the summary alone
                        assert all(
                            n.props.keys() <= set(SUMMARY) and not n.stamps
                            for n in (*light.nodes.values(), *light.ahead_nodes.values())
                        )
        for chosen in (ids, ids[::5], [a, a, c], []):  # both ways at once: each edge once
            out_edges, in_edges = (
                store.edges(chosen, kinds, "out"),
                store.edges(chosen, kinds, "in"),
            )
            both = neighbourhood(store, NeighbourhoodRequest(chosen, kinds, "both"))
            assert sorted(e.key for e in both.edges) == sorted(
                {e.key for e in (*out_edges, *in_edges)}
            )
            assert {e.key: (e.props, e.stamps) for e in both.edges} == {
                e.key: (e.props, e.stamps) for e in (*out_edges, *in_edges)
            }
            assert both.nodes == store.nodes(
                {e.target for e in out_edges} | {e.source for e in in_edges}
            )
    # the cases above are not vacuous
    assert sorted(
        neighbourhood(
            store, NeighbourhoodRequest([c], [EdgeKind.DERIVES_FROM], "out", [EdgeKind.ALIAS_OF])
        ).ahead
    ) == [(a, EdgeKind.ALIAS_OF, c), (b, EdgeKind.ALIAS_OF, a)]
    jobs = [n.id for n in store.nodes_of_kind(NodeKind.JOB, 1000)]
    read = neighbourhood(
        store,
        NeighbourhoodRequest(
            [e.target for e in store.edges(jobs, [EdgeKind.READS], "out")],
            [EdgeKind.READS],
            "in",
        ),
    )
    assert read.edges and read.nodes and all(n.kind is NodeKind.JOB for n in read.nodes.values())


#: What a read asks of the far ends besides their edges: none, the edges leaving them, and the
#: edges entering them (a walk's next level).
AHEADS: tuple[tuple[tuple[EdgeKind, ...], tuple[EdgeKind, ...]], ...] = (
    ((), ()),
    ((EdgeKind.ALIAS_OF,), ()),
    ((EdgeKind.ALIAS_OF, EdgeKind.DERIVES_FROM), ()),
    ((EdgeKind.ALIAS_OF,), (EdgeKind.ALIAS_OF, EdgeKind.READS)),
    ((), (EdgeKind.WRITES, EdgeKind.DERIVES_FROM)),
)


def test_handles_find_the_nodes_asked_for_and_no_others(store: Store, food_delivery_events) -> None:
    """A store may give handles of the far ends to seek them by next (Neo4j: element ids). Read
    by handles, a neighbourhood says what it says by ids; a handle naming a node other than its
    id's never brings in a node that was not asked for."""
    for event in food_delivery_events:
        store.apply(translate(event))
    ids = sorted({n.id for kind in NodeKind for n in store.nodes_of_kind(kind, 1000)})
    handles: dict[str, object] = {}
    for direction in DIRECTIONS:
        handles.update(
            neighbourhood(store, NeighbourhoodRequest(ids, tuple(EdgeKind), direction)).handles
        )
    if store.remote:
        assert len(handles) > len(ids) // 2 and set(handles) <= set(ids)
    ordered = sorted(handles)
    following = dict(zip(ordered, ordered[1:] + ordered[:1]))
    misleading = {
        i: handles[other] for i, other in following.items()
    }  # each id with the next one's handle
    for chosen in (ids, ids[::3]):
        for direction in DIRECTIONS:
            plain = neighbourhood(
                store,
                NeighbourhoodRequest(chosen, tuple(EdgeKind), direction, (EdgeKind.ALIAS_OF,)),
            )
            handled = neighbourhood(
                store,
                NeighbourhoodRequest(
                    chosen, tuple(EdgeKind), direction, (EdgeKind.ALIAS_OF,), handles=handles
                ),
            )
            assert sorted(e.key for e in handled.edges) == sorted(e.key for e in plain.edges)
            assert (handled.nodes, sorted(handled.ahead), handled.unrestated) == (
                plain.nodes,
                sorted(plain.ahead),
                plain.unrestated,
            )
            misled = neighbourhood(
                store, NeighbourhoodRequest(chosen, tuple(EdgeKind), direction, handles=misleading)
            )
            near = {e.source if direction == "out" else e.target for e in misled.edges}
            assert near <= set(chosen)


def summary(node: Node) -> dict[str, Any]:
    return {key: value for key, value in node.props.items() if key in SUMMARY}


def test_a_store_reads_its_verdict_on_job_edges_with_them(history: Store) -> None:
    """The job whose newer run stopped reading two tables: the store says so with the edges."""
    stale = {
        ("job:etl:report", EdgeKind.READS, "dataset:hive:sales.orders"),
        ("job:etl:report", EdgeKind.READS, "dataset:pg:gone"),
    }
    assert isinstance(history, JudgesJobEdges)
    assert history.unrestated_job_edges(["job:etl:report", "job:etl:more"]) == {
        "job:etl:report": frozenset(stale)
    }
    read = neighbourhood(
        history, NeighbourhoodRequest(["job:etl:report"], [EdgeKind.READS, EdgeKind.WRITES], "out")
    )
    assert read.unrestated == stale and {e.key for e in read.edges} > stale
    gone = ("job:etl:report", EdgeKind.READS, "dataset:pg:gone")
    for summaries in (None, SUMMARY):  # ... and with the edges entering what a read reaches
        dropped = neighbourhood(
            history,
            NeighbourhoodRequest(
                ["job:etl:drop"],
                [EdgeKind.WRITES],
                "out",
                node_props=summaries,
                ahead_in=[EdgeKind.READS],
            ),
        )
        assert dropped.unrestated is not None
        assert gone in dropped.ahead_in and gone in dropped.unrestated
        assert "job:etl:report" in dropped.ahead_nodes
    for with_props in (True, False):
        read = neighbourhood(
            history,
            NeighbourhoodRequest(
                ["dataset:pg:gone", "dataset:pg:out"],
                [EdgeKind.READS],
                "in",
                with_props=with_props,
            ),
        )
        assert read.unrestated == {("job:etl:report", EdgeKind.READS, "dataset:pg:gone")}


@pytest.fixture
def history(store: Store, food_delivery_events) -> Store:
    """food_delivery plus aliases, a stale read, drops (one still read and written by current
    jobs), changed column lineage and a column gone from its schema while its lineage is restated."""
    for event in food_delivery_events:
        store.apply(translate(event))
    table = {"namespace": "hive", "name": "sales.orders", "type": "TABLE"}
    lineage = facet(
        fields={
            "c": {"inputFields": [{"namespace": "pg", "name": "src", "field": "c"}]},
            "d": {"inputFields": [{"namespace": "pg", "name": "src", "field": "d"}]},
        }
    )
    events = [
        run(
            "load",
            "2026-01-01T01:00:00Z",
            [ds("src", schema=facet(fields=[{"name": "c"}, {"name": "d"}]))],
            [
                ds(
                    "out",
                    symlinks=facet(identifiers=[table]),
                    columnLineage=lineage,
                    schema=facet(fields=[{"name": "c"}, {"name": "d"}]),
                )
            ],
        ),
        run(
            "load",
            "2026-02-01T01:00:00Z",
            [ds("src"), ds("other")],
            [
                ds(
                    "out",
                    columnLineage=facet(fields={"d": lineage["fields"]["d"]}),
                    schema=facet(fields=[{"name": "d"}]),
                )
            ],
        ),
        run(
            "report",
            "2026-02-02T01:00:00Z",
            [{"namespace": "hive", "name": "sales.orders"}, ds("gone")],
            [ds("report")],
        ),
        run("report", "2026-02-03T01:00:00Z", [ds("out")], [ds("report")]),
        run(
            "drop",
            "2026-02-04T01:00:00Z",
            [],
            [ds("gone", lifecycleStateChange=facet(lifecycleStateChange="DROP"))],
        ),
        run("more", "2026-02-05T01:00:00Z", [ds("report")], [ds("final")]),
        run("tail", "2026-02-06T01:00:00Z", [ds("final")], [ds("tail")]),
        run(
            "drop",
            "2026-02-07T01:00:00Z",
            [],
            [ds("final", lifecycleStateChange=facet(lifecycleStateChange="DROP"))],
        ),
        run(
            "wide",
            "2026-02-08T01:00:00Z",
            [ds("src")],
            [
                ds(
                    "wide",
                    columnLineage=lineage,
                    schema=facet(fields=[{"name": "c"}, {"name": "d"}]),
                )
            ],
        ),
        # the schema drops d while column lineage still restates it: the schema rule alone hides it
        run(
            "wide",
            "2026-02-09T01:00:00Z",
            [ds("src")],
            [ds("wide", columnLineage=lineage, schema=facet(fields=[{"name": "c"}]))],
        ),
        # ... and a dataset whose only column lineage is such a column: nothing says what it uses
        run(
            "narrow",
            "2026-02-10T01:00:00Z",
            [ds("src")],
            [
                ds(
                    "narrow",
                    columnLineage=facet(fields={"d": lineage["fields"]["d"]}),
                    schema=facet(fields=[{"name": "d"}]),
                )
            ],
        ),
        run(
            "narrow",
            "2026-02-11T01:00:00Z",
            [ds("src")],
            [
                ds(
                    "narrow",
                    columnLineage=facet(fields={"d": lineage["fields"]["d"]}),
                    schema=facet(fields=[{"name": "e"}]),
                )
            ],
        ),
    ]
    for event in events:
        store.apply(translate(event))
    return store


def answers(
    store: Store, starts: list[str], columns: list[str], as_of: str | None, summaries: bool = False
) -> list[Any]:
    """Every walk's answer, with what GraphQL shows of each node (``summaries``: read as the API
    reads them)."""

    def view() -> GraphView:
        return GraphView(store, as_of, summaries)

    found: list[Any] = []
    existed = view().nodes(starts + columns)
    starts, columns = [i for i in starts if i in existed], [i for i in columns if i in existed]
    for start in starts:
        for way in Direction:
            for budget in (Budget(), Budget(depth=1), Budget(max_nodes=4)):
                graph = dataset_lineage(view(), start, way, budget)
                found.append(
                    (
                        [(n.id, summary(n)) for n in graph.nodes],
                        [(e.source, e.target, e.kind) for e in graph.edges],
                        graph.truncated,
                    )
                )
        report = impact(view(), start)
        found.append(
            (
                [
                    (a.node.id, summary(a.node), a.path, a.severity, a.certain)
                    for a in report.affected
                ],
                [o.id for o in report.owners],
                [p.id for p in report.products],
                [c.id for c in report.contracts],
            )
        )
    for column in columns:
        graph = column_lineage(view(), column, Direction.BOTH)
        found.append(
            (
                [(n.id, summary(n)) for n in graph.nodes],
                [(e.source, e.target) for e in graph.edges],
                graph.truncated,
            )
        )
        found.append(
            [
                (a.node.id, summary(a.node), a.path, a.severity)
                for a in impact(view(), column).affected
            ]
        )
    return found


def test_reading_ahead_gives_the_same_answers(
    history: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = [n.id for n in history.nodes_of_kind(NodeKind.DATASET, 1000)]
    columns = [n.id for n in history.nodes_of_kind(NodeKind.COLUMN, 1000)][::3]
    columns.append("datasetField:pg:src:d")
    for as_of in (None, "2026-01-15T00:00:00Z"):
        monkeypatch.setattr(history, "remote", False)
        as_asked = answers(history, starts, columns, as_of)
        monkeypatch.setattr(history, "remote", True)
        assert answers(history, starts, columns, as_of) == as_asked
        assert answers(history, starts, columns, as_of, summaries=True) == as_asked
    # the graph has what reading ahead reads: an alias, and a job whose newest run stopped reading
    assert history.edges(["dataset:hive:sales.orders"], [EdgeKind.ALIAS_OF], "in")
    now = dataset_lineage(
        GraphView(history), "dataset:pg:report", Direction.UPSTREAM, Budget(depth=1)
    )
    assert "dataset:pg:gone" not in {n.id for n in now.nodes} and "dataset:hive:sales.orders" in {
        n.id for n in now.nodes
    }
    # ... a dropped dataset its current jobs still read and write, a column gone from its schema
    below = {
        n.id
        for n in dataset_lineage(
            GraphView(history), "dataset:pg:report", Direction.DOWNSTREAM
        ).nodes
    }
    assert "job:etl:more" in below and not below & {
        "dataset:pg:final",
        "job:etl:tail",
        "dataset:pg:tail",
    }
    fed = {
        n.id
        for n in column_lineage(
            GraphView(history), "datasetField:pg:src:d", Direction.DOWNSTREAM
        ).nodes
    }
    assert (
        "datasetField:hive:sales.orders:d" in fed and "datasetField:pg:wide:d" not in fed
    )  # out is sales.orders
    assert history.edges(["datasetField:pg:wide:d"], [EdgeKind.DERIVES_FROM], "out")
    uncertain = {
        a.node.id
        for a in impact(GraphView(history), "datasetField:pg:src:d").affected
        if not a.certain
    }
    assert (
        "dataset:pg:narrow" in uncertain
    )  # its only column lineage is a column its schema dropped


def test_a_view_reading_summaries_still_gives_whole_nodes(
    history: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walks read what they reach in summary form; asking the view for those nodes afterwards, as a
    GraphQL field beside the walk would, gives them whole."""
    monkeypatch.setattr(history, "remote", True)
    view = GraphView(history, summaries=True)
    graph = dataset_lineage(view, "dataset:pg:src", Direction.DOWNSTREAM)
    reached = [n.id for n in graph.nodes]
    assert len(reached) > 3
    assert view.nodes(reached) == history.nodes(reached)
    assert {i: summary(n) for i, n in view.summaries(reached).items()} == {
        i: summary(n) for i, n in history.nodes(reached).items()
    }
