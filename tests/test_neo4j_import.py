"""A graph loaded into Neo4j through ``neo4j-admin database import`` (``ingest openlineage
--neo4j-import``) is exactly the graph the MERGE path writes: the same labels, property maps,
currency marks and format node, the same reads and answers, and the event log that came with it
rebuilds the same graph. Real neo4j-admin, real servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from command_line import lineagemesh, lineagemesh_ok
from devservers import neo4j as neo4j_launcher
from store_graphs import WEIRD_PROPS, dump, nasty_batch, typed

from graph.cli.ingest import import_room
from graph.core.model import EdgeKind, NodeKind, dataset_id
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode
from graph.eventlog.event_log import FILE_NAME
from graph.eventlog.event_log_migration import open_event_log
from graph.eventlog.raw_events import events_of_node
from graph.read.impact import impact
from graph.read.lineage import Direction, dataset_lineage
from graph.read.walk_defaults import Budget
from graph.stores import column_clocks
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.neo4j import Neo4jStore
from graph.stores.neo4j.bulk_import import ARGS_FILE, DATABASE_PER_FILE_BYTE, ImportFiles, export
from graph.stores.neo4j.codec import (
    _BOOKKEEPING,
    _CLOCKS,
    _FIELDS,
    _NAME_LOWER,
    _NAME_SORT,
    _REFS,
    _SUMMARY,
    _UNRESTATED,
    _decode,
    _encode,
)

pytestmark = pytest.mark.neo4j

T1 = "2024-01-01T00:00:00.000000Z"


#: Schema history's node labels, and what of them two loads at different times share.
_HISTORY_LABELS = {"DatasetVersion", "SchemaChange", "Notification"}
_HISTORY_FACTS = ("datasetId", "version", "fields", "kind", "column", "old", "new", "severity")


def without_history(graph: tuple[list[Any], list[Any]]) -> tuple[list[Any], list[Any]]:
    """A store's dump less schema history, whose ids name when each load detected it."""
    nodes, edges = graph
    return [n for n in nodes if n[1].value not in _HISTORY_LABELS], edges


def raw_graph(uri: str) -> tuple[list[Any], list[Any]]:
    """Every node (labels, property map) and relationship (ends, type, property map) as Neo4j
    holds them: what the store wrote, its bookkeeping included but the column clocks, which record
    how the MERGE path wrote (which batches restated which elements), not the graph: an imported
    graph starts with none, as a graph of the format before them did. So an element referring to
    clocks is compared as it reads, encoded again (``as_imported``)."""
    with (
        neo4j.GraphDatabase.driver(uri, auth=None) as driver,
        driver.session(database="neo4j") as session,
    ):
        # The raw event log's nodes are not the graph (graph.stores.neo4j.event_blocks).
        nodes = session.run(
            "MATCH (n) WHERE NOT n:EventBlock|EventHash|EventSubject|EventLogMeta|EventLogClock "
            "RETURN labels(n), properties(n)"
        ).values()
        edges = session.run("MATCH (a)-[r]->(b) RETURN a.id, type(r), b.id, properties(r)").values()
    clocks = {
        props["id"]: column_clocks.parse(props[_CLOCKS]) for _, props in nodes if _CLOCKS in props
    }

    def kept(props: dict[str, Any]) -> Any:
        props = as_imported(props, clocks)
        return typed({key: value for key, value in props.items() if key not in _BOOKKEEPING})

    def node(labels: list[str], props: dict[str, Any]) -> Any:
        if _HISTORY_LABELS.isdisjoint(labels):
            return sorted(labels), kept(props)
        # schema history's ids and times name when it was detected (the wall clock of each load):
        # what was recorded, not when
        return sorted(labels), typed({key: props.get(key) for key in _HISTORY_FACTS})

    return sorted(node(labels, props) for labels, props in nodes), sorted(
        (a, t, b, kept(props)) for a, t, b, props in edges
    )


#: Stored keys the element's own encoding (``codec._encode``) does not make.
_BESIDE = ("id", _SUMMARY, _NAME_LOWER, _NAME_SORT, _FIELDS, _UNRESTATED)


def as_imported(props: dict[str, Any], clocks: dict[str, column_clocks.Clocks]) -> dict[str, Any]:
    """A stored property map referring to clocks as the import writes it: its values and stamps
    as they read (``codec._decode``), encoded again; others as they are."""
    if _REFS not in props:
        return props
    beside = {key: props[key] for key in _BESIDE if key in props}
    values, stamps = _decode({k: v for k, v in props.items() if k not in beside}, clocks)
    return {**_encode(values, stamps), **beside}


