"""Reading ahead, on every store: the composite reads say exactly what the primitives say."""

from __future__ import annotations

from graph.model import EdgeKind, NodeKind, dataset_id
from graph.mutations import UpsertEdge, UpsertNode
from graph.stores import Store
from ingest.openlineage import translate

T1 = "2024-01-01T00:00:00.000000Z"


def test_edge_keys_and_neighbourhood_say_what_the_primitives_say(store: Store, food_delivery_events) -> None:
    for event in food_delivery_events:
        store.apply(translate(event))
    a, b, c = dataset_id("e", "a"), dataset_id("e", "b"), dataset_id("e", "c")
    store.apply([
        UpsertNode(a, NodeKind.DATASET, T1, {"name": "a", "next": b}),
        UpsertNode(b, NodeKind.DATASET, T1, {"name": "b", "next": ["not", "an", "id"]}),
        UpsertNode(c, NodeKind.DATASET, T1, {"name": "c"}),
        UpsertEdge(c, EdgeKind.DERIVES_FROM, a, T1),
        UpsertEdge(c, EdgeKind.DERIVES_FROM, b, T1),
        UpsertEdge(a, EdgeKind.ALIAS_OF, c, T1),
        UpsertEdge(b, EdgeKind.ALIAS_OF, a, T1),
    ])
    ids = sorted({n.id for kind in NodeKind for n in store.nodes_of_kind(kind, 1000)}) + ["dataset:none:x"]
    asks = [
        (EdgeKind.READS,), (EdgeKind.WRITES, EdgeKind.READS), (EdgeKind.ALIAS_OF, EdgeKind.DERIVES_FROM),
        (EdgeKind.CONSUMED, EdgeKind.PRODUCED), tuple(EdgeKind),
    ]
    for kinds in asks:
        for direction in ("out", "in"):
            for chosen in (ids, ids[::5], [a, a, c], []):
                edges = store.edges(chosen, kinds, direction)
                assert sorted(store.edge_keys(chosen, kinds, direction)) == sorted(e.key for e in edges)
                far = {e.target if direction == "out" else e.source for e in edges}
                for ahead, via in (((), None), ((EdgeKind.ALIAS_OF,), ("next", (EdgeKind.ALIAS_OF, EdgeKind.DERIVES_FROM))),
                                   ((EdgeKind.ALIAS_OF, EdgeKind.DERIVES_FROM), ("latestCompletedRun", (EdgeKind.CONSUMED,)))):
                    read = store.neighbourhood(chosen, kinds, direction, ahead, via)
                    assert sorted(e.key for e in read.edges) == sorted(e.key for e in edges)
                    assert {e.key: (e.props, e.stamps) for e in read.edges} == {e.key: (e.props, e.stamps) for e in edges}
                    assert read.nodes == store.nodes(far)
                    assert sorted(read.ahead) == sorted(store.edge_keys(far, ahead, "out"))
                    named = {r for n in read.nodes.values() if isinstance(r := n.props.get(via[0]), str)} if via else set()
                    assert sorted(read.referenced) == sorted(store.edge_keys(named, via[1], "out") if via else [])
    # the cases above are not vacuous
    assert store.neighbourhood([c], [EdgeKind.DERIVES_FROM], "out", [EdgeKind.ALIAS_OF], ("next", [EdgeKind.ALIAS_OF])).referenced == [
        (b, EdgeKind.ALIAS_OF, a)
    ]
    jobs = [n.id for n in store.nodes_of_kind(NodeKind.JOB, 1000)]
    read = store.neighbourhood([e.target for e in store.edges(jobs, [EdgeKind.READS], "out")], [EdgeKind.READS], "in",
                               via=("latestCompletedRun", [EdgeKind.CONSUMED, EdgeKind.PRODUCED]))
    assert read.referenced and read.nodes and all(n.kind is NodeKind.JOB for n in read.nodes.values())
