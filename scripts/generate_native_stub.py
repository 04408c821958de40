"""Writes ``graph/_native.pyi``, the stub mypy and readers see of the native core, from the module
itself: nanobind's stubgen reads the signatures and docstrings the bindings declare
(``native/bindings/``, ``nb::sig``), ``native/bindings/stub.patterns`` adds the imports and aliases
they name, and ruff formats the result as the rest of the code. Run it after changing a binding
(tests/test_native_stub.py fails while the checked-in stub differs)::

    .venv/bin/python scripts/generate_native_stub.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STUB = ROOT / "graph" / "_native.pyi"
PATTERNS = ROOT / "native" / "bindings" / "stub.patterns"


def generate() -> str:
    """The stub the installed ``graph._native`` declares (needs nanobind and ruff installed)."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "_native.pyi"
        stubgen = [sys.executable, "-m", "nanobind.stubgen", "-q", "-m", "graph._native"]
        subprocess.run([*stubgen, "-p", str(PATTERNS), "-o", str(out)], check=True, cwd=ROOT)
        ruff = [sys.executable, "-m", "ruff", "--config", str(ROOT / "pyproject.toml")]
        subprocess.run(
            [*ruff, "check", "-q", "--fix-only", "--select", "I,UP039", str(out)], check=True
        )
        subprocess.run([*ruff, "format", "-q", str(out)], check=True)
        return out.read_text()


def main() -> None:
    STUB.write_text(generate())
    print(STUB.relative_to(ROOT))


if __name__ == "__main__":
    main()
