"""Schema history reads a batch's schema observations from its wire form
(``graph.change.schema_observations.observations_in``, native/core/observations.h) instead of decoding
the batch: it must find exactly what the Python rule (``observations``) finds in the decoded
mutations, for generated batches (several parts, columns stated twice, odd values) and for the
batches the OpenLineage translation makes of the corpora's events."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from graph.change.schema_observations import (
    OPENLINEAGE,
    observations,
    observations_in,
    observed_index,
    read_observed,
)
from graph.core.model import EdgeKind, NodeKind
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode, concat_encoded, decode, encode
from ingest.openlineage import translate_encoded, translate_many

STAMPS = ["2026-01-05T00:00:01.000000Z", "2026-01-05T00:00:02.000000Z"]
DATASETS = ["dataset:ns:a", "dataset:ns:b", "dataset:ns:c%3Ad"]
NAMES = ["id", "name", "amount", "x:y"]

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["BIGINT", "text", "", "é"]),
    st.lists(st.sampled_from(["a", "b", 1, None]), max_size=3),
)


@st.composite
def column(draw: Any) -> Mutation:
    dataset = draw(st.sampled_from(DATASETS))
    name = draw(st.sampled_from(NAMES))
    props: dict[str, Any] = {"datasetId": dataset, "name": name}
    if draw(st.booleans()):
        props["datasetId"] = None  # a column upsert no dataset owns
    for key in ("type", "description", "required", "fieldId", "ordinal", "enum", "tags"):
        if draw(st.booleans()):
            props[key] = draw(values)
    return UpsertNode(
        f"datasetField:{dataset}:{name}", NodeKind.COLUMN, draw(st.sampled_from(STAMPS)), props
    )


@st.composite
def dataset(draw: Any) -> Mutation:
    props: dict[str, Any] = {"namespace": "ns", "name": draw(st.sampled_from(["a", "b", "é"]))}
    if draw(st.integers(0, 3)):
        props["columns"] = draw(st.lists(st.sampled_from(NAMES), max_size=5))
    elif draw(st.booleans()):
        props["columns"] = "not a list"
    if draw(st.booleans()):
        del props["namespace"]
    return UpsertNode(
        draw(st.sampled_from(DATASETS)),
        NodeKind.DATASET,
        draw(st.sampled_from(STAMPS)),
        props,
        {"firstSeenAt": STAMPS[0]},
    )


@st.composite
def produced(draw: Any) -> Mutation:
    return UpsertEdge(
        draw(st.sampled_from(["run:1", "run:2"])),
        EdgeKind.PRODUCED,
        draw(st.sampled_from(DATASETS)),
        draw(st.sampled_from(STAMPS)),
    )


batches = st.lists(st.lists(st.one_of(column(), dataset(), produced()), max_size=12), max_size=4)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(batches)
def test_the_wire_reader_finds_what_the_python_rule_finds(parts: list[list[Mutation]]) -> None:
    payload = concat_encoded([encode(part) for part in parts if part])
    found = observations_in(payload, OPENLINEAGE)
    assert found is not None  # nothing here is left to the Python reader
    assert found == observations(decode(payload), OPENLINEAGE)
    for ours, theirs in zip(found, observations(decode(payload), OPENLINEAGE), strict=True):
        assert [list(f) for f in ours.fields] == [list(f) for f in theirs.fields]  # key order too


@settings(max_examples=200, deadline=None, derandomize=True)
@given(batches, st.data())
def test_what_a_worker_read_is_adopted_as_the_same_reading(
    parts: list[list[Mutation]], data: st.DataObject
) -> None:
    """A worker hands over what it read of its batch as an index into the payload
    (``observed_index``): the applying process adopts it and reads the same observations as
    reading the batch itself; an index damaged anywhere is refused (ValueError) or reads what it
    names within the payload: never beyond it."""
    payload = concat_encoded([encode(part) for part in parts if part])
    index = observed_index(payload)
    if b"columns" not in payload:
        assert index is None
        return
    read, adopted = read_observed(payload), read_observed(payload, index)
    assert read is not None and adopted is not None and index is not None
    assert adopted.keys() == read.keys() and adopted.rows() == read.rows()
    assert adopted.index() == index
    at = data.draw(st.integers(0, len(index) - 1))
    damaged = [index[:at], index[:at] + bytes([index[at] ^ 0xFF]) + index[at + 1 :]]
    for bad in damaged:
        try:  # (a flip that still names texts and values within the payload reads them)
            again = read_observed(payload, bad)
            assert again is not None
            again.rows()
        except ValueError:
            pass


def test_a_batch_naming_a_contract_or_an_odd_name_is_left_to_the_python_reader() -> None:
    contract = UpsertNode("contract:c", NodeKind.CONTRACT, STAMPS[0], {"freshnessHours": 2})
    odd = UpsertNode(
        "datasetField:dataset:ns:a:1",
        NodeKind.COLUMN,
        STAMPS[0],
        {"datasetId": DATASETS[0], "name": 1},
    )
    table = UpsertNode(DATASETS[0], NodeKind.DATASET, STAMPS[0], {"columns": ["id"]})
    for batch in ([table, contract], [table, odd]):
        assert observations_in(encode(batch), OPENLINEAGE) is None
    assert (
        observations_in(b'[["N", "dataset:ns:a", "Dataset", "t", null, null]]', OPENLINEAGE) is None
    )


def test_the_translations_of_a_corpus_read_the_same_either_way(
    food_delivery_events: list[dict[str, Any]],
) -> None:
    """Marquez's food-delivery events (schemas, column lineage), as a file's chunk (one batch)
    and as an HTTP batch (a part an event)."""
    events = food_delivery_events
    one, refused = translate_many(events)
    assert not refused
    each = concat_encoded([translate_encoded(event) for event in events])
    for payload in (one, each):
        found = observations_in(payload, OPENLINEAGE)
        assert found, "the corpus states schemas"
        assert found == observations(decode(payload), OPENLINEAGE)
