"""``Dataset.columns`` of a wide dataset, on every store: every column, in schema order, each
``current`` exactly when the newest schema declares it (the check is a set, asked once)."""

from __future__ import annotations

import uuid

from graph.api.schema import context, schema
from graph.stores import Store
from ingest.openlineage import translate

PRODUCER = "https://example.com/tests"
SCHEMA_FACET = (
    "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
)
COLUMNS = '{ dataset(namespace: "wide", name: "t") { columns { name current ordinal } } }'


def schema_event(names: list[str], at: str) -> dict:
    return {
        "eventType": "COMPLETE",
        "eventTime": at,
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "wide", "name": "writer"},
        "outputs": [
            {
                "namespace": "wide",
                "name": "t",
                "facets": {
                    "schema": {
                        "_producer": PRODUCER,
                        "_schemaURL": SCHEMA_FACET,
                        "fields": [{"name": n, "type": "string"} for n in names],
                    }
                },
            }
        ],
    }


def test_a_wide_dataset_lists_every_column_in_order_with_the_current_ones_marked(
    store: Store,
) -> None:
    width = 20_000
    first = [f"c{i:05d}" for i in range(width)]
    newer = [name for i, name in enumerate(first) if i % 3] + [
        "added"
    ]  # every third column dropped
    store.apply(translate(schema_event(first, "2024-01-01T00:00:00Z")))
    store.apply(translate(schema_event(list(reversed(newer)), "2024-01-02T00:00:00Z")))
    result = schema.execute_sync(COLUMNS, context_value=context(store))
    assert result.errors is None and result.data is not None, result.errors
    columns = result.data["dataset"]["columns"]
    names = [c["name"] for c in columns]
    dropped = sorted(set(first) - set(newer))
    assert (
        names == list(reversed(newer)) + dropped
    )  # the newest schema's order, then the others by name
    assert [c["current"] for c in columns] == [True] * len(newer) + [False] * len(dropped)
    assert len(dropped) == (width + 2) // 3
