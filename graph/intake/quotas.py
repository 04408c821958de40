"""Per-principal byte quotas on ingest: how many bytes of events one principal may send per period.

The raw event log keeps every accepted event on disk, so without a bound one writer could fill the
disk everyone shares (issue 33, finding 6). ``serve --principal-quota 512MiB/1d`` gives every
principal that budget: the bytes of the events it has accepted, as sent (before compression and
before the log drops byte-identical repeats, so re-sending is not free), in fixed windows aligned
to the Unix epoch (a ``1d`` window starts at 00:00 UTC). Past it, ingest is refused with nothing
applied (HTTP 429 with ``Retry-After``: the window's end) until the next window.

The rule is applied once, by the ingest service (``graph.intake.ingest_service``), for every path that
has a principal: HTTP single and batch requests, and a Kafka consumer bound to a principal
(``--kafka-principal``). The counts live in the serving process: a restart starts fresh windows.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass, field

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_PERIOD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_PERIOD_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Quota:
    """``max_bytes`` of events per ``period_seconds``."""

    max_bytes: int
    period_seconds: float

    def __str__(self) -> str:
        return f"{self.max_bytes} bytes per {self.period_seconds:g}s"


def parse_quota(text: str) -> Quota:
    """``512MiB/1d``, ``2GB/12h``, ``1048576/3600``; a ValueError naming what is wrong otherwise."""
    size, sep, period = text.partition("/")
    size_match, period_match = _SIZE.match(size), _PERIOD.match(period)
    if not sep or not size_match or not period_match:
        raise ValueError(
            f"{text!r} is not a quota: expected BYTES/PERIOD, e.g. 512MiB/1d, 2GB/12h or 1048576/3600"
        )
    max_bytes = int(float(size_match.group(1)) * _SIZE_UNITS[(size_match.group(2) or "b").lower()])
    seconds = float(period_match.group(1)) * _PERIOD_UNITS[period_match.group(2) or "s"]
    if max_bytes < 1 or seconds < 1:
        raise ValueError(f"{text!r}: a quota needs at least 1 byte and a period of at least 1s")
    return Quota(max_bytes, seconds)


class QuotaExceeded(Exception):
    """A principal's events would go over its quota; nothing of them was charged."""

    def __init__(
        self, principal: str, quota: Quota, used: int, wanted: int, retry_after: float
    ) -> None:
        self.principal = principal
        self.quota = quota
        self.used = used
        self.wanted = wanted
        self.retry_after = retry_after
        super().__init__(
            f"principal {principal!r} is over its ingest quota of {quota}: {used} bytes used in "
            f"this period, {wanted} more asked; retry after {math.ceil(retry_after)}s"
        )

    @property
    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after)))


@dataclass
class Quotas:
    """The bytes each principal was charged in the current window of ``quota`` (None: unlimited)."""

    quota: Quota | None = None
    _used: dict[str, tuple[int, int]] = field(default_factory=dict)  # principal -> (window, bytes)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def charge(self, principal: str, size: int, now: float | None = None) -> None:
        """Count ``size`` bytes against ``principal``, or raise QuotaExceeded charging nothing."""
        if self.quota is None or size <= 0:
            return
        moment = time.time() if now is None else now
        window = int(moment // self.quota.period_seconds)
        with self._lock:
            at, used = self._used.get(principal, (window, 0))
            if at != window:
                used = 0
            if used + size > self.quota.max_bytes:
                ends = (window + 1) * self.quota.period_seconds
                raise QuotaExceeded(principal, self.quota, used, size, ends - moment)
            self._used[principal] = (window, used + size)

    def refund(self, principal: str, size: int, now: float | None = None) -> None:
        """Give back what was charged for events that then did not go in (the store failed)."""
        if self.quota is None or size <= 0:
            return
        window = int((time.time() if now is None else now) // self.quota.period_seconds)
        with self._lock:
            at, used = self._used.get(principal, (window, 0))
            if at == window:
                self._used[principal] = (window, max(0, used - size))

    def used(self, principal: str, now: float | None = None) -> int:
        """Bytes ``principal`` was charged in the current window."""
        if self.quota is None:
            return 0
        window = int((time.time() if now is None else now) // self.quota.period_seconds)
        with self._lock:
            at, used = self._used.get(principal, (window, 0))
        return used if at == window else 0
