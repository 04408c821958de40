"""Journals written by earlier versions: each format is read as it was written, migrated on open
with its rows kept byte for byte, and a damaged row of any format or codec is found and
quarantined like a new one; a newer format is refused (``graph.stores.journal``)."""

from __future__ import annotations

import datetime
import enum
import logging
import sqlite3
import uuid
import zlib
from pathlib import Path

import orjson
import pytest
from torn_journal import (
    as_after_a_crash,
    batch,
    batches_present,
    damage_row,
    fill,
    journal_cli,
    journal_warnings,
)

from graph.core.model import NodeKind
from graph.core.mutations import UpsertNode, decode, encode
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.journal import COMPRESS_BYTES, FORMAT, JournalCorrupt, JournalError


def _json_rows(mutations: list) -> bytes:
    """A batch as journals held it before the wire form: JSON rows."""
    return orjson.dumps(
        [
            ("N", m.id, m.kind, m.at, dict(m.props) or None, dict(m.first) or None)
            if isinstance(m, UpsertNode)
            else (
                "E",
                m.source,
                m.kind,
                m.target,
                m.at,
                dict(m.props) or None,
                dict(m.first) or None,
            )
            for m in mutations
        ]
    )


def _format_0_journal(path: Path, payloads: list[bytes]) -> None:
    """A journal as the first version wrote it."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL)"
    )
    db.executemany("INSERT INTO batches (payload) VALUES (?)", ((p,) for p in payloads))
    db.close()


def test_format_0_journal_is_migrated_transparently(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _format_0_journal(tmp_path / "journal.sqlite", [_json_rows(batch(i)) for i in range(10)])
    with caplog.at_level(logging.INFO), EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 10) == list(range(10))
        store.apply(batch(10))
    assert journal_warnings(caplog) == []
    assert any(f"format 0 migrated to {FORMAT}" in r.getMessage() for r in caplog.records)
    db = sqlite3.connect(tmp_path / "journal.sqlite")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == FORMAT
        rows = db.execute(
            "SELECT seq, length, crc32, codec, payload FROM batches ORDER BY seq"
        ).fetchall()
        assert [r[1:4] for r in rows[:10]] == [
            (None, None, None)
        ] * 10  # old rows kept byte for byte
        assert (
            rows[10][1] == len(rows[10][4])
            and rows[10][2] == zlib.crc32(rows[10][4])
            and rows[10][3] is None
        )
        assert rows[10][4] == encode(batch(10))  # stored as encoded
    finally:
        db.close()
    with EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 11) == list(range(11))


def test_format_1_journal_keeps_its_rows_and_stores_new_ones_as_encoded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "journal.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL, length INTEGER, crc32 INTEGER)"
    )
    db.execute(
        "CREATE TABLE quarantine (seq INTEGER PRIMARY KEY, payload BLOB, length INTEGER, crc32 INTEGER, "
        "reason TEXT NOT NULL, quarantined_at TEXT NOT NULL)"
    )
    payloads = [_json_rows(batch(i)) for i in range(5)]
    db.executemany(
        "INSERT INTO batches (payload, length, crc32) VALUES (?, ?, ?)",
        [(p, len(p), zlib.crc32(p)) for p in payloads],
    )
    db.execute("PRAGMA user_version = 1")
    db.close()
    with caplog.at_level(logging.INFO), EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 5) == list(range(5))
        store.apply(batch(5))
    assert any(f"format 1 migrated to {FORMAT}" in r.getMessage() for r in caplog.records)
    as_after_a_crash(tmp_path)
    damage_row(path, 6, "truncated")  # a torn new row is found by its length and crc32
    with EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 6) == list(range(5))
    db = sqlite3.connect(path)
    try:
        assert db.execute("SELECT codec FROM quarantine").fetchall() == [(None,)]
    finally:
        db.close()


def test_rows_compressed_by_earlier_versions_replay_and_are_checked_like_any(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Format 2 journals written while new rows were zlib-compressed: read as they are; a damaged
    one found by its length and crc32, and quarantined with its codec, so it can still be read."""
    path = fill(tmp_path, 1)
    db = sqlite3.connect(path, isolation_level=None)
    compressed = [zlib.compress(encode(batch(i)), 1) for i in range(1, 6)]
    db.executemany(
        "INSERT INTO batches (payload, length, crc32, codec) VALUES (?, ?, ?, 'zlib')",
        [(p, len(p), zlib.crc32(p)) for p in compressed],
    )
    db.close()
    with caplog.at_level(logging.INFO), EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 6) == list(range(6))
        store.apply(batch(6))
    assert journal_warnings(caplog) == []
    damage_row(path, 6, "bit flip")  # the last compressed row (batch 5), before a new one
    with pytest.raises(JournalCorrupt, match="seq 6: crc32 mismatch"):
        EmbeddedStore(tmp_path).close()
    assert journal_cli("salvage", tmp_path).returncode == 0
    with EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 7) == [0, 1, 2, 3, 4, 6]
    db = sqlite3.connect(path)
    try:
        assert db.execute("SELECT seq, codec FROM quarantine").fetchall() == [(6, "zlib")]
    finally:
        db.close()


