"""GraphQL ``impact(asOf:)`` on every store: the changed node is shown as it was then, a drop
by that moment included, a later one not."""

from __future__ import annotations

import pytest
from openlineage_events import PRODUCER, complete

from graph.serve.schema import context, schema
from graph.stores import Store
from ingest.openlineage import translate

pytestmark = pytest.mark.usefixtures("read_modes")

IMPACT = """query($id: String!, $asOf: DateTime) {
  impact(nodeId: $id, asOf: $asOf) { changed { id deleted } affected { id } }
}"""


def event(job: str, at: str, inputs: list[dict], outputs: list[dict]) -> dict:
    return complete(job, inputs, outputs, at=at, job_namespace="etl")


def dropped(name: str) -> dict:
    facet = {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/LifecycleStateChangeDatasetFacet.json",
        "lifecycleStateChange": "DROP",
    }
    return {"namespace": "pg", "name": name, "facets": {"lifecycleStateChange": facet}}


def changed(store: Store, node: str, as_of: str | None) -> dict:
    result = schema.execute_sync(
        IMPACT, variable_values={"id": node, "asOf": as_of}, context_value=context(store)
    )
    assert result.errors is None and result.data is not None, result.errors
    return result.data["impact"]["changed"]


def test_the_changed_node_is_deleted_as_of_a_moment_after_its_drop_only(store: Store) -> None:
    src, out = {"namespace": "pg", "name": "src"}, {"namespace": "pg", "name": "out"}
    for e in (
        event("build_out", "2026-01-01T00:00:00Z", [src], [out]),
        event("drop_out", "2026-03-01T00:00:00Z", [], [dropped("out")]),
    ):
        store.apply(translate(e))
    assert changed(store, "dataset:pg:out", None) == {"id": "dataset:pg:out", "deleted": True}
    assert changed(store, "dataset:pg:out", "2026-03-15T00:00:00Z")["deleted"] is True
    assert changed(store, "dataset:pg:out", "2026-02-15T00:00:00Z")["deleted"] is False
    assert changed(store, "dataset:pg:src", "2026-03-15T00:00:00Z")["deleted"] is False
