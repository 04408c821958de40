"""Whether a directory's disk takes writes now: what ``/healthz`` adds to a store's read check.

A full disk (ENOSPC), a read-only one (EROFS) or a failing one (EIO) fail ingest while reads go
on (issue 33: ``/healthz`` said 200 while every write failed). :class:`WriteProbe` checks each
directory two ways. :meth:`WriteProbe.space`: its free space (at least ``MIN_FREE_BYTES``: a disk
with less fails ingest requests of ordinary size even if a few bytes still fit) and whether it is
mounted read-only, from ``statvfs`` (the filesystem's own counts, no I/O to the device: cheap
enough for every ``/healthz``). :meth:`WriteProbe.write`: writing, syncing and removing a small
file there, which the filesystem must really accept (the only way to see a failing device), but
which costs a sync: 6 ms typical and tens of ms at the tail on a shared disk, so ``/healthz``
(``graph.serve.health_check``) runs it beside the requests, not in them. One write probe runs at a
time: ``/healthz`` is open to anyone, so a crowd of calls shares the answer of the probe in
flight instead of queueing syncs on the disk (or threads on a lock).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

MIN_FREE_BYTES = 1 << 20
PROBE_BYTES = 4096
PROBE_NAME = ".lineagemesh-write-probe"


def _no_space(directory: Path) -> str | None:
    stats = os.statvfs(directory)
    if stats.f_flag & os.ST_RDONLY:
        return f"cannot write {directory}: Read-only file system"
    blocks = stats.f_bfree if os.geteuid() == 0 else stats.f_bavail  # root may use the reserve
    if blocks * stats.f_frsize < MIN_FREE_BYTES:
        return (
            f"cannot write {directory}: No space left on device "
            f"({blocks * stats.f_frsize} bytes free, {MIN_FREE_BYTES} needed)"
        )
    return None


def _not_written(directory: Path) -> str | None:
    probe = directory / PROBE_NAME
    try:
        descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            written = os.write(descriptor, bytes(PROBE_BYTES))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    if written < PROBE_BYTES:
        return f"cannot write {directory}: only {written} of {PROBE_BYTES} bytes written"
    return None


def _first(check: Callable[[Path], str | None], directories: Iterable[Path]) -> str | None:
    for directory in directories:
        try:
            reason = check(directory)
        except OSError as e:
            reason = f"cannot write {directory}: {e.strerror or e}"
        if reason is not None:
            return reason
    return None


@dataclass(frozen=True)
class Written:
    """The answer of the last write probe, and when (``time.monotonic()``) it finished."""

    reason: str | None
    at: float


class WriteProbe:
    """Probes ``directories`` (see the module docstring)."""

    def __init__(self, directories: Iterable[Path]) -> None:
        self.directories = sorted(set(directories))
        self._running = threading.Lock()
        self.last: Written | None = None  # of the last write probe that finished
        self.running_since: float | None = None  # monotonic start of the write probe in flight

    def space(self) -> str | None:
        """Why one of the directories has no room or is read-only, or None (no write, no sync)."""
        return _first(_no_space, self.directories)

    def write(self) -> str | None:
        """Why one of the directories does not take a synced write now, or None. While another
        call's probe runs, its previous answer (None before any)."""
        if not self._running.acquire(blocking=False):
            return None if self.last is None else self.last.reason
        try:
            self.running_since = time.monotonic()
            reason = _first(_not_written, self.directories)
            self.last = Written(reason, time.monotonic())
            return reason
        finally:
            self.running_since = None
            self._running.release()

    def cannot_write(self) -> str | None:
        """Why one of the directories cannot take a write now, or None: both checks, now."""
        return self.space() or self.write()
