"""The lineagemesh MCP server: its tools, resources and prompt, built on the official ``mcp`` SDK
(``MCPServer``), over whichever :class:`Backend` answers GraphQL.

Two backends: a data dir or ``--server URL`` for ``lineagemesh mcp`` over stdio
(``graph.cli.mcp``), and the running server's own GraphQL, admission and budgets for ``/mcp`` on
``lineagemesh serve`` (``graph.mcp.http``). The tools are the same either way, and each is a thin
call (``graph.mcp.tools``) into the GraphQL queries the API and the CLI answer with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Protocol, TypeVar

import orjson
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from graph.check.changeset import Execute
from graph.core.errors import QueryError
from graph.mcp import change_check, tools
from graph.mcp.answers import DEFAULT_BUDGET, MAX_BUDGET, MIN_BUDGET
from graph.mcp.texts import BLAST_RADIUS, INSTRUCTIONS, graphql_schema, naming_rules

T = TypeVar("T")


class Backend(Protocol):
    """Runs a tool's reads, ``work(execute)``, off the event loop, within whatever admission the
    transport has; its GraphQL failures arrive as QueryError."""

    async def run(self, work: Callable[[Execute], T]) -> T: ...


#: What an agent reads to learn the model: uri, name, description and how to read it.
RESOURCES: tuple[tuple[str, str, str, Callable[[], str]], ...] = (
    (
        "lineagemesh://schema.graphql",
        "graphql-schema",
        "The GraphQL schema (SDL) every tool answers from: types, fields, what they mean.",
        graphql_schema,
    ),
    (
        "lineagemesh://naming",
        "naming-rules",
        "How datasets are named (namespace and name from a location) and how node ids are made.",
        naming_rules,
    ),
)

Node = Annotated[
    str,
    Field(
        description="A graph id as the tools and GraphQL give it (dataset:NAMESPACE:NAME, "
        "datasetField:NAMESPACE:NAME:COLUMN, job:NAMESPACE:NAME, dataProduct:DOMAIN:NAME), or a "
        "name that search resolves to exactly one node (e.g. public.customers)."
    ),
]
Direction = Annotated[str, Field(description="upstream, downstream or both (any case).")]
Depth = Annotated[
    int | None,
    Field(
        description="Dataset hops to walk (a dataset to the next through a job is one); null: the default.",
        ge=0,
    ),
]
Change = Annotated[
    str,
    Field(
        description="The change: drop, rename, type_change or semantic (any case), as `lineagemesh check --change` takes them."
    ),
]
Budget = Annotated[
    int,
    Field(
        description=f"How many tokens the answer may take ({MIN_BUDGET}–{MAX_BUDGET}); the summary "
        "always comes first, then as many items as fit.",
        ge=MIN_BUDGET,
        le=MAX_BUDGET,
    ),
]
Cursor = Annotated[
    str | None,
    Field(
        description="The `cursor` of an earlier, truncated answer to the same call: the next items."
    ),
]


def build_server(backend: Backend) -> MCPServer:
    """The MCP server whose tools read through ``backend``."""
    server: MCPServer = MCPServer(name="lineagemesh", instructions=INSTRUCTIONS)

    async def answer(work: Callable[[Execute], dict[str, Any]]) -> dict[str, Any]:
        try:
            return await backend.run(work)
        except QueryError as e:
            raise ToolError(str(e)) from None

    @server.tool()
    async def search(
        text: Annotated[
            str, Field(description="Part of a name, case-insensitive, e.g. customers or email.")
        ],
        kinds: Annotated[
            list[str] | None,
            Field(
                description="Only these kinds: dataset, column, job, data_product, domain, owner."
            ),
        ] = None,
        namespace: Annotated[str | None, Field(description="Only in this namespace.")] = None,
        domain: Annotated[str | None, Field(description="Only in this domain.")] = None,
        owner: Annotated[str | None, Field(description="Only what this owner owns.")] = None,
        tag: Annotated[str | None, Field(description="Only with this tag.")] = None,
        budget: Budget = DEFAULT_BUDGET,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        """Find datasets, columns, jobs, data products, domains and owners by name. Use it first
        when you know a name but not its id; every other tool takes the ids it returns as `node`.
        Exact matches come first, then prefix and word matches. Example: search(text="customers",
        kinds=["dataset"]) -> hits with ids like "dataset:food_delivery:public.customers"."""
        return await answer(
            lambda execute: tools.search(
                execute, text, kinds, namespace, domain, owner, tag, budget, cursor
            )
        )

    @server.tool()
    async def describe(
        node: Node, budget: Budget = DEFAULT_BUDGET, cursor: Cursor = None
    ) -> dict[str, Any]:
        """A node's facts: for a dataset its description, owners, domain, data products (with
        their contracts and freshness), health with reasons, the jobs writing and reading it with
        their latest runs, then its columns (schema) paged; for a column its type, PII and its
        dataset's facts; for a job its SQL, inputs, outputs and latest runs. Use it to understand
        one node before asking about its neighbours. Example: describe(node="public.customers")."""
        return await answer(lambda execute: tools.describe(execute, node, budget, cursor))

    @server.tool()
    async def lineage(
        node: Node,
        direction: Direction = "both",
        depth: Depth = None,
        level: Annotated[
            str,
            Field(
                description="dataset (datasets and jobs) or column (column lineage of a datasetField id)."
            ),
        ] = "dataset",
        budget: Budget = DEFAULT_BUDGET,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        """What a node reads from (upstream) and feeds (downstream): the datasets and jobs around
        a dataset or job, or the columns around a column. The answer starts with counts by kind,
        domain and namespace, then the nodes nearest first (hops from the start, the node each was
        reached from, its owners). A hub's lineage is large: start with depth=1 or one direction,
        and follow `cursor` for more. Example: lineage(node="dataset:food_delivery:public.customers",
        direction="downstream", depth=2)."""
        return await answer(
            lambda execute: tools.lineage(execute, node, direction, depth, level, budget, cursor)
        )

    @server.tool()
    async def impact(
        node: Node,
        change: Change = "drop",
        depth: Depth = None,
        budget: Budget = DEFAULT_BUDGET,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        """What breaks, and whom to tell, if a dataset or column changes: counts by severity
        (BREAKING, WARNING, INFO), kind and namespace, the owners, domains, products, consumers
        and contracts reached, then the affected nodes worst and nearest first with the path that
        explains each. Use it before a change you are planning; for a migration or a dbt manifest
        use check_change. Example: impact(node="datasetField:food_delivery:public.customers:email",
        change="drop")."""
        return await answer(
            lambda execute: tools.impact(execute, node, change, depth, budget, cursor)
        )

    @server.tool()
    async def check_change(
        sql: Annotated[
            str | None,
            Field(
                description="A DDL migration, e.g. ALTER TABLE public.customers DROP COLUMN email;"
            ),
        ] = None,
        namespace: Annotated[
            str | None,
            Field(
                description="The dataset namespace of the database the SQL runs on, e.g. food_delivery (required with sql)."
            ),
        ] = None,
        dialect: Annotated[
            str | None,
            Field(
                description="SQL dialect: postgres, snowflake, bigquery, spark, ... (default generic)."
            ),
        ] = None,
        dbt_manifest: Annotated[
            str | dict[str, Any] | None,
            Field(description="A dbt manifest.json (the pull request's), as text or as an object."),
        ] = None,
        dbt_base: Annotated[
            str | dict[str, Any] | None,
            Field(
                description="The manifest.json to compare it with (default: the graph's models)."
            ),
        ] = None,
        depth: Depth = None,
        budget: Budget = DEFAULT_BUDGET,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        """The pull-request check (`lineagemesh check`) on a SQL migration or a dbt manifest given
        as text: its verdict (BREAKING, WARNING, INFO or NONE, with the exit code the CI step
        would have), the classified changes, the owners to tell, then the affected nodes. Example:
        check_change(sql="ALTER TABLE public.customers DROP COLUMN email;",
        namespace="food_delivery", dialect="postgres")."""
        return await answer(
            lambda execute: change_check.check_change(
                execute,
                change_check.Artifacts(
                    sql, dialect, namespace, _text(dbt_manifest), _text(dbt_base)
                ),
                depth,
                budget,
                cursor,
            )
        )

    @server.tool()
    async def owners_and_consumers(node: Node, budget: Budget = DEFAULT_BUDGET) -> dict[str, Any]:
        """Who owns a dataset and who uses it: declared owners (its own, its domain's, its
        products'), declared product consumers, consumers only observed, and the jobs seen
        reading and writing it with their owners. A column answers for its dataset, a job for
        the datasets it writes. Example: owners_and_consumers(node="public.customers")."""
        return await answer(lambda execute: tools.owners_and_consumers(execute, node, budget))

    @server.tool()
    async def schema_history(node: Node, budget: Budget = DEFAULT_BUDGET) -> dict[str, Any]:
        """A dataset's schema versions, newest first: each version's fields and the changes from
        the one before with their severity (a dropped or retyped column is BREAKING). Use it to
        learn when and how a schema changed. Example: schema_history(node="public.customers")."""
        return await answer(lambda execute: tools.schema_history(execute, node, budget, None))

    @server.tool()
    async def product(node: Node, budget: Budget = DEFAULT_BUDGET) -> dict[str, Any]:
        """A data product: its output ports (datasets), contracts, owners, consumers, health and
        freshness, and the products upstream of it and the domains downstream. Example:
        product(node="dataProduct:orders:orders") or search(text="orders",
        kinds=["data_product"]) first."""
        return await answer(lambda execute: tools.product(execute, node, budget))

    for uri, name, description, read in RESOURCES:
        server.resource(uri, name=name, mime_type="text/plain", description=description)(read)

    @server.prompt(
        name="blast_radius",
        description="Assess the blast radius of a migration: what breaks, whom to tell, what to do.",
    )
    def blast_radius(
        migration: Annotated[str, Field(description="The SQL migration to assess.")],
        namespace: Annotated[str, Field(description="The dataset namespace of its database.")],
    ) -> str:
        return BLAST_RADIUS.format(migration=migration, namespace=namespace)

    return server


def _text(document: str | dict[str, Any] | None) -> str | None:
    """A JSON document as text: clients send a manifest as a string, which the SDK may already
    have parsed into an object, or as the object itself."""
    return orjson.dumps(document).decode() if isinstance(document, dict) else document
