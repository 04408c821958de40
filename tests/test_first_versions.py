"""A first load's first schema versions, made natively from a batch's wire form
(``ObservedSchemas.first_versions``, ``native/core/schema_versions.h``), against the Python path
that makes every other version (``SchemaHistory._history``): the same upserts, key for key, on
generated batches with whatever JSON a column's properties may hold. Their uuids and ids are kept
in journals and in Neo4j, so a difference would split one schema into two versions."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.change import schema_history
from graph.change.schema_history import SchemaHistory
from graph.change.schema_observations import distinct, observations_of, read_observed
from graph.core.model import EdgeKind, NodeKind, dataset_id
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode, decode, encode, stamp
from graph.stores import Store, open_store

DETECTED = "2026-11-27T06:00:00.123456Z"
texts = st.text(max_size=12)  # any code point: escapes, control characters, astral planes
ints = st.integers(-(2**63), 2**64 - 1)  # both of the wire's integer forms
json_values = st.recursive(
    st.none() | st.booleans() | ints | texts | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
column_props = st.fixed_dictionaries(
    {},
    optional={
        "type": texts | st.none(),
        "description": json_values,
        "required": st.booleans(),
        "fieldId": ints | st.floats(allow_nan=False),
        "ordinal": st.integers(0, 500),
        "enum": st.lists(texts, max_size=4),
        "tags": st.lists(texts, max_size=2),  # not the schema's: left out of the version
    },
)
stamps = st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)).map(
    lambda d: stamp(d.replace(tzinfo=UTC))
)


@st.composite
def batches(draw: st.DrawFn) -> list[Mutation]:
    """Datasets (each once) stating their columns, each column's properties written by one or two
    upserts at the dataset's stamp, some with the run that produced them."""
    made: list[Mutation] = []
    names = draw(st.lists(texts.filter(bool), min_size=1, max_size=4, unique=True))
    for name in names:
        ns, at = draw(st.sampled_from(["pg://h:5432", "s3://b", "ns%x"])), draw(stamps)
        dataset = dataset_id(ns, name)
        columns = draw(st.lists(texts, max_size=5))
        made.append(
            UpsertNode(
                dataset, NodeKind.DATASET, at, {"namespace": ns, "name": name, "columns": columns}
            )
        )
        for k, column in enumerate(columns):
            made.extend(
                UpsertNode(
                    f"{dataset}:{column}:{k}",
                    NodeKind.COLUMN,
                    at,
                    {"datasetId": dataset, "name": column, **props},
                )
                for props in draw(st.lists(column_props, min_size=0, max_size=2))
            )
        if draw(st.booleans()):
            made.append(UpsertEdge(f"run:{name}", EdgeKind.PRODUCED, dataset, at))
    return made


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(f"embedded:{tmp_path_factory.mktemp('first-versions') / 'store'}")
    yield store
    store.close()


def python_versions(store: Store, payload: bytes, indices: list[int]) -> list[Mutation]:
    """The versions the Python path makes of those observations, on a store holding none."""
    reading = read_observed(payload)
    assert reading is not None
    history = SchemaHistory(store)
    made, changes = history._history(observations_of(reading, indices, "openlineage"), DETECTED)
    assert changes == []
    return made


def as_compared(mutations: list[Mutation]) -> list[tuple[Any, ...]]:
    """Upserts as compared: their props' key order too (the wire keeps it)."""
    nodes = [m for m in mutations if isinstance(m, UpsertNode)]
    assert len(nodes) == len(mutations)  # versions only
    return sorted((m.id, m.kind, m.at, list(m.props.items()), dict(m.first)) for m in nodes)


@settings(max_examples=150, deadline=None)
@given(batch=batches())
def test_first_versions_are_the_python_paths(empty_store: Store, batch: list[Mutation]) -> None:
    payload = encode(batch)
    reading = read_observed(payload)
    assert reading is not None
    indices = distinct(reading)[1]
    native, left = reading.first_versions(indices, "openlineage", DETECTED)
    made = decode(native) if native else []
    assert len(made) + len(left) == len(indices)
    assert set(left) <= set(indices)
    assert as_compared(made + python_versions(empty_store, payload, left)) == as_compared(
        python_versions(empty_store, payload, indices)
    )


def test_a_float_in_a_field_is_left_to_python(empty_store: Store) -> None:
    """orjson writes floats its own way: a version whose fields hold one is made in Python, so
    its uuid is the one it has always had."""
    at = "2026-01-01T00:00:00Z"
    a, b = dataset_id("ns", "a"), dataset_id("ns", "b")
    payload = encode(
        [
            UpsertNode(a, NodeKind.DATASET, at, {"namespace": "ns", "name": "a", "columns": ["x"]}),
            UpsertNode("c:a", NodeKind.COLUMN, at, {"datasetId": a, "name": "x", "fieldId": 1.5}),
            UpsertNode(b, NodeKind.DATASET, at, {"namespace": "ns", "name": "b", "columns": ["x"]}),
            UpsertNode("c:b", NodeKind.COLUMN, at, {"datasetId": b, "name": "x", "fieldId": 2}),
        ]
    )
    reading = read_observed(payload)
    assert reading is not None
    native, left = reading.first_versions([0, 1], "openlineage", DETECTED)
    assert left == [0]
    (version,) = decode(native)
    assert version.props["datasetId"] == b and version.props["fields"] == [
        {"name": "x", "fieldId": 2}
    ]
    assert version == python_versions(empty_store, payload, [1])[0]


@given(st.binary(max_size=300))
def test_a_version_uuid_is_the_sha256_of_its_json_as_a_uuid5(data: bytes) -> None:
    """Across SHA-256's padding boundaries (55, 56, 64 bytes...): the uuid ``uuid`` makes."""
    digest = hashlib.sha256(data).digest()
    assert schema_history.version_uuid(data) == str(uuid.UUID(bytes=digest[:16], version=5))


def test_version_ids_sort_newest_first() -> None:
    older, newer = "2026-01-01T00:00:00.000001Z", "2026-01-02T00:00:00Z"
    ids = [
        schema_history.version_node_id("dataset:ns:t", at, "v", DETECTED) for at in (older, newer)
    ]
    assert sorted(ids) == ids[::-1]
    assert ids[0].startswith(schema_history.versions_prefix("dataset:ns:t"))
    assert (
        schema_history.versions_prefix("dataset:ns:a:b") == "datasetVersion:dataset%3Ans%3Aa%3Ab:"
    )
