"""Validation of OpenLineage events against the vendored 2-0-2 JSON Schema and facet schemas.

The schema files in ``ingest/schemas`` are copied from the OpenLineage spec (Apache-2.0, see
``schemas/LICENSE``); nothing is read from outside the package at run time. Each facet schema only
constrains its own facet name, so a container of facets is checked against all schemas of its
kind at once and unknown (custom) facets pass untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from graph import _native

if TYPE_CHECKING:  # imported where first needed: ~0.2 s of every lineagemesh process's start
    from jsonschema import Draft202012Validator

SPEC_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"

#: An event bigger than this (objects and arrays) that jsonschema-rs calls invalid has its verdict
#: and error found by jsonschema-rs too, rather than by the Python validator, whose walk over a
#: 16 MB event of a million schema fields takes minutes.
THOROUGH_MOST = 10_000


def _unchecked(_value: str) -> bool:
    return True


#: How deeply an event may nest objects and arrays. Every layer below must handle what passes:
#: the journal encodes with orjson (at most 254 levels), and real events stay far below (a Spark
#: logical-plan facet is among the deepest).
MAX_DEPTH = 200
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


@dataclass(frozen=True)
class _Check:
    """One schema, twice: jsonschema-rs answers "valid?" fast; when it says no, the Python
    validator finds the error to report (its verdict decides, so behaviour is the Python one)."""

    fast: Any
    thorough: Draft202012Validator
    lenient: (
        Any  # jsonschema-rs checking the formats ``thorough`` checks, no others: for big events
    )


def _whole_event_shapes(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """For each event kind, one schema of the event and every facet in it (the facet schemas by
    facet name, under the event's own): what ``validate`` checks, in one call (~3x faster than a
    call per facet). When it says no, the checks one by one find the error."""
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
def _whole_events() -> dict[str, Any]:
    """For each event kind, one jsonschema-rs validator of ``_whole_event_shapes``."""
    import jsonschema_rs

    docs = _load_schemas()
    registry = jsonschema_rs.Registry([(d["$id"], d) for d in docs])
    return {
        kind: jsonschema_rs.validator_for(schema, registry=registry, validate_formats=True)
        for kind, schema in _whole_event_shapes(docs).items()
    }


@cache
def event_schemas() -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """What the native core checks events against (``native/core/json_schema.h``): the schema
    documents and, by event kind, the schema ``_whole_events`` compiles, as JSON texts. The core
    vouches only for events jsonschema-rs surely calls valid; the rest come here."""
    docs = _load_schemas()
    return tuple(json.dumps(d) for d in docs), tuple(
        (kind, json.dumps(schema)) for kind, schema in _whole_event_shapes(docs).items()
    )


@cache
def _validators() -> dict[tuple[str, str], _Check]:
    """Checks keyed by (event kind, "") and by (facet kind, facet name)."""
    import jsonschema_rs
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    formats = Draft202012Validator.FORMAT_CHECKER  # uuid is checked; date-time by parse_time
    unchecked = {name: _unchecked for name in ("uri", "date-time") if name not in formats.checkers}
    docs = _load_schemas()
    registry: Registry = Registry().with_resources(
        (d["$id"], Resource.from_contents(d)) for d in docs
    )
    fast_registry = jsonschema_rs.Registry([(d["$id"], d) for d in docs])

    def check(uri: str, checked: bool = True) -> _Check:
        schema = {"$ref": uri}
        return _Check(
            jsonschema_rs.validator_for(schema, registry=fast_registry, validate_formats=checked),
            Draft202012Validator(
                schema, registry=registry, format_checker=formats if checked else None
            ),
            jsonschema_rs.validator_for(
                schema, registry=fast_registry, validate_formats=checked, formats=unchecked
            ),
        )

    checks = {
        (kind, ""): check(f"{SPEC_ID}#/$defs/{kind}")
        for kind in ("RunEvent", "DatasetEvent", "JobEvent")
    }
    for base in _FACET_BASES:
        checks[(base, "")] = check(f"{SPEC_ID}#/$defs/{base}", checked=False)
    for doc in docs[1:]:
        for base, facet_name, uri in _facet_schemas(doc):
            checks[(base, facet_name)] = check(uri)
    return checks


def _raise_first(check: _Check, instance: Any, prefix: str) -> None:
    if check.fast.is_valid(instance):
        return
    if _larger_than(instance, THOROUGH_MOST):
        for fast_error in check.lenient.iter_errors(instance):
            message = fast_error.message
            if len(message) > 300:  # it may quote the whole instance
                message = message[:300] + "..."
            raise InvalidEvent(message, _json_path(prefix, fast_error.instance_path))
        return
    from jsonschema.exceptions import best_match

    error = best_match(check.thorough.iter_errors(instance))
    if error is not None:
        raise InvalidEvent(error.message, _json_path(prefix, error.absolute_path))


def _json_path(prefix: str, parts: Any) -> str:
    return prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _larger_than(value: Any, most: int) -> bool:
    """Whether ``value`` holds more than ``most`` objects and arrays (walked no further than that)."""
    stack = [value]
    seen = 0
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        seen += 1
        if seen > most:
            return True
        stack.extend(v for v in item if isinstance(v, (dict, list)))
    return False


def _check_facets(base: str, facets: Any, path: str) -> None:
    """Validate each facet of a container: standard facets against their schema, custom ones
    against the facet base (``_producer``, ``_schemaURL``), so errors name the facet."""
    if not isinstance(facets, dict):
        return  # the event schema rejects a non-object facets container
    validators = _validators()
    for facet_name, facet in facets.items():
        _raise_first(
            validators.get((base, facet_name)) or validators[(base, "")],
            facet,
            f"{path}.{facet_name}",
        )


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


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def validate(event: Any) -> tuple[str, datetime]:
    """Check an event and every facet in it; return its kind and its eventTime, or raise InvalidEvent.

    A valid event is checked whole, in one call (``_whole_events``). Otherwise facets are checked
    one by one, so an error names the facet rather than the whole facets container; then the
    event as a whole.
    """
    kind = event_kind(event)
    _check_depth(event)
    if _whole_events()[kind].is_valid(event):
        return kind, parse_time(event.get("eventTime"), "$.eventTime")
    if kind == "RunEvent":
        _check_facets("RunFacet", _mapping(event.get("run")).get("facets", {}), "$.run.facets")
    _check_facets("JobFacet", _mapping(event.get("job")).get("facets", {}), "$.job.facets")
    if kind == "DatasetEvent":
        _check_facets(
            "DatasetFacet", _mapping(event.get("dataset")).get("facets", {}), "$.dataset.facets"
        )
    for side, extra_base, extra_key in (
        ("inputs", "InputDatasetFacet", "inputFacets"),
        ("outputs", "OutputDatasetFacet", "outputFacets"),
    ):
        datasets = event.get(side)
        for i, dataset in enumerate(datasets if isinstance(datasets, list) else []):
            dataset = _mapping(dataset)
            _check_facets("DatasetFacet", dataset.get("facets", {}), f"$.{side}[{i}].facets")
            _check_facets(extra_base, dataset.get(extra_key, {}), f"$.{side}[{i}].{extra_key}")
    _raise_first(_validators()[(kind, "")], event, "$")
    return kind, parse_time(event.get("eventTime"), "$.eventTime")
