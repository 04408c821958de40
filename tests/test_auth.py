"""Authentication and domain authorization, over real HTTP to a real server process, with the real
OpenLineage client's ``api_key`` auth for the bearer path; ``domains_touched`` on both stores."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import requests
from command_line import lineagemesh
from live_server import LiveServer
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport
from openlineage_events import complete

from graph.core.auth import AuthConfig, InvalidAuthConfig, Role
from graph.core.model import RULE_SOURCE, EdgeKind, NodeKind, dataset_id, domain_id
from graph.core.mutations import UpsertEdge, UpsertNode
from graph.intake.authorization import domains_touched, domains_touched_each
from graph.stores import Store
from ingest.domain_rules import DomainRules
from ingest.openlineage import translate

SALES = "sales-writer-token-0123456789"
MARKETING = "marketing-writer-token-abcdef"  # stored as its sha256 only
READER = "reader-token-0123456789abcdef"
ADMIN = "admin-token-0123456789abcdef"

TOKENS = {
    "tokens": [
        {"principal": "spark-sales", "token": SALES, "roles": ["writer"], "domains": ["sales"]},
        {
            "principal": "spark-marketing",
            "token_sha256": hashlib.sha256(MARKETING.encode()).hexdigest(),
            "roles": ["writer"],
            "domains": ["marketing"],
        },
        {"principal": "grafana", "token": READER, "roles": ["reader"]},
        {"principal": "ops", "token": ADMIN, "roles": ["admin"]},
    ]
}
RULES = DomainRules.parse(
    {
        "rules": [
            {"domain": "sales", "namespace": "postgres://sales*"},
            {"domain": "marketing", "namespace": "postgres://mkt*"},
        ]
    }
)
RULES_YAML = 'rules:\n  - domain: sales\n    namespace: "postgres://sales*"\n  - domain: marketing\n    namespace: "postgres://mkt*"\n'
STATS = "{ stats { kind count } }"


def event(
    job: str, inputs: list[tuple[str, str]], outputs: list[tuple[str, str]], **output_facets: dict
) -> dict:
    return complete(
        job,
        [{"namespace": ns, "name": name} for ns, name in inputs],
        [{"namespace": ns, "name": name, "facets": output_facets} for ns, name in outputs],
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def emit(url: str, token: str, payload: dict) -> int:
    """Post with the real OpenLineage client and its api_key auth; the HTTP status."""
    transport = HttpTransport(
        HttpConfig(url=url, auth=ApiKeyTokenProvider({"apiKey": token}), timeout=30)
    )
    try:
        return transport.emit(payload).status_code  # type: ignore[arg-type]  # a raw event dict, posted as it is
    except requests.HTTPError as e:
        assert e.response is not None
        return e.response.status_code
    finally:
        transport.close()


def stats(server: LiveServer) -> dict[str, int]:
    return {s["kind"]: s["count"] for s in server.graphql(STATS)["stats"]}


@pytest.fixture
def tokens_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(TOKENS))
    return path


def test_tokens_gate_everything_but_health(tokens_file: Path, tmp_path: Path) -> None:
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start(
        ["--auth-file", str(tokens_file)]
    )
    try:
        sample = event("load", [], [("s3://scratch", "a")])
        for method, path in [
            ("POST", "/api/v1/lineage"),
            ("POST", "/api/v1/lineage/batch"),
            ("POST", "/graphql"),
            ("GET", "/metrics"),
        ]:
            body = (
                [sample]
                if path.endswith("batch")
                else {"query": STATS}
                if path == "/graphql"
                else sample
            )
            missing = httpx.request(
                method, server.url + path, json=body if method == "POST" else None
            )
            assert missing.status_code == 401, path
            assert (
                missing.headers["www-authenticate"].startswith("Bearer")
                and "missing bearer token" in missing.json()["error"]
            )
            wrong = httpx.request(
                method,
                server.url + path,
                json=body if method == "POST" else None,
                headers=bearer("x" * 20),
            )
            assert (
                wrong.status_code == 401
                and 'error="invalid_token"' in wrong.headers["www-authenticate"]
            ), path
            assert wrong.json() == {"error": "invalid bearer token"}
        basic = httpx.post(
            server.url + "/api/v1/lineage",
            json=sample,
            headers={"Authorization": "Basic dXNlcjpwdw=="},
        )
        assert basic.status_code == 401 and "Bearer <token>" in basic.json()["error"]
        assert emit(server.url, "not-a-known-token-at-all", sample) == 401

        assert httpx.get(server.url + "/healthz").json()["status"] == "ok"
        assert (
            "graphiql"
            in httpx.get(server.url + "/graphql", headers={"accept": "text/html"}).text.lower()
        )
        reader = httpx.post(server.url + "/api/v1/lineage", json=sample, headers=bearer(READER))
        assert (
            reader.status_code == 403
            and reader.json()["error"] == "principal 'grafana' (reader) may not write"
        )
        server.token = READER
        assert stats(server) == {}  # nothing above was applied
        assert httpx.get(server.url + "/metrics", headers=bearer(READER)).status_code == 200

        server.stop()
        server.start(["--auth-file", str(tokens_file), "--read-access", "open"])
        server.token = None
        assert stats(server) == {}
        assert httpx.get(server.url + "/metrics").status_code == 200
        assert (
            httpx.post(
                server.url + "/graphql", json={"query": STATS}, headers=bearer("x" * 20)
            ).status_code
            == 401
        )
        assert (
            httpx.post(server.url + "/api/v1/lineage", json=sample).status_code == 401
        )  # writing still needs a token
        assert emit(server.url, ADMIN, sample) == 201
    finally:
        server.stop()


def test_writers_write_their_own_domains(
    server_store_args: list[str], tokens_file: Path, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML)
    server = LiveServer(server_store_args, tmp_path / "server.log", token=READER)
    server.start(["--auth-file", str(tokens_file), "--domain-rules", str(rules)])
    try:
        # Reading another domain's dataset is ordinary mesh traffic; writing an unowned one is fine too.
        assert (
            emit(
                server.url,
                SALES,
                event(
                    "sales_orders",
                    [("postgres://mkt-db", "crm.customers")],
                    [("postgres://sales-db", "orders")],
                ),
            )
            == 201
        )
        assert (
            emit(
                server.url,
                SALES,
                event(
                    "export", [("postgres://sales-db", "orders")], [("s3://scratch", "orders.csv")]
                ),
            )
            == 201
        )
        before = stats(server)

        into_marketing = event(
            "enrich", [("postgres://sales-db", "orders")], [("postgres://mkt-db", "crm.segments")]
        )
        refused = httpx.post(
            server.url + "/api/v1/lineage", json=into_marketing, headers=bearer(SALES)
        )
        assert refused.status_code == 403
        assert refused.json() == {
            "error": "principal 'spark-sales' may not write domain 'marketing'",
            "domains": ["marketing"],
        }
        assert emit(server.url, SALES, into_marketing) == 403
        assert stats(server) == before  # nothing applied
        segments = '{ dataset(namespace: "postgres://mkt-db", name: "crm.segments") { id } }'
        assert server.graphql(segments)["dataset"] is None

        # The owner of marketing may (its token is stored as a sha256 only), and so may an admin.
        assert emit(server.url, MARKETING, into_marketing) == 201
        assert server.graphql(segments)["dataset"] is not None
        assert (
            emit(
                server.url,
                ADMIN,
                event(
                    "fix", [], [("postgres://sales-db", "orders"), ("postgres://mkt-db", "crm.x")]
                ),
            )
            == 201
        )
        assert (
            emit(server.url, MARKETING, event("nope", [], [("postgres://sales-db", "orders")]))
            == 403
        )

        batch = [
            event("b0", [], [("postgres://sales-db", "b0")]),
            event("b1", [], [("postgres://mkt-db", "b1")]),
            {"not": "an event"},
        ]
        answer = httpx.post(
            server.url + "/api/v1/lineage/batch", json=batch, headers=bearer(SALES)
        ).json()
        assert (answer["accepted"], answer["rejected"]) == (1, 2)
        assert [r["status"] for r in answer["results"]] == [201, 403, 400]
        assert "'marketing'" in answer["results"][1]["error"] and answer["results"][1][
            "domains"
        ] == ["marketing"]
        assert server.graphql(
            '{ dataset(namespace: "postgres://sales-db", name: "b0") { domain { name } } }'
        )["dataset"]["domain"] == {"name": "sales"}
        assert (
            server.graphql('{ dataset(namespace: "postgres://mkt-db", name: "b1") { id } }')[
                "dataset"
            ]
            is None
        )
    finally:
        server.stop()


def test_local_mode_serves_loopback_only(tmp_path: Path) -> None:
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start()
    try:
        sample = event("load", [], [("s3://scratch", "a")])
        assert httpx.post(server.url + "/api/v1/lineage", json=sample).status_code == 201
        # A proxy on this machine forwarding an outside client (uvicorn trusts X-Forwarded-For from loopback).
        remote = httpx.post(
            server.url + "/api/v1/lineage", json=sample, headers={"X-Forwarded-For": "203.0.113.7"}
        )
        assert remote.status_code == 403 and "loopback clients only" in remote.json()["error"]
        assert (
            httpx.get(
                server.url + "/healthz", headers={"X-Forwarded-For": "203.0.113.7"}
            ).status_code
            == 200
        )
        assert "LOCAL MODE" in server.log_tail()

        server.stop()
        server.start(["--host", "0.0.0.0", "--insecure-no-auth"])
        assert (
            httpx.post(
                server.url + "/api/v1/lineage",
                json=sample,
                headers={"X-Forwarded-For": "203.0.113.7"},
            ).status_code
            == 201
        )
        assert "NO AUTHENTICATION" in server.log_tail()
    finally:
        server.stop()


def serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )


def test_serve_refuses_unsafe_or_broken_auth(tmp_path: Path, tokens_file: Path) -> None:
    store = ["--data-dir", str(tmp_path / "store")]
    exposed = serve("--host", "0.0.0.0", *store)
    assert exposed.returncode == 2
    assert (
        "refusing to serve on 0.0.0.0 without tokens" in exposed.stderr
        and "--insecure-no-auth" in exposed.stderr
    )
    both = serve("--host", "0.0.0.0", "--insecure-no-auth", "--auth-file", str(tokens_file), *store)
    assert both.returncode == 2 and "--insecure-no-auth" in both.stderr
    short = serve(
        *store,
        env={
            "LINEAGEMESH_TOKENS": json.dumps(
                [{"principal": "ci", "token": "short", "roles": ["writer"]}]
            )
        },
    )
    assert (
        short.returncode == 2
        and "LINEAGEMESH_TOKENS: tokens[0].token: at least 16 characters" in short.stderr
    )
    assert not (tmp_path / "store").exists()  # refused before opening anything


def test_token_documents() -> None:
    config = AuthConfig.parse(TOKENS, "t")
    sales, marketing = config.principal_for(SALES), config.principal_for(MARKETING)
    assert sales is not None and sales.name == "spark-sales"
    assert marketing is not None and marketing.domains == frozenset({"marketing"})
    assert config.principal_for("x" * 30) is None
    ops = config.authorize(f"bearer  {ADMIN} ", "10.0.0.1", Role.ADMIN)
    assert ops.name == "ops" and ops.may_write("anything")
    assert (
        config.read.value == "token"
        and AuthConfig.parse({"read": "open", **TOKENS}, "t").read.value == "open"
    )
    star = AuthConfig.parse(
        [{"principal": "etl", "token": "t" * 16, "roles": "writer", "domains": "*"}], "t"
    )
    etl, reader = star.principal_for("t" * 16), config.principal_for(READER)
    assert (
        etl is not None
        and etl.may_write("any")
        and reader is not None
        and not reader.may_write("any")
    )
    for bad, fragment in [
        ({"tokens": []}, "t: tokens: a non-empty list"),
        (
            [{"principal": "a", "token": "t" * 16, "token_sha256": "0" * 64, "roles": ["writer"]}],
            "exactly one of token",
        ),
        ([{"principal": "a", "token_sha256": "xyz", "roles": ["writer"]}], "64 hex digits"),
        (
            [{"principal": "a", "token": "t" * 16, "roles": ["owner"]}],
            "t: tokens[0].roles: expected reader, writer or admin",
        ),
        (
            [{"principal": "a", "token": "t" * 16, "roles": ["writer"], "domain": ["x"]}],
            "t: tokens[0].domain: unknown key 'domain'",
        ),
        (
            [
                {"principal": "a", "token": "t" * 16, "roles": ["reader"]},
                {"principal": "b", "token": "t" * 16, "roles": ["admin"]},
            ],
            "the same token as principal 'a'",
        ),
        ({"read": "sometimes", **TOKENS}, "t: read: expected one of open, token"),
    ]:
        with pytest.raises(InvalidAuthConfig) as raised:
            AuthConfig.parse(bad, "t")
        assert fragment in str(raised.value), (bad, str(raised.value))


def test_domains_touched_by_events(store: Store) -> None:
    read_other = translate(
        event("j", [("postgres://mkt-db", "customers")], [("postgres://sales-db", "orders")]), RULES
    )
    assert domains_touched(read_other, store) == {"sales"}
    assert (
        domains_touched(
            translate(event("j", [("postgres://mkt-db", "customers")], [("s3://x", "y")]), RULES),
            store,
        )
        == set()
    )
    owned_input = event("j", [("postgres://mkt-db", "customers")], [])
    owned_input["inputs"][0]["facets"] = {
        "ownership": {
            "_producer": "https://x",
            "_schemaURL": "https://x#/$defs/OwnershipDatasetFacet",
            "owners": [{"name": "team:sales"}],
        }
    }
    assert domains_touched(translate(owned_input, RULES), store) == {
        "marketing"
    }  # owners of an input: a governance write

    # What the graph already declares counts, for the dataset and for a storage path aliasing it.
    lake, path = dataset_id("s3://lake", "events"), dataset_id("s3://raw", "events/")
    at = "2026-01-01T00:00:00.000000Z"
    store.apply(
        [
            UpsertNode(domain_id("web"), NodeKind.DOMAIN, at, {"name": "web"}),
            UpsertNode(lake, NodeKind.DATASET, at, {"namespace": "s3://lake", "name": "events"}),
            UpsertEdge(lake, EdgeKind.BELONGS_TO, domain_id("web"), at, {"source": "catalog"}),
            UpsertEdge(path, EdgeKind.ALIAS_OF, lake, at),
        ]
    )
    writes_lake = translate(event("j", [], [("s3://lake", "events")]), RULES)
    writes_path = translate(event("j", [], [("s3://raw", "events/")]), RULES)
    reads_lake = translate(event("j", [("s3://lake", "events")], [("s3://x", "y")]), RULES)
    assert domains_touched_each([writes_lake, writes_path, reads_lake, read_other], store) == [
        {"web"},
        {"web"},
        set(),
        {"sales"},
    ]

    # Domains and products the mutations create are touched; a rule placing a mere input is not.
    product = [
        UpsertNode(
            "dataProduct:growth:funnel",
            NodeKind.DATA_PRODUCT,
            at,
            {"name": "funnel", "domain": "growth"},
        )
    ]
    assert domains_touched(product, store) == {"growth"}
    only_reads = translate(event("j", [("postgres://mkt-db", "customers")], []), RULES)
    assert any(
        isinstance(m, UpsertEdge) and m.props.get("source") == RULE_SOURCE for m in only_reads
    )
    assert domains_touched(only_reads, store) == set()


def test_check_against_a_token_protected_server(
    server_store_args, tmp_path: Path, food_delivery_events
) -> None:
    server = LiveServer(
        server_store_args,
        tmp_path / "server.log",
        env={"LINEAGEMESH_TOKENS": json.dumps(TOKENS)},
        token=READER,
    )
    server.start()
    try:
        for e in food_delivery_events:
            assert (
                httpx.post(
                    f"{server.url}/api/v1/lineage", json=e, headers=bearer(ADMIN)
                ).status_code
                == 201
            )
        args = [
            "check",
            "datasetField:food_delivery:public.customers:email",
            "--server",
            server.url,
        ]
        refused = lineagemesh(*args, timeout=120)
        assert refused.returncode == 2 and "answered 401" in refused.stderr
        allowed = lineagemesh(*args, "--token", READER, timeout=120)
        assert allowed.returncode == 1 and "customer_email" in allowed.stdout
    finally:
        server.stop()
