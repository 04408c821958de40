"""Large ingest batches are translated in a worker process (graph.serve.translator): the same answer
as translating here, batch-level rejections intact, and a dead worker replaced without losing the
batch it held."""

from __future__ import annotations

import asyncio
import copy
import os
import signal
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from graph import _native
from graph.core.mutations import UpsertEdge, UpsertNode, concat_encoded, decode, encode
from graph.serve.ingest import IngestConfig, RequestRejected, TranslatedEvent, translate_batch
from graph.serve.limits import IngestLimits
from graph.serve.translator import BatchTranslator
from ingest.domain_rules import DomainRules
from ingest.openlineage import translate


@pytest.fixture
def translator() -> Iterator[BatchTranslator]:
    rules = DomainRules.parse({"rules": [{"domain": "logistics", "namespace": "food_delivery"}]})
    translator = BatchTranslator(
        IngestConfig(IngestLimits(max_batch_events=50), rules), min_worker_bytes=0
    )
    yield translator
    translator.close()


def _batch(food_delivery_events: list[dict[str, Any]]) -> bytes:
    bad = copy.deepcopy(food_delivery_events[2])
    del bad["run"]["runId"]
    return orjson.dumps([food_delivery_events[0], bad, "not an event", food_delivery_events[1]])


def _worker_pids(translator: BatchTranslator) -> list[int]:
    pool = translator._pool
    return [] if pool is None else list(pool._processes)


def test_the_worker_answers_as_translating_here(
    translator: BatchTranslator, food_delivery_events
) -> None:
    body = _batch(food_delivery_events)
    answer = asyncio.run(translator.translate(body))
    assert answer == translate_batch(body, translator.config)
    assert [type(item) for item in answer] == [
        TranslatedEvent,
        str,
        str,
        TranslatedEvent,
    ] and "runId" in answer[1]
    assert _worker_pids(translator) and os.getpid() not in _worker_pids(translator)
    valid = [item for item in answer if isinstance(item, TranslatedEvent)]
    assert {type(m) for item in valid for m in item.mutations()} == {UpsertNode, UpsertEdge}
    assert decode(concat_encoded([item.encoded for item in valid])) == [
        m for item in valid for m in item.mutations()
    ]


def test_concatenated_encodings_hold_the_concatenation(food_delivery_events) -> None:
    events = [translate(event) for event in food_delivery_events[:5]]
    parts = [encode(m) for m in [[], *events, []]]
    everything = [m for mutations in events for m in mutations]
    assert decode(concat_encoded(parts)) == decode(encode(everything)) == everything
    assert decode(concat_encoded([encode([])])) == decode(concat_encoded([])) == []
    graph = _native.Graph()  # a graph plans the parts as one batch
    assert graph.plan(concat_encoded(parts)).changes() == graph.plan(encode(everything)).changes()


@pytest.mark.parametrize(
    "body, status, error",
    [
        (b"[1,", 400, "body is not valid JSON"),
        (b"{}", 400, "$: a batch must be a JSON array of events"),
        (orjson.dumps([{}] * 51), 413, "batch of 51 events is over the limit of 50"),
    ],
)
def test_batch_rejections_cross_from_the_worker(
    translator: BatchTranslator, body: bytes, status: int, error: str
) -> None:
    with pytest.raises(RequestRejected) as raised:
        asyncio.run(translator.translate(body))
    assert raised.value.status == status and raised.value.error.startswith(error)
    assert raised.value.events == (51 if status == 413 else 1)


def test_a_dead_worker_is_replaced(translator: BatchTranslator, food_delivery_events) -> None:
    body = _batch(food_delivery_events)
    expected = translate_batch(body, translator.config)
    assert asyncio.run(translator.translate(body)) == expected
    (first,) = _worker_pids(translator)
    os.kill(first, signal.SIGKILL)
    assert (
        asyncio.run(translator.translate(body)) == expected
    )  # this one translated here, in a thread
    assert asyncio.run(translator.translate(body)) == expected
    (second,) = _worker_pids(translator)
    assert second != first


def test_small_bodies_stay_in_this_process(food_delivery_events) -> None:
    translator = BatchTranslator(IngestConfig())
    try:
        assert asyncio.run(translator.translate(_batch(food_delivery_events)))[0]
        assert _worker_pids(translator) == []
    finally:
        translator.close()
