"""The report's affected rows, read from an ``impact`` answer's columns only as far as they are shown.

A hub change on the 100k-dataset mesh reaches 99 999 nodes. A PR comment shows a few hundred of
them, JUnit none; making every row's ten fields into Python objects, then a row object each, then
sorting them cost ~0.5 s of a ~2.5 s check. So an answer is kept as columns (:class:`Columns`),
each read when first needed (the markdown never reads ``namespace``, ``name`` or ``dataset``), and
the report of a single change holds its rows as :class:`OrderedRows`: the answer's order (by
distance, then id) partitioned by severity *is* the report's order, and a row is made when read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, overload

from graph.core.vocabulary import CHANGE_CAPS, SEVERITY_RANKS

#: A report's severity names, "NONE" a cap as low as INFO
RANK: dict[str, int] = {
    **SEVERITY_RANKS,
    **{n: SEVERITY_RANKS[cap] for n, cap in CHANGE_CAPS.items()},
}
NAMES = {rank: name for name, rank in SEVERITY_RANKS.items()}  # a rank's report name


class Columns(Protocol):
    """An ``impact`` answer's affected rows, a field at a time (GraphQL ``ImpactedNode``'s names;
    ``severity`` as its name), in the answer's order: by distance, then id."""

    def __len__(self) -> int: ...

    def column(self, name: str) -> list[Any]: ...

    def ranks(self) -> list[int]:
        """Each row's severity as its rank (``RANK``)."""
        ...


class DictColumns:
    """GraphQL's answer (a dict per row) as :class:`Columns`."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows
        self._made: dict[str, list[Any]] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def column(self, name: str) -> list[Any]:
        found = self._made.get(name)
        if found is None:
            found = self._made[name] = [row[name] for row in self._rows]
        return found

    def ranks(self) -> list[int]:
        return list(map(RANK.__getitem__, self.column("severity")))


@dataclass(slots=True)
class AffectedRow:
    """A node the change set reaches: its worst severity, one explaining path, and which changes.

    The path is rebuilt from the answer's ``via`` tree when first read, and the namespace, name and
    dataset read from the answer's columns (``source``): a comment shows a few hundred of a hub's
    100k rows and none of those three, so only what is shown is paid for.
    """

    id: str
    kind: str
    distance: int
    severity: str
    certain: bool
    changes: list[str]
    tree: tuple[str, Mapping[str, str]]  # (the changed node, affected id -> via) it was reached in
    source: tuple[Columns, int]  # an answer that reached it, and its row there
    _path: list[str] | None = None

    @property
    def path(self) -> list[str]:
        if self._path is None:
            self._path = _path(self.id, *self.tree)
        return self._path

    @property
    def namespace(self) -> str | None:
        columns, at = self.source
        return columns.column("namespace")[at]

    @property
    def name(self) -> str | None:
        columns, at = self.source
        return columns.column("name")[at]

    @property
    def dataset(self) -> str | None:
        columns, at = self.source
        return columns.column("dataset")[at]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "dataset": self.dataset,
            "distance": self.distance,
            "path": self.path,
            "severity": self.severity,
            "certain": self.certain,
            "changes": self.changes,
        }


def _path(node_id: str, changed: str, via: Mapping[str, str]) -> list[str]:
    """The explaining path from the changed node, rebuilt from the ``via`` tree."""
    path = [node_id]
    seen = {node_id}
    while path[-1] != changed:
        step = via.get(path[-1])
        if step is None or step in seen:
            step = changed
        path.append(step)
        seen.add(step)
    return path[::-1]


class OrderedRows(Sequence[AffectedRow]):
    """One answer's rows in the report's order (worst severity first, then distance, then id),
    each made when read. ``order`` lists the answer's rows so; ``ranks`` is each row's (capped)
    severity rank."""

    def __init__(
        self,
        columns: Columns,
        order: list[int],
        ranks: list[int],
        label: str,
        tree: tuple[str, dict[str, str]],
    ) -> None:
        self._columns = columns
        self._order = order
        self._ranks = ranks
        self._label = label
        self._tree = tree

    def __len__(self) -> int:
        return len(self._order)

    @overload
    def __getitem__(self, at: int) -> AffectedRow: ...

    @overload
    def __getitem__(self, at: slice) -> list[AffectedRow]: ...

    def __getitem__(self, at: int | slice) -> AffectedRow | list[AffectedRow]:
        make = self._maker()
        if isinstance(at, slice):
            return [make(row) for row in self._order[at]]
        return make(self._order[at])

    def __iter__(self) -> Iterator[AffectedRow]:
        return map(self._maker(), self._order)

    def _maker(self) -> Callable[[int], AffectedRow]:
        columns = self._columns
        ids, kinds, distances, certain = (
            columns.column(name) for name in ("id", "kind", "distance", "certain")
        )
        ranks, label, tree = self._ranks, self._label, self._tree

        def make(at: int) -> AffectedRow:
            return AffectedRow(
                ids[at],
                kinds[at],
                distances[at],
                NAMES[ranks[at]],
                certain[at],
                [label],
                tree,
                (columns, at),
            )

        return make
