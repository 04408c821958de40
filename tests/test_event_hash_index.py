"""The raw event log's index of kept events by hash (``graph.event_hash_index``): rows staged,
merged into ``event_hashes`` in batches, and a repeat is found whether its first copy is staged
or merged, before and after a restart.

The reference is the events themselves: the log keeps each distinct event once, in the order
first sent, however often and in whatever blocks it is sent again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from staged_index_rows import aged_out, rows

from graph import event_hash_index
from graph.event_log import EventLog
from graph.ingest_service import translate_events


def kept_events(log: EventLog) -> list[dict[str, Any]]:
    return [orjson.loads(raw) for block in log.blocks() for raw in block.event_bytes()]


def test_a_repeat_is_not_kept_whether_its_first_copy_is_staged_or_merged(
    tmp_path: Path, food_delivery_events: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_hash_index, "STAGED_ROWS", 16)  # a merge every six blocks
    events = food_delivery_events
    states: set[tuple[bool, bool]] = set()  # (any merged, any staged) as repeats are looked up
    first_sent: list[dict[str, Any]] = []
    with EventLog(tmp_path) as log:
        for i in range(0, len(events), 3):
            new = events[i : i + 3]
            # each block: three new events, and a repeat of an earlier one and of one of its own
            repeats = [events[i // 2]] if i else []
            block = translate_events([*new, *repeats, new[0]]).block
            assert block is not None
            states.add(
                (rows(log.path, "event_hashes") > 0, rows(log.path, "event_hashes_staged") > 0)
            )
            log.append(block)
            first_sent += [e for e in new if e not in first_sent]
            assert kept_events(log) == first_sent
    assert {(True, True), (True, False), (False, True)} <= states
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
    events = food_delivery_events
    with EventLog(tmp_path) as log:
        for i in range(0, len(events), 3):
            block = translate_events(events[i : i + 3]).block
            assert block is not None
            log.append(block, received_at=1.0 if i < 21 else None)  # blocks 1-7: old
        assert rows(log.path, "event_hashes") > 0 and rows(log.path, "event_hashes_staged") > 0
        assert log.age_out(2.0, lambda raws: translate_events(raws).payload) == 21
        assert len(aged_out(log.path, ("event_hashes", "event_hashes_staged"))) == 7  # blocks 1-7
        block = translate_events(events[:24]).block
        assert block is not None and log.append(block) > 0
        assert kept_events(log) == events[21:] + events[:21]
