"""SLO compliance over time: how much of each day a data product or dataset met its SLOs, and the
incidents (each stretch of time it did not), from the runs and quality results the graph keeps.

Freshness: a dataset is late from its SLO's hours after an update until its next update (the
updates ``graph.read.governance.updates`` names: completed writing runs' ends, snapshots). Quality:
a dataset fails from an error-level check's failing result (``graph.read.health``'s rule) until that
check's next result that does not fail. A product is late while any of its datasets is late by the
product's SLO (its stalest dataset, as ``graph.read.governance.product_freshness`` judges now) and
fails while any of its datasets fails a check; a dataset's freshness SLO is the tightest of those
promising it (``graph.read.health.dataset_slos``).

Time is judged from what is on record: freshness from a dataset's first update, quality from its
first check result. A day's percentage is of its judged time (null when none of it is judged, or
when there is no SLO); the window is the ``days`` times 24 hours before ``at``, split at UTC midnight.
An incident is a stretch of time out of SLO, with the datasets late or the checks failing during
it; its start may lie before the window, and it has no end while it is still open at ``at``::

    >>> product_compliance(store, product, datetime(2026, 2, 1, tzinfo=UTC)).freshness  # doctest: +SKIP
    97.5
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum

from graph.core.errors import QueryError
from graph.core.model import Node
from graph.core.mutations import stamp_moment
from graph.read import governance, health, mesh
from graph.stores import GraphReader

WINDOW_DAYS = 30  # the window when none is asked
MOST_DAYS = 366  # the longest window one answer covers
_DAY = timedelta(days=1)


class IncidentKind(str, Enum):
    FRESHNESS = "FRESHNESS"  # older than its freshness SLO
    QUALITY = "QUALITY"  # an error-level check failing


@dataclass(frozen=True, slots=True)
class Incident:
    kind: IncidentKind
    start: datetime
    end: datetime | None  # None: still open at the window's end
    subjects: tuple[str, ...]  # the datasets late, or the assertions failing, during it


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    freshness: float | None  # percent of its judged time within the freshness SLO
    quality: float | None  # percent of its judged time with no error-level check failing


@dataclass(frozen=True, slots=True)
class Compliance:
    since: datetime
    until: datetime
    slo_hours: float | None
    freshness: float | None  # percent of the window's judged time within the freshness SLO
    quality: float | None
    days: tuple[Day, ...]
    incidents: tuple[Incident, ...]  # by start, freshness before quality at the same moment


@dataclass(frozen=True, slots=True)
class _Spell:
    """A stretch of time out of SLO of one subject (``end`` None: not over by the window's end)."""

    start: datetime
    end: datetime | None
    subject: str


@dataclass(frozen=True, slots=True)
class _Track:
    """One kind of SLO over the window: judged from ``judged_from`` on, out of it in ``spells``."""

    judged_from: datetime | None  # None: nothing on record, nothing judged
    spells: tuple[_Spell, ...]


def window(at: datetime, days: int) -> tuple[datetime, datetime]:
    """The window of ``days`` before ``at``, or a QueryError naming the bound."""
    if not 1 <= days <= MOST_DAYS:
        raise QueryError(f"days must be between 1 and {MOST_DAYS}, not {days}")
    at = at.astimezone(UTC)
    return at - days * _DAY, at


def product_compliance(
    reader: GraphReader, product: Node, at: datetime, days: int = WINDOW_DAYS
) -> Compliance:
    """The product's freshness (by its SLO, over its datasets) and quality compliance."""
    since, until = window(at, days)
    slo = governance.product_slo(reader, product)
    datasets = mesh.exposed_datasets(reader, product)
    return _compliance(since, until, slo, *_tracks(reader, datasets, slo, until))


def dataset_compliance(
    reader: GraphReader, dataset: Node, at: datetime, days: int = WINDOW_DAYS
) -> Compliance:
    """The dataset's freshness (by the tightest SLO promising it) and quality compliance."""
    since, until = window(at, days)
    slo = health.dataset_slos(reader, [dataset.id]).get(dataset.id)
    return _compliance(since, until, slo, *_tracks(reader, [dataset], slo, until))


def _tracks(
    reader: GraphReader,
    datasets: Sequence[Node],
    slo: float | None,
    until: datetime,
) -> tuple[_Track | None, _Track]:
    """The freshness track (None without an SLO) and the quality track of ``datasets``."""
    freshness = None
    if slo is not None:
        updates = {
            d: [stamp_moment(t) for t in times]
            for d, times in governance.updates(reader, datasets).items()
        }
        freshness = _freshness(updates, timedelta(hours=slo), until)
    checks = health.assertions(reader, [d.id for d in datasets])
    ids = [a.id for found in checks.values() for a in found]
    return freshness, _quality(health.assertion_histories(reader, ids), until)


def _freshness(updates: dict[str, list[datetime]], slo: timedelta, until: datetime) -> _Track:
    """Each dataset late from ``slo`` after an update until its next one (or for good)."""
    spells: list[_Spell] = []
    firsts: list[datetime] = []
    for dataset, times in updates.items():
        times = [t for t in times if t < until]
        if not times:
            continue
        firsts.append(times[0])
        for update, following in zip(times, [*times[1:], None]):
            due = update + slo
            if following is None or following > due:
                spells.append(_Spell(due, following, dataset))
    return _Track(min(firsts, default=None), tuple(spells))


def _quality(histories: dict[str, list[Node]], until: datetime) -> _Track:
    """Each assertion failing from an error-level failed result until its next result."""
    spells: list[_Spell] = []
    firsts: list[datetime] = []
    for assertion, newest_first in histories.items():
        results = [
            (stamp_moment(str(r.props["checkedAt"])), r)
            for r in reversed(newest_first)
            if r.props.get("checkedAt")
        ]
        results = [(t, r) for t, r in results if t < until]
        if not results:
            continue
        firsts.append(results[0][0])
        nexts = [t for t, _ in results[1:]]
        for (checked, result), following in zip(results, [*nexts, None]):
            if health.failed(result) and health.error_level(result):
                spells.append(_Spell(checked, following, assertion))
    return _Track(min(firsts, default=None), tuple(_joined(spells)))


def _joined(spells: Iterable[_Spell]) -> list[_Spell]:
    """One subject's back-to-back spells (failing result after failing result) as one."""
    joined: list[_Spell] = []
    for spell in sorted(spells, key=lambda s: (s.subject, s.start)):
        last = joined[-1] if joined else None
        if last is not None and last.subject == spell.subject and last.end == spell.start:
            joined[-1] = _Spell(last.start, spell.end, spell.subject)
        else:
            joined.append(spell)
    return joined


def _compliance(
    since: datetime,
    until: datetime,
    slo: float | None,
    freshness: _Track | None,
    quality: _Track,
) -> Compliance:
    freshness_out = _merged(freshness, until) if freshness else []
    quality_out = _merged(quality, until)
    days = []
    start = since
    while start < until:
        end = min(datetime.combine(start.date() + _DAY, datetime.min.time(), tzinfo=UTC), until)
        days.append(
            Day(
                start.date(),
                _percent(freshness, freshness_out, start, end) if freshness else None,
                _percent(quality, quality_out, start, end),
            )
        )
        start = end
    incidents = [
        Incident(kind, s.start, s.end, tuple(sorted(subjects)))
        for kind, merged in (
            (IncidentKind.FRESHNESS, freshness_out),
            (IncidentKind.QUALITY, quality_out),
        )
        for s, subjects in merged
        if s.end is None or s.end > since
    ]
    incidents.sort(key=lambda i: (i.start, list(IncidentKind).index(i.kind)))
    return Compliance(
        since,
        until,
        slo,
        _percent(freshness, freshness_out, since, until) if freshness else None,
        _percent(quality, quality_out, since, until),
        tuple(days),
        tuple(incidents),
    )


def _merged(track: _Track, until: datetime) -> list[tuple[_Spell, set[str]]]:
    """The track's spells before ``until`` as disjoint stretches, each with its subjects; a
    stretch still open at ``until`` has no end."""
    merged: list[tuple[_Spell, set[str]]] = []
    for spell in sorted(track.spells, key=lambda s: s.start):
        if spell.start >= until:
            continue
        end = None if spell.end is None or spell.end > until else spell.end
        if merged and (merged[-1][0].end is None or merged[-1][0].end >= spell.start):
            last, subjects = merged[-1]
            longer = None if last.end is None or end is None else max(last.end, end)
            merged[-1] = (_Spell(last.start, longer, ""), subjects | {spell.subject})
        else:
            merged.append((_Spell(spell.start, end, ""), {spell.subject}))
    return merged


def _percent(
    track: _Track, out: list[tuple[_Spell, set[str]]], start: datetime, end: datetime
) -> float | None:
    """Percent of the judged part of [start, end) that was within the SLO (None: none judged)."""
    if track.judged_from is None:
        return None
    start = max(start, track.judged_from)
    if start >= end:
        return None
    missed = sum(
        (
            min(end, s.end or end) - max(start, s.start)
            for s, _ in out
            if s.start < end and (s.end is None or s.end > start)
        ),
        timedelta(),
    )
    return round(100 * (1 - missed / (end - start)), 3)
