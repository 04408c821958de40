"""Quality checks are their dataset's owners' facts: a domain-scoped writer reporting a check of
another domain's dataset is refused whole (403, a JSON reason) and the graph is left as it was;
of its own datasets (or its domains' owners, of theirs) they are taken — over real HTTP, on both
stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from test_auth import MARKETING, SALES, bearer, event, stats
from test_write_authority import serving_marketing

CHECKS = """{ dataset(namespace: "%s", name: "%s") {
  assertions { edges { node { name status } } } health { status } } }"""


def with_check(payload: dict[str, Any], side: str, success: bool) -> dict[str, Any]:
    """The event with a not_null check of its first input or output (its quality facet)."""
    facet = {
        "_producer": "https://example.com/tests",
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/DataQualityAssertionsDatasetFacet.json",
        "assertions": [{"assertion": "not_null", "column": "a", "success": success}],
    }
    key = "inputFacets" if side == "inputs" else "facets"
    payload[side][0][key] = {**payload[side][0].get(key, {}), "dataQualityAssertions": facet}
    return payload


def post(url: str, token: str, payload: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/lineage", json=payload, headers=bearer(token), timeout=60)


def checks(server: Any, namespace: str, name: str) -> list[tuple[str, str]]:
    found = server.graphql(CHECKS % (namespace, name))["dataset"]["assertions"]["edges"]
    return [(e["node"]["name"], e["node"]["status"]) for e in found]


def test_a_check_of_another_domains_dataset_is_refused(
    server_store_args: list[str], tmp_path: Path
) -> None:
    server = serving_marketing(server_store_args, tmp_path)  # marketing's report, in marketing
    try:
        before = stats(server)
        report = ("postgres://mkt-db", "report")
        foreign = with_check(
            event("sales_job", [report], [("postgres://sales-db", "out")]), "inputs", False
        )
        refused = post(server.url, SALES, foreign)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/json")
        assert "spark-sales" in refused.json()["error"] and "marketing" in refused.json()["error"]
        assert stats(server) == before  # nothing of it applied: not even its own output
        assert checks(server, *report) == []
        assert server.graphql(CHECKS % report)["dataset"]["health"]["status"] == "UNKNOWN"

        # The same read without the check is ordinary mesh traffic; a check of its own output
        # is its own fact; marketing checking its report is marketing's.
        plain = event("sales_job", [report], [("postgres://sales-db", "out")])
        assert post(server.url, SALES, plain).status_code == 201
        own = with_check(
            event("sales_job", [report], [("postgres://sales-db", "out")]), "outputs", False
        )
        assert post(server.url, SALES, own).status_code == 201
        assert checks(server, "postgres://sales-db", "out") == [("not_null", "FAIL")]
        owner = with_check(event("mcheck", [report], []), "inputs", True)
        assert post(server.url, MARKETING, owner).status_code == 201
        assert checks(server, *report) == [("not_null", "PASS")]
    finally:
        server.stop()
