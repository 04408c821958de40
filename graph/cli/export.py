"""``lineagemesh export``: the lineage of a node as GraphML, GEXF or node-link JSON."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from graph.check import CheckError
from graph.cli import one_shot
from graph.cli.graphql import graphql_executor, graphql_options
from graph.cli.store_location import StoreOpener
from graph.read.walk_defaults import DEFAULT_DEPTH


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
    default=DEFAULT_DEPTH,
    show_default=True,
    help="Dataset (or column) hops.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of stdout.",
)
@graphql_options
def export(
    open_graph: StoreOpener,
    node_id: str,
    output_format: str,
    direction: str,
    depth: int,
    output: Path | None,
    server: str | None,
    token: str | None,
) -> None:
    """Write the lineage of a dataset, job or column as GraphML or GEXF (yEd, Gephi) or node-link JSON
    (``graph.export``: characters XML cannot hold are written as ``\\uXXXX``)."""
    from graph.export import NoSuchNode, lineage_graph, write_file

    try:
        with graphql_executor(server, token, open_graph) as execute:
            graph = lineage_graph(execute, node_id, direction, depth)
    except (NoSuchNode, CheckError) as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    write_file(graph, output_format, output)
    one_shot.exit(0)
