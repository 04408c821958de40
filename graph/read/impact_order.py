"""The order a blast-radius report shows an impact answer in.

An impact answer lists its affected nodes by distance, then id. A report shows them worst severity
first, then by distance and id: a stable partition of the answer's own order by severity, so no
sort is needed. The pull-request check's markdown shows ~500 of a hub's 100k rows; a server asked
for just those (GraphQL ``ImpactReport.affectedWorst`` and ``severityCounts``) answers them, and
the check builds the same report from them, so both read the order from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress

from graph.core.vocabulary import SEVERITY_RANKS

# No store or native import here, so the ``--server`` check's client reads the order without
# loading the stores.
RANKS_WORST_FIRST = tuple(sorted(SEVERITY_RANKS.values(), reverse=True))


def worst_first(ranks: Sequence[int]) -> list[int]:
    """The answer's rows (indexes) worst severity rank first; within one severity, the answer's
    order (distance, then id) kept."""
    order: list[int] = []
    for rank in RANKS_WORST_FIRST:
        order.extend(compress(range(len(ranks)), map(rank.__eq__, ranks)))
    return order
