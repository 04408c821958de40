"""``lineagemesh check``: the blast radius of a proposed change, for CI (exit 0 nothing breaks,
1 something BREAKING is hit, 2 usage or input errors)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from graph.check import NODE_QUERY, RENDERERS, CheckError, check_node, check_schema
from graph.cli.graphql import graphql_executor, server_options
from graph.cli.options import store_flags
from graph.impact import ChangeKind
from graph.stores import Store, StoreUnavailable
from ingest.proposed_schema import InvalidProposedSchema, read_proposed_schema


@click.command()
@click.argument("node_id")
@click.option(
    "--change",
    type=click.Choice([c.value.lower() for c in ChangeKind], case_sensitive=False),
    help="The change to check (default drop); not with --proposed-schema.",
)
@click.option(
    "--proposed-schema",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A new schema for the dataset (OpenLineage schema facet, Iceberg schema JSON or contract): "
    "dropped, renamed and retyped columns are found by diffing it against the current one.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
)
@click.option(
    "--depth", type=click.IntRange(0), help="Bound the walk to this many hops (default unbounded)."
)
@server_options
@store_flags
def check(
    open_graph: Callable[[], Store],
    node_id: str,
    change: str | None,
    proposed_schema: Path | None,
    output_format: str,
    depth: int | None,
    server: str | None,
    token: str | None,
) -> None:
    """Blast radius of a proposed change, for CI: exit 0 when nothing breaks, 1 when something
    BREAKING is hit, 2 on usage or input errors."""
    if change and proposed_schema:
        raise click.UsageError("give --change or --proposed-schema, not both")
    try:
        with graphql_executor(server, token, open_graph) as execute:
            if proposed_schema is not None:
                node = execute(NODE_QUERY, {"id": node_id})["node"]
                if node is None:
                    raise CheckError(f"no node with id {node_id!r}")
                proposed = read_proposed_schema(proposed_schema, node.get("name") or "")
                result = check_schema(execute, node_id, proposed, depth)
            else:
                result = check_node(execute, node_id, ChangeKind((change or "drop").upper()), depth)
    except (CheckError, InvalidProposedSchema, StoreUnavailable) as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    click.echo(RENDERERS[output_format](result))
    sys.exit(1 if result.breaking else 0)
