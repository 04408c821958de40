"""A child Python that writes to an embedded store and then dies by SIGKILL: no close, so no
snapshot and no checkpoint, exactly what a crash leaves behind."""

from __future__ import annotations

import base64
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PRELUDE = (
    "import base64, os, signal, sys, time\n"
    "from pathlib import Path\n"
    "from graph.core.mutations import decode\n"
    "from graph.stores.embedded import snapshot, store as embedded\n"
    "def batches(path):\n"
    "    return [decode(base64.b64decode(line)) for line in Path(path).read_bytes().splitlines()]\n"
)

#: Open the store at argv[1] and apply each batch of the file argv[2] (``batch_lines``).
APPLY_ALL = (
    "store = embedded.EmbeddedStore(Path(sys.argv[1]))\n"
    "for mutations in batches(sys.argv[2]):\n"
    "    store.apply(mutations)\n"
)


def batch_lines(payloads: Iterable[bytes]) -> bytes:
    """Encoded batches as a file the child reads with ``batches(path)``: one base64 line each."""
    return b"\n".join(base64.b64encode(payload) for payload in payloads)


def run_then_sigkill(body: str, *args: str) -> None:
    """Run ``body`` (with os, signal, sys, time, Path, decode, embedded, snapshot and ``batches``) in a
    child Python from the repository's root, which then kills itself with SIGKILL."""
    code = _PRELUDE + body + "os.kill(os.getpid(), signal.SIGKILL)\n"
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()
