"""Marquez's read API under hostile paths and parameters, and within GraphQL's budgets, on both
stores: every malformed request is a 4xx with Marquez's error body (``{"code", "message"}``), never
a 500; pages are charged to ``--max-query-cost``/``--max-result-bytes`` before they are written;
``--query-seconds`` cuts a slow answer; ``/namespaces`` is answered from an index; search filters
by namespace before it ranks."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import food_delivery as fd
import httpx
import pytest
from live_server import LiveServer
from test_http_api import post_with_client

RUN = "d5a2a4c4-fc78-428d-ae85-08c942ed8371"  # a run of the seed
LONG = "a" * 5000
NS = quote(fd.NS)
DS = quote("public.delivery_7_days")
JOB = "etl_delivery_7_days"

#: (path and query as sent, raw; the statuses that are right). Every one of them must also answer
#: JSON with Marquez's error body when it is not a 200.
HOSTILE: list[tuple[str, tuple[int, ...]]] = [
    # percent-encoding that is no UTF-8, or a lone surrogate's bytes, in every path parameter
    ("/namespaces/%ff", (400,)),
    ("/namespaces/%ff%fe/datasets", (400,)),
    ("/namespaces/%ff/jobs", (400,)),
    (f"/namespaces/{NS}/datasets/%c3", (400,)),
    (f"/namespaces/{NS}/jobs/%ed%a0%80", (400,)),
    (f"/namespaces/{NS}/jobs/%e2%82/runs", (400,)),
    ("/jobs/runs/%ff", (400,)),
    ("/jobs/runs/%ff/facets?type=run", (400,)),
    ("/namespaces/%zz", (404,)),  # not an escape: a name with a percent sign, unknown
    # NUL bytes, control characters, dot segments and huge names: unknown names
    ("/namespaces/%00", (404,)),
    ("/namespaces/a%00b/datasets", (404,)),
    (f"/namespaces/{NS}/datasets/%01%0b%1f", (404,)),
    ("/namespaces/%2e%2e", (404,)),
    (f"/namespaces/{LONG}", (404,)),
    (f"/namespaces/{NS}/jobs/{LONG}/runs", (404,)),
    ("/jobs/runs/not-a-uuid", (404,)),
    (f"/jobs/runs/{LONG}", (404,)),
    ("/jobs/runs/%00", (404,)),
    # limit and offset: negative, huge, not numbers, not UTF-8
    ("/namespaces?limit=-1", (400,)),
    ("/namespaces?offset=-5", (400,)),
    ("/namespaces?limit=99999999999999999999", (400,)),
    ("/namespaces?offset=2147483648", (400,)),
    (f"/namespaces?offset={'9' * 5000}", (400,)),
    ("/namespaces?limit=1e3", (400,)),
    ("/namespaces?limit=%ff", (400,)),
    ("/namespaces?limit=%00", (400,)),
    (f"/namespaces/{NS}/datasets?limit=abc", (400,)),
    (f"/namespaces/{NS}/jobs?offset=-1", (400,)),
    (f"/namespaces/{NS}/jobs/{JOB}/runs?limit=-1", (400,)),
    (f"/namespaces/{NS}/jobs/{JOB}/runs?offset=99999999999", (400,)),
    ("/jobs?limit=2147483647&offset=2147483647", (200,)),
    ("/events/lineage?limit=-1", (400,)),
    ("/events/lineage?offset=2147483648", (400,)),
    # enums
    ("/stats/lineage-events?period=YEAR", (400,)),
    ("/stats/lineage-events?period=%ff", (400,)),
    (f"/jobs/runs/{RUN}/facets?type=bogus", (400,)),
    (f"/jobs/runs/{RUN}/facets", (400,)),
    ("/search?q=orders&filter=TABLE", (400,)),
    ("/search?q=orders&sort=sideways", (400,)),
    ("/events/lineage?sortDirection=sideways", (400,)),
    # time zones: huge, path tricks, NUL, not UTF-8
    (f"/stats/lineage-events?period=WEEK&timezone={'A' * 5000}", (400,)),
    ("/stats/lineage-events?period=WEEK&timezone=../../../../etc/passwd", (400,)),
    ("/stats/lineage-events?period=WEEK&timezone=/etc/localtime", (400,)),
    ("/stats/lineage-events?period=WEEK&timezone=Europe/Berlin%00", (400,)),
    ("/stats/lineage-events?period=WEEK&timezone=%ff%fe", (400,)),
    ("/stats/lineage-events?period=WEEK&timezone=Mars/Olympus_Mons", (400,)),
    ("/stats/lineage-events?period=WEEK&timezone=Europe/Berlin", (200,)),
    # dates: not dates, out of any timestamp's range, huge
    ("/events/lineage?after=yesterday", (400,)),
    ("/events/lineage?before=0001-01-01T00:00:00%2B01:00", (200, 400)),
    ("/events/lineage?after=9999-12-31T23:59:59-14:00", (200, 400)),
    ("/events/lineage?after=2024-01-01T00:00:00", (400,)),  # no offset
    (f"/events/lineage?after=2024-01-01T00:00:00Z{'0' * 5000}", (400,)),
    ("/events/lineage?before=%ff", (400,)),
    # lineage: missing, unknown, huge ids and depths
    ("/lineage", (400,)),
    ("/lineage?nodeId=", (400,)),
    ("/lineage?nodeId=%ff", (404,)),
    ("/lineage?nodeId=dataset:%00", (404,)),
    (f"/lineage?nodeId={LONG}", (404,)),
    (f"/lineage?nodeId=dataset:{NS}:{DS}&depth=1000000000000000000000000", (400,)),
    (f"/lineage?nodeId=dataset:{NS}:{DS}&depth=-99999", (200,)),
    (f"/column-lineage?nodeId=dataset:{NS}:{DS}%23v1&withDownstream=true", (400,)),
    ("/column-lineage?nodeId=%ff%fe", (404,)),
    # search
    ("/search", (400,)),
    ("/search?q=", (400,)),
    (f"/search?q={LONG}", (200,)),
    ("/search?q=%00%ff", (200,)),
    ("/search?q=orders&limit=-3", (400,)),
    ("/search?q=orders&limit=99999999999999999999999", (400,)),
    # unknown routes and methods
    ("/nothing/here", (404,)),
    (f"/namespaces/{NS}/datasets/{DS}/versions/%ff", (400,)),
]


@pytest.fixture
def seeded(live_server, food_delivery_events):
    post_with_client(live_server.url, food_delivery_events)
    return live_server


def test_every_malformed_path_and_parameter_is_a_4xx_with_marquez_error_body(seeded) -> None:
    wrong = []
    with httpx.Client(timeout=60) as client:
        for raw, statuses in HOSTILE:
            response = client.get(f"{seeded.url}/api/v1{raw}")
            shown = raw if len(raw) < 90 else f"{raw[:90]}..."
            if response.status_code not in statuses:
                wrong.append(f"{shown}: {response.status_code} {response.text[:200]}")
                continue
            if response.status_code == 200:
                continue
            assert response.headers["content-type"].startswith("application/json"), shown
            body = response.json()
            if body.get("code") != response.status_code or not isinstance(body.get("message"), str):
                wrong.append(f"{shown}: body {body}")
            elif len(body["message"]) > 300:
                wrong.append(f"{shown}: a message of {len(body['message'])} characters")
        assert client.post(f"{seeded.url}/api/v1/namespaces").status_code == 405
    assert not wrong, "\n".join(wrong)
    assert "Traceback" not in seeded.log_path.read_text()


def test_a_page_is_charged_to_the_query_budget_before_it_is_written(
    server_store_args, tmp_path, food_delivery_events
) -> None:
    """--max-query-cost bounds a Marquez page as it bounds a GraphQL list, charged before the page
    is rendered, and --max-result-bytes refuses a page too large (GraphQL's reasons)."""
    server = LiveServer(server_store_args, tmp_path / "server.log").start(
        ["--max-query-cost", "5", "--max-result-bytes", "6000"]
    )
    try:
        post_with_client(server.url, food_delivery_events)
        url = f"{server.url}/api/v1/namespaces/{NS}"
        costly = httpx.get(f"{url}/datasets", params={"limit": 10}, timeout=60)
        assert costly.status_code == 400
        assert costly.json()["reason"] == "QUERY_TOO_COSTLY"
        assert costly.json()["code"] == 400 and "--max-query-cost" in costly.json()["message"]
        jobs = httpx.get(f"{url}/jobs", params={"limit": 5}, timeout=60)
        assert jobs.status_code == 400 and jobs.json()["reason"] == "RESULT_TOO_LARGE"
        small = httpx.get(f"{url}/datasets", params={"limit": 1}, timeout=60)
        assert small.status_code == 200 and len(small.json()["datasets"]) == 1
    finally:
        server.stop()


def _runs(count: int) -> list[dict]:
    """``count`` START events of one job, one run each."""
    producer = "https://example.com/tests"
    return [
        {
            "eventType": "START",
            "eventTime": "2026-01-05T07:00:00Z",
            "producer": producer,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": f"00000000-0000-4000-8000-{i:012d}"},
            "job": {"namespace": "many-runs", "name": "busy_job"},
            "inputs": [],
            "outputs": [],
        }
        for i in range(count)
    ]


def test_query_seconds_cuts_a_slow_marquez_answer(server_store_args, tmp_path) -> None:
    """With --query-seconds 0.01, counting 20,000 runs (pages of 5,000 nodes read one after the
    other) is stopped at a read past the deadline: QUERY_TIMEOUT, not a late 200."""
    server = LiveServer(server_store_args, tmp_path / "server.log").start(
        ["--query-seconds", "0.01"]
    )
    try:
        events = _runs(20_000)
        for start in range(0, len(events), 5000):
            response = httpx.post(
                f"{server.url}/api/v1/lineage/batch",
                content=json.dumps(events[start : start + 5000]),
                headers={"Content-Type": "application/json"},
                timeout=300,
            )
            assert response.status_code in (200, 201), response.text
        cut = httpx.get(
            f"{server.url}/api/v1/stats/lineage-events", params={"period": "DAY"}, timeout=60
        )
        assert cut.status_code == 400, cut.text
        assert cut.json()["reason"] == "QUERY_TIMEOUT"
        assert "--query-seconds" in cut.json()["message"]
    finally:
        server.stop()


def _datasets(namespace: str, names: list[str]) -> list[dict]:
    producer = "https://example.com/tests"
    return [
        {
            "eventType": "COMPLETE",
            "eventTime": "2026-01-05T07:00:00Z",
            "producer": producer,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": f"00000000-0000-4000-9000-{abs(hash((namespace, i))) % 10**12:012d}"},
            "job": {"namespace": namespace, "name": f"load_{i}"},
            "inputs": [],
            "outputs": [{"namespace": namespace, "name": name}],
        }
        for i, name in enumerate(names)
    ]


def _post_batch(url: str, events: list[dict]) -> None:
    response = httpx.post(
        f"{url}/api/v1/lineage/batch",
        content=json.dumps(events),
        headers={"Content-Type": "application/json"},
        timeout=300,
    )
    assert response.status_code in (200, 201), response.text


def test_search_filters_by_namespace_before_it_ranks(live_server) -> None:
    """1,200 'orders' datasets in a namespace sorting first, 3 in another: ``namespace=`` finds
    the 3 (filtering after the top 1,000 overall found none)."""
    _post_batch(live_server.url, _datasets("aaa", [f"orders_{i:04d}" for i in range(1200)]))
    _post_batch(live_server.url, _datasets("zzz", ["orders_east", "orders_west", "orders_x"]))
    found = httpx.get(
        f"{live_server.url}/api/v1/search",
        params={"q": "orders", "namespace": "zzz", "limit": 10},
        timeout=60,
    ).json()
    assert {r["name"] for r in found["results"]} == {"orders_east", "orders_west", "orders_x"}
    assert {r["namespace"] for r in found["results"]} == {"zzz"}
    assert found["totalCount"] == 3


def test_namespaces_come_from_an_index_not_a_scan_per_request(live_server) -> None:
    """Many concurrent /namespaces requests cost one scan of the graph, not one each; a write
    makes the next request see the new namespace (answers are never older than the request)."""
    _post_batch(live_server.url, _datasets("first", ["a", "b"]))

    def names() -> list[str]:
        response = httpx.get(f"{live_server.url}/api/v1/namespaces", timeout=60)
        assert response.status_code == 200, response.text
        return [ns["name"] for ns in response.json()["namespaces"]]

    def builds() -> float:
        metrics = httpx.get(f"{live_server.url}/metrics", timeout=60).text
        (line,) = [
            line
            for line in metrics.splitlines()
            if line.startswith("lineagemesh_namespace_index_builds_total")
        ]
        return float(line.split()[-1])

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: names(), range(40)))
    assert all(answer == ["first"] for answer in answers)
    assert builds() == 1
    _post_batch(live_server.url, _datasets("second", ["c"]))
    assert names() == ["first", "second"]
    assert names() == ["first", "second"]
    assert builds() == 2
    namespace = httpx.get(f"{live_server.url}/api/v1/namespaces/second", timeout=60).json()
    assert namespace["name"] == "second" and namespace["createdAt"]
