"""What a server's or an ingest command's start imports: the libraries only rare requests need are
imported when one comes (the MCP SDK on the first ``/mcp`` request, sqlglot when a dbt manifest's
SQL is read, jsonschema when a contract or product descriptor is checked). Each was a tenth of a
second to a second of every start, and the suite starts hundreds of servers and commands."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO

LATER = ("mcp", "pydantic", "sqlglot", "jsonschema")


def test_a_server_and_the_ingest_commands_start_without_the_rare_libraries() -> None:
    script = (
        "import sys\n"
        "import graph.cli.serve, graph.cli.ingest, graph.serve.app\n"
        f"print(' '.join(name for name in {LATER!r} if name in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [], f"imported at start: {done.stdout}"
