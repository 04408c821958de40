"""Quality check results → assertion facts: the one way every source records them.

OpenLineage's ``dataQualityAssertions`` facet and ``test`` run facet, dbt's ``run_results.json``,
Great Expectations validation results and Soda scan results all say the same thing: *this check
of this dataset (or column, or job) had this outcome at this moment*. Each is translated into
:class:`CheckResult` values and recorded here, so an assertion is the same fact whichever tool
reported it and health (``graph.read.health``) reads one shape.

In the graph, an ``Assertion`` node per (subject, check name) holds the latest result in its
properties (each stamped by the time it was observed, so the newest result wins on every store
whatever the arrival order), with ``CHECKS`` edges to its dataset and, for a column check, to the
column too (a job's test checks the job). Every observation is also an ``AssertionResult`` node
(``OF`` its assertion, as a run is of its job): the assertion's history.

An assertion that names no severity counts as an error (a failed check nobody marked as a
warning is a failure).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from graph import _native
from graph.core.model import (
    EdgeKind,
    NodeKind,
    PropertyKey,
    assertion_id,
    assertion_result_id,
    job_id,
)
from ingest.builder import GraphBuilder

#: What a check's outcome is: it passed, it failed, it did not run (skipped), or it could not be
#: evaluated (an error running the check itself, e.g. its SQL failed).
Status = Literal["PASS", "FAIL", "SKIP", "ERROR"]
STATUSES: tuple[Status, ...] = ("PASS", "FAIL", "SKIP", "ERROR")
DEFAULT_SEVERITY = "error"


class InvalidCheck(ValueError):
    """A check no store can record (its name makes an id over the longest a store keys)."""


class InvalidResultDocument(ValueError):
    """Not a result document (a tool's report of its checks) that its reader understands; the
    message names the failing field."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(f"{path}: {message}")
        self.path = path

    @classmethod
    def named_strings(cls, entry: Any, where: str, first: str, second: str) -> tuple[str, str]:
        """``entry``'s two string fields that name a check, or this error at ``where``: every
        result document lists its checks as objects naming them."""
        if not isinstance(entry, dict):
            raise cls("expected an object", where)
        a, b = entry.get(first), entry.get(second)
        if not isinstance(a, str) or not isinstance(b, str):
            raise cls(f"{first} and {second} must be strings", where)
        return a, b


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One outcome of one check, as a tool reported it.

    The subject is a dataset (``namespace``, ``name``), a column of it (``column``), or a job
    (``job`` true: ``namespace``/``name`` are the job's). It was observed at the stamp of the
    builder recording it; ``run`` is the run id that reported it, if any.
    """

    namespace: str
    name: str
    check: str  # the check's name, unique for its subject (e.g. not_null_orders_driver_id)
    status: Status
    source: str  # openlineage, dbt, great_expectations, soda
    column: str | None = None
    job: bool = False
    severity: str | None = None
    check_type: str | None = None  # the kind of check: not_null, unique, row_count, ...
    description: str | None = None
    expected: str | None = None
    actual: str | None = None
    message: str | None = None
    run: str | None = None


def severity_of(declared: Any) -> str:
    """A declared severity in lower case; none declared is an error."""
    if isinstance(declared, str) and declared.strip():
        return declared.strip().lower()
    return DEFAULT_SEVERITY


def record(builder: GraphBuilder, results: Iterable[CheckResult]) -> None:
    """Write ``results`` through ``builder``, observed at its stamp."""
    for result in results:
        _record_one(builder, result)


def _record_one(builder: GraphBuilder, r: CheckResult) -> None:
    if r.job:
        subject = job_id(r.namespace, r.name)
        builder.node(
            subject, NodeKind.JOB, {PropertyKey.NAMESPACE: r.namespace, PropertyKey.NAME: r.name}
        )
        dataset = None
    else:
        dataset = builder.dataset_ref(r.namespace, r.name)
        subject = builder.column(r.namespace, r.name, r.column) if r.column else dataset
    assertion = assertion_id(subject, r.check)
    result = assertion_result_id(assertion, builder.at, r.run or "")
    if len(result.encode()) > _native.LONGEST_ID:
        raise InvalidCheck(
            f"the check {r.check[:60]!r}... of {subject[:60]!r} makes an id over the limit of "
            f"{_native.LONGEST_ID} bytes"
        )
    outcome = {
        "status": r.status,
        "success": r.status == "PASS",
        "severity": severity_of(r.severity),
        "checkedAt": builder.at,
        "source": r.source,
        "expected": r.expected,
        "actual": r.actual,
        "message": r.message,
        "run": r.run,
    }
    identity = {
        "name": r.check,
        "assertionType": r.check_type,
        "description": r.description,
        "subject": subject,
        "dataset": dataset,
        "column": r.column,
        "job": subject if r.job else None,
    }
    builder.node(assertion, NodeKind.ASSERTION, {**identity, **outcome, "lastResult": result})
    builder.node(result, NodeKind.ASSERTION_RESULT, {"assertion": assertion, **outcome})
    builder.edge(result, EdgeKind.OF, assertion)
    if dataset is not None:
        builder.edge(assertion, EdgeKind.CHECKS, dataset)
    if subject != dataset:
        builder.edge(assertion, EdgeKind.CHECKS, subject)
