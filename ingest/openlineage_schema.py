"""Validation of OpenLineage events against the vendored 2-0-2 JSON Schema and facet schemas.

The schema files in ``ingest/schemas`` are copied from the OpenLineage spec (Apache-2.0, see
``schemas/LICENSE``); nothing is read from outside the package at run time. Each facet schema only
constrains its own facet name, so a container of facets is checked against all schemas of its
kind at once and unknown (custom) facets pass untouched.

One validator decides: the native core's (``native/core/json_schema.h``, ``event_refusal`` in
``native/core/openlineage_event.h``), over the documents and roots ``event_schemas`` gives. It
judges and words a refusal as Python jsonschema's Draft202012Validator and ``best_match`` did
(``tests/test_event_validator.py`` compares the two); the core's translation path uses it on the
events it reads, ``validate`` on the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import orjson

from graph import _native
from graph.core.input_files import MAX_NESTING

SPEC_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"

#: How deeply an event may nest objects and arrays: as deeply as any JSON input may
#: (``graph.core.input_files.MAX_NESTING``). Every layer below must handle what passes: the journal
#: encodes with orjson (at most 254 levels), and real events stay far below (a Spark logical-plan
#: facet is among the deepest).
MAX_DEPTH = MAX_NESTING["json"]
_FACET_BASES = ("RunFacet", "JobFacet", "DatasetFacet", "InputDatasetFacet", "OutputDatasetFacet")


class InvalidEvent(ValueError):
    """An event that does not conform; the message names the failing field as a JSON path."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


def _load_schemas() -> list[dict[str, Any]]:
    root = resources.files("ingest") / "schemas"
    docs = [json.loads((root / "OpenLineage.json").read_text())]
    entries = sorted((root / "facets").iterdir(), key=lambda p: p.name)
    docs.extend(json.loads(entry.read_text()) for entry in entries if entry.name.endswith(".json"))
    return docs


