"""The dbt ingester on a real project: the jaffle_shop manifest translated, a pure translation
(a manifest in, mutations out, no store needed), named and shaped as openlineage-dbt names the
same build."""

from __future__ import annotations

from typing import Any

import pytest
from dbt_manifests import OL_JOB_NAMESPACE, PG, applied, ds, edges_of, jaffle, of_kind

from graph.core.model import EdgeKind, NodeKind, field_id, job_id
from graph.core.mutations import UpsertNode, decode, encode, plan
from ingest.dbt import datasets_in_manifest, default_namespace, mark_removed, translate_manifest
from ingest.openlineage import translate as translate_event


def table_name(node: dict[str, Any]) -> str:
    return f"{node['database']}.{node['schema']}.{node['alias']}"


# -- jaffle_shop -----------------------------------------------------------------------------


def test_models_seeds_and_snapshot_become_datasets_named_like_openlineage_dbt() -> None:
    manifest = jaffle()
    changes = applied(translate_manifest(manifest, namespace=PG).mutations)
    expected = {
        ds("postgres.public.customers"),
        ds("postgres.public.orders"),
        ds("postgres.public.stg_customers"),
        ds("postgres.public.stg_orders"),
        ds("postgres.public.stg_payments"),
        ds("postgres.public.raw_customers"),
        ds("postgres.public.raw_orders"),
        ds("postgres.public.raw_payments"),
        ds("postgres.snapshots.orders_snapshot"),
    }
    assert of_kind(changes, NodeKind.DATASET) == expected
    assert datasets_in_manifest(manifest, PG) == expected
    by_type: dict[str, int] = {}
    for did in expected:
        props = changes.nodes[did].props
        assert (
            props["declared"] is True
            and props["deleted"] is False
            and props["dbtProject"] == "jaffle_shop"
        )
        by_type[props["dbtResourceType"]] = by_type.get(props["dbtResourceType"], 0) + 1
    assert by_type == {"model": 5, "seed": 3, "snapshot": 1}

    customers = changes.nodes[ds("postgres.public.customers")].props
    assert customers["dbtUniqueId"] == "model.jaffle_shop.customers"
    assert customers["materialized"] == "table" and customers["packageName"] == "jaffle_shop"
    assert customers["path"] == "models/customers.sql" and customers["access"] == "protected"
    assert customers["description"].startswith("This table has basic information about a customer")
    assert customers["tags"] == [] and "sql" not in customers
    assert changes.nodes[ds("postgres.public.stg_orders")].props["materialized"] == "view"
    snapshot = changes.nodes[ds("postgres.snapshots.orders_snapshot")].props
    assert snapshot["materialized"] == "snapshot"
    # Nothing documented: no empty description or column list that would erase another source's.
    assert "description" not in snapshot and "columns" not in snapshot


def test_documented_columns_in_order_with_descriptions() -> None:
    manifest = jaffle()
    changes = applied(translate_manifest(manifest, namespace=PG).mutations)
    node = manifest["nodes"]["model.jaffle_shop.customers"]
    names = list(node["columns"])
    assert changes.nodes[ds("postgres.public.customers")].props["columns"] == names
    for ordinal, name in enumerate(names, start=1):
        fid = field_id(PG, "postgres.public.customers", name)
        column = changes.nodes[fid]
        assert column.kind is NodeKind.COLUMN
        assert column.props["declared"] is True and column.props["ordinal"] == ordinal
        assert column.props["description"] == node["columns"][name]["description"]
        assert "type" not in column.props  # jaffle_shop documents no data_type
        assert (ds("postgres.public.customers"), EdgeKind.HAS_COLUMN, fid) in changes.edges
    assert sum(1 for n in changes.nodes.values() if n.kind is NodeKind.COLUMN) == sum(
        len(n["columns"]) for n in manifest["nodes"].values() if n["resource_type"] != "test"
    )


