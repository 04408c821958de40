"""``asOf`` answers show nodes as they were then, on every store: a dataset written and later
dropped is not shown dropped at a moment between the two (its ``deleted`` was read as it stands
now)."""

from __future__ import annotations

import pytest
from explorer_demo import retire_events

from graph.serve.schema import context, schema
from graph.stores import Store
from ingest.openlineage import translate

pytestmark = pytest.mark.usefixtures("read_modes")

RETIRED = "dataset:fanout:retired"
LINEAGE = """query($id: String!, $asOf: DateTime) {
  lineage(nodeId: $id, direction: BOTH, asOf: $asOf) { nodes { id deleted } }
}"""


def deleted_then(store: Store, as_of: str | None) -> dict[str, bool]:
    result = schema.execute_sync(
        LINEAGE, variable_values={"id": RETIRED, "asOf": as_of}, context_value=context(store)
    )
    assert result.errors is None and result.data is not None, result.errors
    return {n["id"]: n["deleted"] for n in result.data["lineage"]["nodes"]}


def test_a_dataset_is_shown_dropped_only_from_its_drop_on(store: Store) -> None:
    for event in retire_events():  # written 2026-01-05 06:00, dropped 2026-01-06 06:00
        store.apply(translate(event))
    assert deleted_then(store, None)[RETIRED] is True
    assert deleted_then(store, "2026-01-05T12:00:00Z") == {
        RETIRED: False,
        "job:fanout:retire": False,
    }
    assert deleted_then(store, "2026-01-06T12:00:00Z")[RETIRED] is True
