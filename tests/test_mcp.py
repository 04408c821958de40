"""The MCP server (``graph.mcp``) as agents reach it: the ``mcp`` SDK's own client over stdio
(``lineagemesh mcp`` on a data dir, and on ``--server``) and over streamable HTTP (``/mcp`` on
``lineagemesh serve``), against the food_delivery demo and the 10k bench mesh."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from command_line import REPO, breaking_report, ingested_bench_mesh, lineagemesh_ok
from live_server import LiveServer
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import TextResourceContents

READER = "reader-token-0123456789abcdef"
ADMIN = "admin-token-0123456789abcdef"
TOKENS = {
    "tokens": [
        {"principal": "grafana", "token": READER, "roles": ["reader"]},
        {"principal": "ops", "token": ADMIN, "roles": ["admin"]},
    ]
}
TOOLS = {
    "search",
    "describe",
    "lineage",
    "impact",
    "check_change",
    "owners_and_consumers",
    "schema_history",
    "product",
}
CUSTOMERS = "dataset:food_delivery:public.customers"
EMAIL = "datasetField:food_delivery:public.customers:email"
DROP_EMAIL = "ALTER TABLE public.customers DROP COLUMN email;"

Session = Callable[[Callable[[ClientSession], Awaitable[Any]]], Any]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the demo (``serve --demo`` once, then stopped)."""
    root = tmp_path_factory.mktemp("demo")
    server = LiveServer(["--data-dir", str(root / "data")], root / "server.log")
    server.start(["--demo"])
    server.stop()
    return root / "data"


