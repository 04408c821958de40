"""The load test, run small against a live server per store: concurrent clients post and query;
no answer is a 5xx, nothing acknowledged is lost. (No wall-clock assertions: throughput is
reported by ``scripts/load_test.py``, not judged here.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "load_test.py"


def load_test(*args: str) -> tuple[int, dict | None, str]:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=900
    )
    lines = result.stdout.strip().splitlines()
    report = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else None
    return result.returncode, report, result.stdout + result.stderr


def test_concurrent_posts_and_queries_lose_nothing(live_server) -> None:
    code, report, output = load_test(
        "--url",
        live_server.url,
        "--clients",
        "6",
        "--events",
        "150",
        "--queries",
        "90",
        "--sources",
        "8",
        "--duration",
        "600",
        "--json",
    )
    assert report is not None, output
    assert (report["events"]["5xx"], report["queries"]["5xx"]) == (0, 0), report["failures"]
    assert (
        report["events"]["error"],
        report["queries"]["error"],
        report["queries"]["graphqlErrors"],
    ) == (0, 0, 0), report["failures"]
    assert (
        report["events"]["2xx"] == report["events"]["sent"]
        and report["queries"]["2xx"] == report["queries"]["sent"]
    )
    assert report["lost"] == 0 and report["acknowledged"] == report["events"]["sent"] + 8, report[
        "lostJobs"
    ]
    assert report["ok"] and code == 0, output


def test_it_starts_and_stops_its_own_server(tmp_path: Path) -> None:
    code, report, output = load_test(
        "--data-dir",
        str(tmp_path / "store"),
        "--clients",
        "3",
        "--events",
        "20",
        "--queries",
        "10",
        "--sources",
        "3",
        "--json",
    )
    assert code == 0 and report is not None and report["ok"], output
    assert report["store"] == f"embedded:{tmp_path / 'store'}" and report["lost"] == 0


def test_it_refuses_anything_but_loopback() -> None:
    code, report, output = load_test("--url", "http://10.255.255.1:5000", "--events", "1")
    assert code == 2 and report is None and "not a loopback address" in output
