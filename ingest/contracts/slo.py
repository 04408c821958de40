"""A contract's service levels as comparable terms, one per SLO property, for either standard.

ODCS v3 states ``slaProperties`` (``property``, ``value``, ``unit``, ``element``…); datacontract.com
states ``servicelevels`` (``availability.percentage``, ``retention.period``, ``latency.threshold``,
``frequency.interval``, ``backup.recoveryTime``…). Both are kept as the contract's ``sla`` property;
this module reads that into :class:`SloTerm` values whose order says which of two promises is the
stronger one, so a pull-request check can tell a tightened SLO from a loosened one. A property
whose values have no order (a cron schedule, a timestamp field, an unknown property) is still a
term: a change to it is a change, only not an ordered one.

Example::

    >>> slo_terms("odcs", {"latency": {"value": 4, "unit": "d"}})["latency"].value
    96.0
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.core.pii import normalise
from ingest.contracts.shape import freshness_hours

#: Properties where a lower value promises more (durations to wait, rates of error), normalised.
LOWER_IS_STRONGER = frozenset(
    {
        "latency",
        "freshness",
        "frequency",
        "interval",
        "timetodetect",
        "timetonotify",
        "timetorepair",
        "errorrate",
        "timeofavailability",
        "generalavailability",
        "responsetime",
        "recoverytime",
        "recoverypoint",
        "threshold",
    }
)
#: Properties where a higher value promises more (shares of time or rows, how long data is kept).
HIGHER_IS_STRONGER = frozenset(
    {
        "availability",
        "percentage",
        "completeness",
        "retention",
        "period",
        "throughput",
        "endofsupport",
        "endoflife",
    }
)
#: The terms that promise how fresh data is (their changes are told as freshness changes).
TIMELINESS = frozenset({"latency", "freshness"})
#: Words of a batch interval, in hours.
_INTERVALS = {
    "hourly": 1.0,
    "daily": 24.0,
    "weekly": 168.0,
    "monthly": 720.0,
    "quarterly": 2190.0,
    "yearly": 8760.0,
    "annually": 8760.0,
}
#: What describes a level without promising anything.
_METADATA = frozenset({"description", "driver", "id", "unit"})
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%?")
_TIME_OF_DAY = re.compile(r"(\d{1,2}):(\d{2})(.*)")
_OFFSET = re.compile(r"(?:([+-])(\d{2}):?(\d{2})|Z|UTC)?", re.IGNORECASE)


@dataclass(frozen=True)
class SloTerm:
    """One promise: its ordered ``value`` (hours, a percentage, epoch seconds…) or None where
    it has no order, how to show it, and ``stronger``: +1 when a higher value promises more,
    -1 when a lower one does, 0 when values are only equal or not."""

    name: str
    value: float | None
    shown: str
    stronger: int

    @property
    def timeliness(self) -> bool:
        base = self.name.split(".")[0].split("[")[0]
        return self.value is not None and normalise(base) in TIMELINESS


def slo_terms(standard: str | None, sla: Any) -> dict[str, SloTerm]:
    """Every SLO property of a contract's ``sla`` (as ``ingest contracts`` records it), by key."""
    if not isinstance(sla, dict):
        return {}
    if standard == "datacontract":
        return _datacontract(sla)
    return _odcs(sla)


def _odcs(sla: dict[str, Any]) -> dict[str, SloTerm]:
    terms: dict[str, SloTerm] = {}
    for name, bodies in sla.items():
        entries = bodies if isinstance(bodies, list) else [bodies]
        for body in entries:
            if not isinstance(body, dict):
                continue
            key = str(name)
            qualifiers = [str(body[k]) for k in ("element", "driver") if body.get(k)]
            if qualifiers:
                key += f"[{', '.join(qualifiers)}]"
            unit = body.get("unit")
            terms[key] = _term(key, str(name), body.get("value"), unit)
            for extra, value in body.items():
                if (
                    extra not in _METADATA
                    and extra not in ("value", "element")
                    and value is not None
                ):
                    terms[f"{key}.{extra}"] = _term(f"{key}.{extra}", extra, value, unit)
    return terms


def _datacontract(levels: dict[str, Any]) -> dict[str, SloTerm]:
    terms: dict[str, SloTerm] = {}
    for level, body in levels.items():
        if not isinstance(body, dict):
            terms[str(level)] = _term(str(level), str(level), body, None)
            continue
        for name, value in body.items():
            if name in _METADATA or name == "unlimited" or value is None:
                continue
            key = f"{level}.{name}"
            # a latency or freshness threshold is read as that level; an interval is an interval
            terms[key] = _term(key, str(level) if name == "threshold" else name, value, None)
        if body.get("unlimited") is True:  # kept for ever promises more than any period
            terms[f"{level}.period"] = SloTerm(f"{level}.period", math.inf, "unlimited", 1)
    return terms


def _term(key: str, name: str, value: Any, unit: Any) -> SloTerm:
    """The term named ``name`` (its ordering) with ``value`` read by that property's kind."""
    prop = normalise(name)
    stronger = 1 if prop in HIGHER_IS_STRONGER else -1 if prop in LOWER_IS_STRONGER else 0
    shown = f"{value}{unit}" if unit and isinstance(value, int | float) else str(value)
    if isinstance(value, bool) or stronger == 0:
        return SloTerm(key, None, shown, 0)
    ordered = _ordered(prop, value, unit)
    if ordered is None:
        return SloTerm(key, None, shown, 0)
    number, read = ordered
    return SloTerm(key, number, shown if unit or isinstance(value, str) else read, stronger)


def _ordered(prop: str, value: Any, unit: Any) -> tuple[float, str] | None:
    """``value`` as a number to compare and its display, or None when it cannot be read so."""
    if prop in ("availability", "percentage", "completeness", "errorrate", "throughput"):
        if isinstance(value, int | float):
            suffix = "%" if prop != "throughput" and unit in (None, "%", "percent") else unit or ""
            return float(value), f"{value:g}{suffix}"
        match = _PERCENT.fullmatch(str(value).strip())
        return (float(match[1]), str(value).strip()) if match else None
    if prop in ("generalavailability", "endofsupport", "endoflife"):
        try:
            return datetime.fromisoformat(str(value)).timestamp(), str(value)
        except ValueError:
            return None
    if prop == "timeofavailability":  # 09:00-08:00: minutes into the day, in UTC
        match = _TIME_OF_DAY.fullmatch(str(value).strip())
        if match is None:
            return None
        offset = _OFFSET.fullmatch(match[3].strip())
        if offset is None:
            return None
        east = 0 if not offset[2] else int(offset[2]) * 60 + int(offset[3])
        minutes = int(match[1]) * 60 + int(match[2]) - (east if offset[1] == "+" else -east)
        return float(minutes % 1440), str(value)
    text = value.strip().lower() if isinstance(value, str) else None
    if text in _INTERVALS:
        return _INTERVALS[text], text
    if unit is None and isinstance(value, int | float):  # a number in the property's own unit
        return float(value), f"{value:g}"
    hours = freshness_hours(value, unit)
    return None if hours is None else (hours, f"{hours:g}h")