@pytest.fixture(scope="module")
def server(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo served with tokens: a reader and an admin."""
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(demo_dir, root / "data")
    live = LiveServer(
        ["--data-dir", str(root / "data")],
        root / "server.log",
        env={"LINEAGEMESH_TOKENS": json.dumps(TOKENS)},
        token=READER,
    )
    live.start()
    yield live
    live.stop()


@asynccontextmanager
async def stdio(*args: str) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "graph", "mcp", *args], cwd=str(REPO)
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


@asynccontextmanager
async def http(url: str, token: str) -> AsyncIterator[ClientSession]:
    client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=120)
    async with (
        client,
        streamable_http_client(url + "/mcp", http_client=client) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def run(opened: Callable[[], Any], work: Callable[[ClientSession], Awaitable[Any]]) -> Any:
    """``work(session)`` on a session of ``opened()``, to its end."""

    async def main() -> Any:
        async with opened() as session:
            return await work(session)

    return anyio.run(main)


async def call(session: ClientSession, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def error_of(session: ClientSession, tool: str, **arguments: Any) -> str:
    result = await session.call_tool(tool, arguments)
    assert result.is_error
    return " ".join(getattr(block, "text", "") for block in result.content)


def graphql(server: Any, query: str, **variables: Any) -> dict[str, Any]:
    return server.graphql(query, **variables)


LINEAGE_IDS = "query($id: String!, $d: LineageDirection) { lineage(nodeId: $id, direction: $d, depth: 3) { nodes { id } } }"
COLUMN_IDS = "query($id: String!) { columnLineage(nodeId: $id) { nodes { id } } }"
IMPACT_IDS = "query($id: String!) { impact(nodeId: $id, change: DROP) { affected { id severity } owners { name } } }"


def test_tools_are_listed_with_descriptions_and_schemas_over_stdio_and_http(
    demo_dir: Path, server: Any
) -> None:
    async def listing(session: ClientSession) -> tuple[Any, Any, Any, Any]:
        tools = (await session.list_tools()).tools
        resources = (await session.list_resources()).resources
        prompts = (await session.list_prompts()).prompts
        sdl = await session.read_resource("lineagemesh://schema.graphql")
        return tools, resources, prompts, sdl

    for opened in (lambda: stdio("--data-dir", str(demo_dir)), lambda: http(server.url, READER)):
        tools, resources, prompts, sdl = run(opened, listing)
        assert {t.name for t in tools} == TOOLS
        for tool in tools:
            assert tool.description and "Example:" in tool.description, tool.name
            assert tool.input_schema["type"] == "object"
            assert "budget" in tool.input_schema["properties"], tool.name
        by_name = {t.name: t for t in tools}
        for name in ("lineage", "impact", "describe", "owners_and_consumers"):
            assert "node" in by_name[name].input_schema["required"], name
        assert {"direction", "depth"} <= set(by_name["lineage"].input_schema["properties"])
        assert {"change", "depth"} <= set(by_name["impact"].input_schema["properties"])
        assert {str(r.uri) for r in resources} == {
            "lineagemesh://schema.graphql",
            "lineagemesh://naming",
        }
        assert "type Query" in sdl.contents[0].text
        assert [p.name for p in prompts] == ["blast_radius"]


def test_lineage_and_impact_answer_the_same_nodes_as_graphql(demo_dir: Path, server: Any) -> None:
    expected_lineage = {
        way: {
            n["id"] for n in graphql(server, LINEAGE_IDS, id=CUSTOMERS, d=way)["lineage"]["nodes"]
        }
        for way in ("UPSTREAM", "DOWNSTREAM")
    }
    expected_lineage["COLUMN"] = {
        n["id"] for n in graphql(server, COLUMN_IDS, id=EMAIL)["columnLineage"]["nodes"]
    }
    expected_impact = graphql(server, IMPACT_IDS, id=EMAIL)["impact"]
    assert expected_lineage["DOWNSTREAM"] - {CUSTOMERS} and expected_impact["affected"]
    assert len(expected_lineage["COLUMN"]) > 1

    async def ask(session: ClientSession) -> tuple[dict[str, set[str]], dict[str, Any]]:
        walks = {}
        for way in ("upstream", "DownStream"):  # any case
            answer = await call(
                session, "lineage", node=CUSTOMERS, direction=way, depth=3, budget=20_000
            )
            assert not answer["truncated"]
            walks[way.upper()] = {item["id"] for item in answer["items"]}
        columns = await call(session, "lineage", node=EMAIL, level="column", budget=20_000)
        walks["COLUMN"] = {item["id"] for item in columns["items"]}
        # a name search resolves to one node as well as its id
        named = await call(session, "impact", node="public.customers", change="drop", budget=20_000)
        assert named["node"]["id"] == CUSTOMERS
        return walks, await call(session, "impact", node=EMAIL, change="DROP", budget=20_000)

    for opened in (
        lambda: stdio("--data-dir", str(demo_dir)),
        lambda: stdio("--server", server.url, "--token", READER),
        lambda: http(server.url, READER),
    ):
        walks, impact = run(opened, ask)
        assert walks == expected_lineage
        assert {(a["id"], a["severity"]) for a in impact["items"]} == {
            (a["id"], a["severity"]) for a in expected_impact["affected"]
        }
        assert sorted(impact["owners_to_tell"]) == sorted(
            o["name"] for o in expected_impact["owners"]
        )
        assert sum(impact["by_severity"].values()) == impact["affected"] == len(impact["items"])


def test_check_change_dropping_customers_email_is_breaking_with_owners(
    demo_dir: Path, server: Any, tmp_path: Path
) -> None:
    migration = tmp_path / "drop_email.sql"
    migration.write_text(DROP_EMAIL)
    sql = ("--sql", str(migration), "--namespace", "food_delivery", "--sql-dialect", "postgres")
    expected = breaking_report(*sql, "--data-dir", str(demo_dir))
    assert expected["verdict"] == "BREAKING" and expected["owners"]

    async def check(session: ClientSession) -> tuple[dict[str, Any], str, str]:
        answer = await call(
            session,
            "check_change",
            sql=DROP_EMAIL,
            namespace="food_delivery",
            dialect="postgres",
            budget=20_000,
        )
        missing = await error_of(session, "check_change", sql=DROP_EMAIL)
        bad = await error_of(
            session,
            "check_change",
            sql="ALTER TABLE (",
            namespace="food_delivery",
            dialect="postgres",
        )
        return answer, missing, bad

    for opened in (lambda: stdio("--data-dir", str(demo_dir)), lambda: http(server.url, READER)):
        answer, missing, bad = run(opened, check)
        assert answer["verdict"] == "BREAKING" and answer["exit_code"] == 1
        assert sorted(answer["owners_to_tell"]) == sorted(o["name"] for o in expected["owners"])
        assert {a["id"] for a in answer["affected"]} == {a["id"] for a in expected["affected"]}
        assert [c["column"] for c in answer["changes"]] == ["email"]
        assert "namespace" in missing
        assert "migration.sql" in bad and "/tmp" not in bad


def test_without_a_token_mcp_is_refused_and_a_reader_reaches_no_more_than_over_graphql(
    server: Any,
) -> None:
    hello = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    for auth in ({}, {"Authorization": "Bearer not-a-known-token-at-all"}):
        refused = httpx.post(server.url + "/mcp", json=hello, headers={**headers, **auth})
        assert refused.status_code == 401 and "WWW-Authenticate" in refused.headers
        assert "tools" not in refused.text
        # as GraphQL refuses the same request
        assert (
            httpx.post(
                server.url + "/graphql", json={"query": "{ stats { kind } }"}, headers=auth
            ).status_code
            == 401
        )

    # a body over the server's --max-query-bytes (1 MiB by default) is refused before it is read
    reader = {**headers, "Authorization": f"Bearer {READER}", "Content-Type": "application/json"}
    huge = json.dumps({**hello, "params": {"padding": "x" * (1024 * 1024 + 1)}})
    too_large = httpx.post(server.url + "/mcp", content=huge, headers=reader)
    assert too_large.status_code == 413, too_large.text

    # admin-only over GraphQL (webhookFailures) is refused to the reader there ...
    denied = httpx.post(
        server.url + "/graphql",
        json={"query": "{ webhookFailures }"},
        headers={"Authorization": f"Bearer {READER}"},
    ).json()
    assert denied["errors"]

    async def as_reader(session: ClientSession) -> tuple[set[str], dict[str, Any]]:
        names = {t.name for t in (await session.list_tools()).tools}
        return names, await call(session, "describe", node=CUSTOMERS)

    async def as_admin(session: ClientSession) -> dict[str, Any]:
        return await call(session, "describe", node=CUSTOMERS)

    names, reader_view = run(lambda: http(server.url, READER), as_reader)
    # ... and no tool takes GraphQL, writes or reads what GraphQL would not show a reader:
    # the reader's answer is the admin's, and both are GraphQL's
    assert names == TOOLS
    assert reader_view == run(lambda: http(server.url, ADMIN), as_admin)
    owners = graphql(
        server,
        'query($n: String!) { dataset(namespace: "food_delivery", name: $n) { owners { name } } }',
        n="public.customers",
    )
    assert sorted(o["name"] for o in reader_view["dataset"]["owners"]) == sorted(
        o["name"] for o in owners["dataset"]["owners"]
    )


@pytest.fixture(scope="module")
def bench_mesh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The 10k bench mesh's data dir and its first hub."""
    return ingested_bench_mesh(tmp_path_factory.mktemp("mesh"), 10_000)


def test_a_hubs_lineage_on_the_10k_mesh_stays_within_its_budget_and_pages(
    bench_mesh: tuple[Path, str],
) -> None:
    data_dir, hub = bench_mesh
    budget = 2000

    async def walk(session: ClientSession) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        first = await call(session, "lineage", node=hub, direction="downstream", budget=budget)
        second = await call(
            session,
            "lineage",
            node=hub,
            direction="downstream",
            budget=budget,
            cursor=first["cursor"],
        )
        impact = await call(session, "impact", node=hub, budget=budget)
        return first, second, impact

    first, second, impact = run(lambda: stdio("--data-dir", str(data_dir)), walk)
    for answer in (first, second, impact):
        assert len(json.dumps(answer, separators=(",", ":"))) <= budget * 4  # ~4 characters a token
        assert answer["truncated"] and "cursor=" in answer["more"]
    assert first["nodes"] > 1000 and sum(first["by_kind"].values()) == first["nodes"]
    assert first["items"][0]["id"] == hub and first["items"][0]["hops"] == 0
    hops = [item["hops"] for item in first["items"]]
    assert hops == sorted(hops)  # nearest first
    assert first["shown"]["to"] == second["shown"]["from"]
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert impact["affected"] > 5000 and impact["by_severity"]["BREAKING"] > 0


def test_the_other_tools_and_their_refusals_on_the_demo_with_contracts(
    demo_dir: Path, tmp_path: Path
) -> None:
    from conftest import corpus

    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    for source in corpus("data-contracts").rglob("*.yaml"):
        (contracts / source.name).write_text(source.read_text())
    lineagemesh_ok("ingest", "contracts", str(contracts), "--data-dir", str(data))

    async def ask(session: ClientSession) -> dict[str, Any]:
        found = await call(session, "search", text="Orders Latest", kinds=["DATA_PRODUCT"])
        product_id = found["hits"][0]["id"]
        return {
            "found": found,
            "product": await call(session, "product", node=product_id),
            "describe": await call(session, "describe", node="public.customers", budget=500),
            "owners": await call(session, "owners_and_consumers", node=EMAIL),
            "history": await call(session, "schema_history", node=CUSTOMERS),
            "naming": (await session.read_resource("lineagemesh://naming")).contents[0],
            "prompt": await session.get_prompt(
                "blast_radius", {"migration": DROP_EMAIL, "namespace": "food_delivery"}
            ),
            "refused": [
                await error_of(session, "lineage", node="dataset:nowhere:nothing"),
                await error_of(session, "lineage", node=CUSTOMERS, direction="sideways"),
                await error_of(session, "impact", node=EMAIL, change="explode"),
                await error_of(session, "impact", node=EMAIL, budget=10),
                await error_of(session, "impact", node=EMAIL, cursor="not-one"),
                await error_of(session, "describe", node="public"),
                await error_of(session, "product", node=CUSTOMERS),
            ],
        }

    got = run(lambda: stdio("--data-dir", str(data)), ask)
    assert got["found"]["by_kind"] == {"DATA_PRODUCT": got["found"]["total"]} == {"DATA_PRODUCT": 1}
    product = got["product"]
    assert product["product"]["name"] == "Orders Latest" and product["product"]["contracts"]
    assert product["ports"] == len(product["items"]) > 0
    described = got["describe"]
    assert described["dataset"]["owners"] == [{"name": "team-crm", "type": "team"}]
    assert described["columns"] == 8 and described["truncated"] and described["cursor"]
    owners = got["owners"]["items"][0]
    assert owners["dataset"] == CUSTOMERS and owners["declared_owners"][0]["name"] == "team-crm"
    assert "job:food_delivery:email_discounts" in {r["id"] for r in owners["observed_readers"]}
    history = got["history"]
    assert history["versions"] == 1 and "email" in {
        f["name"] for f in history["items"][0]["fields"]
    }
    naming = got["naming"]
    assert isinstance(naming, TextResourceContents)
    assert "dataset:NAMESPACE:NAME" in naming.text and "s3://b" in naming.text
    assert DROP_EMAIL in got["prompt"].messages[0].content.text
    unknown, direction, change, budget, cursor, ambiguous, not_product = got["refused"]
    assert "no node is named" in unknown and "search" in unknown
    assert "direction must be one of upstream, downstream, both" in direction
    assert "change must be one of drop, rename, type_change, semantic" in change
    assert "budget" in budget and "cursor" in cursor
    assert "pass one of these ids" in ambiguous and CUSTOMERS in ambiguous
    assert "give a data product" in not_product


def test_a_client_calling_in_a_loop_is_admitted_as_graphql_and_others_still_answered(
    bench_mesh: tuple[Path, str], tmp_path: Path
) -> None:
    """With one operation in flight per client (``--max-client-queries 1``), a reader's second
    concurrent call (a hub's impact: seconds of work) is refused at once with the admission's
    reason, while another principal is still answered."""
    data_dir, hub = bench_mesh
    live = LiveServer(
        ["--data-dir", str(data_dir)],
        tmp_path / "server.log",
        env={"LINEAGEMESH_TOKENS": json.dumps(TOKENS)},
    )
    live.start(["--max-client-queries", "1"])
    outcomes: list[Any] = []

    async def hub_impact(token: str) -> None:
        async with http(live.url, token) as session:
            outcomes.append((token, await session.call_tool("impact", {"node": hub})))

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for token in (READER, READER, READER, ADMIN):
                group.start_soon(hub_impact, token)

    try:
        anyio.run(main)
    finally:
        live.stop()
    readers = [result for token, result in outcomes if token == READER]
    refused = [r for r in readers if r.is_error]
    assert refused and len(refused) < len(readers)
    for result in refused:
        assert "too many queries in flight from this client" in result.content[0].text
    (admin,) = [result for token, result in outcomes if token == ADMIN]
    assert not admin.is_error and admin.structured_content["affected"] > 5000


def test_check_change_on_a_dbt_manifest_gives_the_pr_checks_report(tmp_path: Path) -> None:
    """jaffle_shop ingested, then a pull request's manifest dropping orders.amount: the tool's
    verdict, changes and affected nodes are those of ``lineagemesh check --dbt-manifest`` (the
    migration's BREAKING verdict is tested above)."""
    from conftest import corpus

    namespace = "postgres://db:5432"
    manifest = json.loads(corpus("dbt-jaffle-shop", "manifest.json").read_text())
    for column in manifest["nodes"]["model.jaffle_shop.orders"]["columns"].values():
        column["data_type"] = "numeric"  # typed, as a catalog would: a dropped column is then known
    base = tmp_path / "base-manifest.json"
    base.write_text(json.dumps(manifest))
    data = tmp_path / "data"
    lineagemesh_ok("ingest", "dbt", str(base), "--namespace", namespace, "--data-dir", str(data))
    del manifest["nodes"]["model.jaffle_shop.orders"]["columns"]["amount"]
    pr = tmp_path / "pr-manifest.json"
    pr.write_text(json.dumps(manifest))
    pr_check = ("--dbt-manifest", str(pr), "--namespace", namespace, "--data-dir", str(data))
    expected = breaking_report(*pr_check)
    # a leaf model's column: nothing reads it, yet a dropped column is breaking by itself
    assert expected["impact"] == "NONE"
    assert [(c["kind"], c["column"]) for c in expected["changes"]] == [("COLUMN_REMOVED", "amount")]

    async def check(session: ClientSession) -> dict[str, Any]:
        return await call(
            session,
            "check_change",
            dbt_manifest=pr.read_text(),
            namespace=namespace,
            budget=50_000,
        )

    answer = run(lambda: stdio("--data-dir", str(data)), check)
    assert answer["verdict"] == expected["verdict"] == "BREAKING" and answer["exit_code"] == 1
    sources = {c.pop("source") for c in answer["changes"]}
    assert sources == {"manifest.json"}  # as given, not the server's private copy
    assert answer["changes"] == [
        {k: v for k, v in c.items() if k != "source"} for c in expected["changes"]
    ]
    assert [a["id"] for a in answer["affected"]] == [a["id"] for a in expected["affected"]]