def _def_bases(doc: dict[str, Any], name: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """The facet kinds a definition extends: its ``allOf`` base, or the union over ``oneOf``/``anyOf``."""
    definition = doc["$defs"].get(name, {})
    bases: set[str] = set()
    for part in definition.get("allOf", [])[:1]:
        ref = part.get("$ref", "")
        if ref.startswith(SPEC_ID + "#/$defs/") and ref.rsplit("/", 1)[1] in _FACET_BASES:
            bases.add(ref.rsplit("/", 1)[1])
    for part in definition.get("oneOf", []) + definition.get("anyOf", []):
        ref = part.get("$ref", "")
        if ref.startswith("#/$defs/") and ref[8:] not in seen:
            bases |= _def_bases(doc, ref[8:], seen | {name})
    return bases


def _facet_schemas(doc: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(facet kind, facet name, schema URI) for every facet a facet schema file defines."""
    for facet_name, prop in doc.get("properties", {}).items():
        bases: set[str] = set()
        for ref in [prop, *prop.get("anyOf", []), *prop.get("oneOf", [])]:
            if ref.get("$ref", "").startswith("#/$defs/"):
                bases |= _def_bases(doc, ref["$ref"][8:])
        for base in bases:
            yield base, facet_name, f"{doc['$id']}#/properties/{facet_name}"


def _whole_event_shapes(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """For each event kind, one schema of the event and every facet in it (the facet schemas by
    facet name, under the event's own): what is checked first, in one walk. When it says no, the
    checks one by one find the error."""
    by_base: dict[str, dict[str, Any]] = {base: {} for base in _FACET_BASES}
    for doc in docs[1:]:
        for base, facet_name, uri in _facet_schemas(doc):
            by_base[base][facet_name] = {"$ref": uri}

    def facets(base: str) -> dict[str, Any]:
        return {"type": "object", "properties": by_base[base]}

    dataset = {"properties": {"facets": facets("DatasetFacet")}}
    sides = {
        "inputs": {
            "items": {
                "allOf": [dataset, {"properties": {"inputFacets": facets("InputDatasetFacet")}}]
            }
        },
        "outputs": {
            "items": {
                "allOf": [dataset, {"properties": {"outputFacets": facets("OutputDatasetFacet")}}]
            }
        },
    }
    shapes = {
        "RunEvent": {
            "properties": {
                "run": {"properties": {"facets": facets("RunFacet")}},
                "job": {"properties": {"facets": facets("JobFacet")}},
                **sides,
            }
        },
        "DatasetEvent": {
            "properties": {
                "dataset": dataset,
                "job": {"properties": {"facets": facets("JobFacet")}},
                **sides,
            }
        },
        "JobEvent": {
            "properties": {"job": {"properties": {"facets": facets("JobFacet")}}, **sides}
        },
    }
    return {
        kind: {"allOf": [{"$ref": f"{SPEC_ID}#/$defs/{kind}"}, shape]}
        for kind, shape in shapes.items()
    }


@cache
def event_schemas() -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """What the native core checks events against (``native/core/json_schema.h``): the schema
    documents and the roots it names, as JSON texts: by event kind the whole event
    (``_whole_event_shapes``); "spec:" and the kind, the event alone; "facet:" and a facet kind,
    any facet of it; "facet:<kind>:<name>", a standard facet."""
    docs = _load_schemas()
    roots = [(kind, schema) for kind, schema in _whole_event_shapes(docs).items()]
    roots += [
        (f"spec:{kind}", {"$ref": f"{SPEC_ID}#/$defs/{kind}"})
        for kind in ("RunEvent", "DatasetEvent", "JobEvent")
    ]
    roots += [(f"facet:{base}", {"$ref": f"{SPEC_ID}#/$defs/{base}"}) for base in _FACET_BASES]
    for doc in docs[1:]:
        for base, facet_name, uri in _facet_schemas(doc):
            roots.append((f"facet:{base}:{facet_name}", {"$ref": uri}))
    return tuple(json.dumps(d) for d in docs), tuple(
        (name, json.dumps(schema)) for name, schema in roots
    )


@cache
def _validator() -> _native.EventSchema:
    return _native.EventSchema(event_schemas())


def event_kind(event: Any) -> str:
    """RunEvent, DatasetEvent or JobEvent, decided by the fields that tell them apart."""
    if not isinstance(event, dict):
        raise InvalidEvent(f"an event must be a JSON object, not {type(event).__name__}")
    if "run" in event or "eventType" in event:
        return "RunEvent"
    if "dataset" in event:
        return "DatasetEvent"
    if "job" in event:
        return "JobEvent"
    raise InvalidEvent(
        "not an OpenLineage event: expected 'run' and 'job' (RunEvent), 'dataset' or 'job'"
    )


def parse_time(value: Any, path: str) -> datetime:
    """An RFC 3339 date-time with an offset; anything else is an InvalidEvent naming ``path``."""
    if not isinstance(value, str):
        raise InvalidEvent(f"{value!r} is not a date-time string", path)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidEvent(f"{value!r} is not an RFC 3339 date-time", path) from None
    if moment.tzinfo is None:
        raise InvalidEvent(f"{value!r} has no timezone offset", path)
    try:
        moment.astimezone(UTC)  # 0001-01-01T00:00:00+01:00 is a valid string but no UTC moment
    except OverflowError:
        raise InvalidEvent(f"{value!r} is out of range once converted to UTC", path) from None
    return moment


def _check_depth(event: Any) -> None:
    """Reject nesting deeper than MAX_DEPTH, naming where. Every event passes here, so the common
    case is decided natively (~0.5 us an event); only a refused one is walked again for its path."""
    if _native.nests_deeper(event, MAX_DEPTH):
        _walk_depth(event)


def _walk_depth(event: Any) -> None:
    """Raise InvalidEvent naming the first path, depth first, that nests deeper than MAX_DEPTH
    (iteratively: no recursion to exhaust)."""
    stack: list[tuple[Any, str, int]] = [(event, "$", 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidEvent(f"nested deeper than {MAX_DEPTH} levels", path)
        if isinstance(value, dict):
            stack.extend(
                (v, f"{path}.{k}", depth + 1)
                for k, v in value.items()
                if isinstance(v, (dict, list))
            )
        elif isinstance(value, list):
            stack.extend(
                (v, f"{path}[{i}]", depth + 1)
                for i, v in enumerate(value)
                if isinstance(v, (dict, list))
            )


def _json_of(event: Any) -> bytes:
    """The event as JSON for the validator; an event given parsed that no JSON holds (an integer
    past 64 bits is written by the standard library, and read as one) is an InvalidEvent."""
    try:
        return orjson.dumps(event)
    except TypeError:
        pass
    try:
        return json.dumps(event, allow_nan=False).encode()
    except (TypeError, ValueError) as e:
        raise InvalidEvent(f"a value that is not JSON cannot be stored: {e}") from None


def validate(event: Any) -> tuple[str, datetime]:
    """Check an event and every facet in it; return its kind and its eventTime, or raise InvalidEvent.

    The native validator checks it whole; when it is not valid, facets are checked one by one, so
    an error names the facet rather than the whole facets container; then the event as a whole.
    """
    kind = event_kind(event)
    _check_depth(event)
    refused = _validator().refusal(_json_of(event), kind)
    if refused is not None:
        path, message = refused
        raise InvalidEvent(message, path)
    return kind, parse_time(event.get("eventTime"), "$.eventTime")
