"""Python jsonschema's verdict on an OpenLineage event, as ``ingest.openlineage_schema.validate``
gave it before the native validator decided alone: each facet against its schema (a custom one
against its kind's), one by one in the event's order, then the event as a whole; each time the
error ``best_match`` picks, worded ``$.path: message``. The formats checked are those
Draft202012Validator's format checker checked here (uuid: date-time and uri need packages this
project does not install). tests/test_event_validator.py holds the native validator to it."""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

from ingest.openlineage_schema import (
    _FACET_BASES,
    SPEC_ID,
    _facet_schemas,
    _load_schemas,
)


@cache
def _validators() -> dict[tuple[str, str], Draft202012Validator]:
    docs = _load_schemas()
    registry: Registry = Registry().with_resources(
        (d["$id"], Resource.from_contents(d)) for d in docs
    )
    formats = FormatChecker(["uuid"])

    def check(uri: str, checked: bool = True) -> Draft202012Validator:
        return Draft202012Validator(
            {"$ref": uri}, registry=registry, format_checker=formats if checked else None
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


def _first(check: Draft202012Validator, instance: Any, prefix: str) -> tuple[str, str] | None:
    error = best_match(check.iter_errors(instance))
    if error is None:
        return None
    path = prefix + "".join(
        f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
    )
    return path, error.message


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _facets(base: str, facets: Any, path: str) -> tuple[str, str] | None:
    if not isinstance(facets, dict):
        return None
    validators = _validators()
    for name, facet in facets.items():
        found = _first(
            validators.get((base, name)) or validators[(base, "")], facet, f"{path}.{name}"
        )
        if found:
            return found
    return None


def refusal(event: dict[str, Any], kind: str) -> tuple[str, str] | None:
    """(JSON path, message) of the error Python jsonschema reports, or None when it is valid."""
    checks: list[Any] = []
    if kind == "RunEvent":
        checks.append(("RunFacet", _mapping(event.get("run")).get("facets", {}), "$.run.facets"))
    checks.append(("JobFacet", _mapping(event.get("job")).get("facets", {}), "$.job.facets"))
    if kind == "DatasetEvent":
        checks.append(
            ("DatasetFacet", _mapping(event.get("dataset")).get("facets", {}), "$.dataset.facets")
        )
    for side, extra_base, extra_key in (
        ("inputs", "InputDatasetFacet", "inputFacets"),
        ("outputs", "OutputDatasetFacet", "outputFacets"),
    ):
        datasets = event.get(side)
        for i, dataset in enumerate(datasets if isinstance(datasets, list) else []):
            dataset = _mapping(dataset)
            checks.append(("DatasetFacet", dataset.get("facets", {}), f"$.{side}[{i}].facets"))
            checks.append((extra_base, dataset.get(extra_key, {}), f"$.{side}[{i}].{extra_key}"))
    for base, facets, path in checks:
        found = _facets(base, facets, path)
        if found:
            return found
    return _first(_validators()[(kind, "")], event, "$")
