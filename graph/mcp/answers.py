"""Answers sized for a model's context window: a summary first, then as many items as the budget
holds, and a cursor for the rest.

A lineage question about a hub reaches thousands of nodes; dumped whole, the answer fills (or
overflows) an agent's context and teaches it nothing. So every tool answer is a summary (counts by
kind, domain and severity: what a fan-out holds, in a few lines) and the items that fit in the
caller's token budget, nearest and most important first, with ``truncated`` and a ``more`` hint
naming the follow-up call (the same call with ``cursor``, or a narrower one). Ids are the graph's
own, stable, so a follow-up call can cite them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from graph.core.errors import QueryError

DEFAULT_BUDGET = 4000  # tokens: a few thousand, as an agent's tool answer should be
MIN_BUDGET = 500
MAX_BUDGET = 50_000
CHARS_PER_TOKEN = 4  # JSON of ids and names: about four characters a token
TOP = 10  # entries of a count shown before the rest are summed as "(others)"


def budget_chars(budget: int) -> int:
    """The characters an answer of ``budget`` tokens may take; a budget out of range is refused."""
    if not MIN_BUDGET <= budget <= MAX_BUDGET:
        raise QueryError(
            f"budget must be between {MIN_BUDGET} and {MAX_BUDGET} tokens, not {budget}"
        )
    return budget * CHARS_PER_TOKEN


def offset_of(cursor: str | None) -> int:
    """The position a cursor of an earlier answer stands for (None: the start)."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit():
        raise QueryError(
            f"cursor {cursor!r} is not one this server gave: pass `cursor` back as given"
        )
    return int(cursor)


def counts(values: Iterable[str | None], top: int = TOP) -> dict[str, int]:
    """How many of each value, most first; past ``top`` the rest summed under ``(others)``."""
    counted = Counter(value or "(none)" for value in values).most_common()
    shown = dict(counted[:top])
    rest = sum(n for _, n in counted[top:])
    if rest:
        shown["(others)"] = rest
    return shown


def size(value: object) -> int:
    return len(orjson.dumps(value))


def fit(
    head: Mapping[str, Any],
    key: str,
    items: Sequence[Mapping[str, Any]],
    budget: int,
    cursor: str | None,
    narrower: str,
) -> dict[str, Any]:
    """``head`` (the summary), then ``items`` from ``cursor`` on as long as the whole answer stays
    within ``budget`` tokens, under ``key``. A cut answer says so (``truncated``), gives the
    ``cursor`` of the next item and, in ``more``, how to get it or ``narrower`` answers."""
    limit = budget_chars(budget)
    start = offset_of(cursor)
    if start > len(items):
        raise QueryError(f"cursor {start} is past the {len(items)} items of this answer")
    used = size({**head, key: []}) + 600  # the paging fields added below
    end = start
    for item in items[start:]:
        used += size(item) + 1
        if used > limit:
            break
        end += 1
    while True:  # the estimate above, checked against the answer as written
        answer = _page(head, key, items, start, end, narrower)
        if end == start or size(answer) <= limit:
            return answer
        end -= 1


def _page(
    head: Mapping[str, Any],
    key: str,
    items: Sequence[Mapping[str, Any]],
    start: int,
    end: int,
    narrower: str,
) -> dict[str, Any]:
    answer: dict[str, Any] = {**head, key: list(items[start:end])}
    answer["shown"] = {"from": start, "to": end, "of": len(items)}
    answer["truncated"] = end < len(items)
    if end < len(items):
        answer["cursor"] = str(end)
        answer["more"] = (
            f"{len(items) - end} more {key} not shown: call again with the same arguments and "
            f'cursor="{end}" (or a larger budget), or narrow the question: {narrower}'
        )
    return answer
