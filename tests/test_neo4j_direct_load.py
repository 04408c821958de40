"""A load into Neo4j translates in this process up to ``REMOTE_WORKER_BYTES`` of events (a
re-run round of the 1k mesh, 6 MB, loaded quicker so: the server needs the cores the workers
would take), where a load of the same size into the embedded store starts its workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from graph.eventlog.event_log_migration import open_event_log
from graph.intake.bulk_load import REMOTE_WORKER_BYTES, WORKER_BYTES, default_workers, load_events
from graph.intake.ingest_service import IngestService
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.neo4j import Neo4jStore

pytestmark = pytest.mark.neo4j
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mesh's events, more than ``WORKER_BYTES`` and less than ``REMOTE_WORKER_BYTES``."""
    out = tmp_path_factory.mktemp("mesh") / "mesh.ndjson"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "generate_mesh.py"),
            *("--datasets", "700", "--seed", "7", "--out", str(out), "--quiet"),
        ],
        check=True,
    )
    assert WORKER_BYTES < out.stat().st_size < REMOTE_WORKER_BYTES
    return out


def test_a_load_into_neo4j_below_its_threshold_translates_here(
    neo4j_server: Any, events: Path, tmp_path: Path
) -> None:
    from conftest import _wipe_neo4j

    _wipe_neo4j(neo4j_server.uri)
    store = Neo4jStore(neo4j_server.uri)
    try:
        with open_event_log(store, tmp_path / "log") as log:
            report = load_events(IngestService(store, log), [events])
        assert report.workers == 0 and report.rejected == 0
        assert report.accepted == len(events.read_bytes().splitlines())
        assert store.counts()["Dataset"] >= 700
    finally:
        store.close()


def test_the_same_load_into_the_embedded_store_starts_workers(events: Path, tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "store") as store, open_event_log(store) as log:
        report = load_events(IngestService(store, log), [events])
        assert report.workers == default_workers() > 0
        assert report.accepted == len(events.read_bytes().splitlines())
