"""``lineagemesh mcp``: the MCP server (``graph.mcp``) over stdio, for desktop agents and IDEs.

It reads a data dir or store in-process (as ``check`` does), or asks a running server's
``/graphql`` with ``--server`` and ``--token``; stdout carries the protocol, log lines go to
stderr. A store that cannot be opened (a data dir a server holds included) is an error, exit 2.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
import click

from graph.check import CheckError, Execute
from graph.cli import one_shot
from graph.cli.graphql import graphql_executor, graphql_options
from graph.cli.store_location import StoreOpener

T = TypeVar("T")


class LocalBackend:
    """Tool calls one at a time in a worker thread, on one ``Execute``."""

    def __init__(self, execute: Execute) -> None:
        self.execute = execute
        self.limiter = anyio.CapacityLimiter(1)

    async def run(self, work: Callable[[Execute], T]) -> T:
        return await anyio.to_thread.run_sync(work, self.execute, limiter=self.limiter)


@click.command("mcp")
@graphql_options
def mcp(server: str | None, token: str | None, open_graph: StoreOpener) -> None:
    """Serve the graph to an MCP client (an AI agent) over stdio: tools search, describe,
    lineage, impact, check_change, owners_and_consumers, schema_history and product (docs/mcp.md).

    \b
    lineagemesh mcp --data-dir ./data                  # read a data dir no server holds
    lineagemesh mcp --server http://127.0.0.1:5000 --token $LINEAGEMESH_TOKEN
    """
    from graph.mcp.server import build_server

    root = logging.getLogger()  # stdout is the protocol's: only warnings, on stderr
    root.setLevel(max(root.level, logging.WARNING))
    try:
        with graphql_executor(server, token, open_graph) as execute:
            anyio.run(build_server(LocalBackend(execute)).run_stdio_async)
    except CheckError as e:
        click.echo(f"Error: {e}", err=True)
        one_shot.exit(2)
    one_shot.exit(0)
