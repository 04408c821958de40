"""The raw event log's subject index (``graph.eventlog.subject_index``): rows staged in seq order, merged
into ``subjects`` in batches, and every read sees both.

The reference is the log's events themselves: the events naming a subject are those whose own
subjects (``graph.eventlog.event_log.subjects_of``) include it, in the order they were kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from staged_index_rows import aged_out, merged, older_log, rows

from graph.eventlog import staged_index, subject_index
from graph.eventlog.event_log import EventLog, subjects_of
from graph.intake.ingest_service import translate_events

LEVELS = ("subjects", "subjects_recent", "subjects_staged_blocks")


def named(events: list[dict[str, Any]], subject: str) -> list[dict[str, Any]]:
    return [e for e in events if subject in subjects_of(e)]


def test_events_are_found_by_subject_whether_staged_or_merged(
    tmp_path: Path, food_delivery_events: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subject_index, "STAGED_ROWS", 25)  # a merge every few blocks
    monkeypatch.setattr(staged_index, "RECENT_STAGINGS", 2)  # the recent level every other one
    events = food_delivery_events
    subjects = sorted(set().union(*(subjects_of(e) for e in events)))
    states: set[tuple[bool, ...]] = set()  # (any in the index, in the recent level, staged)
    kept: list[dict[str, Any]] = []
    with EventLog(tmp_path) as log:
        for i in range(0, len(events), 3):
            block = translate_events(events[i : i + 3]).block
            assert block is not None
            assert log.append(block) > 0
            kept += events[i : i + 3]
            for subject in subjects:
                found, more = log.events_of({subject}, None, 1000)
                assert [r.event for r in found] == named(kept, subject) and not more
            path = log.path
            states.add(tuple(rows(path, level) > 0 for level in LEVELS))
    assert all(any(state[i] for state in states) for i in range(3))  # reads saw every level
    assert (True, False, False) in states  # and merges empty the levels above the index
    with EventLog(tmp_path) as log:  # the staged rows are found after a restart, and merged later
        for subject in subjects:
            assert [r.event for r in log.events_of({subject}, None, 1000)[0]] == named(
                events, subject
            )
        page, more = log.events_of(set(subjects), None, 5)
        assert [r.event for r in page] == events[:5] and more
        rest, more = log.events_of(set(subjects), page[-1].cursor, 1000)
        assert [r.event for r in rest] == events[5:] and not more


def test_aged_out_blocks_leave_the_index_staged_or_merged(
    tmp_path: Path, food_delivery_events: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subject_index, "STAGED_ROWS", 25)
    monkeypatch.setattr(staged_index, "RECENT_STAGINGS", 2)
    events = food_delivery_events
    with EventLog(tmp_path) as log:
        for i in range(0, len(events), 3):
            block = translate_events(events[i : i + 3]).block
            assert block is not None
            log.append(block, received_at=1.0 if i < 12 else None)  # the first 12 events: old
        assert rows(log.path, "subjects") > 0 and rows(log.path, "subjects_staged_blocks") > 0
        assert log.age_out(2.0, lambda raws: translate_events(raws).payload) == 12
        for subject in set().union(*(subjects_of(e) for e in events)):
            found = [r.event for r in log.events_of({subject}, None, 1000)[0]]
            assert found == named(events[12:], subject)
        aged = aged_out(log.path, LEVELS)
        assert len(aged) == 4


def test_a_log_staged_a_row_a_subject_by_an_older_lineagemesh_is_merged_on_open(
    tmp_path: Path, food_delivery_events: list[dict[str, Any]]
) -> None:
    events = food_delivery_events
    path, staged = older_log(tmp_path, events, "subjects", "subject")
    assert staged > 0
    with EventLog(tmp_path) as log:
        merged(path, "subjects")
        for subject in set().union(*(subjects_of(e) for e in events)):
            found = [r.event for r in log.events_of({subject}, None, 1000)[0]]
            assert found == named(events, subject)
