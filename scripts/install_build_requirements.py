"""Installs what building lineagemesh's native core needs into this interpreter's environment, so
that pip builds it there (``--no-build-isolation``) instead of in a new isolated one each time.

That is what keeps a rebuild incremental: scikit-build-core clears its CMake tree (pyproject's
build-dir) whenever the build runs from another environment than the last time, and an isolated
build is always another one. What it installs: pyproject's ``build-system.requires``, then what the
backend asks for on this machine (cmake and ninja from the package index when the system has none,
or too old ones). Used by scripts/bootstrap, scripts/build-wheel and scripts/sanitize::

    python scripts/install_build_requirements.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pip_install(requirements: list[str]) -> None:
    """pip, or the installer scripts/bootstrap chose (``LINEAGEMESH_INSTALLER``: uv's pip)."""
    installer = os.environ.get("LINEAGEMESH_INSTALLER", "").split()
    if requirements:
        command = installer or [sys.executable, "-m", "pip", "install", "--quiet"]
        subprocess.run([*command, *requirements], check=True)


def main() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    _pip_install(pyproject["build-system"]["requires"])
    os.chdir(ROOT)  # the backend reads pyproject.toml from the working directory
    from scikit_build_core.build import get_requires_for_build_wheel

    _pip_install(get_requires_for_build_wheel())


if __name__ == "__main__":
    main()
