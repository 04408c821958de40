"""What a pull request changes, read from its artifacts: classified changes placed in the graph.

Every input (dbt manifests, SQL migrations, contracts, Iceberg metadata, a proposed schema, a
plain node id) turns its artifact into :class:`PlannedChange` objects — a change classified by
``graph.change.classifier`` plus the graph node the impact walk starts from — so the report
treats them all alike.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from graph.change.classifier import Change

#: Runs one GraphQL operation (in-process or against a server) and returns its ``data``.
Execute = Callable[[str, dict[str, Any]], dict[str, Any]]


class InProcessReads(Protocol):
    """The reads an in-process ``Execute`` answers without GraphQL
    (``graph.check.store_reads.StoreExecute``): named here, so that this module, which every
    input imports, need not import the store's side."""

    def nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """Each id → ``{id kind namespace name}`` as GraphQL ``node`` gives it, None if unknown."""
        ...

    def impact(self, node_id: str, change: str, depth: int | None) -> dict[str, Any]:
        """GraphQL ``impact``'s answer to the report's query, its ``affected`` as columns."""
        ...


def store_execute(execute: Execute) -> InProcessReads | None:
    """``execute`` if it reads a store in-process (``graph.check.store_reads``), else None.

    Asked without importing that module (the store's side: ~60 ms that ``--server`` never
    needs): where it was never imported, no StoreExecute exists."""
    module = sys.modules.get("graph.check.store_reads")
    if module is not None and isinstance(execute, module.StoreExecute):
        return execute
    return None


class CheckError(Exception):
    """A usage, input or store problem (exit code 2); the message says what and where."""


@dataclass(frozen=True)
class PlannedChange:
    """One classified change, where it was read, and where in the graph its impact starts.

    ``start`` is a column (datasetField) id or a dataset id; None when the graph does not know the
    changed node (a new model, a table no lineage mentions): nothing downstream can break then.
    ``walk`` is the impact ``ChangeKind`` name; ``capped`` says the start is the dataset standing
    in for a column the graph does not know (its report can only warn).
    """

    change: Change
    source: str
    start: str | None
    walk: str | None
    capped: bool = False
    dataset: str | None = None  # the graph's dataset it is placed in (None: the graph lacks it)

    @property
    def label(self) -> str:
        return self.change.describe()


@dataclass(frozen=True)
class ToldChange:
    """A change as a report tells it: once, with every place it was planned from — a contract's
    own SLO or quality term is planned from each dataset the contract governs."""

    change: Change
    source: str
    placed: tuple[PlannedChange, ...]

    @property
    def first(self) -> PlannedChange:
        return self.placed[0]


@dataclass(frozen=True)
class EdgeChange:
    """A lineage edge a change adds or removes (dataset → dataset through a job)."""

    source: str
    job: str | None
    target: str
    added: bool


@dataclass
class ChangeSet:
    """Everything a run read, in input order."""

    changes: list[PlannedChange] = field(default_factory=list)
    edges: list[EdgeChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # tables, columns the graph lacks (--strict)

    def told(self) -> list[ToldChange]:
        """The changes, each once (the same change read from the same source), in input order."""
        found: dict[tuple[Change, str], list[PlannedChange]] = {}
        for p in self.changes:
            found.setdefault((p.change, p.source), []).append(p)
        return [ToldChange(change, source, tuple(ps)) for (change, source), ps in found.items()]

    def extend(self, other: ChangeSet) -> None:
        self.changes.extend(other.changes)
        self.edges.extend(other.edges)
        self.notes.extend(other.notes)
        self.unknown.extend(other.unknown)

    def note_unknown(self, message: str) -> None:
        """Something named that the graph does not know: a note, an error under ``--strict``."""
        self.notes.append(message)
        self.unknown.append(message)
