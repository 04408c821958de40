"""The impact walks of batches of breaking changes (``graph.change.schema_history``) on Neo4j: the
changes and their notifications must be those the embedded store records, for batches holding
many breaking changes of datasets whose impacts overlap, each notified once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import generate_mesh as gm
import orjson
import pytest

from graph.change import schema_history
from graph.core.model import NodeKind
from graph.intake.ingest_service import IngestService, translate_events
from graph.notify import notifications
from graph.stores import Store, open_store

pytestmark = pytest.mark.neo4j

BATCH_EVENTS = 400  # as a bulk load or a client's batch: each holds several breaking changes


def steady_events() -> list[dict[str, Any]]:
    """A 300-dataset mesh run three times, a third of the re-runs changing an output schema."""
    return [
        orjson.loads(orjson.dumps(event))
        for event in gm.generate(300, 7, reruns=3, change_rate=0.3)
    ]


def history(store: Store) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The breaking changes with their impact, and the notifications, without detection times
    (which their ids hold too)."""
    changes = [
        {k: v for k, v in c.props.items() if k not in ("detectedAt", "versionId")}
        for c in schema_history.schema_changes(store, 10_000)
    ]
    notified: list[dict[str, Any]] = []
    after: str | None = None
    while page := store.nodes_of_kind(NodeKind.NOTIFICATION, 1000, after):
        notified.extend(n.props for n in page)
        after = page[-1].id
    told = [
        {k: v for k, v in p.items() if k not in ("createdAt", "detectedAt", "versionId")}
        for p in notified
    ]
    return sorted(changes, key=_sort_key), sorted(told, key=_sort_key)


def _sort_key(props: dict[str, Any]) -> bytes:
    return orjson.dumps(props, option=orjson.OPT_SORT_KEYS)


def test_a_batchs_walks_on_neo4j_record_what_the_embedded_store_records(
    neo4j_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import _wipe_neo4j

    # the stores must agree on whole impacts: a cold Neo4j on a loaded host planning its first
    # walk statements can take longer than the time a change's impact gets in production
    monkeypatch.setattr(notifications, "IMPACT_DEADLINE_SECONDS", 60.0)
    monkeypatch.setattr(notifications, "IMPACT_BATCH_SECONDS", 600.0)
    _wipe_neo4j(neo4j_server.uri)
    events = steady_events()
    recorded = []
    breaking_in_batch: list[int] = []
    for store in (open_store(data_dir=str(tmp_path / "embedded")), open_store(neo4j_server.uri)):
        with store:
            service = IngestService(store)
            for at in range(0, len(events), BATCH_EVENTS):
                before = len(schema_history.schema_changes(store, 10_000))
                translation = translate_events(events[at : at + BATCH_EVENTS], keep_raw=False)
                assert not translation.refused
                service.commit(translation.payload, None)
                if store.remote:
                    breaking_in_batch.append(
                        len(schema_history.schema_changes(store, 10_000)) - before
                    )
            recorded.append(history(store))
    (embedded_changes, embedded_told), (neo4j_changes, neo4j_told) = recorded
    # batches that walk many impacts through one view, whose reaches overlap downstream
    assert max(breaking_in_batch) >= 5, breaking_in_batch
    assert all(c["impactComputed"] and not c["impactTruncated"] for c in neo4j_changes)
    reached = Counter(d for c in neo4j_changes for d in c["affectedDatasets"])
    assert reached.most_common(1)[0][1] >= 2
    assert neo4j_changes == embedded_changes
    assert neo4j_told == embedded_told
    # each version with breaking changes is told once, naming each of its changes
    told_of = Counter((t["datasetId"], t["version"]) for t in neo4j_told)
    assert set(told_of.values()) == {1}
    assert sorted(len(t["changeIds"]) for t in neo4j_told) == sorted(
        Counter((c["datasetId"], c["version"]) for c in neo4j_changes).values()
    )
