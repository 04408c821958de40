"""Who may write what: the authorization of domain-scoped writers (``graph.intake.authorization``) on both
stores, directly and over real HTTP to a real server."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import httpx

from graph.core.model import EdgeKind, NodeKind, dataset_id, domain_id
from graph.core.mutations import UpsertEdge, UpsertNode
from graph.intake.authorization import domains_touched
from graph.stores import Store
from ingest.openlineage import translate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from bench_write_check import aliased_chain
from live_server import LiveServer
from test_auth import (
    ADMIN,
    MARKETING,
    READER,
    RULES_YAML,
    SALES,
    TOKENS,
    bearer,
    emit,
    event,
    stats,
)

AT = "2026-01-01T00:00:00.000000Z"


def test_the_check_follows_long_alias_chains(store: Store) -> None:
    links = 3000
    # The event's own chain, listed so that a closure growing one link per pass would be quadratic:
    # it writes t3000, which its links tie to t0, marketing's.
    store.apply(
        [
            UpsertNode(domain_id("marketing"), NodeKind.DOMAIN, AT, {"name": "marketing"}),
            UpsertNode(
                dataset_id("s3://bench", "t0"),
                NodeKind.DATASET,
                AT,
                {"namespace": "s3://bench", "name": "t0"},
            ),
            UpsertEdge(
                dataset_id("s3://bench", "t0"),
                EdgeKind.BELONGS_TO,
                domain_id("marketing"),
                AT,
                {"source": "catalog"},
            ),
        ]
    )
    chain = translate(aliased_chain(links))
    assert sum(isinstance(m, UpsertEdge) and m.kind is EdgeKind.ALIAS_OF for m in chain) == links
    assert domains_touched(chain, store) == {"marketing"}

    # A stored chain: writing its far end touches the domain of the canonical dataset.
    store.apply(chain)
    store.apply(
        [
            UpsertEdge(
                dataset_id("s3://bench", f"t{links}"),
                EdgeKind.BELONGS_TO,
                domain_id("marketing"),
                AT,
                {"source": "catalog"},
            )
        ]
    )
    head = translate({**aliased_chain(0), "run": {"runId": str(uuid.uuid4())}})
    assert domains_touched(head, store) == {"marketing"}


def facet(name: str, **fields: object) -> dict:
    return {
        "_producer": "https://example.com/tests",
        "_schemaURL": f"https://openlineage.io/spec/facets/1-0-0/{name}.json#/$defs/{name}",
        **fields,
    }


REPORT = """{ dataset(namespace: "postgres://mkt-db", name: "report") {
  id description domain { name } columns { name } facets writtenBy { id } } }"""
MJOB = '{ job(namespace: "airflow", name: "mjob") { outputs { id } latestRun { state } } }'


def not_applied(server: LiveServer) -> dict[str, float]:
    text = httpx.get(server.url + "/metrics", headers=bearer(READER), timeout=60).text
    return {
        line.split('"')[1]: float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith("lineagemesh_ingest_not_applied_total{")
    }


def serving_marketing(server_store_args: list[str], tmp_path: Path) -> LiveServer:
    """A server with the test tokens and rules, where marketing's own job wrote its report,
    described, with two columns."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML)
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps(TOKENS))
    server = LiveServer(server_store_args, tmp_path / "server.log", token=READER)
    server.start(["--auth-file", str(tokens), "--domain-rules", str(rules)])
    owned = event(
        "mjob",
        [],
        [("postgres://mkt-db", "report")],
        documentation=facet("DocumentationDatasetFacet", description="marketing's report"),
        schema=facet(
            "SchemaDatasetFacet",
            fields=[{"name": "a", "type": "int"}, {"name": "b", "type": "int"}],
        ),
    )
    try:
        assert emit(server.url, MARKETING, owned) == 201
    except BaseException:
        server.stop()
        raise
    return server


