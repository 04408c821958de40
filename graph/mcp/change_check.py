"""The ``check_change`` tool: ``lineagemesh check`` on a migration or dbt manifest given as text.

The text is written to a private temporary directory and read by the check's own inputs
(``graph.check.sql_input``, ``graph.check.dbt_input``) and report (``graph.check.report``), so the
verdict is the PR check's, exit code included; the answer is its JSON report
(``graph.check.formats.as_json``) sized to the budget.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.check import ChangeSet, CheckError, build_report
from graph.check.changeset import Execute
from graph.core.errors import QueryError
from graph.mcp.answers import counts, fit

EXIT_CODES = {"BREAKING": 1, "WARNING": 0, "INFO": 0, "NONE": 0}  # as `check --fail-on breaking`


@dataclass(frozen=True)
class Artifacts:
    """What the pull request carries, as text: a DDL migration on the database whose dataset
    namespace is ``namespace``, and/or a dbt manifest (and the one it is compared with)."""

    sql: str | None = None
    dialect: str | None = None
    namespace: str | None = None
    dbt_manifest: str | None = None
    dbt_base: str | None = None


def check_change(
    execute: Execute, given: Artifacts, depth: int | None, budget: int, cursor: str | None
) -> dict[str, Any]:
    """The PR check's verdict and report for the ``given`` artifacts, its affected nodes paged
    within ``budget`` from ``cursor``."""
    if not (given.sql or given.dbt_manifest):
        raise QueryError("nothing to check: give sql (with namespace) or dbt_manifest")
    if given.sql and not given.namespace:
        raise QueryError(
            "sql needs namespace: the dataset namespace of the database the migration runs on "
            "(search for a table of it to see its namespace)"
        )
    if given.dbt_base and not given.dbt_manifest:
        raise QueryError("dbt_base goes with dbt_manifest")
    if depth is not None and depth < 0:
        raise QueryError(f"depth must be 0 or more, not {depth}")
    with tempfile.TemporaryDirectory(prefix="lineagemesh-mcp-") as held:
        folder = Path(held)
        try:
            report = _report(execute, folder, given, depth)
        except CheckError as e:
            raise QueryError(str(e).replace(f"{folder}/", "")) from None
        for change in report["changes"]:  # named as the tool's arguments, not the private copies
            change["source"] = str(change["source"]).replace(f"{folder}/", "")
    head = {
        "verdict": report["verdict"],
        "exit_code": EXIT_CODES.get(report["verdict"], 0),
        "walk_truncated": report["truncated"],
        "counts": report["counts"],
        "changes": report["changes"],
        "notes": report["notes"],
        "owners_to_tell": [o["name"] for o in report["owners"]],
        "domains": [d["name"] for d in report["domains"]],
        "products": [p["id"] for p in report["products"]],
        "affected_by_kind": counts(a.get("kind") for a in report["affected"]),
    }
    return fit(
        head,
        "affected",
        report["affected"],
        budget,
        cursor,
        "check one statement at a time, or give depth",
    )


def _report(execute: Execute, folder: Path, given: Artifacts, depth: int | None) -> dict[str, Any]:
    from graph.check.formats import as_json

    change_set = ChangeSet()
    if given.sql:
        from graph.check.sql_input import check_dialect, sql_changes

        if given.dialect is not None:
            check_dialect(given.dialect)
        migration = folder / "migration.sql"
        migration.write_text(given.sql, encoding="utf-8")
        assert given.namespace is not None, "checked by check_change"
        change_set.extend(sql_changes(execute, (migration,), given.dialect, given.namespace))
    if given.dbt_manifest:
        from graph.check.dbt_input import dbt_changes

        manifest = folder / "manifest.json"
        manifest.write_text(given.dbt_manifest, encoding="utf-8")
        base = None
        if given.dbt_base:
            base = folder / "base_manifest.json"
            base.write_text(given.dbt_base, encoding="utf-8")
        change_set.extend(dbt_changes(execute, manifest, base, None, given.namespace))
    return as_json(build_report(execute, change_set, depth))
