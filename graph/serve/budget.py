"""What one GraphQL operation may cost: objects resolved, bytes of answer, seconds of work.

Depth, token and alias limits bound a document, not its work: nested list fields multiply (a job
with 50 outputs, asked for ``outputs { writtenBy { outputs ... } } }`` seven levels deep, is 50^7
objects). So every operation carries a ``QueryBudget``, charged as it is resolved: each list an
executor completes charges its items (the cost) and an estimate of their bytes, and every charge
checks the deadline and whether the client is still there. Lineage and impact answers, already
bounded by the traversal budgets, charge bytes only, and their walks get the time that is left.
Past any bound the worker stops right there (``QueryAborted`` unwinds the whole execution) and the
answer is one GraphQL error whose ``extensions.code`` says which bound.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError

BUDGET_KEY = "budget"  # the execution-context entry holding the operation's QueryBudget
STOP_CODES = (
    "QUERY_TOO_COSTLY",
    "RESULT_TOO_LARGE",
    "QUERY_TIMEOUT",
    "QUERY_ABANDONED",
)  # ``extensions.code`` of QueryAborted
BYTES_PER_FIELD = 32  # a rough size of one selected field of one object in the answer's JSON


@dataclass(frozen=True)
class BudgetLimits:
    max_cost: int = (
        50_000  # list items resolved by one operation (lineage/impact answers not counted)
    )
    max_result_bytes: int = 128 * 1024 * 1024  # the answer's JSON
    seconds: float = 30.0  # wall time of one operation


class QueryAborted(GraphQLError):
    """The operation went over a bound; raised in the worker, it ends the whole execution."""

    def __init__(self, message: str, code: str, path: Sequence[str | int] | None = None) -> None:
        super().__init__(message, path=path, extensions={"code": code})


class QueryBudget:
    """One operation's allowance. Charged from the executing worker thread only; ``abandon`` may be
    called from any thread (a flag the worker reads at its next charge)."""

    def __init__(self, limits: BudgetLimits) -> None:
        self.limits = limits
        self.cost = 0
        self.bytes = 0
        self.deadline = time.monotonic() + limits.seconds
        self._abandoned = False

    def remaining_seconds(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def renew(self) -> None:
        """A fresh allowance for the next answer of a long-lived operation (a subscription's push)."""
        self.cost = 0
        self.bytes = 0
        self.deadline = time.monotonic() + self.limits.seconds

    def abandon(self) -> None:
        """The client went away: stop at the next charge."""
        self._abandoned = True

    def charge(
        self,
        objects: int,
        fields: int,
        path: Sequence[str | int] | None = None,
        counted: bool = True,
    ) -> None:
        """Account for a list of ``objects`` items of ``fields`` selected fields each (``counted``:
        towards the cost too), and check every bound; raises ``QueryAborted``."""
        if counted:
            self.cost += objects
        self.bytes += objects * max(fields, 1) * BYTES_PER_FIELD
        self.check(path)

    def check(self, path: Sequence[str | int] | None = None) -> None:
        """Raise ``QueryAborted`` if the operation is over any bound."""
        if self._abandoned:
            raise QueryAborted(
                "the client went away; the query was stopped", "QUERY_ABANDONED", path
            )
        if self.cost > self.limits.max_cost:
            raise QueryAborted(
                f"query too costly: it resolves more than {self.limits.max_cost} list items (the server's --max-query-cost); "
                "ask for fewer nested lists or narrower ones",
                "QUERY_TOO_COSTLY",
                path,
            )
        if self.bytes > self.limits.max_result_bytes:
            raise QueryAborted(self.too_large(), "RESULT_TOO_LARGE", path)
        if time.monotonic() > self.deadline:
            raise QueryAborted(
                f"query stopped after {self.limits.seconds:g} s (the server's --query-seconds)",
                "QUERY_TIMEOUT",
                path,
            )

    def too_large(self) -> str:
        return f"answer over {self.limits.max_result_bytes} bytes (the server's --max-result-bytes); ask for less"


def selected_fields(field_details_list: Any) -> int:
    """How many fields a list field selects of each item (0 for a list of scalars)."""
    selection_set = field_details_list[0].node.selection_set
    return len(selection_set.selections) if selection_set is not None else 0
