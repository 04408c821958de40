"""Quality checks as graph facts and the health they give datasets, products and domains — on
every store, from events the real OpenLineage client builds (its ``dataQualityAssertions``,
``dataQualityMetrics`` and ``test`` facets), a real datacontract.com contract for the SLO, asked
through GraphQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from data_contracts import postgres_contract
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.generated import (
    data_quality_assertions_dataset as dqa,
)
from openlineage.client.generated import (
    data_quality_metrics_input_dataset as dqm,
)
from openlineage.client.generated import test_run
from openlineage.client.serde import Serde

from graph.serve.schema import context, schema
from graph.stores import Store
from ingest.contracts import translate_contract
from ingest.openlineage import translate

PRODUCER = "https://example.com/tests"
NS = "postgres://db:5432"
ORDERS = f"dataset:{NS}:sales.public.orders"
REPORT = f"dataset:{NS}:mkt.public.report"
NOT_NULL = f"assertion:datasetField:{NS}:sales.public.orders:driver_id:not_null_driver_id"
REPORT_CONTRACT = postgres_contract("mkt", "report", {"driver_id": "{type: integer}"}, "24h")
ORDERS_CONTRACT = postgres_contract("sales", "orders", {"driver_id": "{type: integer}"}, "2h")


def event(
    job: str,
    time: str,
    inputs: list[InputDataset] = (),  # type: ignore[assignment]
    outputs: list[OutputDataset] = (),  # type: ignore[assignment]
    run_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An event as the real OpenLineage client builds and serialises it."""
    built = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=time,
        run=Run(runId=str(uuid.uuid4()), facets=run_facets or {}),
        job=Job(namespace="airflow", name=job),
        producer=PRODUCER,
        inputs=list(inputs),
        outputs=list(outputs),
    )
    return Serde.to_dict(built)


def checked_orders(*assertions: dqa.Assertion, metrics: bool = False) -> InputDataset:
    facets: dict[str, Any] = {
        "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(list(assertions))
    }
    if metrics:
        facets["dataQualityMetrics"] = dqm.DataQualityMetricsInputDatasetFacet(
            columnMetrics={"driver_id": dqm.ColumnMetrics(nullCount=3, distinctCount=40)},
            rowCount=1000,
        )
    return InputDataset(namespace=NS, name="sales.public.orders", inputFacets=facets)


def not_null(success: bool, severity: str | None = None) -> dqa.Assertion:
    return dqa.Assertion(
        assertion="not_null",
        success=success,
        column="driver_id",
        severity=severity,
        name="not_null_driver_id",
        expected="0",
        actual="0" if success else "3",
    )


def pipeline(store: Store) -> None:
    """load_orders writes orders at 06:00; build_report reads them into the report at 07:00;
    the report's product promises 24h freshness, the orders' contract 2h."""
    store.apply(translate_contract(REPORT_CONTRACT, "report.yaml"))
    store.apply(translate_contract(ORDERS_CONTRACT, "orders.yaml"))
    orders = OutputDataset(namespace=NS, name="sales.public.orders")
    store.apply(translate(event("load_orders", "2026-01-05T06:00:00Z", outputs=[orders])))
    source = InputDataset(namespace=NS, name="sales.public.orders")
    report = OutputDataset(namespace=NS, name="mkt.public.report")
    store.apply(translate(event("build_report", "2026-01-05T07:00:00Z", [source], [report])))


def check(store: Store, time: str, *assertions: dqa.Assertion, metrics: bool = False) -> None:
    store.apply(
        translate(event("check_orders", time, [checked_orders(*assertions, metrics=metrics)]))
    )


def ask(store: Store, query: str, **variables: Any) -> dict[str, Any]:
    result = schema.execute_sync(query, variable_values=variables, context_value=context(store))
    assert result.errors is None and result.data is not None, result.errors
    return result.data


ASSERTIONS = """query($ns: String!, $name: String!, $first: Int, $after: String) {
  dataset(namespace: $ns, name: $name) {
    assertions(first: $first, after: $after) {
      edges { node { id name assertionType column subject status success severity checkedAt
                     source expected actual run history { status checkedAt actual } } }
      pageInfo { hasNextPage endCursor } } } }"""
HEALTH = """query($ns: String!, $name: String!, $at: DateTime) {
  dataset(namespace: $ns, name: $name) {
    health(at: $at) { status reasons { kind subject assertion path message check column detail } } } }"""
