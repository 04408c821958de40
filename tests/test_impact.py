"""Impact analysis and the CI check, on every store, from the food_delivery seed plus ownership."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import food_delivery as fd
from command_line import breaking_report, lineagemesh

from graph.core.model import EdgeKind
from graph.read.impact import ChangeKind, Severity, impact
from graph.stores import Store
from ingest.builder import GraphBuilder
from ingest.openlineage import translate

PRODUCER = "https://example.com/tests"

EMAIL_COLUMNS = {
    fd.col("delivery_7_days", "customer_email"): 1,
    fd.col("top_delivery_times", "customer_email"): 2,
    fd.col("discounts", "customer_email"): 2,
}
EMAIL_JOB_OWNERS = {
    "etl_delivery_7_days": "team-logistics",
    "delivery_times_7_days": "team-analytics",
}
EMAIL_JOBS = {fd.job(name) for name in EMAIL_JOB_OWNERS}


def seed(store: Store, events: list[dict]) -> None:
    for event in events + [
        fd.ownership_event(job, owner) for job, owner in EMAIL_JOB_OWNERS.items()
    ]:
        store.apply(translate(event))


def test_dropping_a_column_reports_columns_paths_jobs_and_owners(
    store: Store, food_delivery_events
) -> None:
    seed(store, food_delivery_events)
    report = impact(store, fd.col("customers", "email"), ChangeKind.DROP)
    columns = {a.node.id: a for a in report.affected if a.node.id.startswith("datasetField:")}
    assert {i: a.distance for i, a in columns.items()} == EMAIL_COLUMNS
    assert all(a.severity is Severity.BREAKING and a.certain for a in columns.values())
    assert columns[fd.col("discounts", "customer_email")].path == (
        fd.col("customers", "email"),
        fd.job("etl_delivery_7_days"),
        fd.col("delivery_7_days", "customer_email"),
        fd.job("delivery_times_7_days"),
        fd.col("discounts", "customer_email"),
    )
    jobs = {a.node.id: a for a in report.affected if a.node.id.startswith("job:")}
    assert set(jobs) >= EMAIL_JOBS and all(
        jobs[j].severity is Severity.BREAKING for j in EMAIL_JOBS
    )
    # email_discounts reads customers but reports no column lineage: flagged, not certain.
    assert jobs[fd.job("email_discounts")].certain is False
    assert [o.props["name"] for o in report.owners] == ["team-analytics", "team-logistics"]
    assert report.breaking and not report.truncated
    semantic = impact(store, fd.col("customers", "email"), ChangeKind.SEMANTIC)
    assert {a.severity for a in semantic.affected} <= {
        Severity.WARNING,
        Severity.INFO,
    } and not semantic.breaking


def test_indirect_uses_are_lower_and_budgets_make_partial_answers(store: Store) -> None:
    b = GraphBuilder("2026-01-05T06:00:00.000000Z")
    for table in ("src", "mid", "out"):
        b.dataset("pg", table, {"columns": ["a", "b"]})
    job = b.job("spark", "j", {})
    mid_a = b.column("pg", "mid", "a", {"declared": True})
    b.edge(
        mid_a,
        EdgeKind.DERIVES_FROM,
        b.column("pg", "src", "a", {"declared": True}),
        {"jobId": job, "transformations": [{"type": "INDIRECT", "subtype": "FILTER"}]},
    )
    b.edge(
        b.column("pg", "out", "a", {"declared": True}), EdgeKind.DERIVES_FROM, mid_a, {"jobId": job}
    )
    store.apply(b.mutations)
    report = impact(store, "datasetField:pg:src:a")
    severities = {a.node.id: a.severity for a in report.affected}
    assert severities["datasetField:pg:mid:a"] is Severity.WARNING
    assert (
        severities["datasetField:pg:out:a"] is Severity.WARNING
    )  # an indirect hop lowers all beyond it
    shallow = impact(store, "datasetField:pg:src:a", depth=1)
    assert (
        "datasetField:pg:out:a" not in {a.node.id for a in shallow.affected} and shallow.truncated
    )
    tiny = impact(store, "datasetField:pg:src:a", max_nodes=2)
    assert tiny.truncated


def test_dataset_drop_breaks_readers_and_stales_the_rest(
    store: Store, food_delivery_events
) -> None:
    seed(store, food_delivery_events)
    report = impact(store, fd.ds("delivery_7_days"), ChangeKind.DROP)
    by_id = {a.node.id: a for a in report.affected}
    assert by_id[fd.job("delivery_times_7_days")].severity is Severity.BREAKING
    assert by_id[fd.ds("discounts")].severity is Severity.BREAKING
    assert by_id[fd.ds("popular_orders_day_of_week")].severity is Severity.WARNING
    assert by_id[fd.ds("popular_orders_day_of_week")].path == (
        fd.ds("delivery_7_days"),
        fd.job("delivery_times_7_days"),
        fd.ds("top_delivery_times"),
        fd.job("orders_popular_day_of_week"),
        fd.ds("popular_orders_day_of_week"),
    )


def test_cycles_terminate_without_duplicates(store: Store) -> None:
    run = str(uuid.uuid4())
    loop = {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-05T06:00:00Z",
        "run": {"runId": run},
        "job": {"namespace": "spark", "name": "merge"},
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "inputs": [{"namespace": "pg", "name": "t"}],
        "outputs": [
            {
                "namespace": "pg",
                "name": "t",
                "facets": {
                    "columnLineage": {
                        "_producer": PRODUCER,
                        "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
                        "fields": {
                            "a": {"inputFields": [{"namespace": "pg", "name": "t", "field": "a"}]}
                        },
                    }
                },
            }
        ],
    }
    store.apply(translate(loop))
    report = impact(store, "datasetField:pg:t:a")
    assert [a.node.id for a in report.affected] == ["job:spark:merge"]
    assert len(impact(store, "dataset:pg:t").affected) == 1


def test_check_cli_exit_codes_and_formats(
    open_test_store, server_store_args, food_delivery_events, tmp_path: Path
) -> None:
    store = open_test_store()
    seed(store, food_delivery_events)
    store.close()
    node = fd.col("customers", "email")
    report = breaking_report(node, "--change", "drop", *server_store_args)
    assert {a["id"] for a in report["affected"] if a["kind"] == "COLUMN"} == set(EMAIL_COLUMNS)
    assert report["verdict"] == "BREAKING" and report["changes"][0]["kind"] == "COLUMN_REMOVED"
    markdown = lineagemesh("check", node, "--format", "markdown", *server_store_args)
    assert (
        markdown.returncode == 1
        and "**BREAKING**" in markdown.stdout
        and "| BREAKING | COLUMN |" in markdown.stdout
    )
    semantic = lineagemesh("check", node, "--change", "semantic", *server_store_args)
    assert semantic.returncode == 0, semantic.stdout + semantic.stderr
    leaf = lineagemesh(
        "check", fd.col("discounts", "amount_off"), "--change", "rename", *server_store_args
    )
    assert leaf.returncode == 1  # a rename is breaking by itself, though nothing reads it today
    assert "BREAKING (the changes themselves; downstream, warnings only)" in leaf.stdout
    impact = ("--fail-on", "impact")
    leaf = lineagemesh(
        "check",
        fd.col("discounts", "amount_off"),
        "--change",
        "rename",
        *impact,
        *server_store_args,
    )
    assert leaf.returncode == 0, leaf.stdout + leaf.stderr
    assert lineagemesh("check", "datasetField:no:such:column", *server_store_args).returncode == 2
    assert lineagemesh("check", node, "--change", "explode", *server_store_args).returncode == 2
    assert (
        lineagemesh(
            "check",
            node,
            "--change",
            "drop",
            "--proposed-schema",
            str(tmp_path / "x.json"),
            *server_store_args,
        ).returncode
        == 2
    )


def test_check_with_a_proposed_schema(
    open_test_store, server_store_args, food_delivery_events, tmp_path: Path
) -> None:
    store = open_test_store()
    seed(store, food_delivery_events)
    store.close()
    customers = next(
        e
        for e in food_delivery_events
        if e.get("outputs") and e["outputs"][0]["name"] == "public.customers"
    )
    fields = [
        f for f in customers["outputs"][0]["facets"]["schema"]["fields"] if f["name"] != "email"
    ]
    without_email = tmp_path / "customers.schema.json"
    without_email.write_text(
        json.dumps({"fields": [*fields, {"name": "phone", "type": "VARCHAR"}]})
    )
    body = breaking_report(
        fd.ds("customers"), "--proposed-schema", str(without_email), *server_store_args
    )
    changes = {(c["kind"], c["column"], c["severity"]) for c in body["changes"]}
    assert ("COLUMN_REMOVED", "email", "BREAKING") in changes
    assert ("COLUMN_ADDED", "phone", "NONE") in changes
    assert {a["id"] for a in body["affected"] if a["kind"] == "COLUMN"} == set(EMAIL_COLUMNS)
    assert all("drop email" in a["changes"] for a in body["affected"])
    unchanged = tmp_path / "same.json"
    unchanged.write_text(
        json.dumps({"fields": customers["outputs"][0]["facets"]["schema"]["fields"]})
    )
    same = lineagemesh(
        "check", fd.ds("customers"), "--proposed-schema", str(unchanged), *server_store_args
    )
    assert same.returncode == 0, same.stdout
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"hello": "world"}')
    bad = lineagemesh(
        "check", fd.ds("customers"), "--proposed-schema", str(garbage), *server_store_args
    )
    assert bad.returncode == 2 and "not an OpenLineage schema facet" in bad.stderr


def test_check_against_a_running_server(live_server, food_delivery_events) -> None:
    import httpx

    for event in food_delivery_events:
        assert httpx.post(f"{live_server.url}/api/v1/lineage", json=event).status_code == 201
    result = lineagemesh("check", fd.col("customers", "email"), "--server", live_server.url)
    assert result.returncode == 1 and fd.col("discounts", "customer_email") in result.stdout
