"""Whom to notify is owners and teams, never a job: a dbt project's public model (a data product of
the sales domain) read by an Airflow job and a Spark job of other teams, each job with its owner,
and by a Superset refresh job that has no owner.

The jobs read the product without a contract, so they are its (undeclared) consumers, named by
their job names in ``impact.consumers``; a breaking change's webhook ``notify`` holds the owners
(the models', the jobs') and no job name, and so does the pull-request check's ``notify owners``,
grouped by the domain of what each owns. A real server, fed over HTTP, and the real CLI.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from dbt_manifests import mesh_manifest
from test_pr_check import field, job_event
from test_webhooks import hooks_file, serve
from webhook_receiver import Receiver

SF = "snowflake://acme"
FCT = "warehouse.analytics.fct_orders"
JOBS: dict[tuple[str, str], str | None] = {  # job → its owner
    ("airflow://finance", "finance_daily_revenue"): "team-finance",
    ("spark://bi", "bi.orders_cube"): "team-bi",
    ("superset://bi", "refresh_orders_dashboard"): None,  # nobody owns it
}
OWNERS = {owner for owner in JOBS.values() if owner}
PRODUCT_OWNER = "Sales Analytics"  # the dbt group's owner: the product publishing fct_orders


def lineagemesh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", *args], capture_output=True, text=True, timeout=300
    )


def readers() -> list[dict[str, Any]]:
    """The Airflow, the Spark and the Superset job, each computing a column from
    fct_orders.order_id."""
    return [
        job_event(
            job,
            [(SF, FCT, None)],
            (f"s3://{owner or 'nobody'}", f"{job[1]}_out", [field("orders", "BIGINT")]),
            {"orders": [(SF, FCT, "order_id")]},
            owner=owner,
            run=f"0f5bd5b8-8c2a-4bd4-9a7a-6f4b0c8e0c0{i}",
        )
        for i, (job, owner) in enumerate(JOBS.items())
    ]


def test_notify_names_owners_never_jobs(tmp_path: Path) -> None:
    manifest = mesh_manifest()
    base = tmp_path / "manifest.json"
    base.write_text(json.dumps(manifest))
    pr = copy.deepcopy(manifest)
    pr["metadata"]["generated_at"] = "2026-04-01T00:00:00Z"
    del pr["nodes"]["model.shop.fct_orders"]["columns"]["order_id"]
    pr["nodes"]["model.shop.fct_orders"]["compiled_code"] = "select 1 as fct_orders"
    changed = tmp_path / "pr-manifest.json"
    changed.write_text(json.dumps(pr))
    receiver = Receiver()
    server = serve(tmp_path, hooks_file(tmp_path, {"url": receiver.url}))
    try:
        to_server = ("--namespace", SF, "--server", server.url)
        sent = lineagemesh("ingest", "dbt", str(base), *to_server)
        assert sent.returncode == 0, sent.stderr
        for event in readers():
            answer = httpx.post(server.url + "/api/v1/lineage", json=event, timeout=60)
            assert answer.status_code == 201, answer.text

        # the check of the pull request: owners by domain, no job among them
        done = lineagemesh("check", "--dbt-manifest", str(changed), *to_server, "--format", "json")
        assert done.returncode == 1, done.stderr
        report = json.loads(done.stdout)
        jobs = {f"job:{ns}:{name}" for ns, name in JOBS} | {name for _, name in JOBS}
        consumers = {c["id"] for c in report["consumers"]}
        assert {f"job:{ns}:{name}" for ns, name in JOBS} <= consumers  # seen reading, undeclared
        owners = {o["name"]: o["domains"] for o in report["owners"]}
        assert {PRODUCT_OWNER, *OWNERS} <= set(owners)
        assert not set(owners) & jobs
        # every job is in the affected list, the one nobody owns too, and nowhere among owners
        affected = {row["id"] for row in report["affected"] if row["kind"] == "JOB"}
        assert {f"job:{ns}:{name}" for ns, name in JOBS} <= affected
        # by the domain of what each owns: the product's, int_margins' (carol's, reading
        # fct_orders), and the jobs' (they write no domain's)
        assert owners[PRODUCT_OWNER] == ["sales"]
        assert owners["team-finance"] == owners["team-bi"] == [None]
        markdown = lineagemesh(
            "check", "--dbt-manifest", str(changed), *to_server, "--format", "markdown"
        ).stdout
        assert (
            "- **notify owners**, by domain:\n  - `sales`: `Sales Analytics`, `carol`\n"
            "  - no domain: `team-bi`, `team-finance`\n"
        ) in markdown, markdown
        text = lineagemesh("check", "--dbt-manifest", str(changed), *to_server).stdout
        assert [line for line in text.splitlines() if line.startswith("notify")] == [
            "notify owners (sales): Sales Analytics, carol",
            "notify owners (no domain): team-bi, team-finance",
        ], text
        # the affected table names nodes as people do, the full id as each one's title
        column = f"datasetField:{SF}:{FCT}:order_id"
        assert f'<code title="{column}">analytics.fct_orders.order_id</code>' in markdown
        job = "job:airflow://finance:finance_daily_revenue"
        assert f'<code title="{job}">finance_daily_revenue</code>' in markdown

        # the webhook of the breaking change the new manifest makes: the same people
        sent = lineagemesh("ingest", "dbt", str(changed), *to_server)
        assert sent.returncode == 0, sent.stderr
        [post] = receiver.wait_for(1)
        body = post.json
        assert body["type"] == "breaking_change"
        assert [c["column"] for c in body["changes"]] == ["order_id"]
        assert {name for _, name in JOBS} <= set(body["impact"]["consumers"])
        assert {PRODUCT_OWNER, *OWNERS} <= set(body["notify"]), body["notify"]
        assert not set(body["notify"]) & jobs, body["notify"]
    finally:
        server.stop()
        receiver.close()