PRODUCT = """query($at: DateTime) { dataProduct(domain: "mkt", name: "report") {
  health(at: $at) { status reasons { kind subject assertion path } } } }"""
AT = "2026-01-05T08:00:00Z"  # an hour after the report, two after the orders: every SLO met


def health(store: Store, name: str, at: str = AT) -> dict[str, Any]:
    return ask(store, HEALTH, ns=NS, name=name, at=at)["dataset"]["health"]


def test_assertions_are_facts_with_history_on_datasets_and_columns(store: Store) -> None:
    pipeline(store)
    check(store, "2026-01-05T06:30:00Z", not_null(False), metrics=True)
    check(store, "2026-01-05T07:30:00Z", not_null(True))
    page = ask(store, ASSERTIONS, ns=NS, name="sales.public.orders")["dataset"]["assertions"]
    [node] = [edge["node"] for edge in page["edges"]]
    run = node.pop("run")
    assert uuid.UUID(run)  # the run that reported the latest result
    assert node == {
        "id": NOT_NULL,
        "name": "not_null_driver_id",
        "assertionType": "not_null",
        "column": "driver_id",
        "subject": f"datasetField:{NS}:sales.public.orders:driver_id",
        "status": "PASS",
        "success": True,
        "severity": "error",  # none declared: an error
        "checkedAt": "2026-01-05T07:30:00.000000Z",
        "source": "openlineage",
        "expected": "0",
        "actual": "0",
        "history": [
            {"status": "PASS", "checkedAt": "2026-01-05T07:30:00.000000Z", "actual": "0"},
            {"status": "FAIL", "checkedAt": "2026-01-05T06:30:00.000000Z", "actual": "3"},
        ],
    }
    # The metrics are properties of the dataset and its column.
    orders = store.nodes([ORDERS])[ORDERS]
    column = store.nodes([f"datasetField:{NS}:sales.public.orders:driver_id"])
    assert orders.props["metrics.rowCount"] == 1000
    assert column[f"datasetField:{NS}:sales.public.orders:driver_id"].props == {
        **column[f"datasetField:{NS}:sales.public.orders:driver_id"].props,
        "metrics.nullCount": 3,
        "metrics.distinctCount": 40,
    }


def test_results_arriving_out_of_order_leave_the_newest_one_latest(store: Store) -> None:
    pipeline(store)
    check(store, "2026-01-05T07:30:00Z", not_null(True))
    check(store, "2026-01-05T06:30:00Z", not_null(False))
    page = ask(store, ASSERTIONS, ns=NS, name="sales.public.orders")["dataset"]["assertions"]
    node = page["edges"][0]["node"]
    assert (node["status"], node["checkedAt"]) == ("PASS", "2026-01-05T07:30:00.000000Z")
    assert [h["status"] for h in node["history"]] == ["PASS", "FAIL"]
    assert health(store, "mkt.public.report")["status"] == "HEALTHY"


def test_a_failing_upstream_check_puts_the_downstream_product_at_risk_with_its_path(
    store: Store,
) -> None:
    pipeline(store)
    assert health(store, "mkt.public.report")["status"] == "HEALTHY"  # its SLO is met
    check(store, "2026-01-05T06:30:00Z", not_null(False))
    assert health(store, "sales.public.orders")["status"] == "FAILING"
    report = health(store, "mkt.public.report")
    path = [ORDERS, "job:airflow:build_report", REPORT]
    assert report["status"] == "AT_RISK"
    [reason] = report["reasons"]
    assert reason["kind"] == "UPSTREAM_ASSERTION_FAILED"
    assert (reason["subject"], reason["assertion"], reason["path"]) == (ORDERS, NOT_NULL, path)
    assert "not_null_driver_id" in reason["message"]
    # the message's parts, for a reader writing its own sentence (the explorer's panel)
    assert (reason["check"], reason["column"]) == ("not_null_driver_id", "driver_id")
    assert reason["detail"].startswith("failed at 2026-01-05T06:30:00"), reason["detail"]
    product = ask(store, PRODUCT, at=AT)["dataProduct"]["health"]
    assert product["status"] == "AT_RISK"
    assert product["reasons"][0]["path"] == path
    domains = ask(
        store,
        "query($at: DateTime) { domains(health: AT_RISK, at: $at) { name } all: domains { name } }",
        at=AT,
    )
    assert domains["domains"] == [{"name": "mkt"}]  # sales fails itself: FAILING
    assert {"name": "sales"} in domains["all"]
    failing = ask(
        store,
        "query($at: DateTime) { domainsConnection(health: FAILING, at: $at) { edges { node { name } } } }",
        at=AT,
    )
    assert failing["domainsConnection"]["edges"] == [{"node": {"name": "sales"}}]
    # The check passes again: the risk is gone.
    check(store, "2026-01-05T07:40:00Z", not_null(True))
    assert health(store, "mkt.public.report")["status"] == "HEALTHY"


