"""The ``lineagemesh`` command line: serve the graph, ingest sources, export the schema.

``main`` is the group the console script runs; each command lives in the module named after it
(``serve``, ``ingest``, ``reindex``, ``check``, ``diff``, ``export``, ``journal``, ``schema``) and the options
they share in ``options``. Every command that reads or writes the graph takes the same store
options as ``serve``. Errors are printed as one clear line and give a non-zero exit code.
"""

from __future__ import annotations

import logging

import click

from graph.cli.check import check
from graph.cli.diff import diff
from graph.cli.export import export
from graph.cli.ingest import ingest
from graph.cli.journal import journal
from graph.cli.reindex import reindex
from graph.cli.schema import export_schema
from graph.cli.serve import serve
from graph.extras import MissingExtra
from graph.heap import tune_gc

__all__ = ["main"]


class _Commands(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        """A command that needs an extra not installed: one line naming it, exit 2 (a usage error)."""
        try:
            return super().invoke(ctx)
        except MissingExtra as e:
            click.echo(f"lineagemesh: {e}", err=True)
            ctx.exit(2)


@click.group(cls=_Commands)
@click.option(
    "--log-level",
    default="info",
    type=click.Choice(["debug", "info", "warning", "error"]),
    show_default=True,
)
def main(log_level: str) -> None:
    """lineagemesh: a lineage-centric metadata graph for data mesh platforms."""
    tune_gc()
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


for _command in (serve, ingest, reindex, check, diff, export, journal, export_schema):
    main.add_command(_command)
