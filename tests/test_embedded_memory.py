"""The embedded store holds equal data once (ids, stamps, props, strings) and lone edges without a
dict, and none of that sharing lets a write to one element show through another."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.model import Edge, EdgeKind, NodeKind
from graph.mutations import UpsertEdge, UpsertNode
from graph.stores import adjacency
from graph.stores.embedded import EmbeddedStore
from graph.stores.interning import Interner

T1 = "2026-01-05T00:00:01.000000Z"
T2 = "2026-01-05T00:00:02.000000Z"
T3 = "2026-01-05T00:00:03.000000Z"
DS = "dataset:ns:orders"
JOB = "job:ns:build"


def col(name: str) -> str:
    return f"datasetField:ns:orders:{name}"


def fresh(s: str) -> str:
    """An equal string that is not the same object, as the journal's decoding makes them."""
    return "".join(list(s))


def _event(at: str) -> list[UpsertNode | UpsertEdge]:
    """One event's writes: a dataset with two columns and a job reading it, all at one stamp. Like
    ``ingest.builder``, it states both columns' edges with one props dict."""
    batch: list[UpsertNode | UpsertEdge] = [UpsertNode(fresh(DS), NodeKind.DATASET, at, {"name": "orders", "namespace": "ns"})]
    seen = {"lastSeenAt": at}
    for name in ("id", "amount"):
        batch.append(UpsertNode(fresh(col(name)), NodeKind.COLUMN, at, {"name": name, "namespace": fresh("ns"), "type": "BIGINT"}))
        batch.append(UpsertEdge(fresh(DS), EdgeKind.HAS_COLUMN, fresh(col(name)), at, seen))
    batch.append(UpsertEdge(fresh(JOB), EdgeKind.READS, fresh(DS), at, {"lastSeenAt": at, "n": 1}, {"firstSeenAt": at}))
    return batch


def _edges(store: EmbeddedStore, node_id: str, kind: EdgeKind, direction: str) -> list[Edge]:
    return store.edges([node_id], [kind], direction)  # type: ignore[arg-type]


def _check_ids_are_the_records(store: EmbeddedStore) -> None:
    nodes = store.nodes([DS, JOB, col("id"), col("amount")])
    for name in ("id", "amount"):
        (edge,) = _edges(store, col(name), EdgeKind.HAS_COLUMN, "in")
        assert edge.source is nodes[DS].id and edge.target is nodes[col(name)].id
    (read,) = _edges(store, JOB, EdgeKind.READS, "out")
    assert read.source is nodes[JOB].id and read.target is nodes[DS].id