def schema_names(uri: str) -> set[str]:
    with (
        neo4j.GraphDatabase.driver(uri, auth=None) as driver,
        driver.session(database="neo4j") as session,
    ):
        return {row[0] for row in session.run("SHOW CONSTRAINTS YIELD name").values()} | {
            row[0] for row in session.run("SHOW INDEXES YIELD name").values()
        }


@pytest.fixture(scope="module")
def imported_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Import CSV files into a fresh Neo4j home and serve it: ``serve(directory)`` gives the
    started server (one at a time; the previous one is stopped first)."""
    home = tmp_path_factory.mktemp("imported-neo4j")
    running: list[Any] = []

    def serve(directory: Path) -> Any:
        while running:
            neo4j_launcher.stop(running.pop())
        neo4j_launcher.admin(
            [
                "database",
                "import",
                "full",
                "--overwrite-destination",
                f"@{directory / ARGS_FILE}",
                "neo4j",
            ],
            home,
            heap="512m",
            timeout=600,
        )
        running.append(neo4j_launcher.start(data_dir=home, timeout=500))
        return running[-1]

    yield serve
    while running:
        neo4j_launcher.stop(running.pop())


def awkward_batches() -> list[list[Mutation]]:
    """Names and property values of every type the store encodes (native, JSON, _extra), a
    property whose type differs between nodes, and a job whose newest run does not restate it."""
    weird, other = dataset_id("types", "weird"), dataset_id("types", "other")
    return [
        nasty_batch(),
        [
            UpsertNode(
                weird,
                NodeKind.DATASET,
                T1,
                {**WEIRD_PROPS, "lines": "a\nb\r\nc", 'comma, "quoted"': "x"},
                {"firstSeenAt": T1},
            ),
            UpsertEdge(weird, EdgeKind.ALIAS_OF, other, T1, WEIRD_PROPS),
            UpsertNode(
                other,
                NodeKind.DATASET,
                T1,
                {"name": 12345, "int": "now a string", "strings": [1, 2]},
            ),
            UpsertNode(
                dataset_id("types", "listname"),
                NodeKind.DATASET,
                T1,
                {"name": ["we", "ird"], "int": 2.5},
            ),
        ],
    ]


def test_awkward_values_import_as_merge_writes_them(
    imported_home, neo4j_server, tmp_path: Path
) -> None:
    batches = awkward_batches()
    neo4j_launcher.wipe(neo4j_server.uri)
    with Neo4jStore(neo4j_server.uri) as merged:
        for batch in batches:
            merged.apply(batch)
        want = dump(merged)
    with EmbeddedStore(tmp_path / "build") as built:
        for batch in batches:
            built.apply(batch)
        files = export(built, tmp_path / "csv", processes=3)  # shares of 0, 1 and 2 nodes
    assert (files.nodes, files.edges) == (len(want[0]), len(want[1]))
    assert files.size == sum(path.stat().st_size for path in (tmp_path / "csv").iterdir())
    server = imported_home(tmp_path / "csv")
    assert raw_graph(server.uri) == raw_graph(neo4j_server.uri)
    with Neo4jStore(server.uri) as imported:
        assert dump(imported) == want
        assert {
            "lineagemesh_node_id",
            "lineagemesh_meta_id",
            "lineagemesh_node_name_lower",
        } <= schema_names(server.uri)
        for needle in ("weird", "123", "ird", "'"):
            assert [n.id for n in imported.search(needle, [NodeKind.DATASET], 10)] == [
                n.id for n in Neo4jStore(neo4j_server.uri).search(needle, [NodeKind.DATASET], 10)
            ]


def mesh_files(tmp_path: Path, food_delivery_events: list[dict[str, Any]]) -> list[Path]:
    import json

    from generate_mesh import generate

    mesh = tmp_path / "mesh.ndjson"
    with open(mesh, "w") as out:
        for event in generate(300, seed=7):
            out.write(json.dumps(event) + "\n")
    seed = tmp_path / "food_delivery.json"
    seed.write_text(json.dumps(food_delivery_events))
    return [seed, mesh]


def answers(store: Neo4jStore, starts: list[str]) -> list[Any]:
    found: list[Any] = []
    for start in starts:
        for direction in (Direction.UPSTREAM, Direction.DOWNSTREAM):
            graph = dataset_lineage(store, start, direction, Budget(depth=20))
            found.append(
                (sorted(n.id for n in graph.nodes), sorted(map(repr, graph.edges)), graph.truncated)
            )
        report = impact(store, start)
        found.append(
            (
                [(n.node.id, n.distance, n.path, n.severity, n.certain) for n in report.affected],
                sorted(o.id for o in report.owners),
            )
        )
    return found


@pytest.mark.timeout(1800)  # two loads, an import, a server start and a reindex, on a busy machine
def test_cli_import_gives_the_merge_graph_and_its_event_log(
    imported_home, neo4j_server, tmp_path: Path, food_delivery_events
) -> None:
    files = [str(path) for path in mesh_files(tmp_path, food_delivery_events)]
    neo4j_launcher.wipe(neo4j_server.uri)
    lineagemesh_ok(
        "ingest",
        "openlineage",
        "--store",
        neo4j_server.uri,
        "--event-log",
        str(tmp_path / "merge-log"),
        *files,
        timeout=600,
    )
    done = lineagemesh_ok(
        "ingest",
        "openlineage",
        "--neo4j-import",
        str(tmp_path / "csv"),
        "--event-log",
        str(tmp_path / "log"),
        "--workers",
        "0",  # the import files written by this process alone
        *files,
        timeout=600,
    )
    assert f"@{(tmp_path / 'csv' / ARGS_FILE).resolve()}" in done.stderr
    written = sum(path.stat().st_size for path in (tmp_path / "csv").iterdir())
    assert f"({written / 1e6:.1f} MB). With Neo4j stopped" in done.stderr  # the files' size
    assert f"it takes about {written * DATABASE_PER_FILE_BYTE / 1e6:.1f} MB more" in done.stderr
    assert "warning:" not in done.stderr
    assert not any(
        path.name.startswith(".lineagemesh-build-") for path in tmp_path.iterdir()
    )  # the build is gone

    server = imported_home(tmp_path / "csv")
    want_raw = raw_graph(neo4j_server.uri)
    assert raw_graph(server.uri) == want_raw
    with Neo4jStore(neo4j_server.uri) as merged, Neo4jStore(server.uri) as imported:
        assert without_history(dump(imported)) == without_history(dump(merged))
        starts = sorted(n.id for n in merged.nodes_of_kind(NodeKind.DATASET, 400))[
            ::120
        ]  # 3 of them
        assert answers(imported, starts) == answers(merged, starts)
        # The import's log moves into the imported database when first opened with it.
        with (
            open_event_log(imported, tmp_path / "log") as log,
            open_event_log(merged, tmp_path / "merge-log") as merge_log,
        ):
            for start in starts:
                got, _ = events_of_node(imported, log, start, None, 50)
                sent, _ = events_of_node(merged, merge_log, start, None, 50)
                assert got and [e.event for e in got] == [e.event for e in sent]

    # The event log the import filled is now in the imported database: a reindex rebuilds from it.
    assert not (tmp_path / "log" / FILE_NAME).exists()
    lineagemesh_ok("reindex", "--store", server.uri, timeout=600)
    assert raw_graph(server.uri) == want_raw


def test_the_room_an_import_needs_is_told_and_too_little_warned_of(tmp_path: Path) -> None:
    files = ImportFiles(tmp_path, [], 10, 20, 2 * 10**9)  # 2 GB of files: ~3 GB to import
    room, warning = import_room(files, 5 * 10**9)
    assert room == "it takes about 3.0 GB more; 5.0 GB free beside the files"
    assert warning is None
    room, warning = import_room(files, 2_500_000_000)
    assert room == "it takes about 3.0 GB more; 2.5 GB free beside the files"
    assert warning is not None
    assert f"importing beside {tmp_path} needs about 3.0 GB free and its disk has 2.5 GB" in warning
    _, warning = import_room(ImportFiles(tmp_path, [], 1, 0, 400_000), 100_000)
    assert warning is not None and "needs about 0.6 MB free and its disk has 0.1 MB" in warning


def test_import_refuses_a_used_directory_or_event_log(tmp_path: Path, food_delivery_events) -> None:
    files = [str(path) for path in mesh_files(tmp_path, food_delivery_events)[:1]]
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x.csv").write_text("x")
    for extra, reason in (
        (["--neo4j-import", str(tmp_path / "used")], "not empty"),
        (
            ["--neo4j-import", str(tmp_path / "csv"), "--store", "bolt://127.0.0.1:1"],
            "drop --store",
        ),
    ):
        done = lineagemesh(
            "ingest",
            "openlineage",
            *extra,
            "--event-log",
            str(tmp_path / "log"),
            *files,
        )
        assert done.returncode != 0 and reason in done.stderr, done.stderr
    lineagemesh_ok(
        "ingest",
        "openlineage",
        "--neo4j-import",
        str(tmp_path / "first"),
        "--event-log",
        str(tmp_path / "log"),
        *files,
        timeout=600,
    )
    done = lineagemesh(
        "ingest",
        "openlineage",
        "--neo4j-import",
        str(tmp_path / "second"),
        "--event-log",
        str(tmp_path / "log"),
        *files,
    )
    assert done.returncode != 0 and "holds events already" in done.stderr, done.stderr
