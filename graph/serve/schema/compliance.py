"""SLO compliance over time (``graph.read.slo_compliance``) in GraphQL: per day and for the
window, with the incidents; a data product's and a dataset's ``sloCompliance``."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from graph.core.model import Node, NodeKind
from graph.core.mutations import stamp
from graph.read import slo_compliance
from graph.serve.health_types import moment
from graph.serve.schema.context import store_view

strawberry.enum(
    slo_compliance.IncidentKind,
    name="SloIncidentKind",
    description="FRESHNESS (older than its freshness SLO) or QUALITY (an error-level check failing).",
)
SloIncidentKind = slo_compliance.IncidentKind
COMPLIANCE = (
    "How much of each of the `days` before `at` (now) it met its freshness and quality SLOs, with "
    "its incidents."
)


@strawberry.type(description="One UTC day of an SLO compliance window.")
class SloDay:
    day: date
    freshness_percent: float | None = strawberry.field(
        description="Percent of the day's judged time within the freshness SLO (null: no SLO, or "
        "no update on record yet)."
    )
    quality_percent: float | None = strawberry.field(
        description="Percent of the day's judged time with no error-level check failing (null: no "
        "check result on record yet)."
    )


@strawberry.type(description="A stretch of time out of SLO.")
class SloIncident:
    kind: SloIncidentKind
    start: str = strawberry.field(description="When it began (UTC stamp; may precede the window).")
    end: str | None = strawberry.field(
        description="When it ended (null: still open at the window's end)."
    )
    subjects: list[str] = strawberry.field(
        description="The datasets late, or the assertions failing, during it, by id."
    )


@strawberry.type(
    description="How much of a window a product or dataset met its freshness and quality SLOs, "
    "per day, with its incidents; judged from the runs and check results on record."
)
class SloCompliance:
    since: str = strawberry.field(description="The window's start (UTC stamp).")
    until: str = strawberry.field(description="The window's end: `at` (UTC stamp).")
    freshness_slo_hours: float | None
    freshness_percent: float | None = strawberry.field(
        description="Percent of the window's judged time within the freshness SLO."
    )
    quality_percent: float | None = strawberry.field(
        description="Percent of the window's judged time with no error-level check failing."
    )
    days: list[SloDay]
    incidents: list[SloIncident]


def compliance_of(info: Info, node: Node, days: int, at: datetime | None) -> SloCompliance:
    """A product's or a dataset's compliance over the ``days`` before ``at`` (now)."""
    measure = (
        slo_compliance.product_compliance
        if node.kind is NodeKind.DATA_PRODUCT
        else slo_compliance.dataset_compliance
    )
    found = measure(store_view(info), node, moment(at), days)
    return SloCompliance(
        since=stamp(found.since),
        until=stamp(found.until),
        freshness_slo_hours=found.slo_hours,
        freshness_percent=found.freshness,
        quality_percent=found.quality,
        days=[
            SloDay(day=d.day, freshness_percent=d.freshness, quality_percent=d.quality)
            for d in found.days
        ],
        incidents=[
            SloIncident(
                kind=i.kind,
                start=stamp(i.start),
                end=None if i.end is None else stamp(i.end),
                subjects=list(i.subjects),
            )
            for i in found.incidents
        ],
    )
