"""Where a run of the suite spends its time, by test file: each test's setup, call and teardown
added to its file (a module's fixtures count once, in the test that set them up).

``scripts/test`` runs pytest twice (the files across the workers, then the serial tests): with
``LINEAGEMESH_TEST_TIMES=PATH`` set, each run adds its files' seconds to PATH (one JSON object a
line), and ``python tests/file_times.py PATH`` prints the ten slowest files of both runs.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

import pytest

#: Seconds by test file (its path from the repository's root), in the process that reports: under
#: pytest-xdist that is the controller, which receives every worker's reports.
SECONDS: defaultdict[str, float] = defaultdict(float)
#: Taken out of the environment as the suite starts: the pytest runs its tests start themselves
#: (the sanitized fuzz suite, collection checks) must not add their files to the run's.
TIMES = os.environ.pop("LINEAGEMESH_TEST_TIMES", None)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    SECONDS[report.nodeid.split("::", 1)[0]] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if TIMES and SECONDS and not hasattr(session.config, "workerinput"):  # the controller only
        with open(TIMES, "a") as out:
            out.write(json.dumps(dict(SECONDS)) + "\n")


def slowest(path: Path, count: int = 10) -> str:
    """The ``count`` files that took longest over every run written to ``path``, as a table."""
    total: defaultdict[str, float] = defaultdict(float)
    for line in path.read_text().splitlines():
        for name, seconds in json.loads(line).items():
            total[name] += seconds
    rows = [f"the {count} slowest test files (seconds of one worker, setup and teardown included):"]
    longest = sorted(total.items(), key=lambda item: -item[1])[:count]
    rows += [f"{seconds:8.1f}  {name}" for name, seconds in longest]
    rows.append(f"{sum(total.values()):8.1f}  all {len(total)} files")
    return "\n".join(rows)


if __name__ == "__main__":
    times = Path(sys.argv[1])
    if times.is_file():
        print(slowest(times))
