"""Reading event files: NDJSON streams a line at a time, whatever the file's size; arrays and
documents spread over lines are read whole; damage part way is reported where it is."""

from __future__ import annotations

import gzip
import json
import os
import threading
from pathlib import Path
from typing import Any

from graph.intake.event_files import (
    BadLine,
    SourceEvent,
    SourceLine,
    parse_line,
    read_events,
    read_sources,
)


def _event(item: SourceEvent | BadLine) -> Any:
    """The event an item carries (a BadLine has none: the assertion using it then fails)."""
    assert isinstance(item, SourceEvent), item
    return item.event


def test_ndjson_streams_each_event_before_the_file_ends(tmp_path: Path) -> None:
    """Through a named pipe whose writer waits for the first event to be read before writing
    the second: a reader that took the whole file first would never see it."""
    pipe = tmp_path / "events.ndjson"
    os.mkfifo(pipe)
    first_read = threading.Event()

    def write() -> None:
        with open(pipe, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"n": 1}) + "\n")
            handle.flush()
            if first_read.wait(
                timeout=5
            ):  # else the reader is still waiting for the end of the file
                handle.write("\n" + json.dumps({"n": 2}) + "\n")

    writer = threading.Thread(target=write)
    writer.start()
    items = read_events(pipe)
    first = next(items)
    first_read.set()
    rest = list(items)
    writer.join()
    assert isinstance(first, SourceEvent) and first.event == {"n": 1} and first.line == 1
    assert [(item.line, _event(item)) for item in rest] == [
        (3, {"n": 2})
    ]  # blank line 2 skipped, numbering kept


def test_a_gzip_cut_short_yields_what_came_before_and_says_where(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson.gz"
    whole = gzip.compress(
        "".join(json.dumps({"n": i, "pad": "x" * 2000}) + "\n" for i in range(50)).encode(), mtime=0
    )
    path.write_bytes(whole[: len(whole) - 40])
    items = list(read_events(path))
    events, bad = items[:-1], items[-1]
    assert [_event(item)["n"] for item in events] == list(
        range(len(events))
    ) and events  # in order, none lost before the cut
    assert (
        isinstance(bad, BadLine)
        and bad.reason.startswith("cannot read file")
        and bad.line >= len(events)
    )


def test_documents_over_several_lines_arrays_and_a_broken_first_line(tmp_path: Path) -> None:
    pretty = tmp_path / "one.json"
    pretty.write_text("\n\n" + json.dumps({"n": 1}, indent=2))
    array = tmp_path / "many.json"
    array.write_text("[\n" + ",\n".join(json.dumps({"n": i}) for i in range(3)) + "\n]")
    broken_first = tmp_path / "lines.ndjson"
    broken_first.write_text("{broken\n" + json.dumps({"n": 2}) + "\n")
    assert [(i.line, _event(i)) for i in read_events(pretty)] == [(3, {"n": 1})]
    assert [(i.line, _event(i)) for i in read_events(array)] == [
        (2, {"n": 0}),
        (3, {"n": 1}),
        (4, {"n": 2}),
    ]
    bad, good = read_events(broken_first)
    assert isinstance(bad, BadLine) and bad.line == 1 and "not valid JSON" in bad.reason
    assert isinstance(good, SourceEvent) and (good.line, good.event) == (2, {"n": 2})


def test_an_unreadable_file_is_one_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.ndjson"
    path.write_bytes(b'{"name": "caf\xe9"}\n')
    (bad,) = read_events(path)
    assert isinstance(bad, BadLine)
    assert (bad.line, bad.reason) == (1, "not UTF-8: byte 0xe9 at column 14")


def test_a_line_that_is_not_utf8_is_one_bad_line_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(b'{"n": 1}\n{"name": "caf\xe9"}\n{"n": 3}\n')
    first, bad, last = read_events(path)
    assert isinstance(bad, BadLine) and bad.line == 2 and bad.reason.startswith("not UTF-8")
    assert (_event(first), _event(last), last.line) == ({"n": 1}, {"n": 3}, 3)


def test_ndjson_lines_come_unparsed_and_parse_as_the_standard_library_reads_them(
    tmp_path: Path,
) -> None:
    """orjson refuses NaN; the line still reads as json does (translation then refuses the event
    by name). An integer past 64 bits is refused naming where (orjson would make it a float)."""
    path = tmp_path / "events.ndjson"
    path.write_bytes(
        b'{"n": 1}\n{"nan": NaN}\n{"a": [1, 123456789012345678901234567890]}\n{broken\n'
    )
    first, *rest = read_sources(path)
    assert isinstance(first, SourceEvent) and [type(i) for i in rest] == [
        SourceLine,
        SourceLine,
        SourceLine,
    ]
    assert all(isinstance(i, SourceLine) for i in rest)
    nan, big, broken = (parse_line(i) for i in rest if isinstance(i, SourceLine))
    assert isinstance(nan, SourceEvent) and nan.event["nan"] != nan.event["nan"]
    assert (
        isinstance(big, BadLine)
        and big.reason
        == "$.a[1]: the integer 123456789012345678901234567890... does not fit in 64 bits"
    )
    assert isinstance(broken, BadLine) and broken.reason.startswith(
        "not valid JSON: Expecting property name"
    )
