"""Line coverage of the native core from a build instrumented with ``--coverage``
(``native/CMakeLists.txt`` with ``-DLM_COVERAGE=ON``, after ctest ran): gcc's own ``gcov`` reads
every ``.gcda`` of the build, and a line of ``native/core`` (and of ``native/marquez``, the
renderer over it) counts as covered when any object that compiled it (a header is compiled into
many; a template into many instantiations) ran it. No dependency beyond gcc's gcov::

    python scripts/native_coverage.py BUILD_DIR [SOURCE_DIR ...] [--min PERCENT]

prints the total and one line per file, and exits 1 when the total is below ``--min``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

NATIVE = Path(__file__).resolve().parent.parent / "native"
#: The directories counted: the core and Marquez's renderer over it (moved out of the core, its
#: lines still count, so the move cannot raise the figure).
SOURCES = (NATIVE / "core", NATIVE / "marquez")


def line_coverage(build: Path, sources: Sequence[Path] = SOURCES) -> dict[str, tuple[int, int]]:
    """(covered lines, executable lines) by ``dir/file``, for the files of ``sources``."""
    # Every instrumented object (its .gcno), run or not: an object of the core no test links in
    # has no .gcda, and gcov counts its lines as never run.
    notes = sorted(str(path) for path in build.rglob("*.gcno"))
    if not notes:
        raise SystemExit(f"{build}: no .gcno files (configure with -DLM_COVERAGE=ON)")
    gcov = os.environ.get("GCOV", "gcov")
    run = subprocess.run(
        [gcov, "--json-format", "--stdout", *notes],
        capture_output=True,
        text=True,
        check=True,
        cwd=build,
    )
    counted = {directory.resolve() for directory in sources}
    ran: dict[str, dict[int, bool]] = {}
    for document in run.stdout.splitlines():
        if not document.strip():
            continue
        for entry in json.loads(document)["files"]:
            path = Path(entry["file"])
            if not path.is_absolute():
                path = build / path
            path = path.resolve()
            if path.parent not in counted or not path.exists():  # (a file since removed)
                continue
            lines = ran.setdefault(f"{path.parent.name}/{path.name}", {})
            for line in entry["lines"]:
                number = line["line_number"]
                lines[number] = lines.get(number, False) or line["count"] > 0
    for directory in counted:  # a file no test reaches still counts, as all uncovered
        for source in directory.glob("*.cc"):
            if f"{directory.name}/{source.name}" not in ran:
                raise SystemExit(f"{source.name}: compiled into no object of {build}")
    return {name: (sum(lines.values()), len(lines)) for name, lines in sorted(ran.items())}


def table(coverage: dict[str, tuple[int, int]]) -> str:
    """The coverage as text: one line per file, then the total."""
    rows = [f"{'native/':<26} {'lines':>7} {'covered':>8} {'cover':>7}"]
    for name, (covered, lines) in coverage.items():
        rows.append(f"{name:<26} {lines:>7} {covered:>8} {100 * covered / max(lines, 1):>6.1f}%")
    covered, lines = total(coverage)
    rows.append(f"{'TOTAL':<26} {lines:>7} {covered:>8} {100 * covered / max(lines, 1):>6.1f}%")
    return "\n".join(rows)


def total(coverage: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """(covered, executable) lines over every file."""
    return sum(c for c, _ in coverage.values()), sum(n for _, n in coverage.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", type=Path)
    parser.add_argument("sources", type=Path, nargs="*", default=list(SOURCES))
    parser.add_argument("--min", type=float, default=0.0, help="fail below this total percent")
    args = parser.parse_args()
    coverage = line_coverage(args.build, args.sources)
    print(table(coverage))
    covered, lines = total(coverage)
    if 100 * covered / max(lines, 1) < args.min:
        print(f"native line coverage is below {args.min:g}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
