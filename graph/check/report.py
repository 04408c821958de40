"""One blast-radius report for a whole change set, built from the GraphQL ``impact`` answers.

Each planned change is judged by ``impact`` from its start node; the answers are merged into one
row per affected node, naming every change that reaches it. A row's severity is the worst over
those changes of the impact severity, capped by what the change itself is: a widening retype
(WARNING by the classifier) never makes a downstream column BREAKING, and a change whose column
the graph does not know (walked from its dataset) can only warn. The verdict is the worst row,
a broken contract, or a contract's own promise tightened (freshness, quality, enum values).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from graph.change_classifier import ChangeType
from graph.check.changeset import ChangeSet, Execute, PlannedChange
from graph.check.store_reads import AFFECTED_FIELDS, StoreExecute

IMPACT_QUERY = """
query Impact($id: String!, $change: ChangeKind!, $depth: Int) {
  impact(nodeId: $id, change: $change, depth: $depth) {
    changed { id kind namespace name }
    change breaking truncated
    affected { id kind namespace name dataset distance via severity certain }
    products { id name domain owners { name } }
    domains { id name }
    owners { id name }
    consumers { id kind name domain declared }
    contracts { id name version }
  }
}"""

RANK = {"BREAKING": 2, "WARNING": 1, "INFO": 0, "NONE": 0}
_CAP = {"BREAKING": "BREAKING", "WARNING": "WARNING", "NONE": "INFO"}
# Promises whose change is itself the verdict's, whatever the walk reaches: a narrowed enum is a
# tightened rule like a quality bound (datacontract.com and ODCS schema evolution: BREAKING).
_CONTRACT_TERMS = {
    ChangeType.ENUM_VALUES_REMOVED,
    ChangeType.ENUM_VALUES_ADDED,
    ChangeType.FRESHNESS_TIGHTENED,
    ChangeType.FRESHNESS_LOOSENED,
    ChangeType.QUALITY_TIGHTENED,
    ChangeType.QUALITY_LOOSENED,
}


@dataclass(slots=True)
class AffectedRow:
    """A node the change set reaches: its worst severity, one explaining path, and which changes.

    The path is rebuilt from the answer's ``via`` tree when first read: a comment shows a few
    hundred of a hub's 100k rows, so only those pay for theirs.
    """

    id: str
    kind: str
    namespace: str | None
    name: str | None
    dataset: str | None
    distance: int
    severity: str
    certain: bool
    changes: list[str]
    tree: tuple[str, dict[str, str]]  # (the changed node, affected id -> via) it was reached in
    _path: list[str] | None = None

    @property
    def path(self) -> list[str]:
        if self._path is None:
            self._path = _path(self.id, *self.tree)
        return self._path

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


@dataclass
class Reached:
    """A product, domain, owner, consumer or contract, with the changes that reach it."""

    item: dict[str, Any]
    changes: list[str] = field(default_factory=list)
    severity: str = "INFO"


@dataclass
class Report:
    change_set: ChangeSet
    rows: list[AffectedRow]
    products: list[Reached]
    domains: list[Reached]
    owners: list[Reached]
    consumers: list[Reached]
    contracts: list[Reached]
    truncated: bool
    verdict: str  # BREAKING, WARNING or NONE

    def counts(self) -> dict[str, int]:
        found = {"BREAKING": 0, "WARNING": 0, "INFO": 0}
        for row in self.rows:
            found[row.severity] += 1
        return found


def build_report(execute: Execute, change_set: ChangeSet, depth: int | None) -> Report:
    """Run ``impact`` for every change that has somewhere to start, and merge the answers."""
    rows: dict[str, AffectedRow] = {}
    reached: dict[str, dict[str, Reached]] = {
        k: {} for k in ("products", "domains", "owners", "consumers", "contracts")
    }
    truncated = False
    verdict_rank = 0
    for planned in change_set.changes:
        if planned.change.kind in _CONTRACT_TERMS:
            verdict_rank = max(verdict_rank, RANK[planned.change.severity])
        if planned.start is None or planned.walk is None:
            continue
        answer, affected, via = impact_answer(execute, planned.start, planned.walk, depth)
        truncated = truncated or answer["truncated"]
        cap = "WARNING" if planned.capped else _CAP[planned.change.severity]
        if planned.capped and planned.change.severity == "NONE":
            cap = "INFO"
        report_rank = _merge_rows(rows, answer["changed"]["id"], affected, via, planned, cap)
        if answer["breaking"] and cap == "BREAKING":
            report_rank = 2
        verdict_rank = max(verdict_rank, report_rank)
        severity = _NAMES[report_rank]
        for key in ("products", "domains", "owners", "consumers"):
            for item in answer[key]:
                _reach(reached[key], item, planned.label, severity)
        if cap == "BREAKING":
            for item in answer["contracts"]:
                _reach(reached["contracts"], item, planned.label, "BREAKING")
    ordered = sorted(rows.values(), key=lambda r: (-RANK[r.severity], r.distance, r.id))
    verdict_rank = max([verdict_rank, *(RANK[r.severity] for r in ordered)])
    if reached["contracts"]:
        verdict_rank = 2
    by_id = {k: sorted(v.values(), key=lambda r: r.item["id"]) for k, v in reached.items()}
    return Report(
        change_set,
        ordered,
        products=by_id["products"],
        domains=by_id["domains"],
        owners=by_id["owners"],
        consumers=by_id["consumers"],
        contracts=by_id["contracts"],
        truncated=truncated,
        verdict=_NAMES[verdict_rank] if verdict_rank else "NONE",
    )


_NAMES = {2: "BREAKING", 1: "WARNING", 0: "INFO"}


_ROW = tuple(f for f in AFFECTED_FIELDS if f != "via")  # an affected row, as _merge_rows reads it


def impact_answer(
    execute: Execute, start: str, walk: str, depth: int | None
) -> tuple[dict[str, Any], Iterable[tuple[Any, ...]], dict[str, str]]:
    """GraphQL ``impact``'s answer to IMPACT_QUERY, its affected rows (tuples of ``_ROW``'s
    fields) and their ``via`` by id: from the store itself in-process (columns), else over
    GraphQL (a dict per row)."""
    if isinstance(execute, StoreExecute):
        answer = execute.impact(start, walk, depth)
        columns = answer["affected"]
        via = dict(zip(columns["id"], columns["via"], strict=True))
        return answer, zip(*(columns[f] for f in _ROW), strict=True), via
    answer = execute(IMPACT_QUERY, {"id": start, "change": walk, "depth": depth})["impact"]
    affected = answer["affected"]
    return answer, map(itemgetter(*_ROW), affected), {a["id"]: a["via"] for a in affected}


def _reach(found: dict[str, Reached], item: dict[str, Any], label: str, severity: str) -> None:
    entry = found.setdefault(item["id"], Reached(item))
    if label not in entry.changes:
        entry.changes.append(label)
    if RANK[severity] > RANK[entry.severity]:
        entry.severity = severity


def _merge_rows(
    rows: dict[str, AffectedRow],
    changed: str,
    affected: Iterable[tuple[Any, ...]],
    via: dict[str, str],
    planned: PlannedChange,
    cap: str,
) -> int:
    """Fold one impact answer's affected rows into the rows; their worst (capped) severity rank."""
    tree = (changed, via)
    label = planned.label  # a property that describes the change: read once, not per row
    cap_rank = RANK[cap]
    worst = 0
    for node_id, kind, namespace, name, dataset, distance, severity, certain in affected:
        rank = RANK[severity]
        if rank > cap_rank:
            severity, rank = cap, cap_rank
        if rank > worst:
            worst = rank
        row = rows.get(node_id)
        if row is None:
            rows[node_id] = AffectedRow(
                node_id, kind, namespace, name, dataset, distance, severity, certain, [label], tree
            )
            continue
        if label not in row.changes:
            row.changes.append(label)
        if (rank, -distance) > (RANK[row.severity], -row.distance):
            row.severity, row.distance, row.certain = severity, distance, certain
            row.tree, row._path = tree, None
    return worst


def _path(node_id: str, changed: str, via: dict[str, str]) -> list[str]:
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
