"""Great Expectations and Soda results → assertion facts (``ingest.assertions``). Pure translations.

* **Great Expectations**: a validation result (``ExpectationSuiteValidationResult.to_json_dict()``,
  what a checkpoint's stores keep) or a checkpoint result holding them (``run_results``, each
  ``{"validation_result": ...}``). The dataset is the batch's data asset (``meta.
  active_batch_definition.data_asset_name``, else the batch spec's ``table_name``); each
  expectation is a check (of its ``column``, if it names one). GX severities: ``critical`` is an
  error, ``warning`` a warning; none is an error. GX 1.x's summaries, ``CheckpointResult.
  describe_dict()`` (``validation_results``) and ``ExpectationSuiteValidationResult.
  describe_dict()`` (``expectations``), say neither of what nor when: the caller names the
  dataset (``asset``, with the namespace) and gives the moment they are recorded at (``at``).
* **Soda**: the scan results ``soda scan -srf FILE`` writes: each check of a ``table``
  (and ``column``), ``outcome`` pass, warn (a failure at warning level) or fail.

Neither tool names datasets the way OpenLineage does: the caller gives the dataset
``namespace`` (else the tool's data source name is the namespace) and an optional ``prefix`` put
before the table name (``db.schema``), so the checks meet the datasets the pipelines write.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from graph.core.mutations import Mutation, stamp
from ingest.assertions import CheckResult, InvalidCheck, InvalidResultDocument, Status, record
from ingest.builder import GraphBuilder
from ingest.naming import normal_namespace

_GX_SEVERITIES = {"critical": "error", "warning": "warn"}
_SODA_OUTCOMES: dict[str, Status] = {"pass": "PASS", "warn": "FAIL", "fail": "FAIL"}


class InvalidQualityResult(InvalidResultDocument):
    """Not a result document this module understands."""


def kind_of(document: Any) -> str:
    """``great_expectations`` or ``soda``: which tool wrote ``document``."""
    if isinstance(document, dict):
        if isinstance(document.get("checks"), list) and (
            "scanEndTimestamp" in document or "defaultDataSource" in document
        ):
            return "soda"
        if (
            isinstance(document.get("run_results"), dict)
            or _is_validation(document)
            or _is_described(document)
        ):
            return "great_expectations"
        version = _obj(document.get("metadata")).get("dbt_schema_version")
        if isinstance(version, str) and "/run-results/" in version:
            raise InvalidQualityResult(
                "a dbt run_results.json: give it to `lineagemesh ingest dbt MANIFEST --run-results`"
            )
    raise InvalidQualityResult(
        "neither a Great Expectations validation or checkpoint result nor a Soda scan result"
    )


def _is_validation(document: dict[str, Any]) -> bool:
    results, meta = document.get("results"), document.get("meta")
    if not isinstance(results, list):
        return False
    if isinstance(meta, dict) and "great_expectations_version" in meta:
        return True
    return bool(results) and isinstance(results[0], dict) and "expectation_config" in results[0]


def _is_described(document: dict[str, Any]) -> bool:
    """A GX 1.x ``describe_dict()``: of a checkpoint result, or of one validation result."""
    if isinstance(document.get("validation_results"), list):
        return "statistics" in document
    expectations = document.get("expectations")
    return (
        isinstance(expectations, list)
        and "statistics" in document
        and all(isinstance(e, dict) and "expectation_type" in e for e in expectations)
    )


#: Why a GX 1.x summary is refused without the dataset it checked (the option that names it).
NO_ASSET = (
    "a Great Expectations describe_dict() result names no data asset: give the dataset it "
    'checked with --asset NAME and --namespace (over HTTP: "asset" and "namespace")'
)


def translate_quality_result(
    document: Any,
    namespace: str | None = None,
    prefix: str | None = None,
    asset: str | None = None,
    at: str | None = None,
) -> list[Mutation]:
    """The assertions a Great Expectations or Soda result records (see the module).

    ``asset`` and ``at`` (a stamp) are the dataset and moment of a result that names neither
    (GX 1.x's ``describe_dict()``); results that name their own keep theirs."""
    if kind_of(document) == "soda":
        return translate_soda(document, namespace, prefix)
    return translate_great_expectations(document, namespace, prefix, asset, at)


def translate_soda(
    scan: dict[str, Any], namespace: str | None = None, prefix: str | None = None
) -> list[Mutation]:
    at = _moment(scan.get("dataTimestamp") or scan.get("scanEndTimestamp"), "$.dataTimestamp")
    default_source = scan.get("defaultDataSource")
    checks = []
    for i, check in enumerate(scan["checks"]):
        where = f"$.checks[{i}]"
        table, name = InvalidQualityResult.named_strings(check, where, "table", "name")
        source = check.get("dataSource") or default_source
        outcome = check.get("outcome")
        value = _obj(check.get("diagnostics")).get("value")
        checks.append(
            CheckResult(
                _namespace(namespace, source, where),
                _named(prefix, table),
                name,
                _SODA_OUTCOMES.get(str(outcome).lower(), "ERROR"),
                "soda",
                column=_str(check.get("column")),
                severity="warn" if outcome == "warn" else None,
                check_type=_str(check.get("type")),
                description=_str(check.get("definition")),
                actual=None if value is None else str(value),
                message=None if outcome in _SODA_OUTCOMES else f"outcome {outcome!r}",
            )
        )
    return _recorded(at, checks)


def translate_great_expectations(
    document: dict[str, Any],
    namespace: str | None = None,
    prefix: str | None = None,
    asset: str | None = None,
    at: str | None = None,
) -> list[Mutation]:
    if _is_described(document):
        return _described(document, namespace, prefix, asset, at)
    if isinstance(document.get("run_results"), dict):
        mutations: list[Mutation] = []
        for key, entry in document["run_results"].items():
            where = f"$.run_results[{key!r}]"
            result = entry.get("validation_result") if isinstance(entry, dict) else None
            if not isinstance(result, dict) or not isinstance(result.get("results"), list):
                raise InvalidQualityResult("expected {validation_result: {results: [...]}}", where)
            mutations += _validation(result, namespace, prefix, f"{where}.validation_result")
        return mutations
    return _validation(document, namespace, prefix, "$")


def _validation(
    result: dict[str, Any], namespace: str | None, prefix: str | None, where: str
) -> list[Mutation]:
    meta = _obj(result.get("meta"))
    batch = _obj(meta.get("active_batch_definition") or meta.get("batch_definition"))
    spec = _obj(meta.get("batch_spec"))
    asset = batch.get("data_asset_name") or spec.get("table_name") or spec.get("data_asset_name")
    if not isinstance(asset, str) or not asset:
        raise InvalidQualityResult(
            "names no data asset (meta.active_batch_definition.data_asset_name)", f"{where}.meta"
        )
    source = batch.get("datasource_name")
    run = _obj(meta.get("run_id"))
    at = _moment(
        meta.get("validation_time") or run.get("run_time"), f"{where}.meta.validation_time"
    )
    dataset_namespace = _namespace(namespace, source, f"{where}.meta")
    checks = []
    for i, entry in enumerate(result["results"]):
        path = f"{where}.results[{i}]"
        entry = _obj(entry)
        config = entry.get("expectation_config")
        if not isinstance(config, dict):
            raise InvalidQualityResult("expected an object with expectation_config", path)
        kind = config.get("type") or config.get("expectation_type")
        if not isinstance(kind, str):
            raise InvalidQualityResult("names no expectation type", f"{path}.expectation_config")
        checks.append(
            _check(
                dataset_namespace,
                _named(prefix, asset),
                kind,
                _obj(config.get("kwargs")),
                entry,
                config.get("severity"),
                _str(run.get("run_name")),
            )
        )
    return _recorded(at, checks)


def _described(
    document: dict[str, Any],
    namespace: str | None,
    prefix: str | None,
    asset: str | None,
    at: str | None,
) -> list[Mutation]:
    """A GX 1.x ``describe_dict()`` (a checkpoint's, or one validation's): each expectation
    ``{expectation_type, success, kwargs, result, exception_info?}`` of the dataset ``asset``,
    recorded at ``at``."""
    if not asset:
        raise InvalidQualityResult(NO_ASSET, "$")
    assert at is not None, "the caller stamps a result that names no time"
    dataset_namespace = _namespace(namespace, None, "$")
    validations = document.get("validation_results")
    found: list[tuple[str, Any]] = (
        [(f"$.validation_results[{i}]", v) for i, v in enumerate(validations)]
        if isinstance(validations, list)
        else [("$", document)]
    )
    checks = []
    for where, validation in found:
        expectations = _obj(validation).get("expectations")
        if not isinstance(expectations, list):
            raise InvalidQualityResult("expected {expectations: [...]}", where)
        for i, entry in enumerate(expectations):
            path = f"{where}.expectations[{i}]"
            entry = _obj(entry)
            kind = entry.get("expectation_type")
            if not isinstance(kind, str):
                raise InvalidQualityResult("names no expectation_type", path)
            kwargs = _obj(entry.get("kwargs"))
            severity = entry.get("severity")
            checks.append(
                _check(dataset_namespace, _named(prefix, asset), kind, kwargs, entry, severity)
            )
    return _recorded(at, checks)


def _check(
    namespace: str,
    name: str,
    kind: str,
    kwargs: dict[str, Any],
    entry: dict[str, Any],
    severity: Any,
    run: str | None = None,
) -> CheckResult:
    """One expectation's outcome (``entry``: its ``success``, ``result``, ``exception_info``)."""
    exception = _obj(entry.get("exception_info"))
    raised = exception.get("raised_exception") is True
    observed = _obj(entry.get("result"))
    actual = observed.get("unexpected_count", observed.get("observed_value"))
    return CheckResult(
        namespace,
        name,
        _expectation_name(kind, kwargs),
        "ERROR" if raised else "PASS" if entry.get("success") is True else "FAIL",
        "great_expectations",
        column=_str(kwargs.get("column")),
        severity=_GX_SEVERITIES.get(severity, severity) if isinstance(severity, str) else None,
        check_type=kind,
        expected=_expected(kwargs),
        actual=None if actual is None else str(actual),
        message=_str(exception.get("exception_message")) if raised else None,
        run=run,
    )


#: Expectation arguments that say how to run or show it, not what it expects.
_GX_RUN_ARGUMENTS = frozenset(
    {"column", "batch_id", "result_format", "include_config", "catch_exceptions", "meta",
     "notes", "rendered_content", "severity", "description", "row_condition", "condition_parser"}
)  # fmt: skip


def _expected(kwargs: dict[str, Any]) -> str | None:
    """What an expectation expects (its ``value_set``, ``min_value``/``max_value``, ``regex``…)
    as compact JSON, so a failure's notification says what the data should have been."""
    wanted = {
        k: v for k, v in sorted(kwargs.items()) if k not in _GX_RUN_ARGUMENTS and v is not None
    }
    return json.dumps(wanted, separators=(",", ":"), default=str) if wanted else None


def _obj(value: Any) -> dict[str, Any]:
    """``value`` if it is an object, else an empty one (a field missing or of another type)."""
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _expectation_name(kind: str, kwargs: dict[str, Any]) -> str:
    """An expectation's name: its type, with its column (one suite may expect a type of many)."""
    column = kwargs.get("column")
    return f"{kind}({column})" if isinstance(column, str) else kind


def _namespace(given: str | None, source: Any, where: str) -> str:
    if given:
        return normal_namespace(given)
    if isinstance(source, str) and source:
        return source
    raise InvalidQualityResult("names no data source: give a dataset namespace", where)


def _named(prefix: str | None, table: str) -> str:
    return f"{prefix}.{table}" if prefix else table


def _moment(value: Any, where: str) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidQualityResult(f"{value!r} is not an ISO 8601 date-time", where) from None
    return stamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _recorded(at: str, checks: list[CheckResult]) -> list[Mutation]:
    builder = GraphBuilder(at)
    try:
        record(builder, checks)
    except InvalidCheck as e:
        raise InvalidQualityResult(str(e)) from None
    return builder.mutations
