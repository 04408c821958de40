"""What the fuzzing of a live server (tests/test_fuzz_server.py) found, pinned and checked in
process: events no layer can store are rejected by name, odd schema fields become columns
GraphQL can return, and the regressions that need no server. Each was a 500, or a GraphQL error
on reading."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fuzz_inputs import FACET_URL, OUT_OF_RANGE_TIMES, PRODUCER, QUERIES, _events_with, nested

from graph.core.errors import QueryError
from graph.core.model import NodeKind
from graph.serve.app import limited_schema
from graph.serve.limits import GraphQLLimits
from graph.serve.schema import context
from graph.stores.embedded.store import EmbeddedStore
from ingest.openlineage import translate
from ingest.openlineage_schema import InvalidEvent

# -- what this fuzzing found, pinned (each was a 500, or a GraphQL error on reading) ------------------


def _with_output_facet(name: str, value: Any) -> dict:
    event = _events_with("ns", "t", "j", ["a"], 1)
    event["outputs"][0]["facets"][name] = {
        "_producer": PRODUCER,
        "_schemaURL": FACET_URL,
        "v": value,
    }
    return event


def _with_field(**extra: Any) -> dict:
    return _events_with("ns", "t", "j", ["a"], 1, [extra])


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (
            _with_output_facet("plan", nested(300)),
            "nested deeper than 200 levels",
        ),  # orjson writes 254 levels
        (
            {**_events_with("ns", "t", "j", [], 1), "eventTime": "0001-01-01T00:00:00+01:00"},
            "$.eventTime: ",
        ),
        (
            {**_events_with("ns", "t", "j", [], 1), "eventTime": "9999-12-31T23:59:59-01:00"},
            "out of range",
        ),
        (
            _events_with("ns", "x" * 5000, "j", [], 1),
            "over the limit of 4096",
        ),  # Neo4j indexes ~8 KB
    ],
)
def test_events_no_layer_can_store_are_rejected_by_name(event: dict, error: str) -> None:
    with pytest.raises(InvalidEvent, match=re.escape(error)):
        translate(event)


@pytest.mark.parametrize(
    ("extra", "ordinal", "tags"),
    [
        ({"tags": True}, 1, None),
        ({"tags": [{"weird": 1}, {"key": {"a": 1}}, {"name": "pii"}]}, 1, ["pii"]),
        ({"ordinal_position": 2**31}, 1, None),  # GraphQL Int is 32 bits
        ({"ordinal_position": 7.0}, 7, None),
    ],
)
def test_odd_schema_fields_become_columns_graphql_can_return(
    extra: dict, ordinal: int, tags: list | None
) -> None:
    (column,) = [m for m in translate(_with_field(**extra)) if m.kind is NodeKind.COLUMN]
    assert (column.props["ordinal"], column.props.get("tags")) == (ordinal, tags)


# -- regressions of bugs the fuzzing found, and one known design issue -------------------------------------


@pytest.mark.parametrize("as_of", OUT_OF_RANGE_TIMES)
def test_an_out_of_range_as_of_is_a_clear_query_error(tmp_path: Path, as_of: str) -> None:
    with EmbeddedStore(tmp_path) as store:
        store.apply(translate(_events_with("ns", "t", "j", ["x"], 1)))
        result = limited_schema(GraphQLLimits()).execute_sync(
            QUERIES["lineage"],
            variable_values={"id": "dataset:ns:t", "asOf": as_of},
            context_value={"request": None, "response": None, **context(store)},
        )
    assert result.errors and isinstance(result.errors[0].original_error, QueryError)


def test_namespaces_and_names_with_colons_do_not_collide(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        for serial, (namespace, name) in enumerate([("a:b", "c"), ("a", "b:c")], start=1):
            store.apply(translate(_events_with(namespace, name, "j", ["x"], serial)))
        assert store.counts()["Dataset"] == 2


def test_an_event_from_year_999_does_not_overwrite_a_newer_one(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:
        new = _events_with("ns", "t", "j", ["new"], 1)
        old = _events_with("ns", "t", "j", ["old"], 2)
        old["eventTime"] = "0999-01-01T00:00:00Z"
        store.apply(translate(new))
        store.apply(translate(old))
        assert store.nodes(["dataset:ns:t"])["dataset:ns:t"].props["columns"] == ["new"]
