"""``lineagemesh schema``: print the GraphQL schema (SDL)."""

from __future__ import annotations

import click


@click.command("schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL); schema.graphql in the repository is this output."""
    from graph.serve.schema import schema

    click.echo(schema.as_str())
