"""Reading OpenLineage events from files: a JSON event, a JSON array, or NDJSON; gzip allowed.

Each event comes with the file and line it starts on, so a bad one is reported as
``file:line: reason``. A line that is not JSON is yielded as a :class:`BadLine`, never raised,
so one broken line does not hide the rest of the file.

NDJSON lines can be had unparsed (:func:`read_sources`): parsing is most of reading, and a bulk
load does it where the event is translated, in a worker process (``graph.intake.bulk_load``).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from graph.core.input_files import InputError, decode
from ingest.json_text import (
    TOO_DEEP,
    NotJSON,
    UnusableValue,
    check_value,
    loads_text,
    parse_json,
    suspect,
)

__all__ = [
    "BadLine",
    "NotJSON",
    "SourceEvent",
    "SourceLine",
    "expand_paths",
    "is_ndjson",
    "parse_json",
    "read_events",
    "read_sources",
]

EVENT_SUFFIXES = (".json", ".ndjson", ".jsonl", ".json.gz", ".ndjson.gz", ".jsonl.gz")


@dataclass(frozen=True, slots=True)
class FileLine:
    """Where an item of an event file starts: the file and its line, as ``file:line`` reports it."""

    path: Path
    line: int


@dataclass(frozen=True, slots=True)
class SourceEvent(FileLine):
    event: Any


@dataclass(frozen=True, slots=True)
class BadLine(FileLine):
    reason: str


@dataclass(frozen=True, slots=True)
class SourceLine(FileLine):
    """An NDJSON line, not parsed yet (:func:`parse_line`)."""

    text: bytes


SourceItem = SourceEvent | BadLine
RawItem = SourceEvent | SourceLine | BadLine


def parse_line(item: SourceLine) -> SourceItem:
    try:
        return SourceEvent(item.path, item.line, parse_json(item.text))
    except NotJSON as e:
        return BadLine(item.path, item.line, str(e))


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and event files found recursively in directories, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p for p in path.rglob("*") if p.is_file() and p.name.endswith(EVENT_SUFFIXES)
                )
            )
        else:
            found.append(path)
    return found


def _open_binary(path: Path) -> BinaryIO:
    if path.name.endswith(".gz"):
        return cast(BinaryIO, gzip.open(path, "rb"))  # a GzipFile reads as a binary file does
    return open(path, "rb")


def read_events(path: Path) -> Iterator[SourceItem]:
    """The events of one file, each with the line it starts on (:func:`read_sources`, parsed)."""
    for item in read_sources(path):
        yield parse_line(item) if isinstance(item, SourceLine) else item


def read_sources(path: Path) -> Iterator[RawItem]:
    """The events of one file, each with the line it starts on; NDJSON lines after the first unparsed.

    NDJSON is read a line at a time, so an export of any size streams through in constant memory
    (a 4 GB file read whole took ~9 GB before a single event was applied); a line that is not
    UTF-8 is one bad line. A JSON array, or one event spread over several lines, is read whole.
    A file that stops being readable part way (a truncated gzip) yields what came before it,
    then a ``BadLine``.
    """
    number = 0
    try:
        with _open_binary(path) as handle:
            head: list[bytes] = []  # the lines up to the first that is not blank
            for line in handle:
                number += 1
                head.append(line)
                if line.strip():
                    break
            first = _first_event(head)
            if (
                first is not _NOT_NDJSON
            ):  # one whole JSON value on the first line: NDJSON (of one line, perhaps)
                yield SourceEvent(path, number, first)
                for line in handle:
                    number += 1
                    if line.strip():
                        yield SourceLine(path, number, line)
                return
            try:  # strict UTF-8, the first bad byte named by line and column, as every input is
                text = decode(path, b"".join(head) + handle.read())
            except InputError as e:
                yield BadLine(path, e.line or 1, e.reason)
                return
            yield from _whole_file_events(path, text)
    except (OSError, UnicodeDecodeError, EOFError) as e:
        yield BadLine(path, number, f"cannot read file: {e}")


def is_ndjson(path: Path) -> bool:
    """Whether :func:`read_sources` reads the file as NDJSON (its first line that is not blank is a
    whole JSON value, not an array's opening); False for a file it cannot read."""
    try:
        with _open_binary(path) as handle:
            for line in handle:
                if line.strip():
                    return _first_event([line]) is not _NOT_NDJSON
    except (OSError, EOFError):
        pass
    return False


_NOT_NDJSON = object()


def _first_event(head: list[bytes]) -> Any:
    """The event on the last of ``head`` (its first line that is not blank) if NDJSON starts
    there, else _NOT_NDJSON."""
    first = head[-1].strip() if head else b""
    if first.startswith(b"["):
        return _NOT_NDJSON
    try:
        return parse_json(first)
    except NotJSON:
        return _NOT_NDJSON


def _whole_file_events(path: Path, text: str) -> Iterator[SourceItem]:
    """A JSON array, one JSON document, or else NDJSON whose first line is broken."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        yield from _array_events(path, text)
        return
    try:
        document = loads_text(text)
    except UnusableValue as e:
        yield BadLine(path, text[: len(text) - len(stripped)].count("\n") + 1, str(e))
        return
    except NotJSON:  # NDJSON, one of whose lines is broken (or too deep to read whole)
        yield from _ndjson_events(path, text)
        return
    yield SourceEvent(path, text[: len(text) - len(stripped)].count("\n") + 1, document)


def _ndjson_events(path: Path, text: str) -> Iterator[SourceItem]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield _ndjson_line(path, number, line)


def _ndjson_line(path: Path, number: int, line: str) -> SourceItem:
    return parse_line(SourceLine(path, number, line.encode("utf-8", "surrogatepass")))


def _array_events(path: Path, text: str) -> Iterator[SourceItem]:
    """Elements of a top-level JSON array, with the line each starts on."""
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    line = text.count("\n", 0, position) + 1
    counted = position
    while True:
        position = _skip_space(text, position)
        if position >= len(text):
            yield BadLine(path, line, "not valid JSON: unterminated array")
            return
        if text[position] == "]":
            return
        line += text.count("\n", counted, position)
        counted = position
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as e:
            yield BadLine(path, e.lineno, f"not valid JSON: {e.msg} (column {e.colno})")
            return
        except RecursionError:  # this element alone: the next ones are still read
            end = _value_end(text, position)
            if end < 0:
                yield BadLine(path, line, "not valid JSON: unterminated array")
                return
            yield BadLine(path, line, TOO_DEEP)
        except ValueError as e:  # an integer of over 4300 digits
            yield BadLine(path, line, f"not valid JSON: {e}")
            return
        else:
            try:
                if suspect(text[position:end]):
                    check_value(value)
            except UnusableValue as e:
                yield BadLine(path, line, str(e))
            else:
                yield SourceEvent(path, line, value)
        position = _skip_space(text, end)
        if position < len(text) and text[position] == ",":
            position += 1
        elif position < len(text) and text[position] != "]":
            yield BadLine(
                path, text.count("\n", 0, position) + 1, "not valid JSON: expected ',' or ']'"
            )
            return


def _value_end(text: str, position: int) -> int:
    """Where the object or array starting at ``position`` ends (-1: it does not), by its brackets."""
    depth = 0
    in_string = False
    at = position
    while at < len(text):
        char = text[at]
        if in_string:
            if char == "\\":
                at += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return at + 1
        at += 1
    return -1


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position
