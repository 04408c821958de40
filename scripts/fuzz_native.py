"""Coverage-guided fuzzing of the native core where it meets untrusted bytes (atheris / libFuzzer).

Two targets:

* ``wire``: arbitrary bytes into the batch decoder and the planner (``_native.decode``,
  ``Graph.plan``/``commit``), as a damaged journal or snapshot would hand them over, and into
  the schema observations' reader (``observed_schemas``, and an index of them adopted);
* ``openlineage``: OpenLineage events through the core's reading of their bytes
  (``native/core/openlineage_event.h``: yyjson, the compiled schemas, the translation), the
  Python path it hands the rest to, and a graph — the input itself as an event's bytes, and a
  real event (the food_delivery seed) edited at fuzzed paths with fuzzed values (strings with odd
  code points, huge/negative numbers, deep nesting), as bytes and as a parsed event.

Any exception other than the documented refusals (``ValueError`` from the decoder,
``InvalidEvent`` from validation) is a finding, and so is anything the sanitizers report when the
native core is built with them (``tests/test_memory_safety.py`` does that). Usage::

    python scripts/fuzz_native.py wire -atheris_runs=20000
    python scripts/fuzz_native.py openlineage -max_total_time=60
"""

from __future__ import annotations

import contextlib
import json
import sys
from importlib import resources
from typing import Any

import atheris

with atheris.instrument_imports():
    import orjson

    from graph import _native
    from graph.core.mutations import encode
    from ingest.openlineage import translate_encoded
    from ingest.openlineage_schema import InvalidEvent

SEEDS = json.loads((resources.files("ingest.demo") / "food_delivery.json").read_text())
MAX_EDITS = 6


def wire(data: bytes) -> None:
    with contextlib.suppress(ValueError):
        _native.decode(data)
    with contextlib.suppress(ValueError):  # its schema observations, read and adopted back
        observed = _native.observed_schemas(data)
        if observed is not None:
            observed.rows()
            adopted = _native.observed_schemas(data, observed.index())
            assert adopted is not None and adopted.rows() == observed.rows()
    with contextlib.suppress(ValueError):  # the input as an index of observations into itself
        itself = _native.observed_schemas(data, b"LMOI" + data)
        if itself is not None:
            itself.rows()
    graph = _native.Graph()
    with contextlib.suppress(ValueError):
        graph.commit(graph.plan(data))


def fuzzed_value(fdp: atheris.FuzzedDataProvider, depth: int = 0) -> Any:
    choice = fdp.ConsumeIntInRange(0, 7 if depth < 4 else 4)
    if choice == 0:
        return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 64))
    if choice == 1:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 10))
    if choice == 2:
        return fdp.ConsumeRegularFloat()
    if choice == 3:
        return fdp.ConsumeBool()
    if choice == 4:
        return None
    if choice == 5:
        return [fuzzed_value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4))]
    if choice == 6:
        return {
            fdp.ConsumeUnicodeNoSurrogates(12): fuzzed_value(fdp, depth + 1)
            for _ in range(fdp.ConsumeIntInRange(0, 4))
        }
    return ":/%3A%25" * fdp.ConsumeIntInRange(0, 8)  # the id separators and their escapes


def edit(event: Any, fdp: atheris.FuzzedDataProvider) -> None:
    """Replace the value at a fuzzed path of ``event`` (a dict or list somewhere inside it)."""
    node = event
    for _ in range(fdp.ConsumeIntInRange(0, 8)):
        if isinstance(node, dict) and node:
            keys = sorted(node)
            child = node[keys[fdp.ConsumeIntInRange(0, len(keys) - 1)]]
        elif isinstance(node, list) and node:
            child = node[fdp.ConsumeIntInRange(0, len(node) - 1)]
        else:
            break
        if not isinstance(child, (dict, list)):
            break
        node = child
    if isinstance(node, dict):
        keys = sorted(node)
        key = (
            keys[fdp.ConsumeIntInRange(0, len(keys) - 1)]
            if keys and fdp.ConsumeBool()
            else fdp.ConsumeUnicodeNoSurrogates(16)
        )
        node[key] = fuzzed_value(fdp)
    elif isinstance(node, list) and node:
        node[fdp.ConsumeIntInRange(0, len(node) - 1)] = fuzzed_value(fdp)


def openlineage(data: bytes) -> None:
    events: list[Any] = [data]  # the bytes as an event's JSON, read by the core first
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        fdp = atheris.FuzzedDataProvider(data)
        event = orjson.loads(orjson.dumps(SEEDS[fdp.ConsumeIntInRange(0, len(SEEDS) - 1)]))
        for _ in range(fdp.ConsumeIntInRange(1, MAX_EDITS)):
            edit(event, fdp)
        events = [event]
        # and the same event as bytes, where orjson writes it (no integer past 64 bits: raw input
        # with one is read as bytes above)
        with contextlib.suppress(orjson.JSONEncodeError):
            events.append(orjson.dumps(event))
    for event in events:
        try:
            payload = translate_encoded(event)
        except InvalidEvent:
            continue
        graph = _native.Graph()
        graph.commit(graph.plan(payload))
        graph.commit(graph.plan(encode(_native.decode(payload))))  # the wire form round-trips


TARGETS = {"wire": wire, "openlineage": openlineage}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(TARGETS)}}} [libFuzzer options] [corpus dirs]")
    target = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