def test_large_batches_are_stored_compressed_and_checked_like_any(tmp_path: Path) -> None:
    """A batch of COMPRESS_BYTES and more is kept zstd-compressed (format 3), replays to the same
    graph, and a damaged one is found by its length and crc32 and quarantined with its codec; a
    format-2 journal's rows stay as they are when it is marked 3."""
    large = [m for i in range(40) for m in batch(i)]
    assert len(encode(large)) >= COMPRESS_BYTES > len(encode(batch(40)))
    with EmbeddedStore(tmp_path) as store:
        store.apply(large)
        store.apply(batch(40))
    as_after_a_crash(tmp_path)
    path = tmp_path / "journal.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    rows = db.execute(
        "SELECT seq, length, crc32, codec, payload FROM batches ORDER BY seq"
    ).fetchall()
    assert [r[3] for r in rows] == ["zstd", None]
    assert rows[0][1] == len(rows[0][4]) < len(encode(large)) // 3
    assert rows[0][2] == zlib.crc32(rows[0][4])
    db.execute("PRAGMA user_version = 2")  # as the format before wrote it, rows apart
    db.close()
    with EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 41) == list(range(41))
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == FORMAT == 4
    as_after_a_crash(tmp_path)
    damage_row(path, 1, "bit flip")  # the compressed row, before an intact one
    with pytest.raises(JournalCorrupt, match="seq 1: crc32 mismatch"):
        EmbeddedStore(tmp_path).close()
    assert journal_cli("salvage", tmp_path).returncode == 0
    with EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 41) == [40]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT seq, codec FROM quarantine").fetchall() == [(1, "zstd")]


def test_format_0_torn_tail_is_found_by_decoding(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    payloads = [_json_rows(batch(i)) for i in range(10)]
    payloads[-1] = payloads[-1][:-7]
    _format_0_journal(tmp_path / "journal.sqlite", payloads)
    with caplog.at_level(logging.INFO), EmbeddedStore(tmp_path) as store:
        assert batches_present(store, 10) == list(range(9))
    (warning,) = journal_warnings(caplog)
    assert "seq 10: undecodable" in warning


def test_a_newer_format_is_refused(tmp_path: Path) -> None:
    path = fill(tmp_path, 2)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA user_version = {FORMAT + 1}")
    db.close()
    with pytest.raises(JournalError, match="newer lineagemesh"):
        EmbeddedStore(tmp_path)


def test_values_kept_as_their_json_text_keep_each_ones_text() -> None:
    """Dates, times, UUIDs and enums are kept as the JSON text orjson writes for them: each its own,
    though the texts made for one batch come and go at the same addresses."""

    class Colour(enum.Enum):
        RED = "red"

    batch = [
        UpsertNode(
            f"dataset:ns:t{i}",
            NodeKind.DATASET,
            "2026-01-05T00:00:00Z",
            {
                "id": uuid.UUID(int=i),
                "day": datetime.date(2026, 1, 1 + i),
                "at": datetime.time(i, 30),
                "colour": Colour.RED,
            },
        )
        for i in range(20)
    ]
    assert [dict(m.props) for m in decode(encode(batch))] == [
        orjson.loads(orjson.dumps(dict(m.props))) for m in batch
    ]
