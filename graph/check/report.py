"""One blast-radius report for a whole change set, built from the GraphQL ``impact`` answers.

Each planned change is judged by ``impact`` from its start node; the answers are merged into one
row per affected node, naming every change that reaches it. A row's severity is the worst over
those changes of the impact severity, capped by what the change itself is: a widening retype
(WARNING by the classifier) never makes a downstream column BREAKING, and a change whose column
the graph does not know (walked from its dataset) can only warn. The impact is the worst row or
a broken contract; the verdict the worst of the impact and each change's own class under the
contract evolution rules: a dropped column, a model deleted, a field made required, enum values
removed or an SLO tightened is BREAKING to a published product whatever reads it today.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.check.affected import (
    NAMES,
    RANK,
    AffectedRow,
    Columns,
    DictColumns,
    OrderedRows,
)
from graph.check.changeset import ChangeSet, CheckError, Execute, PlannedChange, store_execute
from graph.check.remote_rows import IMPACT_QUERY, RemoteAnswer, RowsRead, remote_answer
from graph.core.vocabulary import CHANGE_CAPS
from graph.read.impact_order import worst_first

#: What a server older than ``severityCounts``/``affectedWorst`` answers a summary with (GraphQL's
#: validation message, quoted either way): the check then asks it for every row, as before.
_OLDER_SERVER = re.compile(r"Cannot query field ['\"](severityCounts|affectedWorst)['\"]")


def _older_server(error: CheckError) -> bool:
    return _OLDER_SERVER.search(str(error)) is not None


@dataclass
class Reached:
    """A product, domain, owner, consumer or contract, with the changes that reach it."""

    item: dict[str, Any]
    changes: list[str] = field(default_factory=list)
    severity: str = "INFO"


@dataclass
class Report:
    change_set: ChangeSet
    rows: Sequence[AffectedRow]  # worst first, then by distance and id; made as read
    products: list[Reached]
    domains: list[Reached]
    owners: list[Reached]
    consumers: list[Reached]
    contracts: list[Reached]
    truncated: bool
    verdict: str  # BREAKING, WARNING or NONE: the worst of the changes' own classes and impact
    impact: str  # BREAKING, WARNING or NONE: the worst downstream (rows, contracts broken)
    severity_counts: dict[str, int]  # of the rows: read off the answers, not row by row
    #: owner id → the names of the domains of what it owns among what is reached (None: what
    #: belongs to none); empty where the server cannot tell (an older one)
    owner_domains: dict[str, set[str | None]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return dict(self.severity_counts)


def build_report(
    execute: Execute, change_set: ChangeSet, depth: int | None, read: RowsRead | None = None
) -> Report:
    """Run ``impact`` for every change that has somewhere to start, and merge the answers.

    ``read``: how many of the first rows the report's readers read (None: all of them); with
    ``--server``, one uncapped change's report then asks for those alone (``remote_rows``)."""
    answers: list[tuple[PlannedChange, str, Columns, list[int]]] = []
    reached: dict[str, dict[str, Reached]] = {
        k: {} for k in ("products", "domains", "owners", "consumers", "contracts")
    }
    walked = [p for p in change_set.changes if p.start is not None and p.walk is not None]
    remote: RemoteAnswer | None = None
    summarise = (
        read is not None
        and store_execute(execute) is None
        and len(walked) == 1
        and _cap(walked[0]) == "BREAKING"  # uncapped: the server's order is the report's
    )
    truncated = False
    verdict_rank = 0
    owner_domains: dict[str, set[str | None]] = {}
    for planned in change_set.changes:
        if planned.start is None or planned.walk is None:
            continue
        cap = _cap(planned)
        if summarise:
            assert read is not None
            try:
                remote = remote_answer(execute, planned, depth, read)
            except CheckError as e:
                if not _older_server(e):
                    raise
                summarise = False  # a server before the summary fields: every row, as before
        if remote is not None:
            answer, report_rank = remote.answer, remote.worst_rank
        else:
            answer, columns = impact_answer(execute, planned.start, planned.walk, depth)
            cap_rank = RANK[cap]
            ranks = columns.ranks()
            if cap_rank < 2:  # a change that can only warn: no row it reaches is worse
                ranks = [min(rank, cap_rank) for rank in ranks]
            report_rank = max(ranks, default=0)
            answers.append((planned, answer["changed"]["id"], columns, ranks))
        truncated = truncated or answer["truncated"]
        if answer["breaking"] and cap == "BREAKING":
            report_rank = 2
        verdict_rank = max(verdict_rank, report_rank)
        severity = NAMES[report_rank]
        for key in ("products", "domains", "owners", "consumers"):
            for item in answer[key]:
                _reach(reached[key], item, planned.label, severity)
        for group in answer.get("ownersByDomain") or ():
            for owner in group["owners"]:
                owner_domains.setdefault(owner["id"], set()).add(group["domain"])
        if cap == "BREAKING":
            for item in answer["contracts"]:
                _reach(reached["contracts"], item, planned.label, "BREAKING")
    rows, counts = (remote.rows, remote.counts) if remote is not None else _rows(answers)
    if reached["contracts"]:
        verdict_rank = 2
    own_rank = max((RANK[p.change.severity] for p in change_set.changes), default=0)
    by_id = {k: sorted(v.values(), key=lambda r: r.item["id"]) for k, v in reached.items()}
    return Report(
        change_set,
        rows,
        products=by_id["products"],
        domains=by_id["domains"],
        owners=by_id["owners"],
        consumers=by_id["consumers"],
        contracts=by_id["contracts"],
        truncated=truncated,
        verdict=_name(max(verdict_rank, own_rank)),
        impact=_name(verdict_rank),
        severity_counts=counts,
        owner_domains=owner_domains,
    )


