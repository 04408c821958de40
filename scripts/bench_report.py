"""The bench's printed table: each figure beside its target and, where the SQL baseline answered
the same question, the ratio to it.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from bench_cells import QUERIES, TARGETS, cell_key

# -- report -----------------------------------------------------------------------------------


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stores = report["stores"]

    def add(
        name: str,
        required: float,
        measured: float | None,
        better: str,
        note: str,
        applies: bool = True,
    ) -> None:
        met = (
            None
            if measured is None or not applies
            else (measured >= required if better == "higher" else measured <= required)
        )
        found.append(
            {
                "target": name,
                "required": required,
                "measured": measured,
                "better": better,
                "met": met,
                "note": note,
            }
        )

    datasets = report["meta"]["datasets"]
    scale_note = f"measured on the {datasets:,}-dataset mesh"

    def add_ingest(store: str, names: tuple[str, str], targets: tuple[str, str]) -> None:
        """A store's ingest rates, direct and over HTTP, against their targets."""
        for path, name, target in zip(("direct", "http"), names, targets, strict=True):
            rate = stores[store]["ingest"][path]["events_per_s"]
            add(name, TARGETS[target], rate, "higher", scale_note)

    if "embedded" in stores and "served" in stores["embedded"]:
        add(
            f"embedded memory serving the {datasets:,}-dataset mesh (GiB, measured)",
            TARGETS["embedded_1m_mesh_gib"],
            stores["embedded"]["served"]["server_rss_gib"],
            "lower",
            "RSS of `lineagemesh serve` holding it; the target is for the 1M-dataset mesh",
            applies=datasets >= 1_000_000,
        )
    elif "embedded" in stores:
        emb = stores["embedded"]
        add_ingest(
            "embedded",
            ("embedded ingest, direct (events/s)", "embedded ingest, HTTP batched (events/s)"),
            ("embedded_direct_events_per_s", "embedded_http_events_per_s"),
        )
        add(
            "embedded 1M-dataset mesh memory (GiB, extrapolated)",
            TARGETS["embedded_1m_mesh_gib"],
            emb["memory"]["extrapolated_1m_datasets_gib"],
            "lower",
            f"RSS delta per dataset on the {datasets:,}-dataset mesh x 1M (linear)",
        )
        add(
            "embedded 1M-dataset mesh memory after a restart (GiB, extrapolated)",
            TARGETS["embedded_1m_mesh_gib"],
            emb["memory"]["restarted_extrapolated_1m_datasets_gib"],
            "lower",
            "RSS a fresh process adds by replaying the journal, per dataset x 1M (linear)",
        )
    if "embedded" in stores and "check" in stores["embedded"]:
        checked = stores["embedded"]["check"]
        add(
            "check of a hub change, embedded store, from process start (s, p50)",
            TARGETS["check_hub_embedded_s"],
            round(checked["embedded"]["p50_ms"] / 1000, 3),
            "lower",
            f"{scale_note}; markdown {checked['embedded']['markdown_chars']:,} chars",
        )
        if "server" in checked:
            add(
                "check of a hub change against a running server (s, p50)",
                TARGETS["check_hub_server_s"],
                round(checked["server"]["p50_ms"] / 1000, 3),
                "lower",
                scale_note,
            )
    if "neo4j" in stores and "ingest" in stores["neo4j"]:
        add_ingest(
            "neo4j",
            ("Neo4j ingest, direct batched (events/s)", "Neo4j ingest, HTTP batched (events/s)"),
            ("neo4j_batched_events_per_s", "neo4j_batched_events_per_s"),
        )
    for name, key in (
        ("embedded", "embedded_large_e2e_p95_ms"),
        ("neo4j", "neo4j_large_e2e_p95_ms"),
    ):
        if name not in stores:
            continue
        for query in QUERIES:
            cell = next(
                (
                    c
                    for c in stores[name]["queries"]
                    if c["mode"] == "end_to_end"
                    and c["query"] == query
                    and c["size"] == "large"
                    and c["depth"] is None
                ),
                None,
            )
            if cell:
                add(
                    f"{name} {query}, large radius, unbounded, end to end p95 (ms)",
                    TARGETS[key],
                    cell["p95_ms"],
                    "lower",
                    f"{scale_note}; radius ≈{cell['result_nodes_mean']:.0f} nodes (the target is for ~10k nodes on the 1M mesh)",
                )
    for name in (
        stores
    ):  # the 10k-node blast radius, answered in the store as the SQL baseline answers in SQLite
        cells = [
            c
            for c in stores[name]["queries"]
            if c["mode"] == "in_store" and c["size"] == "large" and c.get("speedup_p95")
        ]
        if cells:
            worst = min(cells, key=lambda c: c["speedup_p95"])
            add(
                f"{name} vs recursive SQL, large radius, worst in-store p95 ratio (x)",
                TARGETS["speedup_vs_sql"],
                worst["speedup_p95"],
                "higher",
                f"worst cell: {worst['query']} depth={worst['depth']}; both answer in process, "
                "rows read as Python values",
            )
    return found


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2g}"


