"""The native dataset lineage equals the networkx reference (tests/reference_lineage.py) on
generated small graphs of datasets and jobs: every node and every edge, up, down and both ways,
at every depth; and the native impact of a changed dataset equals the reference's (each affected
node's distance and severity). A shrunk counterexample names the graph, the start and the depth."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import pytest
import reference_lineage as reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.core.model import EdgeKind, NodeKind, dataset_id, job_id
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode, stamp
from graph.read.impact import ChangeKind, impact
from graph.read.lineage import Direction, dataset_lineage
from graph.stores.embedded.store import EmbeddedStore

AT = stamp(datetime(2026, 1, 5, tzinfo=UTC))
_graphs = itertools.count()  # each example in its own namespace of one store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(Path(tmp_path_factory.mktemp("reference")))
    yield store
    store.close(snapshot=False)


@st.composite
def meshes(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]], list[tuple[int, int]]]:
    """(datasets, reads, writes): jobs 0..5 reading and writing datasets 0..datasets-1."""
    datasets = draw(st.integers(1, 8))
    pairs = st.tuples(st.integers(0, 5), st.integers(0, datasets - 1))
    reads = draw(st.lists(pairs, max_size=12, unique=True))
    writes = draw(st.lists(pairs, max_size=12, unique=True))
    return datasets, reads, writes


def _stored(
    store: EmbeddedStore, mesh: tuple[int, list[tuple[int, int]], list[tuple[int, int]]], start: int
) -> tuple[str, nx.DiGraph]:
    """The mesh written to the store in a namespace of its own, the start's id, and the reference graph."""
    datasets, reads, writes = mesh
    namespace = f"g{next(_graphs)}"

    def dataset(i: int) -> str:
        return dataset_id(namespace, f"d{i}")

    def job(i: int) -> str:
        return job_id(namespace, f"j{i}")

    mutations: list[Mutation] = [
        UpsertNode(dataset(i), NodeKind.DATASET, AT, {"name": f"d{i}"}) for i in range(datasets)
    ]
    mutations += [
        UpsertNode(job(j), NodeKind.JOB, AT, {"name": f"j{j}"})
        for j in sorted({j for j, _ in reads + writes})
    ]
    mutations += [UpsertEdge(job(j), EdgeKind.READS, dataset(d), AT) for j, d in reads]
    mutations += [UpsertEdge(job(j), EdgeKind.WRITES, dataset(d), AT) for j, d in writes]
    store.apply(mutations)

    first = dataset(start % datasets)
    graph = reference.mesh(
        [(job(j), dataset(d)) for j, d in reads], [(job(j), dataset(d)) for j, d in writes]
    )
    graph.add_node(first)
    return first, graph


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    mesh=meshes(),
    start=st.integers(0, 7),
    depth=st.integers(0, 5),
    direction=st.sampled_from(list(Direction)),
)
def test_native_dataset_lineage_equals_the_reference(
    store: EmbeddedStore,
    mesh: tuple[int, list[tuple[int, int]], list[tuple[int, int]]],
    start: int,
    depth: int,
    direction: Direction,
) -> None:
    first, graph = _stored(store, mesh, start)
    up = direction in (Direction.UPSTREAM, Direction.BOTH)
    down = direction in (Direction.DOWNSTREAM, Direction.BOTH)
    nodes, edges = reference.dataset_lineage(graph, first, up, down, depth)

    answer = dataset_lineage(store, first, direction, depth)
    assert {n.id for n in answer.nodes} == nodes
    assert {(e.source, e.target, e.kind) for e in answer.edges} == edges


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    mesh=meshes(),
    start=st.integers(0, 7),
    depth=st.one_of(st.none(), st.integers(0, 5)),
    semantic=st.booleans(),
)
def test_native_dataset_impact_equals_the_reference(
    store: EmbeddedStore,
    mesh: tuple[int, list[tuple[int, int]], list[tuple[int, int]]],
    start: int,
    depth: int | None,
    semantic: bool,
) -> None:
    first, graph = _stored(store, mesh, start)
    expected = reference.dataset_impact(graph, first, depth, semantic)
    report = impact(store, first, ChangeKind.SEMANTIC if semantic else ChangeKind.DROP, depth)
    assert {a.node.id: (a.distance, a.severity.value) for a in report.affected} == expected
    assert all(a.certain for a in report.affected)
