"""scripts/bench_ingest_pairs.py: ``lineagemesh ingest openlineage`` of a generated mesh, this
checkout against another tree in alternating pairs. Run for real on a tiny mesh against this
checkout itself (a tree with its own .venv); the checks are on what was ingested and the report's
shape, never on wall-clock figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "bench_ingest_pairs.py"


def pairs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=600, cwd=REPO
    )


def lines(path: Path) -> int:
    return len(path.read_bytes().splitlines())


def test_pairs_a_first_load_and_re_runs_against_another_checkout(tmp_path: Path) -> None:
    out = tmp_path / "pairs.json"
    done = pairs(
        "--against", str(REPO), "--datasets", "120", "--pairs", "2", "--work", str(tmp_path),
        "--json", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert (result["this"], result["against"], result["datasets"]) == ("this", "same", 120)
    first, rerun = tmp_path / "mesh120.ndjson", tmp_path / "rerun120.ndjson"
    # every run ingested the whole file it was given: the mesh, then its second round alone
    expected = {"first_load": lines(first), "reruns": lines(rerun)}
    assert 0 < expected["reruns"] <= expected["first_load"]
    for name, cell in result["cells"].items():
        assert cell["pairs"] == 2
        assert cell["events"] == {"this": expected[name], "same": expected[name]}, name
        assert all(rate > 0 for rate in cell["events_per_s"].values())
        assert cell["speed_ratio"] > 0 and cell["wall_ratio"] > 0 and cell["cpu_ratio"] > 0
        assert cell["target_events_per_s"] in (15_000, 20_000)
    assert "| first load |" in done.stdout and "| reruns |" in done.stdout
    # each run had a data dir of its own, gone once it was measured
    assert not list(tmp_path.glob("run-*")), "a run's data dir was left behind"


def test_refuses_what_it_cannot_pair_against(tmp_path: Path) -> None:
    unknown = pairs("--against", "no-such-revision-here", "--work", str(tmp_path))
    assert unknown.returncode == 2
    assert "neither a directory nor a commit" in unknown.stderr
    bare = tmp_path / "bare"
    bare.mkdir()
    no_venv = pairs("--against", str(bare), "--work", str(tmp_path))
    assert no_venv.returncode == 2 and "no .venv/bin/lineagemesh" in no_venv.stderr
    no_pairs = pairs("--against", str(REPO), "--pairs", "0", "--work", str(tmp_path))
    assert no_pairs.returncode == 2 and "--pairs" in no_pairs.stderr
    assert not list(tmp_path.glob("*.ndjson")), "a refused run generated a mesh"
