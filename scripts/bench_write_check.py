#!/usr/bin/env python3
"""The authorization check of a domain-scoped writer over long alias chains (``graph.intake.authorization``).

Usage::

    python scripts/bench_write_check.py --chain 32000

One event whose datasets form an alias chain of ``--chain`` links (each a LOCATION symlink of the
one before: the inputs oldest first, the output last, the order that made the closure of what the
event writes grow one link per pass over all of them, quadratic), and one event writing
the head of that chain once the store holds it: the seconds ``domains_touched`` takes for each, on
the embedded store. The admin path skips the check, so this is the whole difference between a
scoped writer's ingest and an admin's. Figures go to ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.intake.authorization import domains_touched
from graph.stores import open_store
from ingest.domain_rules import DomainRules
from ingest.openlineage import translate

SYMLINKS = (
    "https://openlineage.io/spec/facets/1-0-1/SymlinksDatasetFacet.json#/$defs/SymlinksDatasetFacet"
)


def aliased_chain(links: int) -> dict:
    """A RunEvent reading t0..t{links - 1} and writing t{links}, each aliased by the one before."""
    outputs: list[dict[str, Any]] = [{"namespace": "s3://bench", "name": "t0"}]
    for i in range(1, links + 1):
        symlinks = {
            "_producer": "https://example.com/bench",
            "_schemaURL": SYMLINKS,
            "identifiers": [{"namespace": "s3://bench", "name": f"t{i - 1}", "type": "LOCATION"}],
        }
        outputs.append(
            {"namespace": "s3://bench", "name": f"t{i}", "facets": {"symlinks": symlinks}}
        )
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-05T06:00:00Z",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "bench", "name": "alias"},
        "producer": "https://example.com/bench",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "inputs": outputs[:-1],
        "outputs": outputs[-1:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chain", type=int, default=32000, help="alias links (default 32000)")
    args = parser.parse_args()
    rules = DomainRules.parse({"rules": [{"domain": "bench", "namespace": "s3://bench"}]})
    with tempfile.TemporaryDirectory() as data_dir:
        store = open_store(data_dir=data_dir)
        try:
            chain = translate(aliased_chain(args.chain), rules)
            started = time.perf_counter()
            touched = domains_touched(chain, store)
            in_event = time.perf_counter() - started
            store.apply(chain)
            head = translate({**aliased_chain(0), "run": {"runId": str(uuid.uuid4())}}, rules)
            started = time.perf_counter()
            domains_touched(head, store)
            in_store = time.perf_counter() - started
        finally:
            store.close()
    print(
        f"alias chain of {args.chain}: domains {sorted(touched)}; check of the chain's event {in_event:.2f} s, "
        f"of an event writing its head once stored {in_store:.3f} s"
    )


if __name__ == "__main__":
    main()
