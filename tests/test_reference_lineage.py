"""The native walks equal the networkx reference (tests/reference_lineage.py) on generated small
graphs, each node and edge first seen on one of three days, read now or ``as_of`` a moment of one of
them: dataset lineage (every node and edge, up, down and both ways, at every depth) and the impact
of a changed dataset; column lineage (derivations between columns, and dataset-wide ones) and the
impact of a changed column, DIRECT and INDIRECT hops setting each node's severity. A start not yet
seen then is not found. A shrunk counterexample names the graph, the start, the depth and the
moment."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import reference_lineage as reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.core.errors import NodeNotFound
from graph.core.model import EdgeKind, NodeKind
from graph.core.mutations import stamp
from graph.read.impact import ChangeKind, impact
from graph.read.lineage import Direction, LineageGraph, column_lineage, dataset_lineage
from graph.read.view import GraphView
from graph.read.walk_defaults import Budget
from graph.stores.embedded.store import EmbeddedStore
from ingest.builder import GraphBuilder

DAYS = [stamp(datetime(2026, 1, 5 + day, 6, tzinfo=UTC)) for day in range(3)]
#: None (now), or noon of one of the days: what was first seen on it and before.
MOMENTS = st.sampled_from(
    [None, *(stamp(datetime(2026, 1, 5 + d, 12, tzinfo=UTC)) for d in range(3))]
)
FIELDS = ("a", "b", "c")
_graphs = itertools.count()  # each example in its own namespace of one store
EXAMPLES = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

Day = int
Write = tuple[
    str, tuple[Any, ...]
]  # one statement of an example: the builder's method and its arguments


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(Path(tmp_path_factory.mktemp("reference")))
    yield store
    store.close(snapshot=False)


def _write(store: EmbeddedStore, writes: list[tuple[Day, Write]]) -> None:
    """Each day's statements through a builder stamped that day, a day at a time, in order."""
    for day, stamped in enumerate(DAYS):
        builder = GraphBuilder(stamped)
        for when, (method, args) in writes:
            if when == day:
                getattr(builder, method)(*args)
        store.apply(builder.mutations)


def _seen(graph: nx.DiGraph, days: dict[Any, Day]) -> None:
    """Stamp each node and edge of the reference graph with the day the store first saw it."""
    for node in graph.nodes:  # (no day: no stamp, shown at every moment)
        graph.nodes[node]["seen"] = DAYS[days[node]] if node in days else ""
    for source, target in graph.edges:
        graph.edges[source, target]["seen"] = DAYS[days[source, target]]


def _view(store: EmbeddedStore, moment: str | None) -> GraphView:
    return GraphView(store, as_of=moment)


# -- datasets -------------------------------------------------------------------------------------

Mesh = tuple[list[Day], list[Day], list[tuple[int, int, Day]], list[tuple[int, int, Day]]]


@st.composite
def meshes(draw: st.DrawFn) -> Mesh:
    """(datasets' days, jobs' days, reads, writes): jobs 0..5 reading and writing datasets, each
    (job, dataset, day) seen on its day or, if later, when both its ends were."""
    datasets = draw(st.lists(st.integers(0, 2), min_size=1, max_size=8))
    jobs = draw(st.lists(st.integers(0, 2), min_size=6, max_size=6))
    edges = st.tuples(st.integers(0, 5), st.integers(0, len(datasets) - 1), st.integers(0, 2))
    reads = draw(st.lists(edges, max_size=12, unique_by=lambda e: e[:2]))
    writes = draw(st.lists(edges, max_size=12, unique_by=lambda e: e[:2]))
    return datasets, jobs, reads, writes


def _stored(store: EmbeddedStore, mesh: Mesh, start: int) -> tuple[str, nx.DiGraph]:
    """The mesh written to the store in a namespace of its own, the start's id, and the reference graph."""
    dataset_days, job_days, reads, writes = mesh
    namespace = f"g{next(_graphs)}"
    dataset = [f"dataset:{namespace}:d{i}" for i in range(len(dataset_days))]
    job = [f"job:{namespace}:j{j}" for j in range(len(job_days))]
    used = sorted({j for j, _, _ in reads + writes})
    days: dict[Any, Day] = {dataset[i]: day for i, day in enumerate(dataset_days)}
    days |= {job[j]: job_days[j] for j in used}
    writes_: list[tuple[Day, Write]] = [
        (day, ("dataset", (namespace, f"d{i}", {}))) for i, day in enumerate(dataset_days)
    ]
    writes_ += [(job_days[j], ("job", (namespace, f"j{j}", {}))) for j in used]
    for kind, edges in ((EdgeKind.READS, reads), (EdgeKind.WRITES, writes)):
        for j, d, day in edges:
            seen = max(day, job_days[j], dataset_days[d])
            ends = (dataset[d], job[j]) if kind is EdgeKind.READS else (job[j], dataset[d])
            days[ends] = seen
            writes_.append((seen, ("edge", (job[j], kind, dataset[d]))))
    _write(store, writes_)

    first = dataset[start % len(dataset_days)]
    graph = reference.mesh(
        [(job[j], dataset[d]) for j, d, _ in reads], [(job[j], dataset[d]) for j, d, _ in writes]
    )
    graph.add_node(first)
    _seen(graph, days)
    return first, graph


