"""``lineagemesh check``: the pull-request check (``graph.check``), as a click command.

Reads whatever artifacts the pull request carries (any mix), classifies and places their changes,
runs one combined impact report and renders it. Exit codes: 0 the verdict is below ``--fail-on``,
1 it reaches it, 2 for every usage, input or store error (a data dir a server holds included:
ask that server with ``--server``). Only lineagemesh's own messages reach stderr.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from graph.check.changeset import ChangeSet, CheckError
from graph.check.formats import RENDERERS, rows_read
from graph.check.report import RANK, build_report
from graph.cli import one_shot
from graph.cli.graphql import graphql_executor, graphql_options
from graph.cli.paths import file_option
from graph.cli.store_location import StoreOpener
from graph.read.impact import ChangeKind

#: ``--fail-on`` → which of the report's judgements exits 1, from which rank: ``breaking`` and
#: ``warning`` the verdict (the changes' own classes and their impact), ``impact`` only what
#: breaks downstream today.
FAIL_LEVELS = {
    "breaking": ("verdict", 2),
    "warning": ("verdict", 1),
    "impact": ("impact", 2),
    "never": ("verdict", 3),
}

HELP = """Blast radius of a pull request's changes, for CI.

\b
Give the artifacts the pull request carries, in any mix (one combined report):
  --dbt-manifest target/manifest.json [--dbt-base prod/manifest.json] [--dbt-catalog ...]
  --sql migrations/0042.sql --sql-dialect postgres --namespace postgres://db:5432
  --contract contracts/orders.odcs.yaml
  --iceberg-metadata old.metadata.json new.metadata.json
or name one node: NODE_ID [--change drop|rename|type_change|semantic | --proposed-schema FILE].

\b
NODE_ID is a graph id, as GraphQL and `lineagemesh export` show them:
  dataset:NAMESPACE:NAME             dataset:postgres://db:5432:shop.public.orders
  datasetField:NAMESPACE:NAME:COLUMN datasetField:postgres://db:5432:shop.public.orders:amount
  job:NAMESPACE:NAME                 job:dbt:model.jaffle_shop.orders
An unknown id gets "did you mean" suggestions.

