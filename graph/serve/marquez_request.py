"""How a request to Marquez's read API is read: its path, its parameters, and the view it reads
the graph through within its budget (``graph.serve.marquez``).

Paths are matched on the raw path, each segment percent-decoded on its own as UTF-8, so names
holding ``/`` or ``:`` arrive whole; a segment that is no UTF-8 once decoded is a 400. Parameters
are read as Marquez's resources declare them (Java ints, enums, ``ZonedDateTimeParam``), and what
does not read is a 400 quoting a bounded part of the value, never a 500.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graph import _native
from graph.core.model import Edge, EdgeKind, Node, NodeKind, PropertyKey
from graph.read.view import GraphView
from graph.read.walk_defaults import Budget
from graph.serve.budget import QueryBudget
from graph.serve.limits import GraphQLLimits
from graph.stores import EdgeDirection, EdgeKey, Store

PREFIX = "/api/v1"
DEFAULT_DEPTH = 20  # Marquez's
DEFAULT_LIMIT = 100  # Marquez's page size
MAX_INT = 2**31 - 1  # Marquez's parameters are Java ints
MAX_ZONE_NAME = 64  # longer than any IANA time zone name
#: Top-level fields of one item of a page as Marquez writes it, for the budget's byte estimate
#: (a dataset's schema fields are charged besides).
ITEM_FIELDS = {NodeKind.DATASET: 18, NodeKind.JOB: 20, NodeKind.RUN: 14}


class MarquezError(Exception):
    """An answer other than 200, with Marquez's error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def path_segments(raw_path: str) -> list[str]:
    """The segments after ``/api/v1``, each percent-decoded on its own as UTF-8 ([] for another
    path); raises MarquezError for a segment that is no UTF-8 once decoded (``%ff``, a lone
    surrogate's bytes), which no name can be."""
    if not raw_path.startswith(PREFIX):
        return []
    try:
        return [unquote(s, errors="strict") for s in raw_path[len(PREFIX) :].strip("/").split("/")]
    except UnicodeDecodeError:
        raise MarquezError(
            400, "the path is not valid percent-encoded UTF-8 (a name is UTF-8 text)"
        ) from None


class BudgetedView(GraphView):
    """A view whose every read of the store first checks the request's budget: a scan or an
    answer of many reads stops at its next read once over time (``--query-seconds``), instead of
    finishing an answer no one waits for."""

    def __init__(self, store: Store, budget: QueryBudget) -> None:
        super().__init__(store, summaries=True, shown=_native.MARQUEZ_SHOWN)
        self.budget = budget

    def nodes(self, ids: Collection[str]) -> dict[str, Node]:
        self.budget.check()
        return super().nodes(ids)

    def summaries(self, ids: Collection[str]) -> dict[str, Node]:
        self.budget.check()
        return super().summaries(ids)

    def edges(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[Edge]:
        self.budget.check()
        return super().edges(ids, kinds, direction)

    def edge_keys(
        self, ids: Collection[str], kinds: Collection[EdgeKind], direction: EdgeDirection
    ) -> list[EdgeKey]:
        self.budget.check()
        return super().edge_keys(ids, kinds, direction)

    def search(self, text: str, kinds: Collection[NodeKind], first: int) -> list[Node]:
        self.budget.check()
        return super().search(text, kinds, first)

    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None) -> list[Node]:
        self.budget.check()
        return super().nodes_of_kind(kind, first, after)

    def charge_page(self, nodes: Sequence[Node]) -> None:
        """Charge a page's items and their estimated bytes before it is written: a page over the
        cost or byte budget is refused without being rendered."""
        fields = sum(
            ITEM_FIELDS.get(n.kind, 1) + len(n.props.get(PropertyKey.COLUMNS) or ()) for n in nodes
        )
        self.budget.charge(len(nodes), fields // max(len(nodes), 1))


class Params:
    """The query parameters of one request, read as Marquez's resources declare them."""

    def __init__(self, values: Mapping[str, str], limits: GraphQLLimits) -> None:
        self.values = values
        self.limits = limits

    def text(self, name: str, default: str | None = None, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or (required and not value.strip()):
            if required:
                raise MarquezError(400, f"query param {name} must not be blank")
            return default
        return value

    def integer(self, name: str, default: int, minimum: int | None = 0) -> int:
        raw = self.values.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw) if len(raw) <= 20 else None
        except ValueError:
            value = None
        if value is None:
            raise MarquezError(
                400, f"query param {name} must be an integer, not {shown_value(raw)}"
            )
        if abs(value) > MAX_INT:
            raise MarquezError(400, f"query param {name} must be at most {MAX_INT}")
        if minimum is not None and value < minimum:
            raise MarquezError(
                400, f"query param {name} must be greater than or equal to {minimum}"
            )
        return value

    def moment(self, name: str, default: datetime) -> datetime:
        """A date-time with an offset (``2024-01-01T00:00:00Z``, ``...+02:00``), as Marquez's
        ``ZonedDateTimeParam`` reads it; a ``+`` sent unencoded arrives as a space and is read back."""
        raw = (self.values.get(name) or "").strip()
        if not raw:
            return default
        if len(raw) > 6 and raw[-6] == " ":
            raw = f"{raw[:-6]}+{raw[-5:]}"
        try:
            moment = (
                datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
                if len(raw) <= 64
                else None
            )
        except ValueError:
            moment = None
        try:
            if moment is not None:
                moment.timestamp()  # within the years a timestamp holds, wherever its offset puts it
        except (OverflowError, ValueError, OSError):
            moment = None
        if moment is None or moment.tzinfo is None:
            raise MarquezError(
                400,
                f"query param {name} must be a date-time with an offset (2024-01-01T00:00:00Z), "
                f"not {shown_value(raw)}",
            )
        return moment

    def boolean(self, name: str) -> bool:
        return (self.values.get(name) or "false").strip().lower() == "true"

    def page(self) -> tuple[int, int]:
        """``limit`` (at most ``max_page``) and ``offset``."""
        return min(self.integer("limit", DEFAULT_LIMIT), self.limits.max_page), self.integer(
            "offset", 0
        )

    def walk_budget(self, budget: QueryBudget) -> Budget:
        """A walk's bounds: ``depth`` (at most the server's), the traversal budgets, its time no
        more than what the request has left."""
        budget.check()
        return Budget(
            depth=max(
                min(
                    self.integer("depth", DEFAULT_DEPTH, minimum=None),
                    self.limits.max_traversal_depth,
                ),
                0,
            ),
            max_nodes=self.limits.max_traversal_nodes,
            deadline_seconds=min(self.limits.traversal_seconds, budget.remaining_seconds()),
        )


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone of that name (``Europe/Berlin``); a 400 for any other text, looked up
    only when it reads as a zone name (no path tricks, NUL bytes or file names too long)."""
    readable = (
        len(name) <= MAX_ZONE_NAME
        and name.isascii()
        and all(c.isalnum() or c in "_+-/" for c in name)
        and not name.startswith("/")
        and ".." not in name
    )
    try:
        if readable:
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    raise MarquezError(400, f"unknown timezone {shown_value(name)}")


def clipped(name: str) -> str:
    """A name as an error message quotes it: at most 200 characters of it."""
    return name if len(name) <= 200 else f"{name[:200]}... ({len(name)} characters)"


def shown_value(raw: str) -> str:
    """A parameter's value as an error quotes it: at most 40 characters of it."""
    return repr(raw) if len(raw) <= 40 else f"{raw[:40]!r}... ({len(raw)} characters)"
