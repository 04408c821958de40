"""The merge rule (``graph.core.mutations``), as the native core applies it to a batch: a batch comes to
what merging its upserts one at a time comes to, whatever the stored records share, and ties,
repeats and Python's notion of equal values never make the answer depend on the order."""

from __future__ import annotations

from graph.core.model import Edge, EdgeKind
from graph.core.mutations import UpsertEdge, plan
from ingest.openlineage import translate
from ingest.openlineage_schema import InvalidEvent

T0, T1, T2, T3 = (f"2026-01-05T0{h}:00:00.000000Z" for h in range(4))
DS = "dataset:ns:orders"


def col(name: str) -> str:
    return f"datasetField:ns:orders:{name}"


def _one_upsert_at_a_time(mutations, nodes, edges):
    nodes, edges = dict(nodes), dict(edges)
    for m in mutations:
        step = plan([m], nodes, edges)
        nodes.update(step.nodes)
        edges.update(step.edges)
    return nodes, edges


def _assert_plans_like_one_at_a_time(batch, nodes, edges):
    changes = plan(batch, nodes, edges)
    assert ({**nodes, **changes.nodes}, {**edges, **changes.edges}) == _one_upsert_at_a_time(
        batch, nodes, edges
    )
    return changes


def test_a_batch_plans_like_its_upserts_one_at_a_time(food_delivery_events) -> None:
    """Half of the corpus (START and COMPLETE, out of order, dirty) is planned onto the graph of the
    other half and then again, so merges meet stored records, the batch's own and new ones."""
    translated = []
    for event in food_delivery_events:
        try:
            translated.append(translate(event))
        except InvalidEvent:
            continue
    first, second = translated[::2], translated[1::2]
    base_nodes, base_edges = _one_upsert_at_a_time([m for ms in first for m in ms], {}, {})
    _assert_plans_like_one_at_a_time(
        [m for ms in second + first[::-1] + second[::-1] for m in ms], base_nodes, base_edges
    )
    everything = _assert_plans_like_one_at_a_time([m for ms in translated for m in ms], {}, {})
    derived = [edge for edge in everything.edges.values() if edge.kind is EdgeKind.DERIVES_FROM]
    assert len(derived) > 30


def test_one_props_dict_at_two_stamps_makes_two_merges() -> None:
    seen = {"lastSeenAt": T1}
    changes = _assert_plans_like_one_at_a_time(
        [
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("a"), T1, seen),
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("b"), T2, seen),
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("c"), T1, seen),
        ],
        {},
        {},
    )
    a, b, c = (changes.edges[(DS, EdgeKind.HAS_COLUMN, col(name))] for name in "abc")
    assert a.stamps == {"lastSeenAt": T1} and b.stamps == {"lastSeenAt": T2}
    assert c.stamps == {"lastSeenAt": T1}


def test_equal_props_with_other_stamps_make_their_own_merge() -> None:
    """Two stored edges hold one props dict but not the same stamps: an upsert between their
    stamps wins on one and not on the other."""
    props = {"lastSeenAt": T1, "firstSeenAt": T0}
    older = Edge(DS, EdgeKind.HAS_COLUMN, col("a"), props, {"lastSeenAt": T1, "firstSeenAt": T0})
    newer = Edge(DS, EdgeKind.HAS_COLUMN, col("b"), props, {"lastSeenAt": T3, "firstSeenAt": T0})
    stored = {edge.key: edge for edge in (older, newer)}
    upsert, first = {"lastSeenAt": T2}, {"firstSeenAt": T2}
    changes = _assert_plans_like_one_at_a_time(
        [
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("a"), T2, upsert, first),
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("b"), T2, upsert, first),
        ],
        {},
        stored,
    )
    assert changes.edges[older.key].props == {"lastSeenAt": T2, "firstSeenAt": T0}
    assert (
        newer.key not in changes.edges
    )  # an older write and a later first sighting change nothing
    assert (
        older.props == {"lastSeenAt": T1, "firstSeenAt": T0} and older.stamps["lastSeenAt"] == T1
    )  # left alone


def test_a_merge_into_an_edge_the_batch_already_changed_starts_from_its_new_state() -> None:
    seen1, seen2, seen3 = {"lastSeenAt": T1}, {"lastSeenAt": T2}, {"lastSeenAt": T3}
    changes = _assert_plans_like_one_at_a_time(
        [
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("a"), T1, seen1),
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("b"), T1, seen1),
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("a"), T3, seen3),
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("a"), T2, seen2),
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("b"), T2, seen2),
        ],
        {},
        {},
    )
    a, b = (changes.edges[(DS, EdgeKind.HAS_COLUMN, col(name))] for name in "ab")
    assert a.props == {"lastSeenAt": T3} and b.props == {"lastSeenAt": T2}


