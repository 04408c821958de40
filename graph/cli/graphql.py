"""GraphQL for the commands that ask the graph (``check``, ``export``): against a running server's
/graphql, or in-process over the store the options name; either way one ``Execute`` function."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import click

from graph.check import CheckError, Execute
from graph.stores import Store


def server_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--server and --token: ask a running server's /graphql instead of opening a store."""
    command = click.option(
        "--token",
        envvar="LINEAGEMESH_TOKEN",
        help="Bearer token for --server (env LINEAGEMESH_TOKEN).",
    )(command)
    return click.option(
        "--server",
        metavar="URL",
        help="Ask a running lineagemesh server instead of opening a store.",
    )(command)


@contextlib.contextmanager
def graphql_executor(
    server: str | None, token: str | None, open_graph: Callable[[], Store]
) -> Iterator[Execute]:
    """Run GraphQL against a server's /graphql, or in-process on the store the options name."""
    if server:
        from graph.client import http_executor  # its errors are ClientErrors, which callers report

        yield http_executor(server, token)
        return
    from graph.api.schema import context, schema

    with open_graph() as store:

        def local(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            result = schema.execute_sync(
                query, variable_values=variables, context_value=context(store)
            )
            if result.errors:
                raise CheckError("; ".join(error.message for error in result.errors))
            assert result.data is not None, "a query that raised no error has data"
            return result.data

        yield local
