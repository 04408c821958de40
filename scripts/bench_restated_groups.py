#!/usr/bin/env python3
"""What the embedded store's plan, commit and seal would cost a re-run without its restated
groups: the ceiling of column clocks in the native core, measured before building them.

A job re-running with the same schema and column lineage restates its datasets' columns, their
HAS_COLUMN and DERIVES_FROM edges and its own READS, WRITES and OWNED_BY edges at a newer stamp
(``graph.stores.column_clocks``). The Neo4j store writes such a group as one clock on its owner;
the embedded store drafts, freezes and swaps in every element of it. This translates batches of
a re-run file as ``lineagemesh ingest`` does, then plans, commits and seals each into a copy of a
loaded data dir twice, in turns: as it is, and without the mutations the clocks' own rule groups
(``column_clocks.partition``; what clocks would write instead, a clock per owner, is left out
here), and prints the CPU a batch of each and the ratio. The groups a schema change breaks are
taken out too (~5 % of a generated re-run's events), so the ratio is a floor, not a forecast::

    .venv/bin/lineagemesh ingest openlineage --data-dir LOADED mesh20k.ndjson
    .venv/bin/python scripts/bench_restated_groups.py --data-dir LOADED rerun20k.ndjson
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from graph.core.mutations import decode, encode  # noqa: E402
from graph.intake.bulk_load import _spans, translate_chunk  # noqa: E402
from graph.stores import column_clocks  # noqa: E402
from graph.stores.embedded.store import EmbeddedStore  # noqa: E402
from graph.stores.journal import seal  # noqa: E402
from ingest.domain_rules import DomainRules  # noqa: E402


def cpu_a_batch(data_dir: Path, payloads: list[bytes]) -> tuple[float, float, float, int]:
    """Seal, plan and commit CPU a batch (ms) into a copy of ``data_dir``, and the changes."""
    with tempfile.TemporaryDirectory(prefix="lineagemesh-groups-") as scratch:
        copy = Path(scratch) / "store"
        shutil.copytree(data_dir, copy)
        store = EmbeddedStore(copy)
        try:
            graph = store.native_graph()
            sealing = planning = committing = 0.0
            changes = 0
            for payload in payloads:
                started = time.thread_time()
                seal(payload)
                sealed = time.thread_time()
                plan = graph.plan(payload)
                planned = time.thread_time()
                graph.commit(plan)
                committed = time.thread_time()
                sealing += sealed - started
                planning += planned - sealed
                committing += committed - planned
                changes += plan.changed
        finally:
            store.close()
    n = len(payloads)
    return sealing * 1e3 / n, planning * 1e3 / n, committing * 1e3 / n, changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("events", type=Path, help="a re-run's NDJSON events")
    parser.add_argument("--data-dir", type=Path, required=True, help="the store it re-runs into")
    parser.add_argument("--skip", type=int, default=10, help="batches skipped first")
    parser.add_argument("--batches", type=int, default=20, help="batches of 500 events timed")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each form")
    args = parser.parse_args(argv)
    rules = DomainRules()
    spans = list(_spans(args.events))[args.skip : args.skip + args.batches]
    whole: list[bytes] = []
    without: list[bytes] = []
    counts = [0, 0]
    for span in spans:
        payload = translate_chunk(span, rules).translation.payload
        mutations = decode(payload)
        rest, _ = column_clocks.partition(mutations)
        counts[0] += len(mutations)
        counts[1] += len(rest)
        whole.append(payload)
        without.append(encode(rest))
    print(
        f"{len(spans)} batches: {counts[0]} mutations ({sum(map(len, whole))} bytes), "
        f"{counts[1]} without the restated groups ({sum(map(len, without))} bytes)"
    )
    rows: dict[str, list[tuple[float, float, float, int]]] = {"as now": [], "groups out": []}
    for _ in range(args.rounds):
        rows["as now"].append(cpu_a_batch(args.data_dir, whole))
        rows["groups out"].append(cpu_a_batch(args.data_dir, without))
    medians = {}
    for label, runs in rows.items():
        seal_ms, plan_ms, commit_ms = (statistics.median(r[i] for r in runs) for i in range(3))
        medians[label] = seal_ms + plan_ms + commit_ms
        print(
            f"{label:10s} changes {runs[0][3]:>7}  seal {seal_ms:5.2f}  plan {plan_ms:6.2f}  "
            f"commit {commit_ms:5.2f} ms CPU a batch (medians of {len(runs)})"
        )
    print(f"groups out / as now: {medians['groups out'] / medians['as now']:.3f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
