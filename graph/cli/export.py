"""``lineagemesh export``: the lineage of a node as GraphML, GEXF or node-link JSON."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from graph.check import CheckError
from graph.cli.graphql import graphql_executor, server_options
from graph.cli.options import store_flags
from graph.stores import Store, StoreUnavailable


@click.command()
@click.argument("node_id")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["graphml", "gexf", "json-graph"]),
    default="graphml",
    show_default=True,
)
@click.option(
    "--direction",
    type=click.Choice(["upstream", "downstream", "both"], case_sensitive=False),
    default="both",
    show_default=True,
)
@click.option(
    "--depth",
    type=click.IntRange(0),
    default=20,
    show_default=True,
    help="Dataset (or column) hops.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of stdout.",
)
@server_options
@store_flags
def export(
    open_graph: Callable[[], Store],
    node_id: str,
    output_format: str,
    direction: str,
    depth: int,
    output: Path | None,
    server: str | None,
    token: str | None,
) -> None:
    """Write the lineage of a dataset, job or column as GraphML or GEXF (yEd, Gephi) or node-link JSON."""
    from graph.client import Client, ClientError, write_graph

    try:
        with graphql_executor(server, token, open_graph) as execute:
            client = Client(execute=execute)
            if client.kind(node_id) is None:
                raise CheckError(f"no node with id {node_id!r}")
            graph = client.lineage(node_id, direction, depth).to_networkx()
    except (CheckError, ClientError, StoreUnavailable) as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    if output is None:
        write_graph(graph, output_format, sys.stdout.buffer)
        return
    with output.open("wb") as out:
        write_graph(graph, output_format, out)
