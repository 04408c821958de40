"""GraphQL ``ImpactReport.severityCounts`` and ``affectedWorst``: a large impact answer summed up
and read a page at a time, worst severity first.

``affected`` lists every node a change reaches: 99 999 rows for a hub of the 100k-dataset mesh,
~20 MB of JSON the server renders and a client parses, while a pull-request comment shows ~500 of
them and the counts by severity. These read the native answer's columns in place and hand
GraphQL only the page asked for, in the report's order (``graph.read.impact_order``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from graph.core.errors import QueryError
from graph.read.impact import SEVERITIES, Severity
from graph.read.impact_order import RANKS_WORST_FIRST, worst_first
from graph.serve.record_list import ColumnList

T = TypeVar("T")


def severity_counts(answer: Any) -> list[tuple[Severity, int]]:
    """(severity, how many affected nodes have it), worst first, zeros included."""
    ranks = answer.affected_column("severity")
    return [(SEVERITIES[rank], ranks.count(rank)) for rank in RANKS_WORST_FIRST]


class WorstFirst:
    """One answer's rows worst first (ordered once, for every page asked of it)."""

    def __init__(self, answer: Any, column: Callable[[str, list[int] | None], list[Any]]) -> None:
        self._answer = answer
        self._column = column  # a column of those rows as GraphQL shows it (severities as enums)
        self._order: list[int] | None = None

    def page(
        self,
        make: Callable[..., T],
        names: Sequence[str],
        first: int,
        offset: int,
        max_page: int,
    ) -> ColumnList[T]:
        """Rows ``offset`` to ``offset + first`` (``first`` at most ``max_page``) as a list of
        ``make``'s objects (``ImpactedNode``), each field read natively for those rows alone."""
        if first < 0 or offset < 0:
            raise QueryError("affectedWorst: first and offset must not be negative")
        if self._order is None:
            self._order = worst_first(self._answer.affected_column("severity"))
        rows = self._order[offset : offset + min(first, max_page)]
        return ColumnList(make, names, lambda name: self._column(name, rows), len(rows))
