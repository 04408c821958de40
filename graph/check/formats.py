"""The check's report as text (a terminal), JSON (tools), markdown (one PR comment) and JUnit XML.

The JSON is the stable, documented form (docs/ci.md): GraphQL ``impact``'s field names for the
rows, plus ``changes``, ``edges`` and ``verdict``. The markdown always fits one GitHub comment or
GitLab note (:data:`MARKDOWN_LIMIT` characters, below GitHub's 65,536): counts, owners to notify,
the most severe rows with their paths, the rest in ``<details>``, and a line saying how many
rows did not fit. JUnit gives CI test tabs one case per contract, consumer and product reached.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Callable
from itertools import islice
from typing import Any

from graph.check.affected import RANK, AffectedRow
from graph.check.changeset import ToldChange
from graph.check.remote_rows import RowsRead
from graph.check.report import Reached, Report
from graph.core.model import NodeKind, kind_prefix

MARKDOWN_LIMIT = 60_000  # characters; GitHub refuses comments over 65,536
_TOP_ROWS = 50  # rows shown in the table with their paths
_PATH_HOPS = 8  # a longer path shows its ends and the count of hops between
_LIST_ITEMS = 30  # owners, products, consumers named before "and N more"
_SHOWN_ROWS = 1000  # the markdown's rows: ~500 fit MARKDOWN_LIMIT (a line is 30+ characters)
_ICON = {"BREAKING": ":x:", "WARNING": ":warning:", "NONE": ":white_check_mark:"}
_VERDICT = {
    "BREAKING": "**BREAKING**",
    "WARNING": "warnings only, nothing breaks",
    "NONE": "nothing breaks",
}


def _headline(report: Report) -> str:
    """The verdict, and where the changes themselves decide it, what the walk found downstream."""
    if report.verdict == report.impact:
        return _VERDICT[report.verdict]
    downstream = "warnings only" if report.impact == "WARNING" else "nothing is known to break"
    return f"{_VERDICT[report.verdict]} (the changes themselves; downstream, {downstream})"


def render_json(report: Report) -> str:
    return json.dumps(as_json(report), indent=2)


def as_json(report: Report) -> dict[str, Any]:
    """The documented JSON shape (docs/ci.md)."""

    def reached(items: list[Reached]) -> list[dict[str, Any]]:
        return [{**r.item, "severity": r.severity, "changes": r.changes} for r in items]

    owners = reached(report.owners)
    if report.owner_domains:
        for owner in owners:
            found = report.owner_domains.get(owner["id"]) or {None}
            owner["domains"] = sorted(found, key=lambda d: (d is None, d or ""))

    return {
        "verdict": report.verdict,
        "impact": report.impact,
        "breaking": report.verdict == "BREAKING",
        "truncated": report.truncated,
        "counts": report.counts(),
        "changes": [_change_json(told) for told in report.change_set.told()],
        "edges": [
            {"source": e.source, "job": e.job, "target": e.target, "added": e.added}
            for e in report.change_set.edges
        ],
        "notes": report.change_set.notes,
        "affected": [row.as_json() for row in report.rows],
        "products": reached(report.products),
        "domains": reached(report.domains),
        "owners": owners,
        "consumers": reached(report.consumers),
        "contracts": reached(report.contracts),
    }


def _change_json(told: ToldChange) -> dict[str, Any]:
    """One change, told once; a contract's own term (an SLO, a quality rule) with ``governs``:
    each dataset it governs, where its walk starts there and how."""
    change, first = told.change, told.first
    found: dict[str, Any] = {
        "kind": change.kind.value,
        "dataset": change.dataset_id,
        "column": change.column,
        "term": change.term,
        "old": change.old,
        "new": change.new,
        "severity": change.severity,
        "reason": change.reason,
        "label": first.label,
        "source": told.source,
        "start": first.start,
        "walk": first.walk,
    }
    if change.dataset_id.startswith(_CONTRACT):
        found["governs"] = [
            {"dataset": p.dataset, "start": p.start, "walk": p.walk}
            for p in told.placed
            if p.dataset is not None
        ]
    return found


# -- text --------------------------------------------------------------------------------------


_DATASET, _COLUMN = kind_prefix(NodeKind.DATASET), kind_prefix(NodeKind.COLUMN)
_JOB, _CONTRACT = kind_prefix(NodeKind.JOB), kind_prefix(NodeKind.CONTRACT)


def display_name(node_id: str) -> str:
    """A node as people name it: a dataset's last two name parts (``main_sales.orders``), a
    column's with its name (``main_sales.orders.amount``), a job's name; any other id as it is."""
    if node_id.startswith(_DATASET):
        return ".".join(node_id.rsplit(":", 1)[-1].split(".")[-2:])
    if node_id.startswith(_COLUMN):
        dataset, _, column = node_id.removeprefix(_COLUMN).rpartition(":")
        return f"{display_name(_DATASET + dataset)}.{column}"
    if node_id.startswith(_JOB):
        return node_id.rsplit(":", 1)[-1]
    return node_id


def _named_text(node_id: str) -> str:
    """A node in the text report: its display name, then its full id where that differs."""
    shown_as = display_name(node_id)
    return shown_as if shown_as == node_id else f"{shown_as}  ({node_id})"


def changes_by_dataset(report: Report) -> list[tuple[str, list[ToldChange]]]:
    """The changes grouped by the dataset (or contract) they change, in input order, each once
    (a contract's term planned from each dataset it governs is one change)."""
    groups: dict[str, list[ToldChange]] = {}
    for told in report.change_set.told():
        groups.setdefault(told.change.dataset_id, []).append(told)
    return list(groups.items())


def render_text(report: Report) -> str:
    lines = [f"blast radius: {_headline(report).replace('**', '')}"]
    lines.extend(f"note: {note}" for note in report.change_set.notes)
    lines.append(f"changes ({len(report.change_set.told())}):")
    for subject, planned in changes_by_dataset(report):
        lines.append(f"  {_named_text(subject)}")
        lines.extend(f"    {p.change.severity:<8} {p.first.label}  [{p.source}]" for p in planned)
    lines.extend(
        f"  lineage {'+' if e.added else '-'} {display_name(e.source)} -> {display_name(e.target)}"
        + ("" if e.job is None else f" (via {display_name(e.job)})")
        for e in report.change_set.edges
    )
    counts = report.counts()
    lines.append(
        "affected: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        if report.rows
        else "affected: nothing"
    )
    if report.truncated:
        lines.append("(partial: a traversal budget was hit)")
    for row in report.rows:
        certainty = "" if row.certain else " (uncertain: no column lineage)"
        lines.append(
            f"  {row.severity:<8} {row.kind:<7} {_named_text(row.id)}  [{row.distance} hops]"
            + certainty
        )
        lines.append(f"           via {' -> '.join(display_name(p) for p in row.path)}")
        lines.append(f"           by {'; '.join(row.changes)}")
    grouped = owners_by_domain(report)
    for domain, owners in grouped:
        names = ", ".join(str(r.item["name"]) for r in owners)
        told = "" if len(grouped) == 1 and domain is None else f" ({domain or 'no domain'})"
        lines.append(f"notify owners{told}: {names}")
    for label, items, attr in _lists(report):
        if items:
            lines.append(f"{label}: {', '.join(str(r.item[attr]) for r in items)}")
    return "\n".join(lines)


def owners_by_domain(report: Report) -> list[tuple[str | None, list[Reached]]]:
    """The owners to notify under the domain of what each owns among what is reached, by domain
    name (None last: what belongs to no domain); one group, None, where the graph could not tell
    (an older server)."""
    groups: dict[str | None, list[Reached]] = {}
    for owner in report.owners:
        for domain in report.owner_domains.get(owner.item["id"]) or {None}:
            groups.setdefault(domain, []).append(owner)
    order = sorted(groups, key=lambda d: (d is None, d or ""))
    return [(d, sorted(groups[d], key=lambda r: str(r.item["name"]))) for d in order]


def _lists(report: Report) -> list[tuple[str, list[Reached], str]]:
    """The lists a report names, but the owners (told by domain: :func:`owners_by_domain`)."""
    return [
        ("data products", report.products, "id"),
        ("domains", report.domains, "name"),
        ("consumers", report.consumers, "id"),
        (
            "undeclared consumers (no contract or input port declares them)",
            [r for r in report.consumers if r.item.get("undeclared")],
            "id",
        ),
        ("contracts broken", report.contracts, "id"),
    ]


# -- markdown ----------------------------------------------------------------------------------


class _Budget:
    """Lines added while they fit in the limit, with room kept for the closing lines."""

    def __init__(self, limit: int) -> None:
        self.lines: list[str] = []
        self.left = limit

    def add(self, line: str, reserve: int = 0) -> bool:
        cost = len(line) + 1
        if cost + reserve > self.left:
            return False
        self.lines.append(line)
        self.left -= cost
        return True


def _code(text: str) -> str:
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def _node(node_id: str) -> str:
    """A node in a table: its display name, the full id as its title (shown on hover)."""
    title = html.escape(node_id).replace("|", "&#124;")
    shown = html.escape(display_name(node_id), quote=False).replace("|", "&#124;")
    return f'<code title="{title}">{shown}</code>'


def _short_path(path: list[str]) -> str:
    if len(path) <= _PATH_HOPS:
        return " → ".join(_node(p) for p in path)
    head, tail = path[:3], path[-3:]
    return " → ".join(
        [*(_node(p) for p in head), f"… {len(path) - 6} more …", *(_node(p) for p in tail)]
    )


def _named(items: list[Reached], attr: str) -> str:
    shown = ", ".join(_code(str(r.item[attr])) for r in items[:_LIST_ITEMS])
    more = len(items) - _LIST_ITEMS
    return shown + (f" and {more} more" if more > 0 else "")


def render_markdown(report: Report, limit: int = MARKDOWN_LIMIT) -> str:
    """The report as one PR comment, never longer than ``limit`` characters."""
    reserve = 400  # the "N more" line and the closing of an open <details>
    out = _Budget(limit - reserve)
    counts = report.counts()
    out.add(f"### {_ICON[report.verdict]} lineagemesh blast radius: {_headline(report)}")
    out.add("")
    summary = ", ".join(f"**{n}** {s}" for s, n in counts.items() if n) or "nothing affected"
    out.add(
        f"{len(report.change_set.told())} change(s) reach {len(report.rows)} node(s): {summary}."
        + (" _Partial: a traversal budget was hit._" if report.truncated else "")
    )
    out.add("")
    domains = _domain_counts(report)
    if domains:
        out.add("| domain | products reached | consumers reached |")
        out.add("|---|---|---|")
        for name, (products, consumers) in domains[:_LIST_ITEMS]:
            out.add(f"| {_code(name)} | {products} | {consumers} |")
        if len(domains) > _LIST_ITEMS:
            out.add(f"| and {len(domains) - _LIST_ITEMS} more domains | | |")
        out.add("")
    grouped = owners_by_domain(report)
    if len(grouped) == 1 and grouped[0][0] is None:  # no domain known: one list
        out.add(f"- **notify owners**: {_named(grouped[0][1], 'name')}")
    elif grouped:
        out.add("- **notify owners**, by domain:")
        for domain, owners in grouped[:_LIST_ITEMS]:
            named = _code(domain) if domain is not None else "no domain"
            out.add(f"  - {named}: {_named(owners, 'name')}")
        if len(grouped) > _LIST_ITEMS:
            out.add(f"  - and {len(grouped) - _LIST_ITEMS} more domains")
    for label, items, attr in _lists(report):
        if items:
            out.add(f"- **{label}**: {_named(items, attr)}")
    out.add("")
    out.add("<details><summary>Changes</summary>")
    out.add("")
    shown_changes = 0
    for subject, planned in changes_by_dataset(report):
        shown_as = display_name(subject)
        full = "" if shown_as == subject else f" ({_code(subject)})"
        if not out.add(f"- **{_code(shown_as)}**{full}", reserve=2000):
            break
        for p in planned:
            line = f"  - {p.change.severity} {_code(p.first.label)}: {p.change.reason} ({_code(p.source)})"
            if not out.add(line, reserve=2000):
                break
            shown_changes += 1
    unique = sum(len(planned) for _, planned in changes_by_dataset(report))
    if shown_changes < unique:
        out.add(f"- … {unique - shown_changes} more changes")
    for e in report.change_set.edges[:_LIST_ITEMS]:
        via = "" if e.job is None else f" (via {_node(e.job)})"
        out.add(
            f"- lineage {'added' if e.added else 'removed'}: {_node(e.source)} → {_node(e.target)}"
            + via
        )
    for note in report.change_set.notes[:_LIST_ITEMS]:
        out.add(f"- note: {note}")
    out.add("")
    out.add("</details>")
    out.add("")
    shown = 0
    if report.rows:
        out.add("| severity | kind | node | hops | path | changes |")
        out.add("|---|---|---|---|---|---|")
        for row in report.rows[:_TOP_ROWS]:
            if not out.add(_table_row(row), reserve=200):
                break
            shown += 1
        out.add("")
    if shown < len(report.rows) and out.add(
        f"<details><summary>{len(report.rows) - shown} more affected nodes</summary>",
        reserve=100,
    ):
        out.add("")
        for row in islice(report.rows, shown, None):  # made as read: stops where it fills
            if not out.add(
                f"- {row.severity} {row.kind} {_node(row.id)} ({row.distance} hops)", reserve=60
            ):
                break
            shown += 1
        out.add("")
        out.add("</details>")
    text = "\n".join(out.lines)
    if shown < len(report.rows):
        text += (
            f"\n\n**{len(report.rows) - shown} more affected nodes not shown** "
            "(`lineagemesh check … --format json` lists them all)."
        )
    return text.rstrip() + "\n"


def _table_row(row: AffectedRow) -> str:
    certain = "" if row.certain else " (uncertain)"
    changes = "; ".join(row.changes[:3]) + (
        f" +{len(row.changes) - 3}" if len(row.changes) > 3 else ""
    )
    return (
        f"| {row.severity}{certain} | {row.kind} | {_node(row.id)} | {row.distance} | "
        f"{_short_path(row.path)} | {_code(changes)} |"
    )


def _domain_counts(report: Report) -> list[tuple[str, tuple[int, int]]]:
    products = Counter(str(r.item.get("domain") or "") for r in report.products)
    consumers = Counter(str(r.item.get("domain") or "") for r in report.consumers)
    names = sorted({*products, *consumers} - {""}, key=lambda d: (-products[d] - consumers[d], d))
    return [(name, (products[name], consumers[name])) for name in names]


# -- junit -------------------------------------------------------------------------------------


def render_junit(report: Report) -> str:
    """One test case per contract, consumer and product reached; a failure where it is BREAKING."""
    from xml.sax.saxutils import escape, quoteattr  # urllib.request with it: ~0.15 s for junit only

    cases: list[str] = []
    failures = 0
    for classname, items in (
        ("contract", report.contracts),
        ("consumer", report.consumers),
        ("product", report.products),
    ):
        for item in items:
            name = str(item.item.get("id"))
            body = ""
            if RANK[item.severity] >= RANK["BREAKING"]:
                failures += 1
                message = f"broken by: {'; '.join(item.changes)}"
                body = f'<failure message={quoteattr(message)} type="BREAKING">{escape(message)}</failure>'
            elif item.severity == "WARNING":
                body = (
                    f"<system-out>{escape('warning from: ' + '; '.join(item.changes))}</system-out>"
                )
            cases.append(
                f"    <testcase classname={quoteattr('lineagemesh.' + classname)} name={quoteattr(name)}>{body}</testcase>"
            )
    if not cases:
        cases.append(
            '    <testcase classname="lineagemesh.check" name="no contract, consumer or product reached"/>'
        )
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<testsuites name="lineagemesh check" tests="{len(cases)}" failures="{failures}">',
            f'  <testsuite name="blast radius" tests="{len(cases)}" failures="{failures}">',
            *cases,
            "  </testsuite>",
            "</testsuites>",
        ]
    )


RENDERERS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "junit": render_junit,
}

# How many of a report's first rows each format reads, and of those how many with their paths;
# None: every row (``graph.check.remote_rows``: with --server, only those are asked for).
ROWS_READ: dict[str, RowsRead | None] = {
    "text": None,
    "json": None,
    "markdown": RowsRead(_SHOWN_ROWS, _TOP_ROWS),
    "junit": RowsRead(0, 0),
}


def rows_read(formats: list[str]) -> RowsRead | None:
    """What the given formats read of the rows, together (None: every row)."""
    read = RowsRead(0, 0)
    for name in formats:
        wanted = ROWS_READ[name]
        if wanted is None:
            return None
        read |= wanted
    return read
