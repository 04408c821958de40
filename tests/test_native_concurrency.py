"""The native graph's concurrency (native/core/locking.h, native/bindings/pylock.h): a long walk
lets the GIL go, so other Python threads run while it walks; readers and a writer share one
graph without tearing it (every walk sees the graph as some commit left it).

The GIL test is decided by the interpreter's own rule, not by time: with a switch interval far
longer than the test, a thread holding the GIL keeps it until it lets it go itself, so a second
thread can only run while the first is inside a native call that released it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from graph.core.model import EdgeKind, NodeKind, dataset_id, job_id
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode, stamp
from graph.read.view import GraphView
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.requests import WalkPlan

pytestmark = pytest.mark.serial  # scripts/test runs it alone: see the marker in pyproject.toml

AT = stamp(datetime(2026, 1, 5, tzinfo=UTC))
DATASETS = 20_000  # a walk of all of them takes a good fraction of a second here
TRIES = 8  # ran_inside's tries at most


def tree(first: int, last: int) -> Iterator[Mutation]:
    """Datasets ``t{first}``..``t{last - 1}``, each written by a job reading its parent ``t{(i-1)//2}``:
    a binary tree below ``t0``, so a walk from ``t0`` reaches every dataset and job."""
    for i in range(first, last):
        yield UpsertNode(dataset_id("ns", f"t{i}"), NodeKind.DATASET, AT, {"name": f"t{i}"})
        if i == 0:
            continue
        job = job_id("ns", f"j{i}")
        yield UpsertNode(job, NodeKind.JOB, AT, {"name": f"j{i}"})
        yield UpsertEdge(job, EdgeKind.READS, dataset_id("ns", f"t{(i - 1) // 2}"), AT)
        yield UpsertEdge(job, EdgeKind.WRITES, dataset_id("ns", f"t{i}"), AT)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(Path(tmp_path_factory.mktemp("concurrency")))
    store.apply(list(tree(0, DATASETS)))
    yield store
    store.close(snapshot=False)


def ran_inside(call: Callable[[], object], tries: int = TRIES) -> bool:
    """Whether another Python thread ran while ``call()`` ran (see the module's docstring).

    A native call that keeps the GIL fails every try, whatever the timing. One that lets it go
    passes a try when the other thread is scheduled before the call ends: a few milliseconds on
    a loaded host may not be enough (a 20k-element commit takes ~4 ms), so a call is tried again,
    ``tries`` times at most. ``call`` must be repeatable."""
    return any(_ran_inside_once(call) for _ in range(tries))


def _ran_inside_once(call: Callable[[], object]) -> bool:
    state = ["before"]
    seen: list[str] = []
    go = threading.Event()

    def other() -> None:
        go.wait()  # lets the GIL go; taking it back needs the caller to let it go
        seen.append(state[0])

    thread = threading.Thread(target=other)
    interval = sys.getswitchinterval()
    thread.start()
    sys.setswitchinterval(1000.0)
    try:
        go.set()
        state[0] = "inside"
        call()
        state[0] = "after"
    finally:
        sys.setswitchinterval(interval)
        thread.join()
    return seen == ["inside"]


def test_a_long_impact_lets_other_threads_run(store: EmbeddedStore) -> None:
    view = GraphView(store)
    answers: list[object] = []
    assert ran_inside(
        lambda: answers.append(
            view.native.impact_report(dataset_id("ns", "t0"), WalkPlan(None), False, 10**7, 600.0)
        )
    )
    assert answers[0].size == 2 * DATASETS - 2  # type: ignore[attr-defined]  # every job and dataset below t0


def test_a_long_lineage_walk_lets_other_threads_run(store: EmbeddedStore) -> None:
    view = GraphView(store)
    answers: list[object] = []
    assert ran_inside(
        lambda: answers.append(
            view.native.dataset_lineage(
                dataset_id("ns", "t0"), WalkPlan(100, downstream=True), 10**7, 600.0
            )
        )
    )
    assert answers[0].sizes[0] == 2 * DATASETS - 1  # type: ignore[attr-defined]


def test_a_large_commit_lets_other_threads_run(tmp_path: Path) -> None:
    """Only the commit runs inside: each try's graph and plan are made before it."""
    from graph.core.mutations import encode

    payload = encode(list(tree(0, DATASETS)))
    stores = [EmbeddedStore(tmp_path / str(k)) for k in range(TRIES)]
    try:
        planned = iter(
            [(graph, graph.plan(payload)) for graph in (s.native_graph() for s in stores)]
        )
        committed = []

        def commit_the_next() -> None:
            graph, plan = next(planned)
            graph.commit(plan)
            committed.append(graph)

        assert ran_inside(commit_the_next)
        assert all(graph.elements() == 4 * DATASETS - 3 for graph in committed)  # 2 edges a job
    finally:
        for store in stores:
            store.close(snapshot=False)


def test_walks_in_threads_see_whole_commits_while_a_writer_grows_the_graph(
    tmp_path: Path,
) -> None:
    """Two readers walk while a writer commits 40 batches of 250 datasets: each walk answers the
    graph as one commit left it (a whole number of batches), never less than the walk before."""
    store = EmbeddedStore(tmp_path)
    batch, batches = 250, 40
    store.apply(list(tree(0, batch)))
    done = threading.Event()
    failures: list[BaseException] = []
    sizes: dict[int, list[int]] = {0: [], 1: []}

    def read(reader: int) -> None:
        try:
            while not done.is_set():
                answer = GraphView(store).native.dataset_lineage(
                    dataset_id("ns", "t0"), WalkPlan(100, downstream=True), 10**7, 600.0
                )
                sizes[reader].append(answer.sizes[0])
        except BaseException as e:  # noqa: BLE001  -- any failure in the thread fails the test
            failures.append(e)

    readers = [threading.Thread(target=read, args=(r,)) for r in sizes]
    for thread in readers:
        thread.start()
    try:
        for k in range(1, batches):
            store.apply(list(tree(k * batch, (k + 1) * batch)))
    finally:
        done.set()
        for thread in readers:
            thread.join()
        store.close(snapshot=False)
    assert not failures
    for seen in sizes.values():
        assert seen == sorted(seen)
        assert all((size + 1) % (2 * batch) == 0 for size in seen), seen  # whole commits only


def test_rendering_a_large_answer_lets_other_threads_run(store: EmbeddedStore) -> None:
    """The JSON of an answer's list (what GraphQL splices into a response) is written with the GIL
    let go: 40k nodes, 40 fields each (the same id under 40 keys: long enough to be seen)."""
    view = GraphView(store)
    walk = view.native.dataset_lineage(
        dataset_id("ns", "t0"), WalkPlan(100, downstream=True), 10**7, 600.0
    )
    names = {kind: kind.name for kind in NodeKind}
    specs: list[tuple[str, str, str, object, bool]] = [("kind", "kind", "enum", names, False)]
    specs += [(f"id{k}", "id", "string", None, False) for k in range(40)]
    rendered: list[bytes | None] = []
    assert ran_inside(lambda: rendered.append(walk.render_nodes(specs)))
    assert rendered[0] is not None
    nodes = orjson.loads(rendered[0])
    assert [node["id39"] for node in nodes] == walk.node_column("id")
    assert [node["kind"] for node in nodes] == [kind.name for kind in walk.node_column("kind")]


def test_an_enum_value_without_a_name_is_not_rendered(store: EmbeddedStore) -> None:
    """Enum names are looked up before the GIL is let go; a kind the names lack still means
    "cannot render" (None: GraphQL completes that list itself), not a wrong answer."""
    walk = GraphView(store).native.dataset_lineage(
        dataset_id("ns", "t0"), WalkPlan(2, downstream=True), 10**7, 600.0
    )
    only_datasets = {NodeKind.DATASET: "DATASET"}
    assert walk.render_nodes([("kind", "kind", "enum", only_datasets, False)]) is None
    assert walk.render_nodes([("id", "id", "string", None, False)]) is not None
