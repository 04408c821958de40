"""The whole-mesh health rollup (``graph.read.health_rollup``) on a generated mesh with failing
checks: one pass (own states read once, a downstream walk per failing dataset or job) judges every
dataset and every domain as the walk per dataset (``graph.read.health``) does."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from command_line import ingested_mesh_with_rules
from openlineage.client.event_v2 import InputDataset
from openlineage.client.generated import data_quality_assertions_dataset as dqa
from test_quality_health import event

from graph.core.model import Node, NodeKind
from graph.read import health, health_rollup, mesh
from graph.read.health import HealthStatus, Walks
from graph.stores import Store, open_store
from ingest.openlineage import translate

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _checked(
    namespace: str, name: str, severity: str = "error", success: bool = False
) -> dict[str, object]:
    assertion = dqa.Assertion(
        assertion="not_null", success=success, column="id", severity=severity, name="not_null_id"
    )
    facets: dict[str, Any] = {
        "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet([assertion])
    }
    checked = InputDataset(namespace=namespace, name=name, inputFacets=facets)
    return event(f"check_{name}", "2026-05-31T00:00:00Z", [checked])


def _same_statuses(
    store: Store, datasets: list[Node]
) -> tuple[dict[str, HealthStatus], dict[str, HealthStatus]]:
    """The one pass's statuses of every dataset and domain, asserted equal to the walks'."""
    walks = Walks.of(deadline_seconds=120)
    one_pass = health_rollup.dataset_statuses(store, NOW, walks)
    per_dataset = health.datasets_health(store, [d.id for d in datasets], NOW, walks=walks)
    assert one_pass == {d: h.status for d, h in per_dataset.items()}
    domains = mesh.all_of_kind(store, NodeKind.DOMAIN)
    rolled = health_rollup.domain_statuses(store, domains, NOW, walks)
    assert rolled == {d.id: health.domain_health(store, d, NOW, walks).status for d in domains}
    return one_pass, rolled


def test_the_one_pass_rollup_judges_as_the_walk_per_dataset_does(tmp_path: Path) -> None:
    store = open_store(str(ingested_mesh_with_rules(tmp_path, 400)))
    try:
        datasets = mesh.all_of_kind(store, NodeKind.DATASET)
        # error-level failures on a few datasets upstream and down, a warning on another
        checked = datasets[::53]
        for i, dataset in enumerate(checked):
            severity = "warn" if i == 2 else "error"
            namespace, name = dataset.props["namespace"], dataset.props["name"]
            store.apply(translate(_checked(namespace, name, severity)))
        judged, first = _same_statuses(store, datasets)
        assert {HealthStatus.FAILING, HealthStatus.AT_RISK, HealthStatus.UNKNOWN} <= set(
            judged.values()
        )
        # then all pass but one: some domains are no longer FAILING
        for dataset in checked[1:]:
            namespace, name = dataset.props["namespace"], dataset.props["name"]
            store.apply(translate(_checked(namespace, name, success=True)))
        judged_again, rolled = _same_statuses(store, datasets)
        assert judged_again != judged and rolled != first, rolled
    finally:
        store.close()
