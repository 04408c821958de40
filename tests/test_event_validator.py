"""The one event validator (``native/core/json_schema.h``, through
``ingest.openlineage_schema.validate``) judges and words every event as Python jsonschema did
(``tests/event_schema_reference.py``): the same verdict, the same JSON path, the same message,
over the corpora, an event of every standard facet, each of their places broken one at a time,
and generated edits."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from conftest import corpus
from event_schema_reference import refusal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openlineage_events import complete, dataset_event, job_event, json_values
from openlineage_every_facet import every_facet_event

from ingest.openlineage_schema import InvalidEvent, _validator, event_kind, validate


def _seeds() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(
        corpus("marquez-food-delivery", "metadata.json").read_text()
    )
    events.append(every_facet_event())
    events.append(complete("load", [{"namespace": "s3://b", "name": "raw"}], []))
    events.append(dataset_event("2026-01-05T06:00:00+02:00"))
    events.append(job_event("2026-01-05T06:00:00Z"))
    return events


SEEDS = _seeds()
#: What a place is broken with: every JSON type, near-misses of the spec's enums and formats.
BREAKS: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    2.0,
    "",
    "x",
    "START",
    "0191a7c0-0000-7000-8000-00000000zzzz",
    "0x91a7c0-0000-7000-8000-0000000000aa",
    [],
    [1],
    {},
    {"a": 1},
]


def native(event: Any) -> tuple[str, str] | None:
    return _validator().refusal(orjson.dumps(event), event_kind(event))


def same(event: Any) -> tuple[str, str] | None:
    expected = refusal(event, event_kind(event))
    assert native(event) == expected, orjson.dumps(event)[:2000]
    return expected


def _places(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, (*at, index))


def _set(event: Any, at: tuple[Any, ...], value: Any) -> Any:
    edited = copy.deepcopy(event)
    holder = edited
    for step in at[:-1]:
        holder = holder[step]
    if value is _DELETE:
        del holder[at[-1]]
    else:
        holder[at[-1]] = value
    return edited


_DELETE = object()


def test_the_seeds_are_valid_alike() -> None:
    for event in SEEDS:
        assert same(event) is None
        validate(event)


@pytest.mark.parametrize("seed", range(len(SEEDS)), ids=lambda i: f"seed{i}")
def test_every_place_broken_alike(seed: int) -> None:
    """Each place of a seed deleted, or set to each kind of wrong value: judged and worded alike."""
    event = SEEDS[seed]
    refused = 0
    places = [at for at in _places(event) if at and event_kind(event) == _kind_after(event, at)]
    step = 1 if seed >= len(SEEDS) - 4 else 3  # the 26 Marquez events share a shape: a third each
    for n, at in enumerate(places):
        for value in [_DELETE, *BREAKS][n % step :: step]:
            edited = _set(event, at, value)
            if event_kind(edited) != event_kind(event):
                continue
            refused += same(edited) is not None
    assert refused > 0


def _kind_after(event: Any, at: tuple[Any, ...]) -> str:
    return event_kind(event) if at[0] not in ("run", "eventType", "dataset", "job") else "?"


def test_refusals_through_validate_are_worded_as_python_jsonschema_did() -> None:
    event = every_facet_event()
    event["run"]["facets"]["parent"]["run"]["runId"] = "not-a-uuid"
    with pytest.raises(InvalidEvent) as caught:
        validate(event)
    assert str(caught.value) == "$.run.facets.parent.run.runId: 'not-a-uuid' is not a 'uuid'"
    assert caught.value.path == "$.run.facets.parent.run.runId"


_VALUE = json_values(
    st.text(max_size=6)
    | st.sampled_from(["START", "COMPLETE", "0191a7c0-0000-7000-8000-0000000000aa", "s3://b"]),
    st.text(max_size=4),
    max_leaves=6,
)


@st.composite
def _edited(draw: st.DrawFn) -> dict[str, Any]:
    event = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        places = [at for at in _places(event) if at]
        at = draw(st.sampled_from(places))
        choice = draw(st.integers(0, 3))
        holder = event
        for step in at[:-1]:
            holder = holder[step]
        if choice == 0 and isinstance(holder, dict):
            del holder[at[-1]]
        elif choice == 1 and isinstance(holder[at[-1]], dict):
            holder[at[-1]][draw(st.text(max_size=5))] = draw(_VALUE)
        else:
            holder[at[-1]] = draw(_VALUE)
    return event


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_edited())
def test_generated_edits_judged_alike(event: dict[str, Any]) -> None:
    try:
        event_kind(event)
    except InvalidEvent:
        return
    same(event)
