"""The raw event log's index of kept events by hash (``graph.eventlog.event_hash_index``): rows staged,
merged into ``event_hashes`` in batches, and a repeat is found whether its first copy is staged
or merged, before and after a restart.

The reference is the events themselves: the log keeps each distinct event once, in the order
first sent, however often and in whatever blocks it is sent again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, cast

import orjson
import pytest
from openlineage_events import complete
from staged_index_rows import aged_out, merged, older_log, rows

from graph.eventlog import event_hash_index, staged_index
from graph.eventlog.event_log import Block, EventLog
from graph.intake.ingest_service import translate_events

LEVELS = ("event_hashes", "event_hashes_recent", "event_hashes_staged_blocks")


def kept_events(log: EventLog) -> list[dict[str, Any]]:
    return [orjson.loads(raw) for block in log.blocks() for raw in block.event_bytes()]


def test_a_repeat_is_not_kept_whether_its_first_copy_is_staged_or_merged(
    tmp_path: Path, food_delivery_events: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_hash_index, "STAGED_ROWS", 8)  # a merge every two or three blocks
    monkeypatch.setattr(staged_index, "RECENT_STAGINGS", 2)  # the recent level every other one
    events = food_delivery_events
    states: set[tuple[bool, ...]] = set()  # (any in the index, in the recent level, staged)
    first_sent: list[dict[str, Any]] = []
    with EventLog(tmp_path) as log:
        for i in range(0, len(events), 3):
            new = events[i : i + 3]
            # each block: three new events, and a repeat of an earlier one and of one of its own
            repeats = [events[i // 2]] if i else []
            block = translate_events([*new, *repeats, new[0]]).block
            assert block is not None
            states.add(tuple(rows(log.path, level) > 0 for level in LEVELS))
            log.append(block)
            first_sent += [e for e in new if e not in first_sent]
            assert kept_events(log) == first_sent
    assert all(any(state[i] for state in states) for i in range(3))  # repeats met every level
    assert (True, False, False) in states  # and merges empty the levels above the index
    with EventLog(tmp_path) as log:  # after a restart: staged rows still count, and merge later
        for start in range(0, len(events), 4):
            block = translate_events(events[start : start + 4]).block
            assert block is not None
            assert log.append(block) == 0  # every event kept already
        assert kept_events(log) == first_sent
        fresh = dict(events[0], eventTime="2031-01-01T00:00:00Z")
        block = translate_events([fresh, events[1]]).block
        assert block is not None and log.append(block) > 0
        assert kept_events(log) == [*first_sent, fresh]


def test_aged_out_events_leave_the_index_staged_or_merged(
    tmp_path: Path, food_delivery_events: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events aged out are no longer kept as events: sent again, they are kept again."""
    monkeypatch.setattr(event_hash_index, "STAGED_ROWS", 16)  # blocks 1-6 merged, 7-9 staged
    monkeypatch.setattr(staged_index, "RECENT_STAGINGS", 1)  # each merge into the index
    events = food_delivery_events
    with EventLog(tmp_path) as log:
        for i in range(0, len(events), 3):
            block = translate_events(events[i : i + 3]).block
            assert block is not None
            log.append(block, received_at=1.0 if i < 21 else None)  # blocks 1-7: old
        assert (
            rows(log.path, "event_hashes") > 0 and rows(log.path, "event_hashes_staged_blocks") > 0
        )
        assert log.age_out(2.0, lambda raws: translate_events(raws).payload) == 21
        assert len(aged_out(log.path, LEVELS)) == 7  # blocks 1-7
        block = translate_events(events[:24]).block
        assert block is not None and log.append(block) > 0
        assert kept_events(log) == events[21:] + events[:21]


def test_a_log_staged_a_row_a_hash_by_an_older_lineagemesh_is_merged_on_open(
    tmp_path: Path, food_delivery_events: list[dict[str, Any]]
) -> None:
    events = food_delivery_events
    path, staged = older_log(tmp_path, events, "event_hashes", "hash")
    assert staged == len(events)
    with EventLog(tmp_path) as log:
        merged(path, "event_hashes")
        assert rows(path, "event_hashes") == len(events)
        block = translate_events(events[::2]).block
        assert block is not None and log.append(block) == 0  # every event kept already
        assert kept_events(log) == events