def test_lineage_edges_are_exactly_depends_on() -> None:
    manifest = jaffle()
    changes = applied(translate_manifest(manifest, namespace=PG).mutations)
    nodes = manifest["nodes"]
    expected_reads, expected_writes = set(), set()
    for uid, node in nodes.items():
        if node["resource_type"] not in ("model", "snapshot", "seed"):
            continue
        jid = job_id("dbt", uid)
        expected_writes.add((jid, ds(table_name(node))))
        for parent in node["depends_on"].get("nodes", []):
            expected_reads.add((jid, ds(table_name(nodes[parent]))))
    assert edges_of(changes, EdgeKind.READS) == expected_reads
    assert edges_of(changes, EdgeKind.WRITES) == expected_writes
    customers_job = job_id("dbt", "model.jaffle_shop.customers")
    assert {t for s, t in expected_reads if s == customers_job} == {
        ds("postgres.public.stg_customers"),
        ds("postgres.public.stg_orders"),
        ds("postgres.public.stg_payments"),
    }
    assert (
        job_id("dbt", "snapshot.jaffle_shop.orders_snapshot"),
        ds("postgres.public.raw_orders"),
    ) in expected_reads
    # Seeds are loaded from CSV: their job writes the table and reads nothing.
    seed_job = job_id("dbt", "seed.jaffle_shop.raw_customers")
    assert (seed_job, ds("postgres.public.raw_customers")) in expected_writes
    assert not any(s == seed_job for s, _ in expected_reads)
    assert not edges_of(changes, EdgeKind.DERIVES_FROM)  # no column lineage is invented

    job = changes.nodes[customers_job].props
    assert job["sql"] == nodes["model.jaffle_shop.customers"]["compiled_code"]
    assert job["rawCode"] == nodes["model.jaffle_shop.customers"]["raw_code"]
    assert job["materialized"] == "table" and job["description"].startswith("This table has basic")
    assert job["jobType.jobType"] == "MODEL" and job["jobType.integration"] == "DBT"
    assert (
        changes.nodes[job_id("dbt", "snapshot.jaffle_shop.orders_snapshot")].props[
            "jobType.jobType"
        ]
        == "SNAPSHOT"
    )
    assert "sql" not in changes.nodes[seed_job].props


def test_tests_become_quality_rules_on_columns_and_datasets() -> None:
    manifest = jaffle()
    changes = applied(translate_manifest(manifest, namespace=PG).mutations)
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert len(tests) == 21
    rules = [
        r
        for n in changes.nodes.values()
        if n.kind is NodeKind.DATASET
        for r in n.props.get("quality", [])
    ]
    assert sorted(r["dbtTestId"] for r in rules) == sorted(t["unique_id"] for t in tests)
    assert (
        sum(
            len(n.props.get("quality", []))
            for n in changes.nodes.values()
            if n.kind is NodeKind.COLUMN
        )
        == 21
    )

    customer_id = changes.nodes[field_id(PG, "postgres.public.customers", "customer_id")].props[
        "quality"
    ]
    assert {r["type"] for r in customer_id} == {"not_null", "unique"}
    assert all(r["severity"] == "ERROR" for r in customer_id)
    status = changes.nodes[field_id(PG, "postgres.public.orders", "status")].props["quality"]
    assert status[0]["type"] == "accepted_values"
    assert status[0]["kwargs"] == {
        "values": ["placed", "shipped", "completed", "return_pending", "returned"]
    }
    (relationship,) = [
        r
        for r in changes.nodes[field_id(PG, "postgres.public.orders", "customer_id")].props[
            "quality"
        ]
        if r["type"] == "relationships"
    ]
    assert relationship["references"] == {
        "dataset": ds("postgres.public.customers"),
        "column": "customer_id",
    }
    # A column without tests carries no rules.
    assert (
        "quality" not in changes.nodes[field_id(PG, "postgres.public.orders", "order_date")].props
    )


def test_jaffle_shop_declares_no_owners_domains_or_products() -> None:
    changes = applied(translate_manifest(jaffle(), namespace=PG).mutations)
    assert (
        not of_kind(changes, NodeKind.OWNER)
        | of_kind(changes, NodeKind.DOMAIN)
        | of_kind(changes, NodeKind.DATA_PRODUCT)
    )


def test_meets_the_openlineage_dbt_events_of_the_same_build() -> None:
    """A COMPLETE event as openlineage-dbt (structured logs) emitted it for the customers model."""
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2024-12-17T12:53:55.000000Z",
        "run": {"runId": "0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11"},
        "job": {"namespace": OL_JOB_NAMESPACE, "name": "model.jaffle_shop.customers"},
        "inputs": [
            {"namespace": PG, "name": f"postgres.public.{t}"}
            for t in ("stg_customers", "stg_orders", "stg_payments")
        ],
        "outputs": [{"namespace": PG, "name": "postgres.public.customers"}],
        "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.26.0/integration/dbt",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }
    from_events = applied(translate_event(event))
    from_manifest = applied(
        translate_manifest(jaffle(), namespace=PG, job_namespace=OL_JOB_NAMESPACE).mutations
    )
    assert of_kind(from_events, NodeKind.DATASET) <= of_kind(from_manifest, NodeKind.DATASET)
    assert of_kind(from_events, NodeKind.JOB) <= of_kind(from_manifest, NodeKind.JOB)
    job_edges = {k for k in from_events.edges if k[1] in (EdgeKind.READS, EdgeKind.WRITES)}
    assert job_edges and job_edges <= set(from_manifest.edges)


