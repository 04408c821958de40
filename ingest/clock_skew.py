"""How far ahead of this machine's clock an event may be dated.

An eventTime is a precedence: the newest stamp wins every property it sets (``graph.core.mutations``).
An event dated in the future would win forever, so entry points (HTTP ingest, file ingest) refuse
an eventTime more than a tolerance (``--max-clock-skew``, 1 hour by default) ahead of their clock,
as an invalid ``$.eventTime``. The translation itself stays pure: it is given the latest moment it
may accept (:func:`latest_accepted`), never reads the clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

DEFAULT_MAX_CLOCK_SKEW = timedelta(hours=1)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_skew(text: str) -> timedelta:
    """``90s``, ``30m``, ``1h``, ``2d`` or plain seconds; a ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration: expected e.g. 3600, 90s, 30m, 1h or 2d")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2) or "s"])


def latest_accepted(max_skew: timedelta | None, now: datetime | None = None) -> datetime | None:
    """The latest eventTime to accept now (None: no bound)."""
    if max_skew is None:
        return None
    return (now or datetime.now(UTC)) + max_skew
