"""GraphQL for the commands that ask the graph (``check``, ``diff``, ``export``): against a running
server's /graphql, or in-process over the store the options name; either way one ``Execute``
function, whose every failure (the server's, the store's, the query's) is a ``CheckError``."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from graph.check import CheckError, Execute
from graph.cli.one_shot import hold_until_exit
from graph.cli.store_location import StoreOpener, graph_flags

if TYPE_CHECKING:
    from graph.check.store_reads import GraphQLResult, InProcessGraphQL
    from graph.stores import Store


def server_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--server URL`` and ``--token``: a running server to ask or send to, with a bearer token."""
    server = click.option(
        "--server",
        metavar="URL",
        help="Ask (or send to) a running lineagemesh server instead of opening a store.",
    )
    token = click.option(
        "--token",
        envvar="LINEAGEMESH_TOKEN",
        help="Bearer token for --server (env LINEAGEMESH_TOKEN).",
    )
    return server(token(command))


def graphql_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--server and --token (ask a running server's /graphql), or the store flags (open the store
    in-process); the command gets ``server``, ``token`` and ``open_graph``."""

    @server_flags
    @graph_flags
    @functools.wraps(command)
    def wrapper(*args: Any, server: str | None, open_graph: StoreOpener, **kwargs: Any) -> Any:
        if server and open_graph.named:
            raise click.UsageError("give --server, or --data-dir / --store, not both")
        return command(*args, server=server, open_graph=open_graph, **kwargs)

    return wrapper


@contextlib.contextmanager
def graphql_executor(
    server: str | None, token: str | None, open_graph: StoreOpener
) -> Iterator[Execute]:
    """Run GraphQL against a server's /graphql, or in-process on the store the options name."""
    if server:
        from graph.client import ClientError, http_executor

        remote = http_executor(server, token)

        def ask(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            try:
                return remote(query, variables)
            except ClientError as e:
                missing = _MISSING_FIELD.findall(str(e))
                if not missing:
                    raise CheckError(str(e)) from None
                older = _older_server_query(server, query, missing, str(e))
            try:
                return remote(older, variables)
            except ClientError as e:
                raise CheckError(str(e)) from None

        yield ask
        return
    from graph.check.store_reads import StoreExecute
    from graph.stores import StoreUnavailable
    from graph.stores.journal import JournalError, JournalInUse

    try:
        store = open_graph(reads_only=True)
    except JournalInUse as e:
        raise CheckError(
            f"{e}. A running server holds this data dir: ask it instead, with --server URL "
            "(e.g. --server http://localhost:8080)"
        ) from None
    except (JournalError, StoreUnavailable, OSError) as e:
        raise CheckError(f"cannot open the store: {e}") from None
    hold_until_exit(store)  # a one-shot command's process ends without freeing the graph
    with store:
        yield StoreExecute(store, in_process_graphql(store))


#: GraphQL's answer naming a field its schema lacks (quoted either way).
_MISSING_FIELD = re.compile(r"Cannot query field ['\"](\w+)['\"] on type ['\"](\w+)['\"]")
#: Fields newer than some servers still running, and what is lost asking such a server without
#: them: the question is then asked again without them, saying so on stderr.
NEWER_FIELDS = {
    ("Column", "required"): "what the graph's contracts state of required columns is not "
    "known (a field a contract makes required is uncertain, a warning, unless --contract-base)",
    ("ProductConsumer", "undeclared"): "consumers no contract declares are not told apart",
    ("ImpactReport", "ownersByDomain"): "the owners to notify are not grouped by domain",
}


def _older_server_query(server: str, query: str, missing: list[tuple[str, str]], error: str) -> str:
    """``query`` without the ``missing`` (field, type) pairs a server older than this command
    lacks (a scalar, or an object of scalars with its selection), each loss said on stderr; CheckError naming any other field it lacks (after
    the server's own ``error``, which callers may recognise)."""
    unknown = [f"{kind}.{name}" for name, kind in missing if (kind, name) not in NEWER_FIELDS]
    if unknown:
        raise CheckError(
            f"{error} ({server} has no {', '.join(unknown)} in its GraphQL schema: it runs an "
            "older lineagemesh than this command; upgrade it, or run this version on its store)"
        )
    for name, kind in missing:
        click.echo(
            f"warning: {server} has no {kind}.{name} (an older lineagemesh); asked without it: "
            f"{NEWER_FIELDS[(kind, name)]}",
            err=True,
        )
        query = re.sub(
            rf"(?<![\w$]){name}(\s*{{[^{{}}]*(?:{{[^{{}}]*}}[^{{}}]*)*}})?(?=[\s}}])", "", query
        )
    return query


def in_process_graphql(store: Store) -> InProcessGraphQL:
    """GraphQL run in this process on ``store``: the schema imported at the first question that
    needs it (~0.3 s), so a check answered by the in-process reads alone never pays for it."""

    def execute(query: str, variables: dict[str, Any]) -> GraphQLResult:
        from graph.serve.schema import context, schema

        return schema.execute_sync(query, variable_values=variables, context_value=context(store))

    return execute
