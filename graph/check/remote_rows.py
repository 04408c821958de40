"""With ``--server``, one change's report from the rows it shows, not the whole answer.

A hub of the 100k-dataset mesh reaches 99 999 nodes: ``affected`` in full is ~20 MB of JSON the
server renders and the client parses, for a PR comment that shows ~500 rows and the counts by
severity, and JUnit, which shows none. When the report is one change's whose severities are not
capped (its rows are then the answer's, worst first: ``graph.read.impact_order``) and the formats asked
for read only the first rows (:class:`RowsRead`), the check asks GraphQL ``severityCounts`` and a
page of ``affectedWorst`` instead. A row past that page is fetched when read (another page), a
path past the first ``paths`` from the whole answer's ``via`` tree, so any reader still gets every
row right; ``--format json`` and ``text`` read every row and ask for ``affected`` as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from graph.check.affected import NAMES, RANK, AffectedRow, DictColumns
from graph.check.changeset import CheckError, Execute, PlannedChange

_ROW_FIELDS = "id kind namespace name dataset distance via severity certain"
_REACHED = """
    products { id name domain owners { name } }
    domains { id name }
    owners { id name }
    ownersByDomain { domain owners { id } }
    consumers { id kind name domain declared undeclared }
    contracts { id name version }"""
_ARGS = "$id: String!, $change: ChangeKind!, $depth: Int"
_IMPACT = "impact(nodeId: $id, change: $change, depth: $depth)"
IMPACT_QUERY = f"""
query Impact({_ARGS}) {{
  {_IMPACT} {{
    changed {{ id kind namespace name }}
    change breaking truncated
    affected {{ {_ROW_FIELDS} }}{_REACHED}
  }}
}}"""
SUMMARY_QUERY = f"""
query ImpactSummary({_ARGS}, $first: Int!, $paths: Int!) {{
  {_IMPACT} {{
    changed {{ id kind namespace name }}
    change breaking truncated
    severityCounts {{ severity count }}
    affectedWorst(first: $first) {{ {_ROW_FIELDS} }}
    paths: affectedWorst(first: $paths) {{ path }}{_REACHED}
  }}
}}"""
PAGE_QUERY = f"""
query ImpactPage({_ARGS}, $first: Int!, $offset: Int!) {{
  {_IMPACT} {{ affectedWorst(first: $first, offset: $offset) {{ {_ROW_FIELDS} }} }}
}}"""
VIA_QUERY = f"query ImpactVia({_ARGS}) {{ {_IMPACT} {{ affected {{ id via }} }} }}"


@dataclass(frozen=True)
class RowsRead:
    """How many of the report's first rows the formats asked for read, and of those how many
    with their paths (``graph.check.formats.ROWS_READ``)."""

    rows: int
    paths: int

    def __or__(self, other: RowsRead) -> RowsRead:
        return RowsRead(max(self.rows, other.rows), max(self.paths, other.paths))


@dataclass
class RemoteAnswer:
    """A summarised ``impact`` answer: the report's fields, its rows as read, its counts."""

    answer: dict[str, Any]  # IMPACT_QUERY's fields but ``affected``
    rows: Sequence[AffectedRow]
    counts: dict[str, int]

    @property
    def worst_rank(self) -> int:
        return max((RANK[name] for name, n in self.counts.items() if n), default=0)


def remote_answer(
    execute: Execute, planned: PlannedChange, depth: int | None, read: RowsRead
) -> RemoteAnswer:
    """One change's answer from the server, as much of its rows as ``read`` says."""
    assert planned.start is not None and planned.walk is not None, "a change with a walk"
    variables: dict[str, Any] = {"id": planned.start, "change": planned.walk, "depth": depth}
    answer = execute(SUMMARY_QUERY, {**variables, "first": read.rows, "paths": read.paths})[
        "impact"
    ]
    by_name = {c["severity"]: c["count"] for c in answer.pop("severityCounts")}
    counts = {name: by_name.get(name, 0) for name in NAMES.values()}
    paths = [row["path"] for row in answer.pop("paths")]
    first_page = answer.pop("affectedWorst")
    changed = answer["changed"]["id"]

    def page(offset: int) -> list[dict[str, Any]]:
        found = execute(PAGE_QUERY, {**variables, "first": read.rows or 1, "offset": offset})
        return list(found["impact"]["affectedWorst"])

    def via() -> dict[str, str]:
        rows = execute(VIA_QUERY, variables)["impact"]["affected"]
        return {row["id"]: row["via"] for row in rows}

    rows = RemoteRows(
        sum(counts.values()), first_page, page, paths, planned.label, changed, _LazyVia(via)
    )
    return RemoteAnswer(answer, rows, counts)


class _LazyVia(Mapping[str, str]):
    """The whole answer's ``via`` tree, asked of the server when a path past the first is read."""

    def __init__(self, fetch: Callable[[], dict[str, str]]) -> None:
        self._fetch = fetch
        self._via: dict[str, str] | None = None

    def _tree(self) -> dict[str, str]:
        if self._via is None:
            self._via = self._fetch()
        return self._via

    def __getitem__(self, key: str) -> str:
        return self._tree()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tree())

    def __len__(self) -> int:
        return len(self._tree())


class RemoteRows(Sequence[AffectedRow]):
    """The report's rows (worst first, then distance and id) as the server pages them: the first
    page at hand, the rest fetched as they are read."""

    def __init__(
        self,
        total: int,
        first_page: list[dict[str, Any]],
        page: Callable[[int], list[dict[str, Any]]],
        paths: list[list[str]],
        label: str,
        changed: str,
        via: Mapping[str, str],
    ) -> None:
        self._total = total
        self._fetched = list(first_page)
        self._page = page  # the rows from an offset on, a page of them
        self._paths = paths
        self._label = label
        self._tree = (changed, via)

    def __len__(self) -> int:
        return self._total

    def _fetch_to(self, stop: int) -> None:
        while len(self._fetched) < min(stop, self._total):
            more = self._page(len(self._fetched))
            if not more:
                raise CheckError(
                    f"the server listed {len(self._fetched)} of the {self._total} affected "
                    "nodes it counted"
                )
            self._fetched.extend(more)

    def _row(self, at: int) -> AffectedRow:
        data = self._fetched[at]
        return AffectedRow(
            data["id"],
            data["kind"],
            data["distance"],
            data["severity"],
            data["certain"],
            [self._label],
            self._tree,
            (DictColumns([data]), 0),
            self._paths[at] if at < len(self._paths) else None,
        )

    @overload
    def __getitem__(self, at: int) -> AffectedRow: ...

    @overload
    def __getitem__(self, at: slice) -> list[AffectedRow]: ...

    def __getitem__(self, at: int | slice) -> AffectedRow | list[AffectedRow]:
        if isinstance(at, slice):
            indexes = range(*at.indices(self._total))
            if indexes:
                self._fetch_to(max(indexes) + 1)
            return [self._row(i) for i in indexes]
        if at < 0:
            at += self._total
        if not 0 <= at < self._total:
            raise IndexError(at)
        self._fetch_to(at + 1)
        return self._row(at)

    def __iter__(self) -> Iterator[AffectedRow]:
        for at in range(self._total):
            yield self[at]
