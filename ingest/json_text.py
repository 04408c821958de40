"""JSON text → values, for every entry that takes JSON from outside (HTTP ingest, event files,
GraphQL requests), so the same text is read, or refused, the same way everywhere.

orjson parses; what it refuses, the standard library decides (it also reads NaN, integers past 64
bits and escaped lone surrogates). Two things either parser would let through silently are
refused here, naming where they are: an integer orjson would turn into a float (past 64 bits),
and a lone surrogate (``"\\ud800"``: no Unicode text; no store, renderer or encoder can write it).
Text so deep the standard library would exhaust its recursion is refused too.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from graph.core.input_files import MAX_NESTING, InputError, decode

#: Suspect text needs a closer look: a run of 19 digits (an integer that may not fit 64 bits,
#: which orjson would read as a float, or digits in a string) or an escaped surrogate (perhaps a
#: lone one). Looked for with C-speed bytes operations: a regex beginning with ``\\d`` tries every
#: position of every event (~150 µs an event, most of what a bulk load spends parsing).
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_ESCAPED_SURROGATE_TEXT = re.compile(r"\\u[dD][89a-fA-F]")
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_DIGITS_AS_ZERO_TEXT = str.maketrans("123456789", "000000000")
_NINETEEN_DIGITS = b"0" * 19
_NINETEEN_DIGITS_TEXT = "0" * 19
_EXACT = range(-(2**63), 2**64)  # the integers orjson reads exactly
_SURROGATE = re.compile("[\ud800-\udfff]")


#: Text the standard library's parser cannot follow down (past ~1,000 levels): refused in the words
#: every JSON input's nesting check uses, which it is beyond.
TOO_DEEP = f"nested deeper than {MAX_NESTING['json']} levels"


def suspect(text: str) -> bool:
    """Whether ``text`` (read by the standard library) needs :func:`check_value`."""
    return (
        "\\u" in text and _ESCAPED_SURROGATE_TEXT.search(text) is not None
    ) or _NINETEEN_DIGITS_TEXT in text.translate(_DIGITS_AS_ZERO_TEXT)


def _suspect_bytes(text: bytes) -> bool:
    return (
        b"\\u" in text and _ESCAPED_SURROGATE.search(text) is not None
    ) or _NINETEEN_DIGITS in text.translate(_DIGITS_AS_ZERO)


class NotJSON(ValueError):
    """Text that is not a JSON document this system can take; the message says why and where."""


class UnusableValue(NotJSON):
    """Valid JSON holding a value no entry accepts; the message starts with its JSON path."""


def parse_json(text: bytes) -> Any:
    """One JSON document; raises :class:`NotJSON`."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            decoded = decode("", text)
        except InputError as e:  # the first bad byte, as every input names it
            raise NotJSON(e.reason) from None
        return loads_text(decoded)
    if not _suspect_bytes(text):
        return value
    return loads_text(text.decode("utf-8"))


def loads_text(text: str, integers: bool = True) -> Any:
    """:func:`parse_json` of text already decoded, by the standard library; raises :class:`NotJSON`.
    ``integers`` false: integers past 64 bits are kept exact (GraphQL variables: its types judge them)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise NotJSON(f"not valid JSON: {e.msg} (column {e.colno})") from None
    except RecursionError:
        raise NotJSON(TOO_DEEP) from None
    except ValueError as e:  # an integer of over 4300 digits
        raise NotJSON(f"not valid JSON: {e}") from None
    if suspect(text):
        check_value(value, integers)
    return value


def check_value(value: Any, integers: bool = True) -> None:
    """Raise :class:`UnusableValue` naming the first lone surrogate in ``value`` (a document the
    standard library read), or integer past 64 bits unless ``integers`` is false; iterative, so any
    depth it read is fine."""
    stack: list[tuple[Any, str]] = [(value, "$")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, child in reversed(item.items()):
                if _SURROGATE.search(key):
                    raise UnusableValue(
                        f"{path}: the key {key!r} holds a lone surrogate, which is no Unicode text"
                    )
                stack.append((child, f"{path}.{key}"))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]") for i, child in reversed(list(enumerate(item))))
        elif isinstance(item, str):
            if _SURROGATE.search(item):
                raise UnusableValue(
                    f"{path}: {item[:60]!r} holds a lone surrogate, which is no Unicode text"
                )
        elif integers and type(item) is int and item not in _EXACT:
            raise UnusableValue(f"{path}: the integer {str(item)[:40]}... does not fit in 64 bits")
