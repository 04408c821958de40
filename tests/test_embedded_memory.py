"""The embedded store's native graph holds equal data once (strings, equal edge records), lets go
of what nothing holds any more, and none of that sharing lets a write to one element show through
another; values come back exactly as they went in, Python's types and all."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph import _native
from graph.core.model import EdgeKind, NodeKind
from graph.core.mutations import UpsertEdge, UpsertNode, encode
from graph.stores.embedded.store import EmbeddedStore

T1 = "2026-01-05T00:00:01.000000Z"
T2 = "2026-01-05T00:00:02.000000Z"
DS = "dataset:ns:orders"
JOB = "job:ns:build"


def col(name: str) -> str:
    return f"datasetField:ns:orders:{name}"


def _event(at: str, columns: tuple[str, ...] = ("id", "amount")) -> list[UpsertNode | UpsertEdge]:
    """One event's writes: a dataset with columns and a job reading it, all at one stamp."""
    batch: list[UpsertNode | UpsertEdge] = [
        UpsertNode(DS, NodeKind.DATASET, at, {"name": "orders", "namespace": "ns"})
    ]
    for name in columns:
        batch.append(
            UpsertNode(
                col(name), NodeKind.COLUMN, at, {"name": name, "namespace": "ns", "type": "BIGINT"}
            )
        )
        batch.append(UpsertEdge(DS, EdgeKind.HAS_COLUMN, col(name), at, {"lastSeenAt": at}))
    batch.append(
        UpsertEdge(JOB, EdgeKind.READS, DS, at, {"lastSeenAt": at, "n": 1}, {"firstSeenAt": at})
    )
    return batch


def _graph(*batches: list[UpsertNode | UpsertEdge]) -> _native.Graph:
    graph = _native.Graph()
    for batch in batches:
        graph.commit(graph.plan(encode(batch)))
    return graph


def test_equal_edge_records_are_held_once_and_restated_ones_replace_them() -> None:
    columns = tuple(f"c{i}" for i in range(50))
    graph = _graph(_event(T1, columns))
    # 50 HAS_COLUMN edges with one record, and the job's READS with its own
    assert graph.stats()["edges"] == 51 and graph.stats()["shared_records"] == 2
    graph.commit(graph.plan(encode(_event(T2, columns))))
    assert graph.stats()["shared_records"] == 2  # the T1 records were let go
    (edge,) = graph.edges([col("c7")], [EdgeKind.HAS_COLUMN], "in")
    assert edge.props == {"lastSeenAt": T2} and edge.stamps == {"lastSeenAt": T2}


def test_strings_nothing_holds_any_more_are_let_go() -> None:
    graph = _graph(_event(T1))
    held = graph.stats()["strings"]
    for i in range(
        20
    ):  # each restatement brings a description no record keeps once the next one lands
        graph.commit(
            graph.plan(
                encode(
                    [
                        UpsertNode(
                            DS,
                            NodeKind.DATASET,
                            f"2026-01-05T01:00:{i:02d}.000000Z",
                            {"description": f"revision {i}"},
                        )
                    ]
                )
            )
        )
    assert graph.stats()["strings"] == held + 2  # the key "description" and the last text
    assert graph.nodes([DS])[DS].props["description"] == "revision 19"


def _held(graph: _native.Graph) -> tuple[object, ...]:
    stats = graph.stats()
    del stats["index_bytes"]  # tables keep the capacity they grew to
    return stats, graph.nodes([DS, col("id")]), graph.edges([DS], [EdgeKind.HAS_COLUMN], "out")


def test_a_plan_not_committed_leaves_the_graph_and_its_strings_as_they_were() -> None:
    graph = _graph(_event(T1))
    before = _held(graph)
    planned = graph.plan(
        encode(
            [
                *_event(T2, ("id", "amount", "brand_new")),
                UpsertNode(DS, NodeKind.DATASET, T2, {"description": "a text nobody else holds"}),
            ]
        )
    )
    assert planned.changed > 0
    del planned
    assert _held(graph) == before