def test_one_props_dict_with_another_first_sighting_makes_its_own_merge() -> None:
    seen = {"lastSeenAt": T1}
    changes = _assert_plans_like_one_at_a_time(
        [
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("a"), T1, seen),
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("b"), T1, seen, {"firstSeenAt": T1}),
        ],
        {},
        {},
    )
    a, b = (changes.edges[(DS, EdgeKind.HAS_COLUMN, col(name))] for name in "ab")
    assert a.props == {"lastSeenAt": T1} and b.props == {"lastSeenAt": T1, "firstSeenAt": T1}


def test_stored_edges_sharing_stamps_but_not_props_keep_their_own_props() -> None:
    stamps = {"lastSeenAt": T1, "rows": T1}
    one = Edge(DS, EdgeKind.HAS_COLUMN, col("a"), {"lastSeenAt": T1, "rows": 1}, stamps)
    two = Edge(DS, EdgeKind.HAS_COLUMN, col("b"), {"lastSeenAt": T1, "rows": 2}, stamps)
    seen = {"lastSeenAt": T2}
    changes = _assert_plans_like_one_at_a_time(
        [
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("a"), T2, seen),
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("b"), T2, seen),
        ],
        {},
        {one.key: one, two.key: two},
    )
    assert changes.edges[one.key].props == {"lastSeenAt": T2, "rows": 1}
    assert changes.edges[two.key].props == {"lastSeenAt": T2, "rows": 2}
    assert (
        changes.edges[one.key].stamps
        == changes.edges[two.key].stamps
        == {"lastSeenAt": T2, "rows": T1}
    )


def _converged(*batches):
    """The graph each order of ``batches`` comes to (one state when they converge)."""
    import itertools

    outcomes = []
    for order in itertools.permutations(batches):
        nodes: dict = {}
        for batch in order:
            nodes.update(plan(batch, nodes, {}).nodes)
        outcomes.append(nodes)
    return outcomes


def test_unequal_values_at_one_stamp_converge_whatever_the_order() -> None:
    from graph.core.model import NodeKind
    from graph.core.mutations import UpsertNode

    writes = [
        [UpsertNode(DS, NodeKind.DATASET, T1, {"owner": value})]
        for value in ("bob", "alice", 7, [1, 2], {"a": 1})
    ]
    outcomes = _converged(*writes[:4])
    assert all(outcome == outcomes[0] for outcome in outcomes)
    assert outcomes[0][DS].props == {
        "owner": [1, 2]
    }  # its JSON '[1,2]' sorts after '7', '"bob"' and '"alice"'


def test_values_python_calls_equal_change_nothing_and_keep_their_type() -> None:
    from graph.core.model import NodeKind
    from graph.core.mutations import UpsertNode

    stored = plan([UpsertNode(DS, NodeKind.DATASET, T1, {"n": 1, "flag": True})], {}, {}).nodes
    again = plan([UpsertNode(DS, NodeKind.DATASET, T1, {"n": 1.0, "flag": 1})], stored, {})
    assert not again and type(stored[DS].props["n"]) is int and stored[DS].props["flag"] is True


def test_a_none_removes_the_value_and_an_older_write_does_not_bring_it_back() -> None:
    from graph.core.model import NodeKind
    from graph.core.mutations import UpsertNode

    nodes = plan(
        [UpsertNode(DS, NodeKind.DATASET, T1, {"description": "old", "name": "orders"})], {}, {}
    ).nodes
    nodes.update(
        plan([UpsertNode(DS, NodeKind.DATASET, T3, {"description": None})], nodes, {}).nodes
    )
    assert nodes[DS].props == {"name": "orders"} and nodes[DS].stamps["description"] == T3
    assert not plan([UpsertNode(DS, NodeKind.DATASET, T2, {"description": "late"})], nodes, {})


def test_first_keeps_the_earliest_and_stamps_this_code_did_not_render_compare_as_text() -> None:
    from graph.core.model import NodeKind
    from graph.core.mutations import UpsertNode

    outcomes = _converged(
        [UpsertNode(DS, NodeKind.DATASET, T2, {}, {"firstSeenAt": T2})],
        [UpsertNode(DS, NodeKind.DATASET, T1, {}, {"firstSeenAt": T1})],
        [
            UpsertNode(
                DS,
                NodeKind.DATASET,
                "2026-01-05",
                {"note": "a date, not a stamp"},
                {"firstSeenAt": "early"},
            )
        ],
    )
    assert all(outcome == outcomes[0] for outcome in outcomes)
    node = outcomes[0][DS]
    assert (
        node.props["firstSeenAt"] == "early" and node.stamps["firstSeenAt"] == "2026-01-05"
    )  # before T1 as text
    assert node.stamps["note"] == "2026-01-05"