def test_a_repeat_is_judged_by_the_staged_blocks_committed_not_by_one_rolled_back(
    tmp_path: Path, food_delivery_events: list[dict[str, Any]]
) -> None:
    """A transaction that staged a block's hashes, looked them up for the next block, then rolled
    back: its seq is taken again by a block of other events, and the rolled-back block's events
    are still new."""
    a, b, c, d = food_delivery_events[:4]

    def block_of(*events: dict[str, Any]) -> Block:
        block = translate_events(list(events)).block
        assert block is not None
        return block

    refused = Block(cast(str, None), 1, b"", frozenset())  # a row SQLite refuses: no kind
    with EventLog(tmp_path) as log:
        with pytest.raises(sqlite3.IntegrityError):
            log.append_all([block_of(a, b), block_of(d), refused])
        assert kept_events(log) == []
        seq = log.append(block_of(a, c))
        assert seq == 1  # the rolled-back block's seq
        assert log.append(block_of(b)) > 0
        assert log.append(block_of(a, d)) > 0
        assert kept_events(log) == [a, c, b, d]


def test_a_hash_another_connection_indexed_is_found(tmp_path: Path) -> None:
    """The filter before the index is the index's: when another connection has written the
    database (its data_version moved), the filter is made again from every level, so a hash it
    indexed is found, and the event is not kept twice."""
    first, second = complete("a", [], []), complete("b", [], [])
    with EventLog(tmp_path) as log:
        block = translate_events([first]).block
        assert block is not None and log.append(block) > 0  # the filter is made here
        later = translate_events([second]).block
        assert later is not None
        other = sqlite3.connect(log.path)
        with other:
            other.execute(
                "INSERT INTO event_hashes (hash, seq) VALUES (?, ?)", (later.hashes[0], 999)
            )
        other.close()
        assert log.append(later) == 0  # kept already, by what the other connection wrote
        assert kept_events(log) == [first]


def test_repeats_are_found_as_the_filter_is_outgrown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filter holding more hashes than it was sized for is made again, larger, a slice of the
    levels a block: repeats of the hashes it held before, and of those added since, are found
    across every remaking, and while a filter is being made (every level asked then)."""
    monkeypatch.setattr(event_hash_index, "_FILTER_LEAST", 1)  # sized for 1 024 hashes at first
    monkeypatch.setattr(event_hash_index, "_FILTER_READ", 250)  # read a few blocks' worth a call
    made = 0
    begin = event_hash_index.HashIndex._start_filter

    def counted(index: event_hash_index.HashIndex, version: int) -> None:
        nonlocal made
        made += 1
        begin(index, version)

    monkeypatch.setattr(event_hash_index.HashIndex, "_start_filter", counted)
    events = [complete(f"job{i}", [], []) for i in range(3_000)]
    with EventLog(tmp_path) as log:
        for start in range(0, len(events), 300):
            repeats = [events[start - 1], events[start // 2]] if start else []
            block = translate_events([*events[start : start + 300], *repeats]).block
            assert block is not None
            assert log.append(block) > 0
        block = translate_events(events[::7]).block
        assert block is not None and log.append(block) == 0  # every one of them kept already
        assert kept_events(log) == events
    assert made >= 2  # outgrown at least once (1 024, then twice what it held)


def test_a_level_holding_no_hash_leaves_every_level_asked(tmp_path: Path) -> None:
    """A value in a level that is no 16-byte hash (a row written by hand) cannot go into the
    filter: every level is asked then, and repeats are still found."""
    first, second = complete("a", [], []), complete("b", [], [])
    with EventLog(tmp_path) as log:
        block = translate_events([first]).block
        assert block is not None and log.append(block) > 0
        other = sqlite3.connect(log.path)
        with other:
            other.execute("INSERT INTO event_hashes (hash, seq) VALUES (?, ?)", (b"short", 998))
        other.close()
        assert log.append(block) == 0
        later = translate_events([second]).block
        assert later is not None and log.append(later) > 0
        assert log.append(later) == 0
        assert kept_events(log) == [first, second]