def _name(rank: int) -> str:
    return NAMES[rank] if rank else "NONE"


def _cap(planned: PlannedChange) -> str:
    """The worst severity a change may give a row it reaches (what the change itself is)."""
    if planned.capped:
        return "INFO" if planned.change.severity == "NONE" else "WARNING"
    return CHANGE_CAPS[planned.change.severity]


def impact_answer(
    execute: Execute, start: str, walk: str, depth: int | None
) -> tuple[dict[str, Any], Columns]:
    """GraphQL ``impact``'s answer to IMPACT_QUERY and its affected rows as columns: from the
    store itself in-process, else over GraphQL (a dict per row)."""
    store = store_execute(execute)
    if store is not None:
        answer = store.impact(start, walk, depth)
        return answer, answer["affected"]
    answer = execute(IMPACT_QUERY, {"id": start, "change": walk, "depth": depth})["impact"]
    return answer, DictColumns(answer["affected"])


def _reach(found: dict[str, Reached], item: dict[str, Any], label: str, severity: str) -> None:
    entry = found.setdefault(item["id"], Reached(item))
    if label not in entry.changes:
        entry.changes.append(label)
    if RANK[severity] > RANK[entry.severity]:
        entry.severity = severity


def _rows(
    answers: list[tuple[PlannedChange, str, Columns, list[int]]],
) -> tuple[Sequence[AffectedRow], dict[str, int]]:
    """The report's rows, worst first, then by distance and id, and how many of each severity.

    One answer (one change: a hub's check) is its own order partitioned by severity, its rows
    made as they are read; several are merged into one row per node."""
    if len(answers) == 1:
        planned, changed, columns, ranks = answers[0]
        ids = columns.column("id")
        via = dict(zip(ids, columns.column("via"), strict=True))
        if len(via) == len(ids):  # each node once, as an answer gives them: nothing to merge
            order = worst_first(ranks)  # a stable partition of an order by (distance, id)
            counts = {name: ranks.count(rank) for rank, name in NAMES.items()}
            return OrderedRows(columns, order, ranks, planned.label, (changed, via)), counts
    rows = _merge_rows(answers)
    counts = dict.fromkeys(NAMES.values(), 0)
    for row in rows:
        counts[row.severity] += 1
    return rows, counts


def _merge_rows(
    answers: list[tuple[PlannedChange, str, Columns, list[int]]],
) -> list[AffectedRow]:
    """Fold the answers' affected rows into one row per node, naming every change reaching it."""
    rows: dict[str, AffectedRow] = {}
    for planned, changed, columns, ranks in answers:
        ids = columns.column("id")
        tree = (changed, dict(zip(ids, columns.column("via"), strict=True)))
        label = planned.label  # a property that describes the change: read once, not per row
        affected = zip(
            ids,
            columns.column("kind"),
            columns.column("distance"),
            ranks,
            columns.column("certain"),
        )
        for at, (node_id, kind, distance, rank, certain) in enumerate(affected):
            row = rows.get(node_id)
            if row is None:
                rows[node_id] = AffectedRow(
                    node_id, kind, distance, NAMES[rank], certain, [label], tree, (columns, at)
                )
                continue
            if label not in row.changes:
                row.changes.append(label)
            if (rank, -distance) > (RANK[row.severity], -row.distance):
                row.severity, row.distance, row.certain = NAMES[rank], distance, certain
                row.tree, row._path = tree, None
    return sorted(rows.values(), key=lambda r: (-RANK[r.severity], r.distance, r.id))
