"""The ``lineagemesh`` command line as the tests run it: a real child process (``python -m graph``,
from the repository root) whose exit code and stderr the tests check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def lineagemesh(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``lineagemesh ARGS...`` to its end, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "graph", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


#: What ``as_the_command`` prints on stderr should the interpreter tear itself down (and so free
#: what it holds) rather than end by ``os._exit`` (``graph.cli.one_shot``).
TEARDOWN = "interpreter teardown"


def as_the_command(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``lineagemesh ARGS...`` as the console script runs it, with an ``atexit`` handler that prints
    :data:`TEARDOWN`: its stderr says whether the process ended without tearing down."""
    script = (
        "import atexit, runpy, sys; "
        f"atexit.register(lambda: print({TEARDOWN!r}, file=sys.stderr)); "
        "runpy.run_module('graph', run_name='__main__', alter_sys=True)"
    )
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def breaking_report(*args: str) -> dict[str, Any]:
    """``lineagemesh check ARGS --format json``, which must find the change breaking (exit 1): its
    report."""
    done = lineagemesh("check", *args, "--format", "json")
    assert done.returncode == 1, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def lineagemesh_ok(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``lineagemesh ARGS...``, which must succeed (its stderr is the failure message)."""
    done = lineagemesh(*args, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done


def ingest_openlineage(
    store: Path, *files: Path, workers: str = "0", flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``lineagemesh ingest openlineage`` of ``files`` into the embedded store at ``store``, with
    ``workers`` parse workers (``"0"``: in the command's own process) and ``flags``."""
    return lineagemesh(
        "ingest",
        "openlineage",
        "--workers",
        workers,
        "--data-dir",
        str(store),
        *flags,
        *map(str, files),
    )


def ingested_bench_mesh(root: Path, datasets: int, seed: int = 7) -> tuple[Path, str]:
    """The bench mesh (``scripts/generate_mesh.py``) of ``datasets`` datasets, written to
    ``root/mesh.ndjson`` and ingested through ``lineagemesh ingest openlineage`` into ``root/store``:
    that data dir and the id of the mesh's first hub dataset (the largest blast radius)."""
    import generate_mesh

    mesh = root / "mesh.ndjson"
    with mesh.open("wb") as out:
        for event in generate_mesh.generate(datasets, seed=seed):
            out.write(generate_mesh.dumps_line(event))
    data_dir = root / "store"
    lineagemesh_ok("ingest", "openlineage", str(mesh), "--data-dir", str(data_dir))
    shape = generate_mesh.mesh_shape(datasets, seed=seed)
    return data_dir, f"dataset:{shape.hub_namespaces[0]}:{shape.hubs[0]}"


def ingested_mesh_with_rules(root: Path, datasets: int) -> Path:
    """The mesh ``scripts/generate_mesh.py`` writes with its domain rules (``--domain-rules``), of
    ``datasets`` datasets, ingested with those rules into ``root/store``: that data dir."""
    from devservers.lineagemesh import ingest_events

    events, rules = root / "mesh.ndjson", root / "rules.json"
    written = ["--out", str(events), "--domain-rules", str(rules)]
    script = str(REPO / "scripts" / "generate_mesh.py")
    subprocess.run(
        [sys.executable, script, "--quiet", "--datasets", str(datasets), *written], check=True
    )
    ingest_events(events, root / "store", rules)
    return root / "store"
