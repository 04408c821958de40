#!/usr/bin/env python3
"""Validation and translation of OpenLineage events in batches, as a bulk load calls it
(``ingest.openlineage.translate_batch``), valid events or each one broken: events/s of this tree's
installed lineagemesh, to compare one tree's with another's on the same events (run under
farm-bench with ``--vs``, each tree's own ``.venv/bin/python`` running this file).

Usage::

    python scripts/generate_mesh.py --datasets 2000 --seed 7 --out /tmp/mesh.ndjson
    .venv/bin/python scripts/bench_event_validation.py /tmp/mesh.ndjson --broken

``--broken``: each event given one schema error (a wrong type, a missing required field or a
value outside an enum, in turn: at the event, a dataset or a facet), so every event is refused.
Prints ``N events in S s (R events/s)``, the batches' time alone.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import orjson

from ingest.openlineage import translate_batch


def _broken(event: dict[str, Any], turn: int) -> dict[str, Any]:
    datasets = event.get("inputs") or event.get("outputs") or []
    kind = turn % 4
    if kind == 0 and "job" in event:
        event["job"]["name"] = 7
    elif kind == 1 and "eventType" in event:
        event["eventType"] = "BOGUS"
    elif kind == 2 and datasets:
        del datasets[0]["namespace"]
    elif kind == 3 and datasets and "schema" in (datasets[-1].get("facets") or {}):
        datasets[-1]["facets"]["schema"]["fields"][0]["name"] = None
    else:
        event["producer"] = 1
    return event


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("events", type=Path, help="NDJSON of OpenLineage events")
    ap.add_argument("--broken", action="store_true", help="each event made invalid")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3, help="passes over the events")
    args = ap.parse_args()
    lines = [line for line in args.events.read_bytes().splitlines() if line.strip()]
    if args.broken:
        lines = [orjson.dumps(_broken(orjson.loads(line), i)) for i, line in enumerate(lines)]
    translate_batch(lines[: args.batch])  # schemas compiled, imports done
    started = time.perf_counter()
    refused = 0
    for _ in range(args.rounds):
        for at in range(0, len(lines), args.batch):
            refused += len(translate_batch(lines[at : at + args.batch]).refused)
    seconds = time.perf_counter() - started
    count = len(lines) * args.rounds
    print(f"{count} events in {seconds:.3f} s ({count / seconds:,.0f} events/s), {refused} refused")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
