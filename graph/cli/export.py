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
    type=click.Choice(["graphml", "gexf", "json-graph", "datahub"]),
    default="graphml",
    show_default=True,
    help="datahub: a DataHub metadata file (MCPs, as its file sink writes) of the datasets and "
    "jobs, which `datahub ingest` and `lineagemesh ingest datahub` read.",
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
@click.option(
    "--platform-namespace",
    "mapping_items",
    multiple=True,
    metavar="PLATFORM[.INSTANCE]=NAMESPACE",
    help="With --format datahub: the DataHub platform (or platform instance) an OpenLineage "
    "namespace is written as, as `ingest datahub` reads it back; unmapped, the namespace's "
    "scheme names the platform.",
)
@graphql_options
def export(
    open_graph: StoreOpener,
    node_id: str,
    output_format: str,
    direction: str,
    depth: int,
    output: Path | None,
    mapping_items: tuple[str, ...],
    server: str | None,
    token: str | None,
) -> None:
    """Write the lineage of a dataset, job or column as GraphML or GEXF (yEd, Gephi), node-link JSON
    (``graph.export``: characters XML cannot hold are written as ``\\uXXXX``) or a DataHub
    metadata file (``graph.export_datahub``)."""
    from graph.cli.options import key_values
    from graph.export import NoSuchNode, lineage_answer, write_file
    from graph.export_datahub import datahub_records, write_datahub

    mapping = key_values(mapping_items, "--platform-namespace")
    try:
        with graphql_executor(server, token, open_graph) as execute:
            lineage = lineage_answer(execute, node_id, direction, depth)
    except (NoSuchNode, CheckError) as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    if output_format == "datahub":
        platforms = {namespace: platform for platform, namespace in mapping.items()}
        text = write_datahub(datahub_records(lineage, platforms), output)
        if text is not None:
            click.echo(text, nl=False)
    else:
        write_file(lineage.to_networkx(), output_format, output)
    one_shot.exit(0)
