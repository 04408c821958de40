"""The ``lineagemesh`` command line: serve the graph, ingest sources, export the schema.

``main`` is the group the console script runs; each command lives in the module named after it
(``serve``, ``ingest``, ``reindex``, ``check``, ``diff``, ``export``, ``journal``, ``schema``, ``mcp``) and the options
they share in ``options``. Every command that reads or writes the graph takes the same store
options as ``serve``. Errors are printed as one clear line and give a non-zero exit code.
"""

from __future__ import annotations

import importlib
import logging

import click

from graph.core.extras import MissingExtra
from graph.core.heap import tune_gc

__all__ = ["main"]


#: Each command and where it lives, imported when it runs: ``check --server`` need not import the
#: server, the ingesters and the store it never opens (a third of a second of its start).
COMMANDS = {
    "serve": "graph.cli.serve:serve",
    "ingest": "graph.cli.ingest:ingest",
    "reindex": "graph.cli.reindex:reindex",
    "check": "graph.cli.check:check",
    "diff": "graph.cli.diff:diff",
    "export": "graph.cli.export:export",
    "journal": "graph.cli.journal:journal",
    "schema": "graph.cli.schema:export_schema",
    "mcp": "graph.cli.mcp:mcp",
}


class _LazyGroup(click.Group):
    """A group whose commands are imported by name when asked for (``COMMANDS``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, _, name = COMMANDS[cmd_name].partition(":")
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command) and command.name == cmd_name, COMMANDS[cmd_name]
        self.add_command(command)
        return command

    def invoke(self, ctx: click.Context) -> object:
        """A command that needs an extra not installed: one line naming it, exit 2 (a usage error)."""
        try:
            return super().invoke(ctx)
        except MissingExtra as e:
            click.echo(f"lineagemesh: {e}", err=True)
            ctx.exit(2)


@click.group(cls=_LazyGroup)
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
