"""A stop signal (``docker stop`` sends SIGTERM, Ctrl-C is SIGINT) closes the store: the server
exits 0, the snapshot of everything acknowledged is written, the journal's WAL is checkpointed, and
the next start loads that snapshot with nothing left to replay."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest
from live_server import LiveServer
from openlineage.client.transport.http import HttpConfig, HttpTransport

DATASETS = "{ stats { kind count } }"


def _dataset_count(server: LiveServer) -> int:
    return next(
        row["count"] for row in server.graphql(DATASETS)["stats"] if row["kind"] == "Dataset"
    )


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_writes_the_snapshot_and_exits_0(
    tmp_path: Path, food_delivery_events: list[dict], stop: signal.Signals
) -> None:
    data_dir = tmp_path / "store"
    server = LiveServer(["--data-dir", str(data_dir)], tmp_path / "server.log").start()
    try:
        transport = HttpTransport(HttpConfig(url=server.url, timeout=30))
        for event in food_delivery_events:
            assert transport.emit(event).status_code == 201  # type: ignore[arg-type]  # a raw event dict, sent as it is
        datasets = _dataset_count(server)
        assert datasets > 0
        assert not (
            data_dir / "snapshot.bin"
        ).exists()  # a small graph: nothing snapshotted in the background
        assert server.process is not None
        server.process.send_signal(stop)
        returncode = server.process.wait(60)
    finally:
        server.kill()

    assert returncode == 0, server.log_tail()
    assert (data_dir / "snapshot.bin").stat().st_size > 0
    wal = data_dir / "journal.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size == 0, "the journal's WAL was not checkpointed"

    restarted = LiveServer(["--data-dir", str(data_dir)], tmp_path / "restart.log").start()
    try:
        assert _dataset_count(restarted) == datasets
    finally:
        restarted.stop()
    loaded = re.findall(r"as of journal batch (\d+)", (tmp_path / "restart.log").read_text())
    assert loaded, "the restart did not load the snapshot"
    assert "replaying the whole journal" not in (tmp_path / "restart.log").read_text()
