"""The core reads, checks and translates OpenLineage events from their bytes
(``native/core/openlineage_event.h``) only where it gives exactly what the Python path gives:
orjson's reading, the schema's verdict, ``ingest.lenient``, the clock bound, the catalog and
quality facets, the stamp, the raw log's subjects and times.

Each test translates the same bytes twice: as the product does (the core vouches for what it
can), and with a translator that vouches for nothing, so every event takes the Python path
(parsed by ``ingest.json_text``, relaxed, validated, settled, then handed to the core as orjson
writes it). The two must agree on everything: the batch's bytes, each refusal's wording, the raw
block. And an event the core translated is one Python jsonschema calls valid
(``tests/event_schema_reference.py``)."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from conftest import corpus
from event_schema_reference import refusal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openlineage_events import complete, dataset_event, job_event, json_values

import ingest.openlineage as openlineage
from graph import _native
from graph.core.model import RULE_SOURCE
from graph.intake.ingest_service import translate_events
from ingest.domain_rules import NO_RULES, DomainRule, DomainRules
from ingest.openlineage_quality import has_quality_facets
from ingest.openlineage_schema import MAX_DEPTH, event_kind

NOT_AFTER = datetime(2026, 6, 1, tzinfo=UTC)


def _seeds() -> list[dict[str, Any]]:
    events = json.loads(corpus("marquez-food-delivery", "metadata.json").read_text())
    events += [
        complete(
            "load",
            [{"namespace": "s3a://Bucket/", "name": "raw/orders"}],
            [{"namespace": "postgres://db:5432", "name": "mart.orders"}],
        ),
        dataset_event("2026-01-05T06:00:00+02:00"),
        job_event("2026-01-05T06:00:00.123456789Z"),
    ]
    return events


SEEDS = _seeds()


@pytest.fixture
def vouching(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[int]]:
    """The indexes of a batch the Python path settled (the rest the core vouched for)."""
    settled: set[int] = set()
    real = openlineage._PythonPath.settle

    def settle(self: Any, index: int) -> Any:
        settled.add(index)
        return real(self, index)

    monkeypatch.setattr(openlineage._PythonPath, "settle", settle)
    yield settled


def python_path(items: list[bytes], rules: DomainRules = NO_RULES) -> Any:
    """``translate_events`` with a core that vouches for no event: the Python path's answer."""
    real = openlineage.translator

    def vouching_for_none(rules: DomainRules = NO_RULES) -> _native.Translator:
        return _native.Translator(
            rules.as_data() if rules.rules else None, RULE_SOURCE, None, MAX_DEPTH
        )

    setattr(openlineage, "translator", vouching_for_none)  # noqa: B010
    try:
        return translate_events(items, rules, True, NOT_AFTER)
    finally:
        setattr(openlineage, "translator", real)  # noqa: B010


def same_answers(items: list[bytes], settled: set[int], rules: DomainRules = NO_RULES) -> set[int]:
    """Both paths' answers to ``items`` are equal; returns the indexes the Python path settled
    where the product ran."""
    settled.clear()
    fast = translate_events(items, rules, True, NOT_AFTER)
    elsewhere = set(settled)
    vouched = set(range(len(items))) - elsewhere
    slow = python_path(items, rules)
    assert fast.refused == slow.refused
    assert fast.payload == slow.payload
    if fast.block is None or slow.block is None:
        assert fast.block == slow.block
    else:
        assert fast.block.payload == slow.block.payload
        assert fast.block.subjects == slow.block.subjects
        assert fast.block.hashes == slow.block.hashes
        assert _times(fast.block.times) == _times(slow.block.times)
    for index in vouched - set(fast.refused):
        event = orjson.loads(items[index])
        assert refusal(event, event_kind(event)) is None, items[index]
    return elsewhere


def _times(times: bytes | None) -> list[str]:
    from array import array

    return [repr(t) if not math.isnan(t) else "nan" for t in array("d", times or b"")]


def test_the_corpora_read_alike_and_the_core_vouches_for_them(vouching: set[int]) -> None:
    items = [orjson.dumps(event) for event in SEEDS]
    quality = {i for i, event in enumerate(SEEDS) if has_quality_facets(event)}
    assert quality, "the corpora hold quality facets, which Python translates"
    assert same_answers(items, vouching) == quality, "the core vouches for every other event"


