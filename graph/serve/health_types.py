"""The GraphQL shapes of quality and health (``graph.read.health``): assertions with their history,
and a health status with the reasons (and upstream paths) behind it. ``graph.serve.schema`` wires
them onto datasets, products and domains; the answers are ``graph.read.health``'s."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import strawberry

from graph.core.model import Node
from graph.read import health
from graph.serve.connections import Connection, paginate
from graph.stores import GraphReader

strawberry.enum(
    health.HealthStatus,
    name="HealthStatus",
    description="HEALTHY, FAILING (its own error-level check failed or it misses its SLO), "
    "AT_RISK (something upstream fails), UNKNOWN (no checks, no SLO, nothing upstream failing).",
)
strawberry.enum(
    health.ReasonKind, name="HealthReasonKind", description="What a health reason is about."
)
HealthStatus = health.HealthStatus
HealthReasonKind = health.ReasonKind


@strawberry.type(description="Why a health status is what it is.")
class HealthReason:
    kind: HealthReasonKind
    subject: str = strawberry.field(
        description="The dataset or job the reason is about (upstream, for UPSTREAM_* reasons)."
    )
    message: str
    assertion: str | None = strawberry.field(description="The failing assertion's id, if one.")
    path: list[str] = strawberry.field(
        description="Node ids from the failing upstream subject down to the node judged."
    )
    check: str | None = strawberry.field(
        description="The failing assertion's name as its tool names it, if one."
    )
    column: str | None = strawberry.field(description="The column the failing assertion checks.")
    detail: str = strawberry.field(
        description="What happened, the subject not named ('failed at ...', 'misses its "
        "freshness SLO of 24h (...)'): the message's own part, for writing a sentence."
    )


@strawberry.type(description="A dataset's, product's or domain's health, with its reasons.")
class Health:
    status: HealthStatus
    reasons: list[HealthReason]

    @staticmethod
    def of(found: health.Health) -> Health:
        return Health(
            status=found.status,
            reasons=[
                HealthReason(
                    kind=r.kind,
                    subject=r.subject,
                    message=r.message,
                    assertion=r.assertion,
                    path=list(r.path),
                    check=r.check,
                    column=r.column,
                    detail=r.detail,
                )
                for r in found.reasons
            ],
        )


def _outcome(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": p.get("status", "ERROR"),
        "success": bool(p.get("success")),
        "severity": p.get("severity", "error"),
        "checked_at": p.get("checkedAt"),
        "source": p.get("source"),
        "expected": p.get("expected"),
        "actual": p.get("actual"),
        "message": p.get("message"),
        "run": p.get("run"),
    }


@strawberry.type(description="One observed result of an assertion.")
class AssertionResult:
    id: str
    status: str = strawberry.field(
        description="PASS, FAIL, SKIP or ERROR (the check could not run)."
    )
    success: bool
    severity: str = strawberry.field(description="error or warn (none declared counts as error).")
    checked_at: str | None
    source: str | None = strawberry.field(
        description="Who reported it: openlineage, dbt, great_expectations or soda."
    )
    expected: str | None
    actual: str | None
    message: str | None
    run: str | None = strawberry.field(description="The run id that reported it, if any.")

    @staticmethod
    def of(node: Node) -> AssertionResult:
        return AssertionResult(id=node.id, **_outcome(node.props))


@strawberry.type(
    description="A quality check of a dataset, one of its columns, or a job; its latest result."
)
class Assertion:
    id: str
    name: str
    assertion_type: str | None = strawberry.field(description="not_null, unique, row_count, ...")
    description: str | None
    column: str | None = strawberry.field(
        description="The column checked; none: the whole dataset."
    )
    subject: str | None = strawberry.field(
        description="The id of the dataset, column or job checked."
    )
    status: str = strawberry.field(description="PASS, FAIL, SKIP or ERROR, as last observed.")
    success: bool
    severity: str
    checked_at: str | None
    source: str | None
    expected: str | None
    actual: str | None
    message: str | None
    run: str | None
    _reader: strawberry.Private[GraphReader]

    @staticmethod
    def of(node: Node, reader: GraphReader) -> Assertion:
        p = node.props
        return Assertion(
            id=node.id,
            name=p.get("name", ""),
            assertion_type=p.get("assertionType"),
            description=p.get("description"),
            column=p.get("column"),
            subject=p.get("subject"),
            _reader=reader,
            **_outcome(p),
        )

    @strawberry.field(description="Its results, newest first.")
    def history(self, first: int = 20) -> list[AssertionResult]:
        found = health.assertion_history(self._reader, self.id)
        return [AssertionResult.of(n) for n in found[: max(0, min(first, 1000))]]


def moment(at: datetime | None) -> datetime:
    """An ``at`` argument as an aware datetime (now when none)."""
    if at is None:
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def assertions_page(
    reader: GraphReader, subject: str, first: int | None, after: str | None, max_page: int
) -> Connection[Assertion]:
    """The assertions of a dataset (and its columns), by id, a page at a time."""
    found: Sequence[Node] = health.assertions(reader, [subject])[subject]
    return paginate(found, lambda n: (n.id,), first, after, max_page).connection(
        lambda n: Assertion.of(n, reader)
    )