def test_a_warning_is_named_and_changes_no_status(store: Store) -> None:
    pipeline(store)
    check(store, "2026-01-05T06:30:00Z", not_null(False, severity="warn"))
    orders = health(store, "sales.public.orders")
    assert orders["status"] == "HEALTHY"
    assert [r["kind"] for r in orders["reasons"]] == ["ASSERTION_WARNING"]
    assert health(store, "mkt.public.report")["status"] == "HEALTHY"


def test_a_missed_slo_upstream_puts_downstream_at_risk(store: Store) -> None:
    pipeline(store)
    late = "2026-01-05T09:00:00Z"  # orders (2h SLO) were written 3h before; the report 2h before
    orders = health(store, "sales.public.orders", late)
    assert orders["status"] == "FAILING"
    assert orders["reasons"][0]["kind"] == "SLO_MISSED"
    assert orders["reasons"][0]["detail"].startswith("misses its freshness SLO of 2h (last updated")
    report = health(store, "mkt.public.report", late)
    assert report["status"] == "AT_RISK"
    assert [(r["kind"], r["subject"]) for r in report["reasons"]] == [
        ("UPSTREAM_SLO_MISSED", ORDERS)
    ]
    product = ask(store, PRODUCT, at="2026-01-07T09:00:00Z")["dataProduct"]["health"]
    assert product["status"] == "FAILING"  # its own 24h SLO is missed too
    assert {r["kind"] for r in product["reasons"]} == {"SLO_MISSED", "UPSTREAM_SLO_MISSED"}


def test_nothing_known_is_unknown_and_a_jobs_failing_test_puts_its_outputs_at_risk(
    store: Store,
) -> None:
    loose = OutputDataset(namespace=NS, name="tmp.scratch")
    store.apply(translate(event("scratch", "2026-01-05T06:00:00Z", outputs=[loose])))
    assert health(store, "tmp.scratch")["status"] == "UNKNOWN"
    tests = test_run.TestRunFacet(
        tests=[test_run.TestExecution(name="row_count_positive", status="fail", type="row_count")]
    )
    store.apply(translate(event("scratch", "2026-01-05T06:10:00Z", [], [loose], {"test": tests})))
    found = health(store, "tmp.scratch")
    assert found["status"] == "AT_RISK"
    assert found["reasons"][0]["subject"] == "job:airflow:scratch"
    assert found["reasons"][0]["path"] == ["job:airflow:scratch", f"dataset:{NS}:tmp.scratch"]
    job = store.nodes(["assertion:job:airflow:scratch:row_count_positive"])
    assert job["assertion:job:airflow:scratch:row_count_positive"].props["status"] == "FAIL"


def test_assertions_page_by_id(store: Store) -> None:
    pipeline(store)
    unique = dqa.Assertion(assertion="unique", success=True, column="id", severity="error")
    count = dqa.Assertion(assertion="row_count", success=True)
    check(store, "2026-01-05T06:30:00Z", not_null(True), unique, count)
    first = ask(store, ASSERTIONS, ns=NS, name="sales.public.orders", first=2)["dataset"]
    page = first["assertions"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = ask(
        store, ASSERTIONS, ns=NS, name="sales.public.orders", after=page["pageInfo"]["endCursor"]
    )["dataset"]["assertions"]
    names = [e["node"]["name"] for e in page["edges"] + rest["edges"]]
    assert sorted(names) == ["not_null_driver_id", "row_count", "unique"]
    assert rest["pageInfo"]["hasNextPage"] is False


def test_an_upstream_walk_cut_by_its_bound_says_so(store: Store) -> None:
    from graph.read import health as health_queries

    pipeline(store)
    check(store, "2026-01-05T06:30:00Z", not_null(False))
    moment = datetime(2026, 1, 5, 8, tzinfo=UTC)
    cut = health_queries.dataset_health(store, REPORT, moment, max_nodes=2)
    kinds = [r.kind for r in cut.reasons]
    assert health_queries.ReasonKind.UPSTREAM_TRUNCATED in kinds
    whole = health_queries.dataset_health(store, REPORT, moment)
    assert whole.status is health_queries.HealthStatus.AT_RISK
