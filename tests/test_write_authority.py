"""Who may write what: the authorization of domain-scoped writers (``graph.api.domains``) on both
stores, directly and over real HTTP to a real server."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from graph.api.domains import domains_touched
from graph.model import EdgeKind, NodeKind, dataset_id, domain_id
from graph.mutations import UpsertEdge, UpsertNode
from graph.stores import Store
from ingest.openlineage import translate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from bench_write_check import aliased_chain  # noqa: E402

AT = "2026-01-01T00:00:00.000000Z"


def test_the_check_follows_long_alias_chains(store: Store) -> None:
    links = 3000
    # The event's own chain, listed so that a closure growing one link per pass would be quadratic:
    # it writes t3000, which its links tie to t0, marketing's.
    store.apply([UpsertNode(domain_id("marketing"), NodeKind.DOMAIN, AT, {"name": "marketing"}),
                 UpsertNode(dataset_id("s3://bench", "t0"), NodeKind.DATASET, AT, {"namespace": "s3://bench", "name": "t0"}),
                 UpsertEdge(dataset_id("s3://bench", "t0"), EdgeKind.BELONGS_TO, domain_id("marketing"), AT, {"source": "catalog"})])
    chain = translate(aliased_chain(links))
    assert sum(isinstance(m, UpsertEdge) and m.kind is EdgeKind.ALIAS_OF for m in chain) == links
    assert domains_touched(chain, store) == {"marketing"}

    # A stored chain: writing its far end touches the domain of the canonical dataset.
    store.apply(chain)
    store.apply([UpsertEdge(dataset_id("s3://bench", f"t{links}"), EdgeKind.BELONGS_TO, domain_id("marketing"), AT,
                            {"source": "catalog"})])
    head = translate({**aliased_chain(0), "run": {"runId": str(uuid.uuid4())}})
    assert domains_touched(head, store) == {"marketing"}