def fmt_rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _percentiles(cell: dict[str, Any] | None) -> str:
    """A cell's p50/p95/p99 in milliseconds, or "-" without one."""
    return (
        "-"
        if cell is None
        else f"{cell['p50_ms']:8.1f}/{cell['p95_ms']:8.1f}/{cell['p99_ms']:8.1f}"
    )


def print_table(report: dict[str, Any]) -> None:
    out = sys.stdout
    meta = report["meta"]
    print(
        f"\nlineagemesh bench: {meta['datasets']:,} datasets, seed {meta['seed']}, {meta['events']:,} events; "
        f"{meta['machine']['cores']} cores, {meta['machine']['cpu']}",
        file=out,
    )
    base = report["baseline"]
    print(
        f"SQL baseline load: {fmt_rate(base['load_events_per_s'])} events/s ({base['load_s']:.1f} s)\n",
        file=out,
    )
    print(
        f"{'ingest (events/s)':28} {'direct':>9} {'translate':>10} {'apply':>9} {'http':>9}",
        file=out,
    )
    for name, data in report["stores"].items():
        if "served" in data:
            v = data["served"]
            print(
                f"{name:28} served from {v['data_dir']}: up in {v['start_s']} s; {v['nodes']:,} nodes + {v['edges']:,} edges; "
                f"RSS {v['server_rss_gib']} GiB ({v['server_bytes_per_element']:,.0f} B/element)",
                file=out,
            )
            continue
        d, h = data["ingest"]["direct"], data["ingest"]["http"]
        print(
            f"{name:28} {fmt_rate(d['events_per_s']):>9} {fmt_rate(d['translate_events_per_s']):>10} "
            f"{fmt_rate(d['apply_events_per_s']):>9} {fmt_rate(h['events_per_s']):>9}",
            file=out,
        )
        if floor := data["ingest"].get("engine_floor"):
            print(
                f"{'':28} engine floor {fmt_rate(floor['elements_per_s'])} elements/s; at {floor['elements_written_per_event']} "
                f"elements written per event, ceiling {fmt_rate(floor['ceiling_events_per_s'])} events/s; direct reaches "
                f"{(floor['share_of_ceiling'] or 0) * 100:.0f}% of it",
                file=out,
            )
    if "memory" in report["stores"].get("embedded", {}):
        m = report["stores"]["embedded"]["memory"]
        print(
            f"\nembedded memory: {m['rss_delta_bytes'] / 2**20:,.0f} MiB for {m['nodes']:,} nodes + {m['edges']:,} edges = "
            f"{m['bytes_per_element']:,.0f} B/element, {m['bytes_per_dataset'] / 1024:,.1f} KiB/dataset "
            f"(server: {m['server_bytes_per_element']:,.0f} B/element); 1M datasets ≈ {m['extrapolated_1m_datasets_gib']} GiB",
            file=out,
        )
        print(
            f"embedded memory after a restart (a fresh process loading the snapshot): {m['restarted_bytes_per_element']:,.0f} "
            f"B/element; 1M datasets ≈ {m['restarted_extrapolated_1m_datasets_gib']} GiB",
            file=out,
        )
        k = report["stores"]["embedded"]["disk"]
        print(
            f"embedded journal: {k['journal_bytes'] / 2**20:,.1f} MiB ({k['journal_bytes_per_event']:,.0f} B/event); "
            f"snapshot {k['snapshot_bytes'] / 2**20:,.1f} MiB, written in {k['snapshot_write_s']} s; restart loads it in "
            f"{k['restart_s']} s, {k['restart_speedup']}x faster than replaying the journal ({k['replay_restart_s']} s, "
            f"{k['replay_events_per_s']:,} events/s)",
            file=out,
        )
    for name, data in report["stores"].items():
        print(
            f"\n{name}: latency ms (p50 / p95 / p99); SQL = recursive CTE baseline; x = SQL p95 / ours p95",
            file=out,
        )
        print(
            f"{'query':7} {'size':6} {'depth':>5} {'nodes':>6}  {'in store':>26}  {'end to end':>26}  {'SQL p50/p95':>18} {'x store':>8} {'x e2e':>7}",
            file=out,
        )
        cells: dict[tuple, dict[str, dict]] = {}
        for cell in data["queries"]:
            cells.setdefault(cell_key(cell), {})[cell["mode"]] = cell
        for key, modes in cells.items():
            s, e = modes.get("in_store"), modes["end_to_end"]
            depth = "∞" if key[2] is None else str(key[2])
            trip = _percentiles
            sqlp = f"{e.get('baseline_p50_ms', math.nan):8.1f}/{e.get('baseline_p95_ms', math.nan):8.1f}"
            print(
                f"{key[0]:7} {key[1]:6} {depth:>5} {e['result_nodes_mean']:6.0f}  {trip(s):>26}  {trip(e):>26}  {sqlp:>18} "
                f"{ratio(s.get('speedup_p95') if s else None):>8} {ratio(e.get('speedup_p95')):>7}",
                file=out,
            )
    for name, data in report["stores"].items():
        floors = data.get("read_floor")
        if not floors:
            continue
        by_key: dict[Any, dict[str, Any]] = {}
        for cell in data["queries"]:
            by_key.setdefault(cell_key(cell), {})[cell["mode"]] = cell
        print(
            f"\n{name}: beside the engine's read floor (one bare Cypher statement for the same reach), p50 ms",
            file=out,
        )
        print(
            f"{'query':7} {'size':6} {'depth':>5} {'nodes':>6} {'floor':>9} {'in store':>9} {'x floor':>8} "
            f"{'e2e':>9} {'x floor':>8}  same reach",
            file=out,
        )
        for floor in floors:
            in_store, end_to_end = (
                by_key.get(cell_key(floor), {}).get("in_store"),
                by_key.get(cell_key(floor), {}).get("end_to_end"),
            )
            depth = "∞" if floor["depth"] is None else str(floor["depth"])
            print(
                f"{floor['query']:7} {floor['size']:6} {depth:>5} {floor['result_nodes_mean']:6.0f} {floor['p50_ms']:9.1f} "
                f"{in_store['p50_ms'] if in_store else math.nan:9.1f} {ratio(in_store.get('over_floor_p50') if in_store else None):>8} "
                f"{end_to_end['p50_ms'] if end_to_end else math.nan:9.1f} {ratio(end_to_end.get('over_floor_p50') if end_to_end else None):>8}  {floor['same_reach']}",
                file=out,
            )
    print("\ntargets:", file=out)
    for t in report["targets"]:
        mark = "n/a" if t["met"] is None else ("MET" if t["met"] else "MISSED")
        print(
            f"  [{mark:6}] {t['target']}: {t['measured']} (needs {'≥' if t['better'] == 'higher' else '≤'} {t['required']})",
            file=out,
        )