# -- columns --------------------------------------------------------------------------------------

#: (output, input column, direct, job, day): the output a column index, or ("d", dataset index).
Derivation = tuple[int | tuple[str, int], int, bool, int | None, Day]
Columns = tuple[list[Day], list[Day], list[Derivation]]

TRANSFORMATIONS = {
    True: [{"type": "DIRECT", "subtype": "IDENTITY"}],
    False: [{"type": "INDIRECT", "subtype": "FILTER"}],
}


@st.composite
def column_meshes(draw: st.DrawFn) -> Columns:
    """(datasets' days, jobs' days, derivations): datasets of columns a, b, c, the derivations
    among them seen on their day or, if later, when their ends' datasets were; a job named by one
    may be seen later than it."""
    datasets = draw(st.lists(st.integers(0, 2), min_size=1, max_size=3))
    jobs = draw(st.lists(st.integers(0, 2), min_size=3, max_size=3))
    column = st.integers(0, 3 * len(datasets) - 1)
    output = st.one_of(column, st.tuples(st.just("d"), st.integers(0, len(datasets) - 1)))
    derivation = st.tuples(
        output, column, st.booleans(), st.one_of(st.none(), st.integers(0, 2)), st.integers(0, 2)
    )
    derivations = draw(st.lists(derivation, max_size=14, unique_by=lambda d: (d[0], d[1])))
    return datasets, jobs, derivations


