"""Store conformance: every test here runs on the embedded store and on a real Neo4j.

Answers are compared with a reference embedded store fed the same mutations in a scratch
directory, so both parametrizations must give exactly the reference answers (same kinds, same
props with the same Python types, same stamps).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from store_graphs import (
    ALL_EDGE_KINDS,
    NASTY_NAMES,
    T1,
    T2,
    T3,
    WEIRD_PROPS,
    all_nodes,
    dump,
    edge_form,
    nasty_batch,
    node_form,
    typed,
)

from graph.core.model import EdgeKind, NodeKind, dataset_id, job_id, owner_id
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode, encode
from graph.stores import FirstsRequest, ObservedFields, Store, node_summaries, reads_summaries
from graph.stores.embedded.store import EmbeddedStore
from ingest.openlineage import translate

# -- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[Callable[[list[list[Mutation]]], EmbeddedStore]]:
    """An embedded store in a scratch directory, fed the given batches: the expected answers."""
    made: list[EmbeddedStore] = []

    def build(batches: list[list[Mutation]]) -> EmbeddedStore:
        ref = EmbeddedStore(tmp_path / f"reference-{len(made)}")
        made.append(ref)
        for batch in batches:
            ref.apply(batch)
        return ref

    yield build
    for ref in made:
        ref.close()


@pytest.fixture(scope="module")
def seed_batches(food_delivery_events: list[dict[str, Any]]) -> list[list[Mutation]]:
    return [translate(event) for event in food_delivery_events]


def assert_same_answers(store: Store, ref: Store, ids: list[str]) -> None:
    assert store.counts() == ref.counts()
    got, want = store.nodes(ids), ref.nodes(ids)
    assert sorted(got) == sorted(want)
    assert sorted(map(node_form, got.values())) == sorted(map(node_form, want.values()))
    for direction in ("out", "in"):
        for kinds in (ALL_EDGE_KINDS, [EdgeKind.READS, EdgeKind.WRITES], [EdgeKind.HAS_COLUMN]):
            assert sorted(map(edge_form, store.edges(ids, kinds, direction))) == sorted(
                map(edge_form, ref.edges(ids, kinds, direction))
            ), (direction, kinds)


# -- the food_delivery seed ---------------------------------------------------------------------


def test_seed_matches_reference(store: Store, seed_batches, reference) -> None:
    changed = [store.apply(batch) for batch in seed_batches]
    ref = reference([])
    assert changed == [ref.apply(batch) for batch in seed_batches]
    assert all(c > 0 for c in changed)

    counts = store.counts()
    assert counts == ref.counts()
    assert counts["Run"] == 13 and counts["Job"] > 0 and counts["Dataset"] > 0
    assert counts["READS"] > 0 and counts["WRITES"] > 0 and counts["HAS_COLUMN"] > 0
    assert "Domain" not in counts  # only kinds that exist

    some = [n.id for n in all_nodes(ref)]
    picked = [*some[::7], "dataset:does-not-exist:x"]
    assert_same_answers(store, ref, picked)
    assert dump(store) == dump(ref)

    # decoding gives back Python types exactly (lists stay lists, ints stay ints)
    datasets = [n for n in store.nodes_of_kind(NodeKind.DATASET, 1000) if "columns" in n.props]
    assert datasets and all(type(n.props["columns"]) is list for n in datasets)
    columns = [n for n in store.nodes_of_kind(NodeKind.COLUMN, 1000) if "ordinal" in n.props]
    assert columns and all(type(n.props["ordinal"]) is int for n in columns)

    for needle in (
        "",
        "order",
        "ORDERS",
        "delivery",
        "public",
        "food_delivery.public.orders",
        "x-none-x",
    ):
        for kinds in (list(NodeKind), [NodeKind.DATASET], [NodeKind.JOB, NodeKind.COLUMN]):
            for first in (1, 5, 500):
                assert [n.id for n in store.search(needle, kinds, first)] == [
                    n.id for n in ref.search(needle, kinds, first)
                ], (needle, kinds, first)


def test_second_pass_changes_nothing(store: Store, seed_batches) -> None:
    for batch in seed_batches:
        store.apply(batch)
    before = dump(store)
    assert [store.apply(batch) for batch in seed_batches] == [0] * len(seed_batches)
    assert store.apply([m for batch in seed_batches for m in batch]) == 0
    assert store.apply([]) == 0
    assert dump(store) == before


def test_node_summaries_carry_the_named_properties(store: Store, seed_batches, reference) -> None:
    """``node_summaries``: the nodes that exist, each with the named properties it has (JSON-valued
    ones decoded), and no others from a store that reads them in summary form."""
    for batch in seed_batches:
        store.apply(batch)
    whole = reference(seed_batches)
    ids = [*[n.id for n in all_nodes(whole)][::3], "dataset:nowhere:nothing"]
    names = ("name", "namespace", "columns", "tags", "facet:jobType", "createdAt")
    got, want = node_summaries(store, ids, names), whole.nodes(ids)
    assert sorted(got) == sorted(want) and len(got) > 20
    for node_id, node in got.items():
        assert node.kind == want[node_id].kind
        shown = {k: v for k, v in want[node_id].props.items() if k in names}
        assert typed({k: v for k, v in node.props.items() if k in names}) == typed(shown)
        if reads_summaries(store):
            assert node.props.keys() == shown.keys() and node.stamps == {}
    assert reads_summaries(store) == store.remote


def test_out_of_order_arrival_converges(store: Store, seed_batches, reference) -> None:
    forward = dump(reference(seed_batches))
    for batch in reversed(seed_batches):
        store.apply(batch)
    assert dump(store) == forward
    # interleaved, and everything again as one big batch: still the same graph
    assert store.apply([m for batch in seed_batches[::2] for m in batch]) == 0
    assert dump(store) == forward


def test_one_big_batch_equals_many_small(store: Store, seed_batches, reference) -> None:
    expected = dump(reference(seed_batches))
    assert store.apply([m for batch in seed_batches for m in batch]) > 0
    assert dump(store) == expected


def test_reopen_gives_same_answers(open_test_store: Callable[[], Store], seed_batches) -> None:
    first = open_test_store()
    for batch in seed_batches:
        first.apply(batch)
    before, counts = dump(first), first.counts()
    search = [n.id for n in first.search("orders", list(NodeKind), 50)]
    first.close()

    again = open_test_store()
    assert again.counts() == counts
    assert dump(again) == before
    assert [n.id for n in again.search("orders", list(NodeKind), 50)] == search
    assert [again.apply(batch) for batch in seed_batches] == [0] * len(seed_batches)


# -- awkward names, keys and values -------------------------------------------------------------


def test_awkward_names_survive_verbatim(store: Store, reference) -> None:
    batch = nasty_batch()
    ref = reference([batch])
    assert store.apply(batch) == len(batch)
    ids = [m.id for m in batch if isinstance(m, UpsertNode)]
    got = store.nodes(ids)
    assert len(got) == len(ids)
    for i, name in enumerate(NASTY_NAMES):
        node = got[dataset_id("ns`'\"{}", name)]
        assert node.props == {"namespace": "ns`'\"{}", "name": name, "i": i}
        assert type(node.props["i"]) is int
    assert_same_answers(store, ref, ids)
    assert dump(store) == dump(ref)

    for name in NASTY_NAMES:
        for needle in (name, name.upper(), name[:3], name[1:-1]):
            for kinds in ([NodeKind.DATASET], [NodeKind.DATASET, NodeKind.JOB]):
                assert [n.id for n in store.search(needle, kinds, 10)] == [
                    n.id for n in ref.search(needle, kinds, 10)
                ], (needle, kinds)
        if name:
            hits = store.search(name, [NodeKind.DATASET], 1)
            assert hits and hits[0].props["name"].lower() == name.lower()


def test_property_types_round_trip(open_test_store: Callable[[], Store], reference) -> None:
    store = open_test_store()
    nid = dataset_id("types", "weird")
    other = dataset_id("types", "other")
    batch: list[Mutation] = [
        UpsertNode(nid, NodeKind.DATASET, T1, WEIRD_PROPS, {"firstSeenAt": T1}),
        UpsertEdge(nid, EdgeKind.ALIAS_OF, other, T1, WEIRD_PROPS),
        # a name that is not a string still searches and sorts like the shared rule says
        UpsertNode(other, NodeKind.DATASET, T1, {"name": 12345}),
        UpsertNode(dataset_id("types", "listname"), NodeKind.DATASET, T1, {"name": ["we", "ird"]}),
    ]
    ref = reference([batch])
    assert store.apply(batch) == 4
    check_weird_types(store, ref, nid, other)
    store.close()  # and after a restart (the embedded store holds its data dir while open)
    check_weird_types(open_test_store(), ref, nid, other)


def check_weird_types(s: Store, ref: Store, nid: str, other: str) -> None:
    node = s.nodes([nid])[nid]
    assert typed(node.props) == typed({**WEIRD_PROPS, "firstSeenAt": T1})
    assert node.stamps == dict.fromkeys([*WEIRD_PROPS, "firstSeenAt"], T1)
    (edge,) = s.edges([nid], [EdgeKind.ALIAS_OF], "out")
    assert typed(edge.props) == typed(WEIRD_PROPS)
    assert s.nodes([other])[other].props == {"name": 12345}
    assert dump(s) == dump(ref)
    for needle in ("", "weird", "we", "123", "'", "ird"):
        assert [n.id for n in s.search(needle, [NodeKind.DATASET], 10)] == [
            n.id for n in ref.search(needle, [NodeKind.DATASET], 10)
        ], needle


def test_merge_rule_and_removal(store: Store, reference) -> None:
    nid = dataset_id("m", "t")
    batches: list[list[Mutation]] = [
        [
            UpsertNode(
                nid,
                NodeKind.DATASET,
                T2,
                {"name": "t", "description": "second", "tags": ["x"]},
                {"firstSeenAt": T2},
            )
        ],
        [
            UpsertNode(
                nid,
                NodeKind.DATASET,
                T1,
                {"description": "first", "owner": "o"},
                {"firstSeenAt": T1},
            )
        ],
        [UpsertNode(nid, NodeKind.DATASET, T3, {"tags": None, "schema": {"fields": [1]}})],
        # placeholder ends: an edge that mentions nodes nobody described
        [UpsertEdge(job_id("m", "j"), EdgeKind.OWNED_BY, owner_id("ana"), T1, {"type": "TECH"})],
        [UpsertEdge(job_id("m", "j"), EdgeKind.OWNED_BY, owner_id("ana"), T2, {"type": None})],
    ]
    ref = reference([])
    for batch in batches:
        assert store.apply(batch) == ref.apply(batch)
    assert dump(store) == dump(ref)
    node = store.nodes([nid])[nid]
    assert node.props == {
        "name": "t",
        "description": "second",
        "owner": "o",
        "firstSeenAt": T1,
        "schema": {"fields": [1]},
    }
    assert node.stamps["tags"] == T3
    assert store.nodes([owner_id("ana")])[owner_id("ana")].kind == NodeKind.OWNER
    (edge,) = store.edges([owner_id("ana")], [EdgeKind.OWNED_BY], "in")
    assert edge.props == {} and edge.stamps == {"type": T2}
    assert store.counts() == ref.counts() == {"Dataset": 1, "Job": 1, "Owner": 1, "OWNED_BY": 1}


def test_failed_batch_leaves_nothing(store: Store) -> None:
    good = UpsertNode(dataset_id("f", "kept"), NodeKind.DATASET, T1, {"name": "kept"})
    store.apply([good])
    bad_end: list[Mutation] = [
        UpsertNode(dataset_id("f", "a"), NodeKind.DATASET, T2, {"name": "a"}),
        UpsertNode(dataset_id("f", "kept"), NodeKind.DATASET, T2, {"name": "changed"}),
        UpsertEdge(dataset_id("f", "a"), EdgeKind.ALIAS_OF, "nonsense-without-prefix", T2),
    ]
    with pytest.raises(ValueError):
        store.apply(bad_end)
    unencodable = [
        UpsertNode(dataset_id("f", "b"), NodeKind.DATASET, T2, {"name": "b"}),
        UpsertNode(
            dataset_id("f", "kept"), NodeKind.DATASET, T2, {"name": "changed", "huge": 2**70}
        ),
    ]
    with pytest.raises(TypeError):
        store.apply(unencodable)
    assert set(store.nodes([dataset_id("f", x) for x in ("a", "b", "kept")])) == {
        dataset_id("f", "kept")
    }
    assert store.nodes([dataset_id("f", "kept")])[dataset_id("f", "kept")].props == {"name": "kept"}
    assert store.counts() == {"Dataset": 1}


def test_reads_of_nothing(store: Store) -> None:
    assert store.counts() == {}
    assert store.nodes([]) == {} and store.nodes(["dataset:x:y"]) == {}
    assert store.edges([], ALL_EDGE_KINDS, "out") == []
    assert store.edges(["dataset:x:y"], [], "in") == []
    assert store.search("x", list(NodeKind), 10) == []
    assert store.search("x", [], 10) == []
    assert store.nodes_of_kind(NodeKind.JOB, 10) == []
    assert store.first_of_kind(FirstsRequest(NodeKind.JOB, [])) == {}
    assert store.first_of_kind(FirstsRequest(NodeKind.JOB, ["job:"])) == {}
    store.ping()


def test_first_of_kind_answers_each_prefix_at_once(store: Store, reference) -> None:
    """A dataset's newest schema version for many datasets in one read: per prefix, the first node
    of the kind by id that starts with it, as ``nodes_of_kind`` from that prefix finds it."""
    from graph.change.schema_history import version_node_id, versions_prefix

    def version(dataset: str, at: str, n: int) -> UpsertNode:
        node_id = version_node_id(dataset, at, f"v{n}", at)
        return UpsertNode(node_id, NodeKind.DATASET_VERSION, at, {"datasetId": dataset, "n": n})

    a, colon, ab = dataset_id("s", "a"), dataset_id("s", "a:b"), dataset_id("s", "ab")
    batch: list[Mutation] = [
        version(a, T1, 1),
        version(a, T2, 2),  # newer: first in id order
        version(colon, T3, 3),  # its escaped id must not answer for ``a``'s prefix
        version(ab, T1, 4),
        UpsertNode(dataset_id("s", "a"), NodeKind.DATASET, T1, {"name": "a"}),
    ]
    ref = reference([batch])
    store.apply(batch)
    none = dataset_id("s", "aa")  # no version: the next id in order (``ab``'s) is not its
    prefixes = [versions_prefix(d) for d in (a, colon, ab, none)]
    found = store.first_of_kind(FirstsRequest(NodeKind.DATASET_VERSION, prefixes))
    assert {p: n.props["n"] for p, n in found.items()} == {
        prefixes[0]: 2,
        prefixes[1]: 3,
        prefixes[2]: 4,
    }
    assert {p: node_form(n) for p, n in found.items()} == {
        p: node_form(n)
        for p, n in ref.first_of_kind(FirstsRequest(NodeKind.DATASET_VERSION, prefixes)).items()
    }
    assert store.first_of_kind(FirstsRequest(NodeKind.DATASET, prefixes)) == {}
    # Asked for some keys: only those properties, on both stores.
    for answering in (store, ref):
        asked = FirstsRequest(NodeKind.DATASET_VERSION, prefixes, ["n", "absent"])
        read = answering.first_of_kind(asked)
        assert {p: n.props for p, n in read.items()} == {
            prefixes[0]: {"n": 2},
            prefixes[1]: {"n": 3},
            prefixes[2]: {"n": 4},
        }
    # Whether each first node holds a value: only its own, the newest's (None: no such node).
    for answering in (store, ref):
        held = answering.first_holding(NodeKind.DATASET_VERSION, prefixes, "n", [2, 1, 4, 4])
        assert held == [True, False, True, None]
        elsewhere = answering.first_holding(NodeKind.DATASET_VERSION, prefixes, "x", [2] * 4)
        assert elsewhere == [False, False, False, None]


def test_first_holding_observed_compares_a_batch_s_schemas_with_the_newest_versions(
    store: Store, reference
) -> None:
    """Whether each dataset's newest version states the fields a batch observes for it: the
    embedded store compares them where they lie in the batch, another store the rows made of
    them; both answer alike (None: no version)."""
    from graph import _native
    from graph.change.schema_history import version_node_id, versions_prefix

    a, colon, ab = dataset_id("o", "a"), dataset_id("o", "a:b"), dataset_id("o", "ab")
    none = dataset_id("o", "aa")

    def version(dataset: str, fields: list[dict[str, str]]) -> UpsertNode:
        node_id = version_node_id(dataset, T1, "v1", T1)
        return UpsertNode(node_id, NodeKind.DATASET_VERSION, T1, {"fields": fields})

    versions: list[Mutation] = [
        version(a, [{"name": "id", "type": "INT"}]),
        version(colon, [{"name": "id", "type": "STRING"}]),  # observed INT: changed
        version(ab, [{"name": "x"}]),
    ]
    ref = reference([versions])
    store.apply(versions)
    observed: list[Mutation] = []
    for d in (a, colon, ab, none):
        columns = ["x"] if d == ab else ["id"]
        observed.append(UpsertNode(d, NodeKind.DATASET, T2, {"columns": columns, "name": d}))
        if d != ab:  # (a column listed but never stated: its name alone)
            props = {"datasetId": d, "name": "id", "type": "INT"}
            observed.append(UpsertNode(f"{d}:id", NodeKind.COLUMN, T2, props))
    reading = _native.observed_schemas(encode(observed))
    assert reading is not None and reading.size == 4
    prefixes = [versions_prefix(row[0]) for row in reading.rows()]
    for answering in (store, ref):
        held = answering.first_holding_observed(
            NodeKind.DATASET_VERSION, prefixes, "fields", ObservedFields(reading, [0, 1, 2, 3])
        )
        assert held == [True, False, True, None]


def test_edges_duplicated_ids_and_self_loops(store: Store, reference) -> None:
    a, b = dataset_id("e", "a"), dataset_id("e", "b")
    batch: list[Mutation] = [
        UpsertEdge(a, EdgeKind.ALIAS_OF, a, T1),
        UpsertEdge(a, EdgeKind.ALIAS_OF, b, T1),
        UpsertEdge(b, EdgeKind.ALIAS_OF, a, T1),
        UpsertEdge(a, EdgeKind.DERIVES_FROM, b, T1),
    ]
    ref = reference([batch])
    assert store.apply(batch) == 6
    for ids in ([a], [a, a], [a, b], [b]):
        for direction in ("out", "in"):
            for kinds in (ALL_EDGE_KINDS, [EdgeKind.ALIAS_OF]):
                assert sorted(map(edge_form, store.edges(ids, kinds, direction))) == sorted(
                    map(edge_form, ref.edges(ids, kinds, direction))
                )


def test_concurrent_writers_lose_no_update(open_test_store: Callable[[], Store]) -> None:
    """Writers racing on the same nodes: every property and edge they wrote is there afterwards.

    On Neo4j the two halves of the writers use two store objects (two drivers, two in-process
    locks), as two lineagemesh processes would, so only Neo4j's own locks keep them apart.
    """
    first = open_test_store()
    second = first if isinstance(first, EmbeddedStore) else open_test_store()
    hub_a, hub_b = dataset_id("c", "hub-a"), dataset_id("c", "hub-b")
    writers, rounds = 4, 15
    errors: list[BaseException] = []

    def write(w: int) -> None:
        store = (first, second)[w % 2]
        try:
            for i in range(rounds):
                at = f"2024-01-01T00:00:{i:02d}.{w:06d}Z"
                ends = (hub_a, hub_b) if w % 2 else (hub_b, hub_a)  # opposite orders
                batch: list[Mutation] = [
                    UpsertNode(ends[0], NodeKind.DATASET, at, {f"w{w}r{i}": i}),
                    UpsertNode(ends[1], NodeKind.DATASET, at, {f"w{w}r{i}": -i}),
                    UpsertEdge(
                        job_id("c", f"job{w}"), EdgeKind.WRITES, ends[0], at, {"lastRound": i}
                    ),
                    UpsertEdge(
                        job_id("c", f"job{w}"), EdgeKind.READS, dataset_id("c", f"in{w}-{i}"), at
                    ),
                ]
                store.apply(batch)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    for store in {id(first): first, id(second): second}.values():
        hubs = store.nodes([hub_a, hub_b])
        expected = {f"w{w}r{i}" for w in range(writers) for i in range(rounds)}
        assert set(hubs[hub_a].props) == expected == set(hubs[hub_b].props)
        assert set(hubs[hub_a].stamps) == expected
        writes = store.edges(
            [job_id("c", f"job{w}") for w in range(writers)], [EdgeKind.WRITES], "out"
        )
        assert sorted((e.source, e.target, e.props["lastRound"]) for e in writes) == sorted(
            (job_id("c", f"job{w}"), hub_a if w % 2 else hub_b, rounds - 1) for w in range(writers)
        )
        counts = store.counts()
        assert counts["READS"] == writers * rounds
        assert counts["Dataset"] == 2 + writers * rounds and counts["Job"] == writers
