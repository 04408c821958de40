"""A node restated with equal values gets a record that takes over its old record's string
references instead of taking them again (``Records::freeze_borrowing``, ``hand_over``): the pool
must then hold exactly the strings the graph's records name, whatever mix of restatements,
changed values, dropped plans and snapshot captures holding old records came before. The graph
a snapshot of it loads (every reference counted from the records themselves) is the yardstick."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.core.model import EdgeKind, NodeKind
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode, encode
from graph.stores.embedded.store import EmbeddedStore

IDS = [f"dataset:ns:t{i}" for i in range(3)] + [
    f"datasetField:dataset:ns:t0:c{i}" for i in range(3)
]
VALUES = st.one_of(
    st.sampled_from(["INT", "STRING", "é", "2026-01-05T00:00:01.894000Z", "2026-01-05"]),
    st.integers(0, 2),
    st.none(),
    st.lists(st.sampled_from(["a", "b"]), max_size=2),
    st.dictionaries(st.sampled_from(["k"]), st.sampled_from(["v", "w"]), max_size=1),
)
PROPS = st.dictionaries(st.sampled_from(["type", "description", "tags", "deleted"]), VALUES)
# Stamps as graph.core.mutations.stamp renders them (packed in a record), and one it did not (held as
# a string of the pool, which a record then references).
LATEST = "latest"  # the step's own stamp, later than every one before: its values win
STAMPS = st.sampled_from(
    [
        "2026-01-01T00:00:00.000000Z",
        "2026-01-02T00:00:00.000000Z",
        "not a stamp",
        LATEST,
        LATEST,
    ]
)


@st.composite
def mutation(draw: Any) -> Mutation:
    at = draw(STAMPS)
    if draw(st.integers(0, 4)) == 0:
        return UpsertEdge(draw(st.sampled_from(IDS)), EdgeKind.DERIVES_FROM, IDS[0], at)
    node = draw(st.sampled_from(IDS))
    kind = NodeKind.DATASET if node.startswith("dataset:") else NodeKind.COLUMN
    first = {"firstSeenAt": at} if draw(st.booleans()) else {}
    return UpsertNode(node, kind, at, {**draw(PROPS), "lastSeenAt": at}, first)


STEP = st.tuples(
    st.lists(mutation(), min_size=1, max_size=6),
    st.sampled_from(["commit", "restate", "restate", "drop the plan", "capture"]),
)


def at_step(batch: list[Mutation], step: int) -> list[Mutation]:
    """``batch`` with the step's own stamp where it says :data:`LATEST`."""
    return [restated([m], step)[0] if m.at == LATEST else m for m in batch]


def restated(batch: list[Mutation], step: int) -> list[Mutation]:
    """``batch`` again at the step's stamp (a re-run): equal values, every stamp moved."""
    at = f"2026-02-{step + 1:02d}T00:00:00.000000Z"
    return [
        UpsertNode(m.id, m.kind, at, {**m.props, "lastSeenAt": at}, m.first)
        if isinstance(m, UpsertNode)
        else UpsertEdge(m.source, m.kind, m.target, at, m.props, m.first)
        for m in batch
    ]


def strings(store: EmbeddedStore) -> tuple[int, int]:
    """The strings the pool holds, and the references held to them."""
    stats = store.native_graph().stats()
    return int(stats["strings"]), int(stats["string_references"])


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(STEP, min_size=1, max_size=8))
def test_the_pool_holds_what_the_records_name_after_any_restatements(
    tmp_path_factory: Any, steps: list[tuple[list[Mutation], str]]
) -> None:
    data_dir: Path = tmp_path_factory.mktemp("store")
    captures = []
    with EmbeddedStore(data_dir) as store:
        graph = store.native_graph()
        last: list[Mutation] = []
        for step, (batch, how) in enumerate(steps):
            batch = restated(last, step) if how == "restate" and last else at_step(batch, step)
            again = [*batch, *batch]  # (each stated twice in one batch too)
            last = batch
            if how == "drop the plan":
                before = strings(store)
                plan = graph.plan(encode(again))
                del plan
                assert strings(store) == before
                continue
            if how == "capture":  # a snapshot's capture holds the records replaced next
                captures.append(graph.capture())
            store.apply(again)
        for capture in captures:
            capture.close()
        captures.clear()
        held = strings(store)
        nodes = store.nodes(IDS)
    with EmbeddedStore(data_dir) as reloaded:  # from the snapshot the close wrote
        assert reloaded.nodes(IDS) == nodes
        assert strings(reloaded) == held
