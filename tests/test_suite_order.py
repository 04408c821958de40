"""The suite hands its longest files to the workers first (``conftest.LONGEST_FIRST``): the names
there must be files of the suite, and collection must put them first."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

from conftest import LONGEST_FIRST, REPO


def test_every_longest_file_is_a_test_file_of_the_suite() -> None:
    missing = [name for name in LONGEST_FIRST if not (REPO / "tests" / name).is_file()]
    assert not missing, f"conftest.LONGEST_FIRST names files the suite no longer has: {missing}"


def collected(*files: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [Path(line.split("::")[0]).name for line in done.stdout.splitlines() if "::" in line]


def test_the_longest_files_are_collected_first_and_the_rest_by_their_size() -> None:
    order = collected("tests/test_ids.py", "tests/test_naming.py", "tests/test_code_style.py")
    files = [name for name, _ in itertools.groupby(order)]  # a file's tests stay together
    assert len(files) == 3 and files[0] == "test_code_style.py", files
    rest = files[1:]
    assert sorted(rest, key=lambda name: -order.count(name)) == rest, files
