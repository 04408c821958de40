"""The Neo4j write path made cheaper without changing what it writes: a column group's digest is
the text datasets' clocks already hold (made faster, never differently), and the read of a
batch's edges is one statement whatever kinds the batch holds (in the batch's first statement,
or apart when that statement cannot place them), each kind read as the embedded store (the
merge rule's reference) has it."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest
from store_graphs import T1, T2, T3, dump

from graph.core.model import ID_PREFIX, EdgeKind, NodeKind
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode
from graph.stores import column_clocks
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.neo4j import Neo4jStore
from graph.stores.neo4j.store import _BatchRead

AT = "2026-01-05T02:00:09.824000Z"
LATER = "2026-01-06T02:00:09.824000Z"
DATASET, COLUMN, UPSTREAM = "dataset:ns:t", "datasetField:ns:t:id", "datasetField:ns:u:id"


def group(at: str) -> list[Mutation]:
    """One event's mutations of a dataset's columns at ``at``: its time-valued property and its
    ``first`` stamps are ``at``; another property holding a stamp keeps it."""
    return [
        UpsertNode(
            COLUMN,
            NodeKind.COLUMN,
            at,
            {"name": "id", "type": "BIGINT", "parent": None, "lastSeenAt": at},
        ),
        UpsertEdge(
            DATASET, EdgeKind.HAS_COLUMN, COLUMN, at, {"lastSeenAt": at}, {"firstSeenAt": at}
        ),
        UpsertEdge(
            COLUMN,
            EdgeKind.DERIVES_FROM,
            UPSTREAM,
            at,
            MappingProxyType({"jobId": "job:ns:j", "seenAt": AT}),  # a Mapping, not a dict
            {"firstSeenAt": "2026-01-01T00:00:00.000000Z"},
        ),
    ]


def test_a_groups_digest_is_the_text_stored_clocks_hold() -> None:
    # The value integ6's implementation made for this group: clocks already stored name it, so a
    # faster digest that made another text would write every unchanged group again, once.
    rest, groups = column_clocks.split(group(AT))
    assert rest == []
    assert {key: g.digest for key, g in groups.items()} == {
        (DATASET, AT): "1415a17b332004afc01b489e"
    }
    # the same content seen later (its stamp moved, nothing else): the same digest
    (later,) = column_clocks.split(group(LATER))[1].values()
    assert later.digest == "1415a17b332004afc01b489e"
    # a value that moved is other content
    changed = [*group(LATER)[:2], group(LATER)[2]._replace(props={"jobId": "job:ns:k"})]
    (other,) = column_clocks.split(changed)[1].values()
    assert other.digest not in (None, "1415a17b332004afc01b489e")
    # content a digest cannot express is never deferred
    unwritable = [group(AT)[0]._replace(props={"x": object()}), *group(AT)[1:]]
    assert [g.digest for g in column_clocks.split(unwritable)[1].values()] == [None]


def lineage(at: str) -> list[Mutation]:
    """One event's job, its run, their lineage and owners at ``at``, with ``group(at)``'s columns."""
    job, run, owner, other = "job:ns:j", "run:r1", "owner:team:a", "dataset:ns:u"
    seen, first = {"lastSeenAt": at}, {"firstSeenAt": at}
    return [
        UpsertNode(job, NodeKind.JOB, at, {"name": "j", **seen}),
        UpsertEdge(job, EdgeKind.READS, other, at, seen, first),
        UpsertEdge(job, EdgeKind.WRITES, DATASET, at, seen, first),
        UpsertEdge(job, EdgeKind.OWNED_BY, owner, at, {**seen, "type": "team"}, first),
        UpsertEdge(DATASET, EdgeKind.OWNED_BY, owner, at, {**seen, "type": "team"}, first),
        UpsertEdge(other, EdgeKind.OWNED_BY, owner, at, {**seen, "type": "team"}, first),
        UpsertNode(run, NodeKind.RUN, at, {"jobId": job}),
        UpsertEdge(run, EdgeKind.OF, job, at, seen, first),
        UpsertEdge(run, EdgeKind.CONSUMED, other, at, seen, first),
        UpsertEdge(run, EdgeKind.PRODUCED, DATASET, at, {**seen, "facet:x": {"rows": 1}}, first),
        *group(at),
    ]


def test_lineage_and_owners_are_grouped_with_their_owner() -> None:
    restated = lineage(AT)
    rest, groups = column_clocks.split(restated)
    keys = [column_clocks.element_key(m) for m in restated]
    # the nodes, an owner edge of a dataset with no columns at that stamp and a run's outputs
    # (restated with their statistics when the run completes) stay apart
    assert [column_clocks.element_key(m) for m in rest] == [keys[0], keys[5], keys[6], keys[9]]
    assert (
        {key: [column_clocks.element_key(m) for m in g.mutations] for key, g in groups.items()}
        == {
            (keys[0], AT): keys[1:4],  # a job's
            (DATASET, AT): [keys[4], *keys[10:]],  # a dataset's
            (keys[6], AT): keys[7:9],  # a run's
        }
    )
    # seen again later, the same content: the same digests
    later = column_clocks.split(lineage(LATER))[1]
    assert [g.digest for g in later.values()] == [g.digest for g in groups.values()]


# -- every kind of edge through the one edge read ------------------------------------------------

# The kinds of node each kind of edge joins: (source, target).
ENDS = {
    EdgeKind.READS: (NodeKind.JOB, NodeKind.DATASET),
    EdgeKind.WRITES: (NodeKind.JOB, NodeKind.DATASET),
    EdgeKind.HAS_COLUMN: (NodeKind.DATASET, NodeKind.COLUMN),
    EdgeKind.DERIVES_FROM: (NodeKind.COLUMN, NodeKind.COLUMN),
    EdgeKind.OF: (NodeKind.RUN, NodeKind.JOB),
    EdgeKind.CHILD_OF: (NodeKind.RUN, NodeKind.RUN),
    EdgeKind.CONSUMED: (NodeKind.RUN, NodeKind.DATASET),
    EdgeKind.PRODUCED: (NodeKind.RUN, NodeKind.DATASET),
    EdgeKind.OWNED_BY: (NodeKind.DATASET, NodeKind.OWNER),
    EdgeKind.ALIAS_OF: (NodeKind.DATASET, NodeKind.DATASET),
    EdgeKind.BELONGS_TO: (NodeKind.DATASET, NodeKind.DATA_PRODUCT),
    EdgeKind.EXPOSES: (NodeKind.DATA_PRODUCT, NodeKind.DATASET),
    EdgeKind.HAS_CONTRACT: (NodeKind.DATASET, NodeKind.CONTRACT),
    EdgeKind.GOVERNS: (NodeKind.CONTRACT, NodeKind.DATASET),
    EdgeKind.CONSUMES: (NodeKind.CONSUMER, NodeKind.DATASET),
    EdgeKind.CHECKS: (NodeKind.ASSERTION, NodeKind.DATASET),
}


def node_of(kind: NodeKind, name: str) -> str:
    return f"{ID_PREFIX[kind]}:{name}"


def edges_batch(kinds: list[EdgeKind], at: str, props: dict[str, Any]) -> list[Mutation]:
    batch: list[Mutation] = []
    for kind in kinds:
        source_kind, target_kind = ENDS[kind]
        source = node_of(source_kind, f"{kind.value.lower()}-a")
        target = node_of(target_kind, f"{kind.value.lower()}-b")
        batch.append(UpsertNode(source, source_kind, at, {"name": source}))
        batch.append(UpsertNode(target, target_kind, at, {"name": target}))
        batch.append(UpsertEdge(source, kind, target, at, props, {"firstSeenAt": at}))
    return batch


@pytest.mark.neo4j
@pytest.mark.parametrize("in_order", [True, False], ids=["by-position", "read-apart"])
def test_batches_of_any_mix_of_edge_kinds_restate_each_kind_as_the_rule_does(
    neo4j_and_reference: tuple[Neo4jStore, EmbeddedStore],
    in_order: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, reference = neo4j_and_reference
    if not in_order:  # as if the first statement's nodes came back in another order
        read = _BatchRead.read

        def unordered(self: _BatchRead, nodes: Any) -> Any:
            return None, read(self, nodes)[1]

        monkeypatch.setattr(_BatchRead, "read", unordered)
    kinds = list(ENDS)
    assert set(kinds) == set(EdgeKind)  # every branch of the one edge read
    batches = [
        edges_batch(kinds, T1, {"weight": 1, "note": "made"}),  # every kind at once
        edges_batch(kinds[::2], T2, {"weight": 2}),  # one mix restated
        edges_batch(
            kinds[1::2], T2, {"weight": 3, "note": None}
        ),  # another (PRODUCED), one removed
        edges_batch(kinds[:1], T3, {"weight": 4}),  # one kind alone
        edges_batch(kinds, T1, {"weight": 9, "note": "older"}),  # older: changes nothing new
    ]
    for batch in batches:
        assert store.apply(batch) == reference.apply(batch)
    assert dump(store) == dump(reference)
    (edge,) = store.edges([node_of(NodeKind.RUN, "produced-a")], [EdgeKind.PRODUCED], "out")
    assert edge.props == {"weight": 3, "firstSeenAt": T1} and edge.stamps["note"] == T2


def test_the_driver_is_handed_parameters_it_does_not_print(
    neo4j_and_reference: tuple[Neo4jStore, EmbeddedStore], caplog: pytest.LogCaptureFixture
) -> None:
    # The driver formats each RUN's parameters for its debug line whether or not that line is
    # logged (graph.stores.neo4j.parameters): a batch's rows and a read's ids go over as values
    # that print as their size, and are written and read back as the values they are.
    store, reference = neo4j_and_reference
    kinds = list(ENDS)
    batch = edges_batch(kinds, T1, {"weight": 1, "note": "made"})
    ids = sorted({m.id for m in batch if isinstance(m, UpsertNode)})
    with caplog.at_level("DEBUG", logger="neo4j"):
        assert store.apply(batch) == reference.apply(batch)
        assert store.nodes(ids).keys() == set(ids)
        assert store.edges(ids, kinds, "out") != []
    runs = [r.getMessage() for r in caplog.records if " C: RUN " in r.getMessage()]
    assert len(runs) >= 3  # the write's statements and the reads'
    assert not [run for run in runs if any(node_id in run for node_id in ids)]
    assert any("<list of" in run for run in runs)
    assert dump(store) == dump(reference)
