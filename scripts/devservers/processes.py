"""Process probes shared by the dev servers (standard library only)."""

from __future__ import annotations

import os
from pathlib import Path


def process_state(pid: int) -> str | None:
    """The Linux process state letter from /proc (None where unknown)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[0] or None


def process_running(pid: int) -> bool:
    """Whether ``pid`` is a live process: it exists (perhaps another user's), and is not a zombie
    whose parent has not reaped it yet, which is no running server."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return process_state(pid) not in ("Z", "X")
