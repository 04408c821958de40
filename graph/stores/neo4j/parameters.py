"""Statement parameters the driver does not print.

The driver writes every RUN message to a debug log line, and builds that line before it asks
whether debug logging is on: ``repr`` of the whole parameter map, each time
(``neo4j._sync.io._bolt._bolt5``, ``log.debug(... " ".join(map(repr, fields)))``). The write
path's maps hold a batch's rows (~1.3 MB a batch on a re-run round of the 1k mesh, with the raw
event blocks' bytes escaped byte by byte): formatting them was ~2.5 % of a re-run round's CPU
here. Each list, dict or bytes value here is handed over as a subclass whose ``repr`` is its
size; the driver packs it as the value it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class _List(list[Any]):
    __slots__ = ()

    def __repr__(self) -> str:
        return f"<list of {len(self)}>"


class _Dict(dict[str, Any]):
    __slots__ = ()

    def __repr__(self) -> str:
        return f"<map of {len(self)}>"


class _Bytes(bytes):
    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} bytes>"


_UNPRINTED: dict[type, type] = {list: _List, dict: _Dict, bytes: _Bytes}


def unprinted(parameters: Mapping[str, Any] | None = None, /, **more: Any) -> dict[str, Any]:
    """``parameters`` and ``more`` as one map for ``run``, its lists, maps and bytes unprinted
    (a shallow copy of each: the rows inside are the caller's, shared)."""
    merged = {**(parameters or {}), **more}
    for key, value in merged.items():
        as_unprinted = _UNPRINTED.get(type(value))
        if as_unprinted is not None:
            merged[key] = as_unprinted(value)
    return merged