\b
Exit codes: 0 below --fail-on, 1 at or above it, 2 usage, input or store error.
The verdict is the worst of each change's own class (a dropped column, a deleted model, a field
made required, enum values removed: BREAKING) and what it breaks downstream.
"""


@click.command("check", help=HELP)
@click.argument("node_id", required=False)
@click.option(
    "--change",
    type=click.Choice([c.value.lower() for c in ChangeKind], case_sensitive=False),
    help="The change NODE_ID undergoes (default drop); not with --proposed-schema.",
)
@file_option(
    "--proposed-schema",
    help="A new schema for dataset NODE_ID (OpenLineage schema facet, Iceberg schema or contract).",
)
@file_option(
    "--dbt-manifest", help="The pull request's dbt manifest.json (dbt parse/compile output)."
)
@file_option(
    "--dbt-base",
    help="The manifest to compare with (default: the graph's current state of those models).",
)
@file_option(
    "--dbt-catalog", help="The pull request's catalog.json: the warehouse's columns and types."
)
@click.option(
    "--dbt-schema-map",
    "dbt_schema_map",
    multiple=True,
    metavar="FROM=TO",
    help="Read the manifests' schema FROM (or db.schema) as production's TO: a manifest parsed "
    "with a CI target, checked as production's (repeatable).",
)
@click.option(
    "--namespace",
    help="Dataset namespace of the warehouse, as given to `lineagemesh ingest dbt` (needed by --sql).",
)
@file_option("--sql", "sql_files", multiple=True, help="A DDL migration file (repeatable).")
@click.option(
    "--sql-dialect",
    help="SQL dialect of --sql: postgres, snowflake, bigquery, spark, trino, redshift, tsql, ... "
    "(default: generic SQL).",
)
@file_option(
    "--contract",
    "contract_files",
    multiple=True,
    help="The new version of a data contract (ODCS or datacontract.com; repeatable).",
)
@file_option(
    "--contract-base",
    "contract_bases",
    multiple=True,
    help="An older version to compare --contract with (default: the graph's current one).",
)
@file_option(
    "--iceberg-metadata",
    nargs=2,
    metavar="OLD NEW",
    help="Two Iceberg table metadata files; renames are recognised by field id.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="markdown always fits one PR comment; json is documented in docs/ci.md.",
)
@file_option("--output", help="Write the report here instead of stdout.")
@file_option(
    "--json-output",
    help="Also write the JSON report here (CI: the markdown to post, the JSON to keep).",
)
@file_option("--junit-output", help="Also write the JUnit XML report here (CI test tabs).")
@file_option(
    "--verdict-output",
    help="Also write the verdict here, one word (BREAKING, WARNING, INFO or NONE): what a CI "
    "step branches on, without the JSON report's every row.",
)
@click.option(
    "--fail-on",
    type=click.Choice(sorted(FAIL_LEVELS)),
    default="breaking",
    show_default=True,
    help="Exit 1 when the verdict reaches this level: breaking (a change breaking by the contract "
    "rules, or breaking something downstream), warning, impact (only something downstream "
    "breaking), never.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 2 when an artifact names a table or column the graph does not know (a typo, "
    "another namespace), instead of noting it.",
)
@click.option(
    "--depth", type=click.IntRange(0), help="Bound the walk to this many hops (default unbounded)."
)
@graphql_options
def check(
    node_id: str | None,
    change: str | None,
    proposed_schema: Path | None,
    dbt_manifest: Path | None,
    dbt_base: Path | None,
    dbt_catalog: Path | None,
    dbt_schema_map: tuple[str, ...],
    namespace: str | None,
    sql_files: tuple[Path, ...],
    sql_dialect: str | None,
    contract_files: tuple[Path, ...],
    contract_bases: tuple[Path, ...],
    iceberg_metadata: tuple[Path, Path] | None,
    output_format: str,
    output: Path | None,
    json_output: Path | None,
    junit_output: Path | None,
    verdict_output: Path | None,
    fail_on: str,
    strict: bool,
    depth: int | None,
    server: str | None,
    token: str | None,
    open_graph: StoreOpener,
) -> None:
    _usage(click.get_current_context().params)
    root = logging.getLogger()  # stderr carries the check's own messages and warnings only:
    root.setLevel(max(root.level, logging.WARNING))  # no HTTP client or store-loading lines
    try:
        with graphql_executor(server, token, open_graph) as execute:
            change_set = ChangeSet()
            if node_id is not None and proposed_schema is not None:
                from graph.check.node_input import proposed_schema_changes

                change_set.extend(proposed_schema_changes(execute, node_id, proposed_schema))
            elif node_id is not None:
                from graph.check.node_input import node_change

                change_set.extend(node_change(execute, node_id, (change or "drop").upper()))
            if dbt_manifest is not None:
                from graph.check.dbt_input import dbt_changes
                from graph.check.dbt_target import parse_schema_map

                mapping = parse_schema_map(dbt_schema_map)
                change_set.extend(
                    dbt_changes(execute, dbt_manifest, dbt_base, dbt_catalog, namespace, mapping)
                )
            if sql_files:
                from graph.check.sql_input import sql_changes

                assert namespace is not None, "checked by _usage"
                change_set.extend(sql_changes(execute, sql_files, sql_dialect, namespace))
            if contract_files:
                from graph.check.contract_input import contract_changes

                change_set.extend(contract_changes(execute, contract_files, contract_bases))
            if iceberg_metadata:
                from graph.check.iceberg_input import iceberg_changes

                change_set.extend(iceberg_changes(execute, *iceberg_metadata))
            if strict and change_set.unknown:
                more = len(change_set.unknown) - 1
                raise CheckError(
                    change_set.unknown[0] + (f" (and {more} more)" if more else "") + " [--strict]"
                )
            formats = [
                output_format,
                *(["json"] if json_output else []),
                *(["junit"] if junit_output else []),
            ]
            report = build_report(execute, change_set, depth, rows_read(formats))
            # rendered with the store open: the report reads rows from its answers as shown
            text = RENDERERS[output_format](report)
            if json_output is not None:
                _write(json_output, RENDERERS["json"](report))
            if junit_output is not None:
                _write(junit_output, RENDERERS["junit"](report))
            if verdict_output is not None:
                _write(verdict_output, report.verdict)
    except CheckError as e:
        click.echo(f"Error: {e}", err=True)
        one_shot.exit(2)
    if output is None:
        click.echo(text)
    else:
        _write(output, text)
    judged, level = FAIL_LEVELS[fail_on]
    one_shot.exit(1 if RANK.get(getattr(report, judged), 0) >= level else 0)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as e:
        click.echo(f"Error: {path}: cannot write: {e.strerror or e}", err=True)
        sys.exit(2)


def _usage(given: dict[str, Any]) -> None:
    """The usage errors of a set of options (``given``: the command's parameters by name)."""
    node_id, change, proposed_schema = given["node_id"], given["change"], given["proposed_schema"]
    dbt_manifest, sql_files = given["dbt_manifest"], given["sql_files"]
    contract_files, sql_dialect = given["contract_files"], given["sql_dialect"]
    if change and proposed_schema:
        raise click.UsageError("give --change or --proposed-schema, not both")
    if (change or proposed_schema) and node_id is None:
        raise click.UsageError("--change and --proposed-schema need a NODE_ID")
    if not (node_id or dbt_manifest or sql_files or contract_files or given["iceberg_metadata"]):
        raise click.UsageError(
            "nothing to check: give a NODE_ID, --dbt-manifest, --sql, --contract or --iceberg-metadata"
        )
    if (given["dbt_base"] or given["dbt_catalog"] or given["dbt_schema_map"]) and not dbt_manifest:
        raise click.UsageError(
            "--dbt-base, --dbt-catalog and --dbt-schema-map go with --dbt-manifest"
        )
    if given["contract_bases"] and not contract_files:
        raise click.UsageError("--contract-base goes with --contract")
    if sql_files and not given["namespace"]:
        raise click.UsageError(
            "--sql needs --namespace: the dataset namespace of the database the migration runs on"
        )
    if sql_dialect is not None:
        from graph.check.sql_input import check_dialect

        try:
            check_dialect(sql_dialect)
        except CheckError as e:
            raise click.UsageError(str(e)) from None
