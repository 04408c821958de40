"""``Dataset.columns`` of a wide dataset, on every store: every column, in schema order, each
``current`` exactly when the newest schema declares it (the check is a set, asked once)."""

from __future__ import annotations

from openlineage_events import complete, with_schema

from graph.serve.schema import context, schema
from graph.stores import Store
from ingest.openlineage import translate

COLUMNS = '{ dataset(namespace: "wide", name: "t") { columns { name current ordinal } } }'


def schema_event(names: list[str], at: str) -> dict:
    table = with_schema("wide", "t", [{"name": n, "type": "string"} for n in names])
    return complete("writer", [], [table], at=at, job_namespace="wide")


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