def test_edge_ends_are_the_node_records_id_strings_live_and_after_replay(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        store.apply(_event(T1))
        _check_ids_are_the_records(store)
    with EmbeddedStore(tmp_path) as store:
        _check_ids_are_the_records(store)


def test_replay_shares_equal_stamps_props_and_strings(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        store.apply(_event(T1))
    with EmbeddedStore(tmp_path) as store:
        a, b = store.nodes([col("id"), col("amount")]).values()
        assert a.stamps is b.stamps and a.stamps == dict.fromkeys(["name", "namespace", "type"], T1)
        assert a.props["namespace"] is b.props["namespace"] and a.props["type"] is b.props["type"]
        first, second = (_edges(store, col(name), EdgeKind.HAS_COLUMN, "in")[0] for name in ("id", "amount"))
        assert first.props is second.props and first.props == {"lastSeenAt": T1}


def test_live_writes_share_what_an_event_states_alike(tmp_path: Path) -> None:
    """Without a restart too: edges stated with one props dict share their records' props and
    stamps, and columns stamped alike their stamps (a live graph was ~1.6x a restarted one)."""
    with EmbeddedStore(tmp_path) as store:
        store.apply(_event(T1))
        a, b = store.nodes([col("id"), col("amount")]).values()
        assert a.stamps is b.stamps and a.stamps == dict.fromkeys(["name", "namespace", "type"], T1)
        first, second = (_edges(store, col(name), EdgeKind.HAS_COLUMN, "in")[0] for name in ("id", "amount"))
        assert first.props is second.props and first.stamps is second.stamps and first.props == {"lastSeenAt": T1}
        store.apply(_event(T2))  # restated: the same merge of the same records, made once
        first, second = (_edges(store, col(name), EdgeKind.HAS_COLUMN, "in")[0] for name in ("id", "amount"))
        assert first.props is second.props and first.props == {"lastSeenAt": T2}
        assert store.nodes([DS])[DS].props == {"name": "orders", "namespace": "ns"}


@pytest.mark.parametrize("restart", [False, True], ids=["live", "after-replay"])
def test_a_write_to_one_sharing_element_leaves_the_others_as_they_were(tmp_path: Path, restart: bool) -> None:
    store = EmbeddedStore(tmp_path)
    store.apply(_event(T1))
    if restart:
        store.close()
        store = EmbeddedStore(tmp_path)
    with store:
        store.apply([
            UpsertNode(col("id"), NodeKind.COLUMN, T2, {"type": "INT"}),
            UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("id"), T2, {"lastSeenAt": T2}),
        ])
        for reopened in (False, True):
            if reopened:
                store.close()
                store = EmbeddedStore(tmp_path)
            changed, other = store.nodes([col("id"), col("amount")]).values()
            assert changed.props["type"] == "INT" and changed.stamps["type"] == T2
            assert other.props == {"name": "amount", "namespace": "ns", "type": "BIGINT"}
            assert other.stamps == dict.fromkeys(["name", "namespace", "type"], T1)
            assert _edges(store, col("amount"), EdgeKind.HAS_COLUMN, "in")[0].props == {"lastSeenAt": T1}
            assert _edges(store, col("id"), EdgeKind.HAS_COLUMN, "in")[0].props == {"lastSeenAt": T2}
        store.close()


def test_interner_keeps_values_that_python_calls_equal_but_json_does_not_apart() -> None:
    interner = Interner()
    as_int, as_bool, as_float = ({"lastSeenAt": T1, "n": n} for n in (1, True, 1.0))
    assert interner.edge_props(as_int) is as_int
    assert interner.edge_props(as_bool) is as_bool and as_bool["n"] is True
    assert interner.edge_props(as_float) is as_float and type(as_float["n"]) is float
    assert interner.edge_props({"lastSeenAt": fresh(T1), "n": 1}) is as_int


def test_interner_shares_nested_values_and_forgets_once_full() -> None:
    interner = Interner(limit=2)
    one = interner.edge_props({"jobId": JOB, "transformations": [{"type": "DIRECT", "masking": False}]})
    two = interner.edge_props({"jobId": "job:ns:other", "transformations": [{"type": "DIRECT", "masking": False}]})
    assert one is not two and one["transformations"] is two["transformations"]
    assert interner.edge_props({"transformations": [{"type": "DIRECT", "masking": 0}]})["transformations"] is not one["transformations"]
    interner.trim()
    assert interner.edge_props({"jobId": JOB, "transformations": [{"type": "DIRECT", "masking": False}]}) is not one


def test_interner_shares_stamps_only_with_the_same_keys_and_times() -> None:
    interner = Interner()
    shared = interner.stamps({"a": T1, "b": T2})
    assert interner.stamps({"a": fresh(T1), "b": fresh(T2)}) is shared
    assert interner.stamps({"a": T1, "b": T3}) is not shared
    assert interner.stamps({"a": T1}) is not shared
    assert interner.stamps({}) is interner.node_props({})


def test_adjacency_holds_a_lone_edge_then_a_dict_in_both_directions() -> None:
    out: adjacency.Adjacency = {}
    in_: adjacency.Adjacency = {}
    first = Edge(DS, EdgeKind.HAS_COLUMN, col("id"))
    loop = Edge(DS, EdgeKind.HAS_COLUMN, DS)
    assert adjacency.put(out, DS, col("id"), first) and adjacency.put(in_, col("id"), DS, first)
    assert out[DS] is first and adjacency.get(out, DS, col("id")) is first and adjacency.get(in_, col("id"), DS) is first
    assert adjacency.get(out, DS, col("amount")) is None and adjacency.get(out, col("id"), DS) is None
    again = Edge(DS, EdgeKind.HAS_COLUMN, col("id"), {"x": 1})
    assert not adjacency.put(out, DS, col("id"), again) and out[DS] is again
    assert adjacency.put(out, DS, DS, loop) and adjacency.put(in_, DS, DS, loop)
    assert out[DS] == {col("id"): again, DS: loop} and in_[DS] is loop
    assert adjacency.get(in_, DS, DS) is loop and adjacency.get(out, DS, DS) is loop
    found: list[Edge] = []
    adjacency.collect(out, [DS, "nowhere"], found)
    adjacency.collect(in_, [col("id")], found)
    assert found == [again, loop, first]
