"""A child Python that writes to an embedded store and then dies by SIGKILL: no close, so no
snapshot and no checkpoint, exactly what a crash leaves behind."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PRELUDE = (
    "import os, signal, sys, time\n"
    "from pathlib import Path\n"
    "from graph.mutations import decode\n"
    "from graph.stores import embedded, snapshot\n"
)

#: Open the store at argv[1] and apply each line of the file argv[2] (an encoded batch).
APPLY_ALL = (
    "store = embedded.EmbeddedStore(Path(sys.argv[1]))\n"
    "for line in Path(sys.argv[2]).read_bytes().splitlines():\n"
    "    store.apply(decode(line))\n"
)


def run_then_sigkill(body: str, *args: str) -> None:
    """Run ``body`` (with os, signal, sys, time, Path, decode, embedded and snapshot imported) in a
    child Python from the repository's root, which then kills itself with SIGKILL."""
    code = _PRELUDE + body + "os.kill(os.getpid(), signal.SIGKILL)\n"
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, timeout=120, cwd=ROOT)
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()
