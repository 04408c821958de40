"""Local development servers (real services run on 127.0.0.1 for tests and developers)."""

import hashlib
import os
from pathlib import Path

#: What the suite and the servers keep outside the checkout, as ccache's cache is (the servers' jars,
#: the wheel, the native builds): a fresh clone of the same sources reuses them.
USER_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lineagemesh"


def jar_folder(name: str, *inputs: bytes) -> Path:
    """The cache folder of ``name`` (a server and its version) fetched from ``inputs`` (its pom...):
    named by their hash, so clones whose poms differ never replace each other's jars."""
    return USER_CACHE / f"{name}-{hashlib.sha256(b''.join(inputs)).hexdigest()[:12]}"
