"""Marquez as the benchmark baseline (scripts/marquez_baseline, scripts/bench_marquez_pg.py).

A real PostgreSQL from Debian's package, Marquez's own migrations, a small mesh loaded as
Marquez's rows, and Marquez's ``LineageDao`` SQL: its answers must be exactly the jobs and datasets
Marquez's undirected walk reaches over the graph lineagemesh holds for the same events, or the
ratios the bench prints would compare different data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.core.model import Direction, dataset_id
from graph.read.lineage import dataset_lineage, neighbours
from graph.read.view import GraphView
from graph.read.walk_defaults import Budget
from graph.stores import Store, open_store
from ingest.openlineage import translate

psycopg = pytest.importorskip("psycopg", reason="psycopg (the test extra) is not installed")

from marquez_baseline.lineage_dao import MarquezLineage, bind  # noqa: E402
from marquez_baseline.loader import load, read_mesh  # noqa: E402
from marquez_baseline.postgres import PostgresServer, PostgresUnavailable, postgres_bin_dir  # noqa: E402
from marquez_baseline.schema import MIGRATIONS, apply_migrations, migration_files  # noqa: E402


def _postgres_missing() -> str | None:
    try:
        postgres_bin_dir()
    except PostgresUnavailable as e:
        return str(e)
    return None


needs_postgres = pytest.mark.skipif(
    _postgres_missing() is not None, reason=f"PostgreSQL server: {_postgres_missing()}"
)


def test_migrations_run_in_flyways_order() -> None:
    names = [p.name for p in migration_files()]
    assert names[0] == "V1__initial_schema.sql"
    assert names.index("V2__add_job_contexts.sql") < names.index(
        "V2.1__alter_job_versions_to_add_job_context_uuid.sql"
    )
    assert names.index("V9__alter_sources_to_drop_composite_unique_constraint.sql") < names.index(
        "V10__drop_unique_constraint_on_job_name.sql"
    )
    assert names.index("V57.1__add_migration_lock.sql") < names.index(
        "V57.2__BackfillFacets_on_an_empty_database.sql"
    )
    assert [n[:3] for n in names[-3:]] == ["R__"] * 3  # the views last
    assert len(names) == len(list(MIGRATIONS.glob("*.sql")))


def test_jdbi_bindings_become_psycopg_parameters() -> None:
    sql, values = bind(
        "SELECT Array[]::uuid[] WHERE a IN (<ids>) AND d < :depth AND n = :name",
        ids=["x", "y"],
        depth=3,
        name="n",
    )
    assert sql == (
        "SELECT Array[]::uuid[] WHERE a IN (%(ids_0)s, %(ids_1)s) AND d < %(depth)s AND n = %(name)s"
    )
    assert values == {"ids_0": "x", "ids_1": "y", "depth": 3, "name": "n"}


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    import generate_mesh

    return list(generate_mesh.generate(120, seed=5))


@pytest.fixture(scope="module")
def marquez(events: list[dict[str, Any]]) -> Iterator[MarquezLineage]:
    if reason := _postgres_missing():
        pytest.skip(f"PostgreSQL server: {reason}")
    with PostgresServer.start() as pg, psycopg.connect(pg.dsn, autocommit=True) as connection:
        applied = apply_migrations(connection)
        assert len(applied) == len(migration_files())
        counts = load(connection, read_mesh(events))
        assert counts["datasets"] == 120 and counts["jobs"] > 0
        yield MarquezLineage(connection)


@pytest.fixture(scope="module")
def mesh_store(
    events: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    store = open_store(data_dir=str(tmp_path_factory.mktemp("store")))
    for i in range(0, len(events), 100):
        store.apply([m for event in events[i : i + 100] for m in translate(event)])
    yield store
    store.close()


def _neighbours(store: Store, node: str, direction: Direction, kind: str) -> set[str]:
    """``node``'s direct neighbours of ``kind`` (``dataset:``/``job:``) one way, by lineagemesh."""
    graph = neighbours(GraphView(store), [node], direction)
    if direction is Direction.UPSTREAM:
        return {e.source for e in graph.edges if e.target == node and e.source.startswith(kind)}
    return {e.target for e in graph.edges if e.source == node and e.target.startswith(kind)}


def _marquez_walk(store: Store, start_job: str, depth: int) -> set[str]:
    """Marquez's ``getLineage`` over lineagemesh's graph: jobs within ``depth`` hops of
    ``start_job``, two jobs adjacent when they share a dataset either way; with the inputs and
    outputs of every job found."""

    def io(job: str) -> set[str]:
        return _neighbours(store, job, Direction.UPSTREAM, "dataset:") | _neighbours(
            store, job, Direction.DOWNSTREAM, "dataset:"
        )

    found, frontier = {start_job}, {start_job}
    for _ in range(depth):
        nxt = set()
        for job in frontier:
            for ds in io(job):
                jobs = _neighbours(store, ds, Direction.UPSTREAM, "job:") | _neighbours(
                    store, ds, Direction.DOWNSTREAM, "job:"
                )
                nxt |= jobs - found
        found |= nxt
        frontier = nxt
    return found | {ds for job in found for ds in io(job)}


@needs_postgres
def test_lineage_dao_walks_the_graph_lineagemesh_holds(
    marquez: MarquezLineage, mesh_store: Store, events: list[dict[str, Any]]
) -> None:
    datasets = sorted(
        {(ds["namespace"], ds["name"]) for e in events for ds in e.get("outputs") or []}
    )
    checked = 0
    for namespace, name in datasets[:: max(1, len(datasets) // 12)]:
        start = dataset_id(namespace, name)
        writers = _neighbours(mesh_store, start, Direction.UPSTREAM, "job:")
        if len(writers) != 1:
            continue  # Marquez picks among several writers by creation time: all equal here
        for depth in (1, 2, 5):
            theirs = marquez.lineage(namespace, name, depth).node_ids()
            assert theirs == _marquez_walk(mesh_store, next(iter(writers)), depth), (start, depth)
            ours = dataset_lineage(
                GraphView(mesh_store), start, Direction.BOTH, Budget(depth=depth)
            )
            # upstream and downstream both lie within Marquez's undirected walk at the same depth
            assert {n.id for n in ours.nodes} <= theirs, (start, depth)
            checked += 1
    assert checked >= 15


@needs_postgres
def test_a_dataset_nothing_writes_or_reads_is_answered_alone(
    marquez: MarquezLineage, events: list[dict[str, Any]]
) -> None:
    used = {
        (ds["namespace"], ds["name"])
        for e in events
        for side in ("inputs", "outputs")
        for ds in e.get(side) or []
    }
    declared = {
        (e["dataset"]["namespace"], e["dataset"]["name"])
        for e in events
        if "dataset" in e and "job" not in e
    }
    orphans = sorted(declared - used)
    if not orphans:
        pytest.skip("the mesh has no dataset outside every job")
    namespace, name = orphans[0]
    assert marquez.lineage(namespace, name, 20).node_ids() == {dataset_id(namespace, name)}


def test_postgres_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PG_BIN", str(tmp_path / "nowhere"))
    with pytest.raises(PostgresUnavailable, match="nowhere"):
        PostgresServer.start(timeout=5)
