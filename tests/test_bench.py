"""The scale benchmark (scripts/bench.py) and its recursive-SQL baseline (scripts/sql_baseline.py).

The harness runs for real on a tiny mesh, as its README-style command line; the checks are on the
shape and sanity of its JSON, never on wall-clock figures. The baseline must answer the same
lineage questions with the same datasets as lineagemesh, or its ratios would mean nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import neo4j
import pytest
from devservers.lineagemesh import ingest_events

from graph.core.model import Direction, NodeKind, dataset_id
from graph.read.impact import impact
from graph.read.lineage import dataset_lineage
from graph.read.view import GraphView
from graph.read.walk_defaults import Budget
from graph.stores import Store
from ingest.openlineage import translate

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "scripts" / "bench.py"

QUERY_CELLS = 2 * 3 * 3  # lineage/impact x small/medium/large x depth 5/20/unbounded
EXTRA_CELLS = (
    2 * 2 * 3
)  # impact with whole paths, lineage with node facts: end to end, medium/large radius, each depth


def bench(tmp_path: Path, *args: str) -> tuple[str, dict[str, Any]]:
    """scripts/bench.py run with ``args``: what it printed and its JSON report. It must succeed
    and leave nothing behind in its temporary folder."""
    out = tmp_path / "bench.json"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    completed = subprocess.run(
        [sys.executable, str(BENCH), *args, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert list(scratch.iterdir()) == [], "the bench left temporary files behind"
    return completed.stdout, json.loads(out.read_text())


def run_bench(tmp_path: Path, *args: str) -> dict[str, Any]:
    printed, report = bench(tmp_path, "--datasets", "200", "--quick", *args)
    assert "targets:" in printed  # the table was printed
    return report


def check_latency(cell: dict[str, Any]) -> None:
    assert cell["samples"] >= 3
    assert 0 < cell["p50_ms"] <= cell["p95_ms"] <= cell["p99_ms"] <= cell["max_ms"]
    assert cell["result_nodes_mean"] >= 1


def check_common(report: dict[str, Any], store: str) -> dict[str, Any]:
    meta = report["meta"]
    assert meta["datasets"] == 200 and meta["events"] > 200
    assert meta["machine"]["cores"] >= 1
    assert set(report["starts"]) == {"small", "medium", "large"}
    for chosen in report["starts"].values():
        assert chosen and all(
            s["downstream_nodes"] >= 1 and s["id"] == dataset_id(s["namespace"], s["name"])
            for s in chosen
        )
    baseline = report["baseline"]
    assert baseline["counts"]["datasets"] == 200 and baseline["counts"]["job_io"] > 0
    assert len(baseline["queries"]) == QUERY_CELLS
    for cell in baseline["queries"]:
        check_latency(cell)

    result = report["stores"][store]
    assert result["graph"]["Dataset"] >= 200 and result["graph"]["READS"] > 0
    direct, http = result["ingest"]["direct"], result["ingest"]["http"]
    assert (
        direct["events"] + (http["events"] if result["ingest"].get("mode") == "split" else 0)
        == meta["events"]
    )
    assert (
        direct["events_per_s"] > 0
        and direct["translate_events_per_s"] > 0
        and direct["apply_events_per_s"] > 0
    )
    assert http["accepted"] == http["events"] and http["rejected"] == 0 and http["events_per_s"] > 0

    cells = [c for c in result["queries"] if c["query"] in ("lineage", "impact")]
    extras = [c for c in result["queries"] if c["query"] not in ("lineage", "impact")]
    assert len(cells) == 2 * QUERY_CELLS and len(extras) == EXTRA_CELLS
    assert {c["mode"] for c in cells} == {"in_store", "end_to_end"}
    assert {(c["query"], c["mode"], c["size"]) for c in extras} == {
        (q, "end_to_end", size)
        for q in ("impact_paths", "lineage_facts")
        for size in ("medium", "large")
    }
    plain = {
        (c["size"], c["depth"]): c
        for c in cells
        if c["query"] == "lineage" and c["mode"] == "end_to_end"
    }
    for cell in extras:  # the facts change no node of the answer
        check_latency(cell)
        if cell["query"] == "lineage_facts":
            assert (
                cell["result_nodes_max"] == plain[(cell["size"], cell["depth"])]["result_nodes_max"]
            )
    assert {(c["query"], c["size"], c["depth"]) for c in cells} == {
        (c["query"], c["size"], c["depth"]) for c in baseline["queries"]
    }
    base = {(c["query"], c["size"], c["depth"]): c for c in baseline["queries"]}
    for cell in cells:
        check_latency(cell)
        assert cell["speedup_p95"] > 0
        # Same start nodes, same question: ours and the baseline count the same nodes for lineage.
        if cell["query"] == "lineage":
            assert (
                cell["result_nodes_max"]
                == base[(cell["query"], cell["size"], cell["depth"])]["result_nodes_max"]
            )
    names = {t["target"] for t in report["targets"]}
    assert any(store in name.lower() for name in names)
    return result


def test_bench_embedded_tiny_mesh(tmp_path: Path) -> None:
    report = run_bench(tmp_path, "--store", "embedded")
    assert set(report["stores"]) == {"embedded"}
    result = check_common(report, "embedded")
    memory = result["memory"]
    assert memory["nodes"] == sum(result["graph"].get(k.value, 0) for k in NodeKind)
    assert memory["rss_delta_bytes"] > 0 and memory["bytes_per_element"] > 0
    assert memory["extrapolated_1m_datasets_gib"] > 0
    # and in a fresh process that loaded the snapshot (a restarted server)
    assert (
        memory["restarted_rss_delta_bytes"] > 0
        and memory["restarted_extrapolated_1m_datasets_gib"] > 0
    )
    disk = result[
        "disk"
    ]  # the store was reopened: the queries ran on the graph loaded from its snapshot
    assert disk["journal_bytes"] > 0 and disk["snapshot_bytes"] > 0 and disk["snapshot_write_s"] > 0
    assert disk["restart_s"] > 0 and disk["replay_restart_s"] > 0
    assert disk["restart_speedup"] > 0 and disk["replay_events_per_s"] > 0
    # the pull-request check of a hub, as CI runs it: a new process, embedded and --server
    checked = result["check"]
    assert checked["hub"].startswith("dataset:")
    for where in ("embedded", "server"):
        check_latency({**checked[where], "result_nodes_mean": checked[where]["markdown_chars"]})
        assert 0 < checked[where]["markdown_chars"] <= 65_536
    assert any(t["target"].startswith("check of a hub change") for t in report["targets"])


def test_bench_steady_state_counts_the_elements_each_path_writes(tmp_path: Path) -> None:
    _, report = bench(tmp_path, "--datasets", "60", "--store", "embedded", "--steady", "3,0.5")
    (cell,) = report["steady"]
    assert (cell["reruns"], cell["change_rate"]) == (3, 0.5)
    assert cell["first_round_events"] + cell["rerun_events"] == cell["events"]
    result = cell["embedded"]
    direct, http = result["direct"], result["http"]
    assert result["first_round"]["events"] == cell["first_round_events"]
    assert direct["events"] + http["accepted"] == cell["rerun_events"] and http["rejected"] == 0
    # every re-run adds its run at least; the direct path and the server count the same way
    for path in (direct, http):
        assert path["events_per_s"] > 0 and path["elements_written_per_event"] >= 1
    assert (
        abs(direct["elements_written_per_event"] - http["elements_written_per_event"])
        < 0.25 * direct["elements_written_per_event"]
    )


def loaded_mesh(tmp_path: Path) -> tuple[Path, Path]:
    """A 200-dataset mesh generated once and loaded by `lineagemesh ingest`: (its file, the data dir)."""
    mesh_file, data_dir = tmp_path / "mesh.ndjson", tmp_path / "loaded"
    subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "generate_mesh.py"),
            "--datasets",
            "200",
            "--seed",
            "7",
            "--out",
            str(mesh_file),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        cwd=REPO,
    )
    ingest_events(mesh_file, data_dir)
    return mesh_file, data_dir


def test_bench_served_measures_a_data_dir_the_cli_loaded(tmp_path: Path) -> None:
    """The 1M mode: the mesh generated once, loaded by `lineagemesh ingest`, then only served."""
    mesh_file, data_dir = loaded_mesh(tmp_path)
    report = run_bench(
        tmp_path, "--store", "embedded", "--mesh", str(mesh_file), "--served", str(data_dir)
    )
    assert (
        report["meta"]["generate"] == {"reused": str(mesh_file)} and report["meta"]["events"] > 200
    )
    result = report["stores"]["embedded"]
    served = result["served"]
    assert result["graph"]["Dataset"] >= 200 and served["nodes"] == sum(
        result["graph"].get(k.value, 0) for k in NodeKind
    )
    assert (
        served["start_s"] > 0
        and served["server_rss_bytes"] > 0
        and served["server_bytes_per_element"] > 0
    )
    base = {(c["query"], c["size"], c["depth"]): c for c in report["baseline"]["queries"]}
    cells = [c for c in result["queries"] if c["query"] in ("lineage", "impact")]
    assert len(cells) == QUERY_CELLS and {c["mode"] for c in cells} == {"end_to_end"}
    assert {(c["query"], c["size"], c["depth"]) for c in cells} == set(base)
    for cell in cells:
        check_latency(cell)
        assert cell["speedup_p95"] > 0
        if cell["query"] == "lineage":  # the served graph answers what the baseline answers
            assert (
                cell["result_nodes_max"]
                == base[(cell["query"], cell["size"], cell["depth"])]["result_nodes_max"]
            )
    (memory,) = [t for t in report["targets"] if "memory serving" in t["target"]]
    assert (
        memory["measured"] == served["server_rss_gib"] and memory["met"] is None
    )  # the target is for 1M datasets


def test_bench_runs_only_the_query_cells_asked_for(tmp_path: Path) -> None:
    """``--queries lineage lineage_facts`` on a served data dir: the frontend facts' cells beside the
    plain lineage ones, and nothing else (no impact, no other extra query, their baseline alone)."""
    mesh_file, data_dir = loaded_mesh(tmp_path)
    report = run_bench(
        tmp_path,
        "--store",
        "embedded",
        "--mesh",
        str(mesh_file),
        "--served",
        str(data_dir),
        "--queries",
        "lineage",
        "lineage_facts",
    )
    cells = report["stores"]["embedded"]["queries"]
    assert {c["query"] for c in cells} == {"lineage", "lineage_facts"}
    assert len([c for c in cells if c["query"] == "lineage"]) == QUERY_CELLS // 2
    assert {c["size"] for c in cells if c["query"] == "lineage_facts"} <= {"medium", "large"}
    assert {c["query"] for c in report["baseline"]["queries"]} == {"lineage"}
    for cell in cells:
        check_latency(cell)


def cell_key(cell: dict[str, Any]) -> tuple[str, str, Any]:
    return (cell["query"], cell["size"], cell["depth"])


@pytest.mark.neo4j
def test_bench_neo4j_tiny_mesh(tmp_path: Path, neo4j_server: Any) -> None:
    report = run_bench(tmp_path, "--store", "neo4j", "--neo4j-uri", neo4j_server.uri)
    assert set(report["stores"]) == {"neo4j"}
    result = check_common(report, "neo4j")
    assert result["uri_kind"] == "external"
    floor = result["ingest"]["engine_floor"]
    assert floor["elements_per_s"] > 0 and len(floor["rounds_elements_per_s"]) == 2
    assert floor["elements_written_per_event"] > 1 and floor["ceiling_events_per_s"] > 0
    # The read floor: every lineage/impact cell's reach asked as one bare statement, which reaches
    # exactly what our answers hold, and each of our cells quoted against it.
    read_floor = result["read_floor"]
    assert len(read_floor) == QUERY_CELLS and all(cell["same_reach"] for cell in read_floor), (
        read_floor
    )
    sizes = {
        cell_key(c): c["result_nodes_max"] for c in result["queries"] if c["mode"] == "in_store"
    }
    assert all(sizes[cell_key(c)] == c["result_nodes_max"] for c in read_floor)
    for cell in read_floor:
        check_latency(cell)
    assert all(
        c["over_floor_p50"] > 0 for c in result["queries"] if c["query"] in ("lineage", "impact")
    )
    with neo4j.GraphDatabase.driver(
        neo4j_server.uri, auth=None
    ) as driver:  # the probe cleaned up after itself
        probes, _, _ = driver.execute_query(
            "MATCH (n:LineagemeshFloorProbe) RETURN count(n) AS n", database_="neo4j"
        )
        rules, _, _ = driver.execute_query(
            "SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names", database_="neo4j"
        )
    assert probes[0]["n"] == 0 and not [name for name in rules[0]["names"] if "floor" in name]


@pytest.fixture(scope="module")
def mesh() -> tuple[list[dict[str, Any]], Any]:
    import generate_mesh

    return list(generate_mesh.generate(300, seed=11)), generate_mesh.mesh_shape(300, seed=11)


def test_sql_baseline_returns_the_same_lineage(
    store: Store, mesh: tuple[list[dict[str, Any]], Any]
) -> None:
    from sql_baseline import Baseline

    events, shape = mesh
    for i in range(0, len(events), 100):
        store.apply([m for event in events[i : i + 100] for m in translate(event)])
    starts = list(zip(shape.hub_namespaces, shape.hubs))[:2]
    starts += [(ns, name) for ns, name in _datasets_with_readers(events)[:2]]
    with Baseline.load(events) as sql:
        assert sql.counts()["datasets"] == 300
        for namespace, name in starts:
            for depth in (1, 3, None):
                ours = dataset_lineage(
                    GraphView(store),
                    dataset_id(namespace, name),
                    Direction.DOWNSTREAM,
                    Budget(depth=1_000_000 if depth is None else depth),
                )
                theirs = sql.lineage(namespace, name, depth)
                assert {
                    n.id for n in ours.nodes if n.kind is NodeKind.DATASET
                } == theirs.dataset_ids()
                assert {n.id for n in ours.nodes if n.kind is NodeKind.JOB} == theirs.job_ids()
                assert len(ours.edges) == len(theirs.edges)

                report = impact(GraphView(store), dataset_id(namespace, name), depth=depth)
                hit = sql.impact(namespace, name, depth)
                assert {a.node.id for a in report.affected} == hit.dataset_ids() | hit.job_ids()
                assert sorted(o.props["name"] for o in report.owners) == sorted(hit.owners)


def _datasets_with_readers(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Datasets read by some job, in first-read order (for varied, non-hub start nodes)."""
    seen: dict[tuple[str, str], None] = {}
    for event in events:
        for ds in event.get("inputs") or []:
            seen.setdefault((ds["namespace"], ds["name"]), None)
    ordered = list(seen)
    return ordered[len(ordered) // 2 :]


def test_percentiles() -> None:
    import bench

    assert bench.percentile([1.0], 99) == 1.0
    assert bench.percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert bench.percentile([0.0, 10.0], 95) == pytest.approx(9.5)


def test_bench_check_only_times_the_check_of_a_loaded_mesh(tmp_path: Path) -> None:
    """--check-only: the two check cells alone, on a data dir loaded before (embedded from process
    start, then --server against `lineagemesh serve` on it), the same comment both ways."""
    mesh_file, data_dir = loaded_mesh(tmp_path)
    first = json.loads(mesh_file.read_text().splitlines()[0])["dataset"]  # a DatasetEvent
    hub = f"dataset:{first['namespace']}:{first['name']}"
    _, report = bench(tmp_path, "--check-only", str(data_dir), hub, "--reps", "3")
    checked = report["check"]
    assert checked["hub"] == hub
    for where in ("embedded", "server"):
        cell = checked[where]
        assert cell["samples"] == 3 and 0 < cell["p50_ms"] <= cell["max_ms"]
        assert cell["markdown_chars"] > 100
    assert checked["embedded"]["markdown_chars"] == checked["server"]["markdown_chars"]