@pytest.mark.parametrize("restart", [False, True], ids=["live", "after-restart"])
def test_a_write_to_one_sharing_element_leaves_the_others_as_they_were(
    tmp_path: Path, restart: bool
) -> None:
    store = EmbeddedStore(tmp_path)
    store.apply(_event(T1))
    if restart:
        store.close()
        store = EmbeddedStore(tmp_path)
    with store:
        store.apply(
            [
                UpsertNode(col("id"), NodeKind.COLUMN, T2, {"type": "INT"}),
                UpsertEdge(DS, EdgeKind.HAS_COLUMN, col("id"), T2, {"lastSeenAt": T2}),
            ]
        )
        for reopened in (False, True):
            if reopened:
                store.close()
                store = EmbeddedStore(tmp_path)
            changed, other = store.nodes([col("id"), col("amount")]).values()
            assert changed.props["type"] == "INT" and changed.stamps["type"] == T2
            assert other.props == {"name": "amount", "namespace": "ns", "type": "BIGINT"}
            assert other.stamps == dict.fromkeys(["name", "namespace", "type"], T1)
            assert store.edges([col("amount")], [EdgeKind.HAS_COLUMN], "in")[0].props == {
                "lastSeenAt": T1
            }
            assert store.edges([col("id")], [EdgeKind.HAS_COLUMN], "in")[0].props == {
                "lastSeenAt": T2
            }
        store.close()


VALUES = {
    "none_removes": None,
    "true": True,
    "false": False,
    "zero": 0,
    "negative": -(2**63),
    "big": 2**64 - 1,
    "float": 1.5,
    "integral_float": 2.0,
    "text": "déjà vu ✓",
    "empty": "",
    "stamp_shaped": "2026-01-05T00:00:01.000000Z",
    "stamp_shaped_with_rank": "2026-01-05T00:00:01.000000Z#3",
    "almost_a_stamp": "2026-13-05T00:00:01.000000Z ",
    "surrogate": "\udcff",
    "nested": {"b": [1, {"c": None}, [], {}], "a": "x", "t": True},
}


def test_values_come_back_as_they_went_in_live_and_after_a_restart(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        store.apply([UpsertNode(DS, NodeKind.DATASET, T1, VALUES)])
        live = store.nodes([DS])[DS].props
    with EmbeddedStore(tmp_path) as store:
        restarted = store.nodes([DS])[DS].props
    expected = {k: v for k, v in VALUES.items() if v is not None}
    for props in (live, restarted):
        assert props == expected
        assert [type(props[k]) for k in expected] == [
            type(v) for v in expected.values()
        ]  # 2.0 stays a float, True a bool
        assert list(props["nested"]) == ["b", "a", "t"]  # dict order kept


def test_a_value_beyond_json_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        with pytest.raises(TypeError, match="beyond 64 bits"):
            store.apply([UpsertNode(DS, NodeKind.DATASET, T1, {"n": 2**64})])
        with pytest.raises(TypeError, match="cannot be stored"):
            store.apply([UpsertNode(DS, NodeKind.DATASET, T1, {"n": object()})])
        assert store.counts() == {}


def test_edges_of_a_kind_are_found_among_many_at_a_hub() -> None:
    """A hub dataset read by many jobs and runs: each kind's edges come back whole, none of another."""
    batch: list[UpsertNode | UpsertEdge] = []
    for i in range(300):
        batch.append(UpsertEdge(f"job:ns:j{i}", EdgeKind.READS, DS, T1))
        batch.append(UpsertEdge(f"run:r{i}", EdgeKind.CONSUMED, DS, T1))
    batch.append(UpsertEdge("dataset:ns:alias", EdgeKind.ALIAS_OF, DS, T1))
    graph = _graph(
        batch[::2][::-1] + batch[1::2]
    )  # jobs made in reverse: their entries sort into place
    readers = graph.edge_keys([DS], [EdgeKind.READS], "in")
    assert sorted(source for source, _, _ in readers) == sorted(f"job:ns:j{i}" for i in range(300))
    assert graph.edge_keys([DS], [EdgeKind.ALIAS_OF], "in") == [
        ("dataset:ns:alias", EdgeKind.ALIAS_OF, DS)
    ]
    assert len(graph.edge_keys([DS], [EdgeKind.CONSUMED, EdgeKind.READS], "in")) == 600
    assert graph.edge_keys([DS], [EdgeKind.WRITES], "in") == []
    assert graph.edge_keys(["job:ns:j7"], [EdgeKind.READS], "out") == [
        ("job:ns:j7", EdgeKind.READS, DS)
    ]
    assert graph.counts() == {
        "Dataset": 2,
        "Job": 300,
        "Run": 300,
        "READS": 300,
        "CONSUMED": 300,
        "ALIAS_OF": 1,
    }