def test_domain_rules_alike(vouching: set[int]) -> None:
    rules = DomainRules((DomainRule("mart", namespace="postgres://*"),))
    same_answers([orjson.dumps(event) for event in SEEDS], vouching, rules)


def test_what_the_python_path_settles_reads_alike(vouching: set[int]) -> None:
    base = SEEDS[-3]
    cases = []
    for change in (
        lambda e: e["run"].__setitem__("runId", "dag_run_1"),  # relaxed by ingest.lenient
        lambda e: e.__setitem__("eventTime", "2027-01-01T00:00:00Z"),  # past the clock bound
        lambda e: e.__setitem__("eventTime", "2026-01-05T06:00:00"),  # no offset
        # no format but uuid is checked: valid, the core's
        lambda e: e.__setitem__("producer", "not a uri"),
        lambda e: e["job"].__setitem__("name", 7),  # invalid: the core refuses it
        lambda e: (
            e["outputs"][0]
            .setdefault("facets", {})
            .__setitem__(
                "dataQualityMetrics",
                {"rowCount": 3, "_producer": "https://p", "_schemaURL": "https://s"},
            )
        ),  # invalid (no columnMetrics): refused by the core, though a quality facet
    ):
        event = copy.deepcopy(base)
        change(event)
        cases.append(orjson.dumps(event))
    big = orjson.dumps(base).replace(b'"job":{', b'"job":{"n":123456789012345678901234567890,', 1)
    cases += [
        big,
        b"not json",
        b"[1, 2]",
        b'{"eventTime": NaN}',
        orjson.dumps(base).replace(b'{"namespace"', b'{"namespace":"x","namespace"', 1),
        orjson.dumps(base).replace(b'"load"', b'"lo\\u0061d"'),  # an escape orjson reads alike
        orjson.dumps(base).replace(b'"load"', b'"\\ud83d\\ude00"'),  # a surrogate pair: settled
    ]
    elsewhere = same_answers(cases, vouching)
    assert elsewhere >= {0, 1, 2, 6, 7, 8, 9, 10, 12}
    assert not elsewhere & {3, 4, 5}


# -- generated events: a seed edited at fuzzed paths ------------------------------------------

_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "https://example.com/a?b=c#d",
            "http://[::1]/",
            "urn:x:y",
            "0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11",
            "0B5B8A2E-9A43-4D7A-8F3E-1C6F0F5D2A11",
            "2026-01-05T06:00:00Z",
            "2026-01-05T06:00:00.1234567-23:59",
            "2026-02-29T06:00:00Z",
            "2024-02-29t06:00:00z",
            "0000-01-01T00:00:00Z",
            "TABLE",
            "table",
            "COMPLETE",
            "START",
            "STREAMING",
            "DROP",
            "s3a://b/",
            "",
        ]
    ),
)
_VALUE = json_values(_TEXT, _TEXT, max_leaves=8)


@st.composite
def edited_events(draw: st.DrawFn) -> bytes:
    event = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        node: Any = event
        for _ in range(draw(st.integers(0, 6))):
            children = (
                list(node.values())
                if isinstance(node, dict)
                else node
                if isinstance(node, list)
                else []
            )
            children = [c for c in children if isinstance(c, (dict, list))]
            if not children:
                break
            node = draw(st.sampled_from(children))
        if isinstance(node, dict):
            keys = sorted(node)
            known = bool(keys) and draw(st.booleans())
            key: Any = draw(st.sampled_from(keys)) if known else draw(_TEXT)
            if draw(st.integers(0, 4)) == 0:
                node.pop(key, None)
            else:
                node[key] = draw(_VALUE)
        elif isinstance(node, list) and node:
            node[draw(st.integers(0, len(node) - 1))] = draw(_VALUE)
    spelling = draw(st.integers(0, 2))
    if spelling == 0:
        return orjson.dumps(event)
    return json.dumps(
        event, ensure_ascii=spelling == 1, indent=None if spelling == 1 else 1
    ).encode()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(edited_events(), min_size=1, max_size=4))
def test_generated_events_read_alike(vouching: set[int], items: list[bytes]) -> None:
    same_answers(items, vouching)