def test_job_names_of_dbt_ol_without_structured_logs() -> None:
    run = applied(translate_manifest(jaffle(), namespace=PG, job_naming="run").mutations)
    assert of_kind(run, NodeKind.JOB) == {
        job_id("dbt", "postgres.public.jaffle_shop.customers"),
        job_id("dbt", "postgres.public.jaffle_shop.orders"),
        job_id("dbt", "postgres.public.jaffle_shop.stg_customers"),
        job_id("dbt", "postgres.public.jaffle_shop.stg_orders"),
        job_id("dbt", "postgres.public.jaffle_shop.stg_payments"),
        job_id("dbt", "postgres.snapshots.jaffle_shop.orders_snapshot.snapshot"),
    }  # and no seed jobs, as dbt-ol emits none for seeds
    build = applied(translate_manifest(jaffle(), namespace=PG, job_naming="build").mutations)
    assert job_id("dbt", "postgres.public.jaffle_shop.customers.build.run") in build.nodes
    assert (
        job_id("dbt", "postgres.snapshots.jaffle_shop.orders_snapshot.build.snapshot")
        in build.nodes
    )
    with pytest.raises(ValueError):
        translate_manifest(jaffle(), job_naming="compile")  # type: ignore[arg-type]


def test_default_namespace_is_deterministic_and_derived_from_the_adapter() -> None:
    manifest = jaffle()
    assert default_namespace(manifest) == "postgres://dbt/jaffle_shop"
    changes = applied(translate_manifest(manifest).mutations)
    assert ds("postgres.public.customers", "postgres://dbt/jaffle_shop") in changes.nodes
    manifest["metadata"]["adapter_type"] = "bigquery"
    assert default_namespace(manifest) == "bigquery"  # what openlineage-dbt uses for BigQuery
    manifest["metadata"]["adapter_type"] = "sqlserver"
    assert default_namespace(manifest) == "mssql://dbt/jaffle_shop"


def test_same_manifest_twice_is_idempotent() -> None:
    first = translate_manifest(jaffle(), namespace=PG).mutations
    second = translate_manifest(jaffle(), namespace=PG).mutations
    assert first == second
    state = applied(first)
    assert not plan(second, state.nodes, state.edges)  # re-ingesting changes nothing
    stamps = {m.at for m in first}
    assert stamps == {"2024-12-17T12:53:37.786858Z"}


def test_newer_manifest_wins_whatever_the_order() -> None:
    old = jaffle()
    new = jaffle()
    new["metadata"]["generated_at"] = "2025-01-02T08:00:00+01:00"
    new["nodes"]["model.jaffle_shop.customers"]["description"] = "Customers, v2"
    new["nodes"]["model.jaffle_shop.customers"]["config"]["materialized"] = "incremental"
    forward = applied(
        translate_manifest(old, namespace=PG).mutations
        + translate_manifest(new, namespace=PG).mutations
    )
    backward = applied(
        translate_manifest(new, namespace=PG).mutations
        + translate_manifest(old, namespace=PG).mutations
    )
    assert forward == backward
    customers = forward.nodes[ds("postgres.public.customers")]
    assert (
        customers.props["description"] == "Customers, v2"
        and customers.props["materialized"] == "incremental"
    )
    assert customers.stamps["description"] == "2025-01-02T07:00:00.000000Z"
    assert customers.props["firstSeenAt"] == "2024-12-17T12:53:37.786858Z"
    # An explicit stamp overrides generated_at.
    later = translate_manifest(old, namespace=PG, at="2026-01-01T00:00:00Z").mutations
    assert {m.at for m in later} == {"2026-01-01T00:00:00.000000Z"}


def test_a_model_missing_from_a_newer_manifest_is_marked_deleted() -> None:
    old = jaffle()
    new = jaffle()
    new["metadata"]["generated_at"] = "2025-01-02T00:00:00Z"
    del new["nodes"]["model.jaffle_shop.orders"]
    previous = datasets_in_manifest(old, PG)
    removal = mark_removed(previous, new, PG)
    assert [m.id if isinstance(m, UpsertNode) else m for m in removal] == [
        ds("postgres.public.orders")
    ]
    graph = applied(
        translate_manifest(old, namespace=PG).mutations
        + translate_manifest(new, namespace=PG).mutations
        + removal
    )
    assert graph.nodes[ds("postgres.public.orders")].props["deleted"] is True
    assert graph.nodes[ds("postgres.public.customers")].props["deleted"] is False
    # Brought back by a later manifest: present again.
    back = jaffle()
    back["metadata"]["generated_at"] = "2025-02-01T00:00:00Z"
    graph = applied(
        translate_manifest(old, namespace=PG).mutations
        + removal
        + translate_manifest(back, namespace=PG).mutations
    )
    assert graph.nodes[ds("postgres.public.orders")].props["deleted"] is False


def test_mutations_survive_encoding() -> None:
    mutations = translate_manifest(jaffle(), namespace=PG).mutations
    assert decode(encode(mutations)) == mutations
