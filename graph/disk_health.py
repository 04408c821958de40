"""Whether a directory's disk takes writes now: what ``/healthz`` adds to a store's read check.

A full disk (ENOSPC), a read-only one (EROFS) or a failing one (EIO) fail ingest while reads go
on (issue 33: ``/healthz`` said 200 while every write failed). :class:`WriteProbe` checks each
directory's free space (at least ``MIN_FREE_BYTES``: a disk with less fails ingest requests of
ordinary size even if a few bytes still fit) and then writes, syncs and removes a small file
there, which the filesystem must really accept. One probe runs at a time: ``/healthz`` is open
to anyone, so a crowd of calls shares the answer of the probe in flight instead of queueing
syncs on the disk (or worker threads on a lock).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path

MIN_FREE_BYTES = 1 << 20
PROBE_BYTES = 4096
PROBE_NAME = ".lineagemesh-write-probe"


def _cannot_write(directory: Path) -> str | None:
    try:
        stats = os.statvfs(directory)
        if stats.f_flag & os.ST_RDONLY:
            return f"cannot write {directory}: Read-only file system"
        blocks = stats.f_bfree if os.geteuid() == 0 else stats.f_bavail  # root may use the reserve
        if blocks * stats.f_frsize < MIN_FREE_BYTES:
            return (
                f"cannot write {directory}: No space left on device "
                f"({blocks * stats.f_frsize} bytes free, {MIN_FREE_BYTES} needed)"
            )
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
    except OSError as e:
        return f"cannot write {directory}: {e.strerror or e}"
    return None


class WriteProbe:
    """Probes ``directories`` (see the module docstring)."""

    def __init__(self, directories: Iterable[Path]) -> None:
        self.directories = sorted(set(directories))
        self._running = threading.Lock()
        self._last: str | None = None

    def cannot_write(self) -> str | None:
        """Why one of the directories cannot take a write now, or None. While another call's
        probe runs, its previous answer."""
        if not self._running.acquire(blocking=False):
            return self._last
        try:
            self._last = next(
                (reason for d in self.directories if (reason := _cannot_write(d)) is not None),
                None,
            )
            return self._last
        finally:
            self._running.release()
