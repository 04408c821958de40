"""The quality facets of an OpenLineage event → assertion facts (``ingest.assertions``).

``dataQualityAssertions`` (an input dataset facet, also accepted among a dataset's facets) holds
checks of a dataset or its columns, each with ``success`` and, since facet 1-1-0, ``severity``;
the ``test`` run facet (``TestRunFacet``) holds a run's tests with no dataset named, so they check
the run's job; ``dataQualityMetrics`` holds row, byte and file counts and per-column metrics,
kept as properties of the dataset and its columns. The facets themselves stay raw too (the
native translation keeps every facet), so nothing a producer sent is lost.

A pure translation like ``ingest.openlineage``, which appends its batch to the native one: the
native translation turns an event's structure into graph, this adds the checks. Events without
these facets cost one look at each dataset's facet names.
"""

from __future__ import annotations

from typing import Any

from graph.core.model import NodeKind, dataset_id
from ingest.assertions import CheckResult, InvalidCheck, Status, record
from ingest.builder import GraphBuilder
from ingest.naming import normal_namespace
from ingest.openlineage_schema import InvalidEvent

SOURCE = "openlineage"
_FACET_PLACES = ("facets", "inputFacets", "outputFacets")
_DATASET_METRICS = {"rowCount": "rowCount", "bytes": "bytes", "fileCount": "fileCount"}
_COLUMN_METRICS = ("nullCount", "distinctCount", "sum", "count", "min", "max")
_TEST_STATUSES: dict[str, Status] = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}


def has_quality_facets(event: dict[str, Any]) -> bool:
    """Whether the (valid) event carries any facet this module translates."""
    run_facets = (event.get("run") or {}).get("facets") or {}
    if "test" in run_facets:
        return True
    for side in ("inputs", "outputs"):
        for ds in event.get(side) or ():
            for place in _FACET_PLACES:
                facets = ds.get(place)
                if facets and ("dataQualityAssertions" in facets or "dataQualityMetrics" in facets):
                    return True
    dataset = event.get("dataset")
    return bool(dataset and "dataQualityAssertions" in (dataset.get("facets") or {}))


def translate_quality(event: dict[str, Any], at: str) -> bytes:
    """The wire batch recording the event's checks and metrics (empty when it has none).
    Raises ``InvalidEvent`` for a check whose name makes an over-long id."""
    if not has_quality_facets(event):
        return b""
    builder = GraphBuilder(at)
    run = (event.get("run") or {}).get("runId")
    run_text = str(run) if run is not None else None
    datasets = [*(event.get("inputs") or ()), *(event.get("outputs") or ())]
    if event.get("dataset"):
        datasets.append(event["dataset"])
    results: list[CheckResult] = []
    for ds in datasets:
        namespace, name = normal_namespace(str(ds["namespace"])), str(ds["name"])
        for place in _FACET_PLACES:
            facets = ds.get(place) or {}
            results += _assertions(namespace, name, facets.get("dataQualityAssertions"), run_text)
            _metrics(builder, namespace, name, facets.get("dataQualityMetrics"))
    job = event.get("job") or {}
    tests = ((event.get("run") or {}).get("facets") or {}).get("test")
    if job and isinstance(tests, dict):
        results += _tests(str(job["namespace"]), str(job["name"]), tests, run_text)
    try:
        record(builder, results)
    except InvalidCheck as e:
        raise InvalidEvent(str(e), path="") from None
    return builder.encoded()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _assertions(namespace: str, name: str, facet: Any, run: str | None) -> list[CheckResult]:
    if not isinstance(facet, dict) or not isinstance(facet.get("assertions"), list):
        return []
    found = []
    for entry in facet["assertions"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("assertion"), str):
            continue
        success = entry.get("success")
        found.append(
            CheckResult(
                namespace,
                name,
                _text(entry.get("name")) or entry["assertion"],
                "PASS" if success is True else "FAIL" if success is False else "ERROR",
                SOURCE,
                column=_text(entry.get("column")) or None,
                severity=_text(entry.get("severity")),
                check_type=entry["assertion"],
                description=_text(entry.get("description")),
                expected=_text(entry.get("expected")),
                actual=_text(entry.get("actual")),
                run=run,
            )
        )
    return found


def _tests(namespace: str, name: str, facet: dict[str, Any], run: str | None) -> list[CheckResult]:
    found = []
    for test in facet.get("tests") or ():
        if not isinstance(test, dict) or not isinstance(test.get("name"), str):
            continue
        status = _TEST_STATUSES.get(str(test.get("status", "")).lower(), "ERROR")
        found.append(
            CheckResult(
                namespace,
                name,
                test["name"],
                status,
                SOURCE,
                job=True,
                severity=_text(test.get("severity")),
                check_type=_text(test.get("type")),
                description=_text(test.get("description")),
                expected=_text(test.get("expected")),
                actual=_text(test.get("actual")),
                run=run,
            )
        )
    return found


def _metrics(builder: GraphBuilder, namespace: str, name: str, facet: Any) -> None:
    """Row/byte/file counts on the dataset, per-column metrics on its columns (``metrics.*``)."""
    if not isinstance(facet, dict):
        return
    props = {
        f"metrics.{key}": facet[field] for field, key in _DATASET_METRICS.items() if field in facet
    }
    if props:
        builder.dataset_ref(namespace, name)
        builder.node(dataset_id(namespace, name), NodeKind.DATASET, props)
    columns = facet.get("columnMetrics")
    if not isinstance(columns, dict):
        return
    for column, metrics in columns.items():
        if not isinstance(metrics, dict):
            continue
        column_props = {f"metrics.{k}": metrics[k] for k in _COLUMN_METRICS if k in metrics}
        if column_props:
            builder.column(namespace, name, str(column), column_props)
