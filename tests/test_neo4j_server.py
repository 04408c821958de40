"""The local Neo4j 5.26 dev server (scripts/devservers/neo4j.py) really runs and keeps its data.

Needs Java 17+ and Maven (the first run fetches the jars into ~/.cache/lineagemesh/neo4j-*/lib);
select or deselect with ``-m neo4j`` / ``-m "not neo4j"``.
"""

import shutil
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "scripts"))

from devservers import neo4j as neo4j_server  # noqa: E402

neo4j = pytest.importorskip("neo4j")  # the Python driver

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.skipif(
        shutil.which("java") is None or shutil.which("mvn") is None,
        reason="needs java and mvn on PATH to run the Neo4j dev server",
    ),
]


def _names(uri):
    with neo4j.GraphDatabase.driver(uri, auth=None) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (n:DevServerProbe) RETURN n.name AS name ORDER BY name", database_="neo4j"
        )
    return [r["name"] for r in records]


@pytest.mark.neo4j
def test_start_write_stop_restart_read(tmp_path):
    data_dir = tmp_path / "neo4j"

    server = neo4j_server.start(data_dir=data_dir)
    try:
        assert server.uri == f"bolt://127.0.0.1:{server.port}"
        assert neo4j_server.status(data_dir) == server
        with neo4j.GraphDatabase.driver(server.uri, auth=None) as driver:
            driver.execute_query(
                "CREATE (:DevServerProbe {name: $name})", name="persisted", database_="neo4j"
            )
        assert _names(server.uri) == ["persisted"]
    finally:
        assert neo4j_server.stop(server)
    assert neo4j_server.status(data_dir) is None
    assert not (data_dir / neo4j_server.STATE_FILE).exists()

    again = neo4j_server.start(port=server.port, data_dir=data_dir)
    try:
        assert again.port == server.port and again.pid != server.pid
        assert _names(again.uri) == ["persisted"]
    finally:
        assert neo4j_server.stop(data_dir)
    assert neo4j_server.status(data_dir) is None
    assert neo4j_server.stop(data_dir) is False  # already stopped: a no-op


@pytest.mark.neo4j
def test_committed_data_survives_kill(tmp_path):
    data_dir = tmp_path / "neo4j"
    server = neo4j_server.start(data_dir=data_dir)
    try:
        with neo4j.GraphDatabase.driver(server.uri, auth=None) as driver:
            driver.execute_query(
                "CREATE (:DevServerProbe {name: 'before-crash'})", database_="neo4j"
            )
        with pytest.raises(neo4j_server.AlreadyRunningError):
            neo4j_server.start(data_dir=data_dir)
    finally:
        assert neo4j_server.kill(server)
    assert neo4j_server.status(data_dir) is None

    again = neo4j_server.start(port=server.port, data_dir=data_dir)  # recovers the store
    try:
        assert _names(again.uri) == ["before-crash"]
    finally:
        neo4j_server.stop(again)
