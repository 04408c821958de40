"""Re-runs on Neo4j write what changed: a job re-running with the same schema and column lineage
moves its datasets' column clocks instead of rewriting every column (graph.stores.column_clocks),
and the graph stays exactly the merge rule's (compared with the embedded store, stamps included),
whichever process writes, after a restart, out of order and concurrently."""

from __future__ import annotations

import copy
import subprocess
import sys
import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from test_lineage_conformance import snapshot

from graph.core.model import NodeKind
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.neo4j import Neo4jStore
from ingest.openlineage import translate_many

pytestmark = pytest.mark.neo4j
ROOT = Path(__file__).resolve().parent.parent

_APPLY_IN_ANOTHER_PROCESS = """
import sys, orjson
from graph.stores.neo4j import Neo4jStore
from ingest.openlineage import translate_many
store = Neo4jStore(sys.argv[1])
events = orjson.loads(open(sys.argv[2], "rb").read())
for at in range(0, len(events), 100):
    wire, refused = translate_many(events[at:at + 100])
    assert not refused, refused
    store.apply_encoded(wire)
print(store.elements_written)
store.close()
"""


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("mesh") / "mesh.ndjson"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "generate_mesh.py"),
            "--datasets",
            "50",
            "--seed",
            "3",
            "--out",
            str(out),
            "--quiet",
        ],
        check=True,
    )
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


@pytest.fixture
def neo4j_uri(neo4j_server: Any) -> str:
    from conftest import _wipe_neo4j

    _wipe_neo4j(neo4j_server.uri)
    return neo4j_server.uri


def rerun(events: list[dict[str, Any]], days: int) -> list[dict[str, Any]]:
    """The mesh's run events again, ``days`` later, with new run ids (as a scheduler re-runs jobs)."""
    out = []
    for event in events:
        if "run" not in event:
            continue
        event = copy.deepcopy(event)
        event["run"]["runId"] = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{event['run']['runId']}/{days}")
        )
        moment = datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00")) + timedelta(
            days=days
        )
        event["eventTime"] = moment.isoformat().replace("+00:00", "Z")
        out.append(event)
    return out


def with_changed_schema(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str, str]:
    """The events with the first output schema's first column retyped; that column's dataset and name."""
    events = copy.deepcopy(events)
    for event in events:
        for output in event.get("outputs", ()):
            fields = output.get("facets", {}).get("schema", {}).get("fields")
            if fields:
                fields[0]["type"] = "VARCHAR(7)"
                return events, f"dataset:{output['namespace']}:{output['name']}", fields[0]["name"]
    raise AssertionError("the mesh has no output schema")


def apply(store: Any, events: list[dict[str, Any]], batch: int = 100) -> None:
    for at in range(0, len(events), batch):
        wire, refused = translate_many(events[at : at + batch])
        assert not refused, refused
        store.apply_encoded(wire)


def reference(tmp_path: Path, *loads: list[dict[str, Any]]) -> dict[str, Any]:
    store = EmbeddedStore(tmp_path / "reference")
    try:
        for events in loads:
            apply(store, events)
        return snapshot(store)
    finally:
        store.close()


def in_another_process(uri: str, events: list[dict[str, Any]], tmp_path: Path) -> int:
    path = tmp_path / f"events-{uuid.uuid4().hex}.json"
    path.write_bytes(orjson.dumps(events))
    done = subprocess.run(
        [sys.executable, "-c", _APPLY_IN_ANOTHER_PROCESS, uri, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def column_type(store: Neo4jStore, dataset: str, name: str) -> Any:
    (column,) = [
        node
        for node in store.nodes_of_kind(NodeKind.COLUMN, 10_000)
        if node.props.get("datasetId") == dataset and node.props.get("name") == name
    ]
    return column.props.get("type")


def test_a_rerun_from_another_process_writes_its_runs_and_a_changed_schema_lands(
    neo4j_uri: str, mesh: list[dict[str, Any]], tmp_path: Path
) -> None:
    first = Neo4jStore(neo4j_uri)
    apply(first, mesh)
    loaded = first.elements_written
    first.close()

    again = rerun(mesh, 1)
    written = in_another_process(neo4j_uri, again, tmp_path)  # another process, after a restart
    # The load wrote ~28 elements an event; an unchanged re-run its run, run edges and stamps.
    assert written < 0.5 * loaded * len(again) / len(mesh), (written, loaded)
    store = Neo4jStore(neo4j_uri)
    try:
        assert snapshot(store) == reference(tmp_path, mesh, again)

        changed, dataset, column = with_changed_schema(rerun(mesh, 2))
        in_another_process(neo4j_uri, changed, tmp_path)
        assert column_type(store, dataset, column) == "VARCHAR(7)"
        assert snapshot(store) == reference(tmp_path / "2", mesh, again, changed)

        before = store.elements_written
        back = rerun(mesh, 3)  # the old schema again, after the change
        apply(store, back)
        assert column_type(store, dataset, column) != "VARCHAR(7)"
        assert store.elements_written > before
        assert snapshot(store) == reference(tmp_path / "3", mesh, again, changed, back)
    finally:
        store.close()


def test_reruns_out_of_order_and_from_two_writers_at_once_equal_the_rule(
    neo4j_uri: str, mesh: list[dict[str, Any]], tmp_path: Path
) -> None:
    changed, _, _ = with_changed_schema(rerun(mesh, 2))
    reruns = [rerun(mesh, 1), changed, rerun(mesh, 3), rerun(mesh, 4)]
    stores = [Neo4jStore(neo4j_uri), Neo4jStore(neo4j_uri)]
    try:
        apply(stores[0], rerun(mesh, 3))  # a later run first
        apply(stores[0], mesh)
        failures: list[BaseException] = []

        def writer(store: Neo4jStore, loads: list[list[dict[str, Any]]]) -> None:
            try:
                for events in loads:
                    apply(store, events, batch=40)
            except BaseException as exc:  # noqa: BLE001 - reported by the test thread
                failures.append(exc)

        threads = [
            threading.Thread(target=writer, args=(stores[0], reruns)),
            threading.Thread(
                target=writer, args=(stores[1], [list(reversed(r)) for r in reversed(reruns)])
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures
        assert snapshot(stores[1]) == reference(tmp_path, mesh, *reruns)
    finally:
        for store in stores:
            store.close()