def test_other_domains_inputs_are_observed_not_taken_over(
    server_store_args: list[str], tmp_path: Path
) -> None:
    server = serving_marketing(server_store_args, tmp_path)
    try:
        before = server.graphql(REPORT)["dataset"]
        assert before["id"] == "dataset:postgres://mkt-db:report" and before["domain"] == {
            "name": "marketing"
        }
        assert [c["name"] for c in before["columns"]] == ["a", "b"]

        # A sales writer reads the report, sending a TABLE symlink to a sales name: the alias would
        # re-point marketing's dataset, so it is left out; the read itself is accepted.
        symlinked = event(
            "sales_job", [("postgres://mkt-db", "report")], [("postgres://sales-db", "out")]
        )
        symlinked["inputs"][0]["facets"] = {
            "symlinks": facet(
                "SymlinksDatasetFacet",
                identifiers=[{"namespace": "postgres://sales-db", "name": "x", "type": "TABLE"}],
            )
        }
        assert emit(server.url, SALES, symlinked) == 201
        assert server.graphql(REPORT)["dataset"] == before
        assert not_applied(server) == {"observation": 0.0, "alias": 1.0}

        # Facets it sends on that input (documentation, a deleted schema) are its observations,
        # attributed, never marketing's description or columns.
        observing = event(
            "sales_job", [("postgres://mkt-db", "report")], [("postgres://sales-db", "out")]
        )
        observing["inputs"][0]["facets"] = {
            "documentation": facet("DocumentationDatasetFacet", description="hijacked"),
            "schema": {
                "_producer": "https://example.com/tests",
                "_schemaURL": "https://x",
                "_deleted": True,
            },
            "quality": facet("Quality", score=0.1),
        }
        assert emit(server.url, SALES, observing) == 201
        after = server.graphql(REPORT)["dataset"]
        assert {k: v for k, v in after.items() if k != "facets"} == {
            k: v for k, v in before.items() if k != "facets"
        }
        observed = after["facets"]["observedBy:spark-sales"]
        assert (
            observed["description"] == "hijacked"
            and observed["columns"] == []
            and observed["eventTime"].startswith("2026-01-05")
        )
        assert observed["facets"]["quality"]["score"] == 0.1 and "quality" not in after["facets"]
        assert not_applied(server) == {"observation": 1.0, "alias": 1.0}

        retyped = event(
            "sales_job", [("postgres://mkt-db", "report")], [("postgres://sales-db", "out")]
        )
        retyped["eventTime"] = (
            "2026-01-05T07:00:00Z"  # a later observation replaces its sender's earlier one
        )
        retyped["inputs"][0]["facets"] = {
            "schema": facet("SchemaDatasetFacet", fields=[{"name": "z", "type": "string"}])
        }
        assert emit(server.url, SALES, retyped) == 201
        again = server.graphql(REPORT)["dataset"]
        assert [c["name"] for c in again["columns"]] == ["a", "b"]
        assert again["facets"]["observedBy:spark-sales"]["fields"]["z"]["type"] == "string"
        assert again["facets"]["observedBy:spark-sales"]["columns"] == ["z"]

        # The owner's own observation of its dataset as an input is a fact, as before.
        owner_reads = event("mjob2", [("postgres://mkt-db", "report")], [])
        owner_reads["inputs"][0]["facets"] = {
            "documentation": facet("DocumentationDatasetFacet", description="restated")
        }
        assert emit(server.url, MARKETING, owner_reads) == 201
        assert server.graphql(REPORT)["dataset"]["description"] == "restated"
    finally:
        server.stop()


def test_runs_of_a_job_belong_to_its_domains(server_store_args: list[str], tmp_path: Path) -> None:
    server = serving_marketing(server_store_args, tmp_path)
    try:
        # A run of marketing's job, reported by sales (reading only, writing nothing), would make
        # the job's real outputs stale: refused whole, nothing applied.
        graph_before = stats(server)
        assert server.graphql(MJOB)["job"]["outputs"] == [
            {"id": "dataset:postgres://mkt-db:report"}
        ]
        takeover = event("mjob", [("postgres://sales-db", "out")], [])
        refused = httpx.post(
            server.url + "/api/v1/lineage", json=takeover, headers=bearer(SALES), timeout=60
        )
        assert refused.status_code == 403
        assert refused.json() == {
            "error": "principal 'spark-sales' may not write domain 'marketing'",
            "domains": ["marketing"],
        }
        assert stats(server) == graph_before
        assert server.graphql(MJOB)["job"]["outputs"] == [
            {"id": "dataset:postgres://mkt-db:report"}
        ]
        # Nor may it report a run of its own job under the id of one of marketing's runs.
        mine = event("mjob", [], [("postgres://mkt-db", "report")])
        assert emit(server.url, MARKETING, mine) == 201
        borrowed = event(
            "sales_job", [("postgres://sales-db", "orders")], [("postgres://sales-db", "out")]
        )
        borrowed["run"]["runId"] = mine["run"]["runId"]
        assert emit(server.url, SALES, borrowed) == 403
        # Its owner and an admin may; a sales writer may report its own job's runs.
        assert (
            emit(
                server.url,
                SALES,
                event(
                    "sales_job",
                    [("postgres://sales-db", "orders")],
                    [("postgres://sales-db", "out")],
                ),
            )
            == 201
        )
        assert emit(server.url, ADMIN, event("mjob", [], [("postgres://mkt-db", "report")])) == 201
    finally:
        server.stop()
