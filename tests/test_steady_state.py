"""The steady state (``scripts/generate_mesh.py --reruns``): jobs running again with the same
schemas and column lineage, a share of them changed. Over HTTP, on each store, the re-runs must
leave the graph that the distinct events alone make, plus the runs: an unchanged re-run adds its
run and restates nothing else, a changed one changes what it says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import generate_mesh as gm
import httpx
import orjson
from live_server import LiveServer

from graph.core.model import EdgeKind, NodeKind
from graph.intake.ingest_service import IngestService, translate_events
from graph.stores import JudgesJobEdges, Store

ROOT = Path(__file__).resolve().parents[1]


def distinct(events: list[dict]) -> list[dict]:
    """The events with each re-run that repeats its job's latest START stripped of its output
    facets: what is left says each distinct schema and column lineage once, and every run."""
    latest: dict[tuple[str, str], Any] = {}
    out = []
    for event in events:
        if event.get("eventType") == "START":
            job = (event["job"]["namespace"], event["job"]["name"])
            facets = [output.get("facets") for output in event["outputs"]]
            if latest.get(job) == facets:
                event = {
                    **event,
                    "outputs": [
                        {"namespace": o["namespace"], "name": o["name"]} for o in event["outputs"]
                    ],
                }
            else:
                latest[job] = facets
        out.append(event)
    return out


OBSERVED_AT = frozenset(
    {"lastSeenAt", "columnLineageAt"}
)  # when a thing was last stated: later for a re-run


#: Schema history (tests/test_schema_history.py): what it records depends on how events were batched
#: (a change's impact is the graph's before its batch) and when (detection times).
HISTORY = (NodeKind.DATASET_VERSION, NodeKind.SCHEMA_CHANGE, NodeKind.NOTIFICATION)


def graph_of(store: Store) -> dict[str, Any]:
    """Every node and edge with its properties, but when each was last stated (a re-run states it
    later); instead, which column lineage edges are current (stated with their dataset's latest
    column lineage, as ``native/view.cc`` judges them) and which job edges are."""
    nodes: dict[str, Any] = {}
    for kind in NodeKind:
        if kind in HISTORY:
            continue
        after = None
        while page := store.nodes_of_kind(kind, 1000, after):
            nodes.update((node.id, node) for node in page)
            after = page[-1].id
    found = store.edges(list(nodes), list(EdgeKind), "out")
    current = set()
    for edge in found:
        if edge.kind == EdgeKind.DERIVES_FROM:
            output = nodes[edge.source]
            dataset = nodes[output.props["datasetId"]] if output.kind == NodeKind.COLUMN else output
            if edge.props.get("lastSeenAt", "") >= dataset.props.get("columnLineageAt", ""):
                current.add(edge.key)
    jobs = [node_id for node_id, node in nodes.items() if node.kind == NodeKind.JOB]

    def stated(props: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in props.items() if key not in OBSERVED_AT}

    assert isinstance(store, JudgesJobEdges)
    return {
        "nodes": {node_id: (node.kind, stated(node.props)) for node_id, node in nodes.items()},
        "edges": {edge.key: stated(edge.props) for edge in found},
        "current_column_lineage": current,
        "unrestated": store.unrestated_job_edges(jobs),
    }


def test_steady_reruns_over_http_leave_the_graph_of_the_distinct_events(
    server_store_args: list[str], open_test_store: Callable[[], Store], tmp_path: Path
) -> None:
    events = list(gm.generate(60, 7, reruns=3, change_rate=0.3))
    runs = sum(event.get("eventType") == "START" for event in events)
    assert runs == 3 * gm.mesh_shape(60, 7).jobs
    reference = distinct(events)
    assert (
        sum(a is not b for a, b in zip(events, reference)) > runs / 3
    )  # unchanged re-runs are there to skip

    server = LiveServer(server_store_args, tmp_path / "server.log").start()
    try:
        with httpx.Client(
            base_url=server.url, timeout=120, headers={"content-type": "application/json"}
        ) as http:
            for at in range(0, len(events), 100):
                response = http.post(
                    "/api/v1/lineage/batch", content=orjson.dumps(events[at : at + 100])
                )
                assert response.status_code == 200 and response.json()["rejected"] == 0, (
                    response.text
                )
            written = [
                line
                for line in http.get("/metrics").text.splitlines()
                if line.startswith("lineagemesh_ingest_elements_written_total ")
            ]
            again = http.post("/api/v1/lineage/batch", content=orjson.dumps(events[-100:]))
            assert again.status_code == 200
            assert [
                line
                for line in http.get("/metrics").text.splitlines()
                if line.startswith("lineagemesh_ingest_elements_written_total ")
            ] == written  # a re-send writes nothing
    finally:
        server.stop()

    store = open_test_store()
    steady = graph_of(store)
    assert sum(kind == NodeKind.RUN for kind, _ in steady["nodes"].values()) == runs
    store.clear()
    IngestService(store).commit(translate_events(reference, keep_raw=False).payload, None)
    assert graph_of(store) == steady
