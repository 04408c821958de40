"""Prints the requirements of lineagemesh (its dependencies and those of the extras named), one a
line, the extras' references to lineagemesh itself expanded, so that they can be installed while the
native core compiles (scripts/bootstrap installs the package itself with ``--no-deps``)::

    python scripts/project_requirements.py test
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SELF = re.compile(r"^lineagemesh\[([^\]]*)\]$")


def requirements(extras: list[str]) -> list[str]:
    """The base dependencies and every named extra's, each once, in their order in pyproject."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional: dict[str, list[str]] = project.get("optional-dependencies", {})
    found: list[str] = []
    seen_extras: set[str] = set()

    def add(entries: list[str]) -> None:
        for entry in entries:
            itself = SELF.match(entry.strip())
            if itself:
                expand([name.strip() for name in itself.group(1).split(",")])
            elif entry not in found:
                found.append(entry)

    def expand(names: list[str]) -> None:
        for name in names:
            if name in seen_extras:
                continue
            if name not in optional:
                raise SystemExit(f"pyproject.toml: no extra named {name!r}")
            seen_extras.add(name)
            add(optional[name])

    add(project["dependencies"])
    expand([name for name in extras if name])
    return found


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1:])))