def _stored_columns(store: EmbeddedStore, mesh: Columns, start: int) -> tuple[str, nx.DiGraph]:
    """The columns written to the store in a namespace of their own, the start's id and the
    reference graph. A column is written with its dataset; a column node records no first-seen
    stamp, so a view ``as_of`` any moment shows it (its derivations are stamped)."""
    dataset_days, job_days, derivations = mesh
    namespace = f"g{next(_graphs)}"
    dataset = [f"dataset:{namespace}:d{i}" for i in range(len(dataset_days))]
    count = 3 * len(dataset_days)
    column = [f"datasetField:{namespace}:d{c // 3}:{FIELDS[c % 3]}" for c in range(count)]
    job = [f"job:{namespace}:j{j}" for j in range(len(job_days))]

    days: dict[Any, Day] = {dataset[i]: day for i, day in enumerate(dataset_days)}
    days |= {job[j]: day for j, day in enumerate(job_days)}
    writes: list[tuple[Day, Write]] = []
    for i, day in enumerate(dataset_days):  # a dataset with its columns
        writes.append((day, ("dataset", (namespace, f"d{i}", {"columns": list(FIELDS)}))))
        writes += [(day, ("column", (namespace, f"d{i}", f, {"declared": True}))) for f in FIELDS]
    writes += [(day, ("job", (namespace, f"j{j}", {}))) for j, day in enumerate(job_days)]
    named: list[tuple[str, str, bool, str | None]] = []
    for out, into, direct, by, day in derivations:
        output = column[out] if isinstance(out, int) else dataset[out[1]]
        ends = (out // 3 if isinstance(out, int) else out[1], into // 3)
        props: dict[str, Any] = {"transformations": TRANSFORMATIONS[direct]}
        if by is not None:
            props["jobId"] = job[by]
        seen = max(day, *(dataset_days[d] for d in ends))
        days[column[into], output] = seen
        writes.append((seen, ("edge", (output, EdgeKind.DERIVES_FROM, column[into], props))))
        named.append((output, column[into], direct, None if by is None else job[by]))
    _write(store, writes)

    graph = reference.columns(named, {c: dataset[i // 3] for i, c in enumerate(column)}, job)
    _seen(graph, days)
    return column[start % count], graph


# -- the walks, on both kinds of graph ------------------------------------------------------------


@dataclass(frozen=True)
class Graphs:
    """A kind of generated graph the walks are held to the reference on: its examples, how one is
    stored (the start's id and the reference graph), the largest start index and depth drawn, and
    the native lineage walk with the reference's lineage and impact."""

    meshes: st.SearchStrategy[Any]
    stored: Callable[[EmbeddedStore, Any, int], tuple[str, nx.DiGraph]]
    starts: int
    depths: int
    walk: Callable[[GraphView, str, Direction, Budget], LineageGraph]
    lineage: Callable[[nx.DiGraph, str, bool, bool, int], tuple[set[str], set[Any]]]
    impact: Callable[[nx.DiGraph, str, int | None, bool], dict[str, tuple[int, str]]]

    def example(self, store: EmbeddedStore, data: st.DataObject) -> tuple[str, nx.DiGraph]:
        """A drawn mesh stored, from a drawn start."""
        mesh = data.draw(self.meshes, label="mesh")
        return self.stored(store, mesh, data.draw(st.integers(0, self.starts), label="start"))


DATASETS = Graphs(
    meshes(), _stored, 7, 5, dataset_lineage, reference.dataset_lineage, reference.dataset_impact
)
COLUMNS = Graphs(
    column_meshes(),
    _stored_columns,
    8,
    4,
    column_lineage,
    reference.column_lineage,
    reference.column_impact,
)
KINDS = pytest.mark.parametrize("graphs", [DATASETS, COLUMNS], ids=["datasets", "columns"])


@KINDS
@EXAMPLES
@given(data=st.data(), direction=st.sampled_from(list(Direction)), moment=MOMENTS)
def test_native_lineage_equals_the_reference(
    store: EmbeddedStore,
    graphs: Graphs,
    data: st.DataObject,
    direction: Direction,
    moment: str | None,
) -> None:
    """The native walk (dataset or column lineage) from the example's start, read now or as of
    ``moment``, gives the nodes and edges of the reference's walk (not found: not seen then)."""
    first, whole = graphs.example(store, data)
    depth = data.draw(st.integers(0, graphs.depths), label="depth")
    graph = reference.as_of(whole, moment)
    if first not in graph:
        with pytest.raises(NodeNotFound):
            graphs.walk(_view(store, moment), first, direction, Budget(depth=depth))
        return
    up = direction in (Direction.UPSTREAM, Direction.BOTH)
    down = direction in (Direction.DOWNSTREAM, Direction.BOTH)
    nodes, edges = graphs.lineage(graph, first, up, down, depth)

    answer = graphs.walk(_view(store, moment), first, direction, Budget(depth=depth))
    assert {n.id for n in answer.nodes} == nodes
    assert {(e.source, e.target, e.kind) for e in answer.edges} == edges


@KINDS
@EXAMPLES
@given(data=st.data(), semantic=st.booleans(), moment=MOMENTS)
def test_native_impact_equals_the_reference(
    store: EmbeddedStore,
    graphs: Graphs,
    data: st.DataObject,
    semantic: bool,
    moment: str | None,
) -> None:
    """The native impact of the example's start (a dataset or a column) changed, read now or as of
    ``moment``, gives the distances and severities of the reference's impact (not found: not seen
    then), each affected node certain, reached by a path from the start, a column, dataset or job."""
    first, whole = graphs.example(store, data)
    depth = data.draw(st.one_of(st.none(), st.integers(0, graphs.depths)), label="depth")
    graph = reference.as_of(whole, moment)
    change = ChangeKind.SEMANTIC if semantic else ChangeKind.DROP
    if first not in graph:
        with pytest.raises(NodeNotFound):
            impact(_view(store, moment), first, change, depth)
        return
    report = impact(_view(store, moment), first, change, depth)
    assert {a.node.id: (a.distance, a.severity.value) for a in report.affected} == graphs.impact(
        graph, first, depth, semantic
    )
    assert all(
        a.certain and a.path[0] == first and a.path[-1] == a.node.id for a in report.affected
    )
    assert {a.node.kind for a in report.affected} <= {
        NodeKind.COLUMN,
        NodeKind.DATASET,
        NodeKind.JOB,
    }


def test_a_column_made_more_severe_within_a_level_walks_on_with_its_earlier_reach_too(
    store: EmbeddedStore,
) -> None:
    """Columns a, b, c of one dataset: b and c derive from a (DIRECT, INDIRECT), c from b (DIRECT),
    a from c in job j0 (INDIRECT). A semantic change of a reaches c at 1 as INFO, then at 2 as
    WARNING (through b); j0 is reached from c's INFO reach at 2, not from its WARNING one at 3."""
    mesh: Columns = (
        [0],
        [0, 0, 0],
        [(1, 0, True, None, 0), (2, 0, False, None, 0), (2, 1, True, None, 0), (0, 2, False, 0, 0)],
    )
    first, graph = _stored_columns(store, mesh, 0)
    report = impact(_view(store, None), first, ChangeKind.SEMANTIC, None)
    found = {a.node.id: (a.distance, a.severity.value) for a in report.affected}
    assert found == reference.column_impact(graph, first, None, True)
    assert found[first.replace(":d0:a", "").replace("datasetField", "job") + ":j0"] == (2, "INFO")
