"""The pre-change blast-radius check a CI pipeline runs (``lineagemesh check``).

It asks GraphQL — a running server's, or the schema executed in-process on a store — so the CLI
gives the same answer either way, and renders the reports as text, JSON or markdown. The verdict is
``breaking`` when any report hits something BREAKING or breaks a contract.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graph.impact import ChangeKind
from graph.schema_diff import ColumnSpec, SchemaChange, diff_schema

Execute = Callable[[str, dict[str, Any]], dict[str, Any]]

IMPACT_QUERY = """
query Impact($id: String!, $change: ChangeKind!, $depth: Int) {
  impact(nodeId: $id, change: $change, depth: $depth) {
    changed { id kind namespace name }
    change breaking truncated
    affected { id kind namespace name dataset distance path severity certain }
    products { id name domain owners { name } }
    domains { id name }
    owners { id name }
    consumers { id kind name domain declared }
    contracts { id name version }
  }
}"""

NODE_QUERY = "query Node($id: String!) { node(id: $id) { id kind namespace name } }"

COLUMNS_QUERY = """
query Columns($ns: String!, $name: String!) {
  dataset(namespace: $ns, name: $name) { id columns { id name type ordinal current fieldId } }
}"""


class CheckError(Exception):
    """A usage or input problem (exit code 2)."""


@dataclass
class CheckResult:
    target: str
    changes: list[tuple[SchemaChange | None, dict[str, Any]]] = field(default_factory=list)
    schema_changes: list[SchemaChange] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        return any(report["breaking"] for _, report in self.changes)


def check_node(
    execute: Execute, node_id: str, change: ChangeKind, depth: int | None
) -> CheckResult:
    report = execute(IMPACT_QUERY, {"id": node_id, "change": change.value, "depth": depth})[
        "impact"
    ]
    return CheckResult(node_id, [(None, report)])


def current_columns(execute: Execute, dataset_node_id: str) -> list[ColumnSpec]:
    node = execute(NODE_QUERY, {"id": dataset_node_id})["node"]
    if node is None:
        raise CheckError(f"no node with id {dataset_node_id!r}")
    if node["kind"] != "DATASET":
        raise CheckError(
            f"{dataset_node_id!r} is a {node['kind']}; --proposed-schema needs a dataset"
        )
    dataset = execute(COLUMNS_QUERY, {"ns": node["namespace"], "name": node["name"]})["dataset"]
    return [
        ColumnSpec(c["name"], c["type"], c.get("fieldId"), c["ordinal"], c["id"])
        for c in dataset["columns"]
        if c["current"]
    ]


def check_schema(
    execute: Execute, dataset_node_id: str, proposed: list[ColumnSpec], depth: int | None
) -> CheckResult:
    """Diff the proposed schema against the current one and run impact for every change."""
    result = CheckResult(dataset_node_id)
    result.schema_changes = diff_schema(current_columns(execute, dataset_node_id), proposed)
    for change in result.schema_changes:
        if change.kind is None or change.column.column_id is None:
            continue
        report = execute(
            IMPACT_QUERY,
            {"id": change.column.column_id, "change": change.kind.value, "depth": depth},
        )["impact"]
        result.changes.append((change, report))
    return result


# -- rendering ---------------------------------------------------------------------------------


def _counts(report: dict[str, Any]) -> str:
    by_severity: dict[str, int] = {}
    for node in report["affected"]:
        by_severity[node["severity"]] = by_severity.get(node["severity"], 0) + 1
    parts = [f"{by_severity[s]} {s}" for s in ("BREAKING", "WARNING", "INFO") if s in by_severity]
    return ", ".join(parts) or "nothing affected"


def _title(change: SchemaChange | None, report: dict[str, Any]) -> str:
    what = change.describe() if change is not None else report["change"].lower().replace("_", " ")
    return f"{what} ({report['changed']['id']})"


def render_text(result: CheckResult) -> str:
    lines = [
        f"blast radius of changes to {result.target}: {'BREAKING' if result.breaking else 'nothing breaks'}"
    ]
    lines.extend(
        f"  {change.describe()}: no downstream effect"
        for change in result.schema_changes
        if change.kind is None
    )
    for change, report in result.changes:
        lines.append("")
        lines.append(
            f"{_title(change, report)}: {_counts(report)}"
            + (" (partial: a budget was hit)" if report["truncated"] else "")
        )
        for node in report["affected"]:
            certainty = "" if node["certain"] else " (uncertain: no column lineage)"
            lines.append(
                f"  {node['severity']:<8} {node['kind']:<7} {node['id']}  [{node['distance']} hops]{certainty}"
            )
            lines.append(f"           via {' -> '.join(node['path'])}")
        lines.extend(_notify_lines(report, "  "))
    return "\n".join(lines)


def _notify_lines(report: dict[str, Any], indent: str) -> list[str]:
    lines = []
    for label, key, attr in (
        ("notify owners", "owners", "name"),
        ("data products", "products", "id"),
        ("domains", "domains", "name"),
        ("consumers", "consumers", "id"),
        ("contracts broken", "contracts", "id"),
    ):
        if report[key]:
            lines.append(f"{indent}{label}: {', '.join(item[attr] for item in report[key])}")
    return lines


def render_markdown(result: CheckResult) -> str:
    verdict = ":x: **BREAKING**" if result.breaking else ":white_check_mark: nothing breaks"
    lines = [f"### lineagemesh blast radius: `{result.target}`", "", verdict, ""]
    added = [c for c in result.schema_changes if c.kind is None]
    if added:
        lines.append(
            "Added columns (no downstream effect): "
            + ", ".join(f"`{c.column.name}`" for c in added)
        )
        lines.append("")
    for change, report in result.changes:
        lines.append(f"#### {_title(change, report)}: {_counts(report)}")
        if report["truncated"]:
            lines.append("> partial answer: a traversal budget was hit")
        lines.append("")
        if report["affected"]:
            lines.append("| severity | kind | node | hops | path |")
            lines.append("|---|---|---|---|---|")
            for node in report["affected"]:
                certain = "" if node["certain"] else " (uncertain)"
                path = " → ".join(f"`{p}`" for p in node["path"])
                lines.append(
                    f"| {node['severity']}{certain} | {node['kind']} | `{node['id']}` | {node['distance']} | {path} |"
                )
            lines.append("")
        lines.extend(f"- {line.strip()}" for line in _notify_lines(report, ""))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_json(result: CheckResult) -> str:
    return json.dumps(
        {
            "target": result.target,
            "breaking": result.breaking,
            "schemaChanges": [
                {
                    "change": c.kind.value if c.kind else "ADD",
                    "column": c.column.name,
                    "proposed": c.proposed.name if c.proposed else None,
                }
                for c in result.schema_changes
            ],
            "reports": [report for _, report in result.changes],
        },
        indent=2,
    )


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
