"""The dbt ingester is a pure translation: a manifest in, mutations out, no store needed."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

import pytest
from conftest import CORPORA
from document_paths import value_paths
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.model import (
    EdgeKind,
    NodeKind,
    dataset_id,
    domain_id,
    field_id,
    job_id,
    owner_id,
    product_id,
)
from graph.mutations import Changes, UpsertNode, decode, encode, plan
from ingest.dbt import (
    InvalidManifest,
    datasets_in_manifest,
    default_namespace,
    mark_removed,
    translate_manifest,
)
from ingest.openlineage import translate as translate_event

# What openlineage-dbt emitted for this very build (OpenLineage repo,
# integration/common/tests/dbt/structured_logs/postgres/build_command/results/build_ol_events.json).
PG = "postgres://postgres:5432"
OL_JOB_NAMESPACE = "dbt-test-namespace"
GENERATED_AT = "2024-12-17T12:53:37.786858Z"


@cache
def _jaffle_text() -> str:
    path = CORPORA / "dbt-jaffle-shop" / "manifest.json"
    if not path.exists():
        pytest.fail(f"test corpus missing: {path} (vendored under tests/corpora)")
    return path.read_text()


def jaffle() -> dict[str, Any]:
    """A fresh copy of the jaffle_shop manifest (dbt 1.8, schema v12)."""
    return json.loads(_jaffle_text())


def applied(mutations) -> Changes:
    """What the mutations amount to on an empty graph (the shared merge rule, no store)."""
    return plan(mutations, {}, {})


def ds(name: str, namespace: str = PG) -> str:
    return dataset_id(namespace, name)


def of_kind(changes: Changes, kind: NodeKind) -> set[str]:
    return {i for i, n in changes.nodes.items() if n.kind is kind}


def edges_of(changes: Changes, kind: EdgeKind) -> set[tuple[str, str]]:
    return {(s, t) for (s, k, t) in changes.edges if k is kind}


def table_name(node: dict[str, Any]) -> str:
    return f"{node['database']}.{node['schema']}.{node['alias']}"


# -- jaffle_shop -----------------------------------------------------------------------------


def test_models_seeds_and_snapshot_become_datasets_named_like_openlineage_dbt() -> None:
    manifest = jaffle()
    changes = applied(translate_manifest(manifest, namespace=PG))
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
    changes = applied(translate_manifest(manifest, namespace=PG))
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
    changes = applied(translate_manifest(manifest, namespace=PG))
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
    changes = applied(translate_manifest(manifest, namespace=PG))
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
    changes = applied(translate_manifest(jaffle(), namespace=PG))
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
        translate_manifest(jaffle(), namespace=PG, job_namespace=OL_JOB_NAMESPACE)
    )
    assert of_kind(from_events, NodeKind.DATASET) <= of_kind(from_manifest, NodeKind.DATASET)
    assert of_kind(from_events, NodeKind.JOB) <= of_kind(from_manifest, NodeKind.JOB)
    job_edges = {k for k in from_events.edges if k[1] in (EdgeKind.READS, EdgeKind.WRITES)}
    assert job_edges and job_edges <= set(from_manifest.edges)


def test_job_names_of_dbt_ol_without_structured_logs() -> None:
    run = applied(translate_manifest(jaffle(), namespace=PG, job_naming="run"))
    assert of_kind(run, NodeKind.JOB) == {
        job_id("dbt", "postgres.public.jaffle_shop.customers"),
        job_id("dbt", "postgres.public.jaffle_shop.orders"),
        job_id("dbt", "postgres.public.jaffle_shop.stg_customers"),
        job_id("dbt", "postgres.public.jaffle_shop.stg_orders"),
        job_id("dbt", "postgres.public.jaffle_shop.stg_payments"),
        job_id("dbt", "postgres.snapshots.jaffle_shop.orders_snapshot.snapshot"),
    }  # and no seed jobs, as dbt-ol emits none for seeds
    build = applied(translate_manifest(jaffle(), namespace=PG, job_naming="build"))
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
    changes = applied(translate_manifest(manifest))
    assert ds("postgres.public.customers", "postgres://dbt/jaffle_shop") in changes.nodes
    manifest["metadata"]["adapter_type"] = "bigquery"
    assert default_namespace(manifest) == "bigquery"  # what openlineage-dbt uses for BigQuery
    manifest["metadata"]["adapter_type"] = "sqlserver"
    assert default_namespace(manifest) == "mssql://dbt/jaffle_shop"


def test_same_manifest_twice_is_idempotent() -> None:
    first = translate_manifest(jaffle(), namespace=PG)
    second = translate_manifest(jaffle(), namespace=PG)
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
    forward = applied(translate_manifest(old, namespace=PG) + translate_manifest(new, namespace=PG))
    backward = applied(
        translate_manifest(new, namespace=PG) + translate_manifest(old, namespace=PG)
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
    later = translate_manifest(old, namespace=PG, at="2026-01-01T00:00:00Z")
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
        translate_manifest(old, namespace=PG) + translate_manifest(new, namespace=PG) + removal
    )
    assert graph.nodes[ds("postgres.public.orders")].props["deleted"] is True
    assert graph.nodes[ds("postgres.public.customers")].props["deleted"] is False
    # Brought back by a later manifest: present again.
    back = jaffle()
    back["metadata"]["generated_at"] = "2025-02-01T00:00:00Z"
    graph = applied(
        translate_manifest(old, namespace=PG) + removal + translate_manifest(back, namespace=PG)
    )
    assert graph.nodes[ds("postgres.public.orders")].props["deleted"] is False


def test_mutations_survive_encoding() -> None:
    mutations = translate_manifest(jaffle(), namespace=PG)
    assert decode(encode(mutations)) == mutations


# -- a synthetic mesh project ------------------------------------------------------------------


def model(
    name: str,
    *,
    schema: str = "analytics",
    alias: str | None = None,
    parents: tuple[str, ...] = (),
    columns: dict[str, dict[str, Any]] | None = None,
    meta: dict[str, Any] | None = None,
    config_meta: dict[str, Any] | None = None,
    group: str | None = None,
    access: str = "protected",
    materialized: str = "table",
    tags: list[str] | None = None,
    package: str = "shop",
) -> dict[str, Any]:
    return {
        "database": "warehouse",
        "schema": schema,
        "name": name,
        "alias": alias or name,
        "resource_type": "model",
        "package_name": package,
        "unique_id": f"model.{package}.{name}",
        "path": f"{name}.sql",
        "original_file_path": f"models/{name}.sql",
        "config": {
            "materialized": materialized,
            "meta": config_meta or {},
            "tags": [],
            "group": group,
            "access": access,
        },
        "tags": tags or [],
        "meta": meta or {},
        "description": f"The {name} model.",
        "columns": {
            c: {"name": c, "description": "", "meta": {}, "tags": [], "data_type": None, **spec}
            for c, spec in (columns or {}).items()
        },
        "group": group,
        "access": access,
        "raw_code": f"select * from {{{{ ref('{name}') }}}}",
        "compiled_code": f"select 1 as {name}",
        "language": "sql",
        "depends_on": {"macros": [], "nodes": list(parents)},
        "relation_name": f'"warehouse"."{schema}"."{alias or name}"',
    }


def generic_test(
    uid: str,
    name: str,
    attached: str | None,
    parents: list[str],
    column: str | None,
    kwargs: dict[str, Any],
    namespace: str | None = None,
    severity: str = "ERROR",
) -> dict[str, Any]:
    return {
        "database": "warehouse",
        "schema": "audit",
        "name": uid.split(".")[2],
        "resource_type": "test",
        "package_name": "shop",
        "unique_id": uid,
        "config": {"severity": severity},
        "tags": [],
        "meta": {},
        "columns": {},
        "depends_on": {"macros": [], "nodes": parents},
        "column_name": column,
        "attached_node": attached,
        "test_metadata": {"name": name, "kwargs": kwargs, "namespace": namespace},
    }


def mesh_manifest() -> dict[str, Any]:
    source = {
        "database": "warehouse",
        "schema": "raw",
        "name": "orders",
        "identifier": "orders_v2_export",
        "resource_type": "source",
        "package_name": "shop",
        "unique_id": "source.shop.crm.orders",
        "source_name": "crm",
        "source_description": "The CRM export.",
        "loader": "fivetran",
        "description": "Raw orders.",
        "meta": {"owner": "crm-team@example.com"},
        "tags": [],
        "config": {},
        "relation_name": '"warehouse"."raw"."orders_v2_export"',
        "columns": {
            "id": {
                "name": "id",
                "description": "Order id",
                "data_type": "bigint",
                "meta": {},
                "tags": [],
            },
            "email": {
                "name": "email",
                "description": "Buyer",
                "data_type": "text",
                "meta": {"pii": True},
                "tags": [],
            },
        },
    }
    nodes = {
        "model.shop.stg_orders": model(
            "stg_orders",
            schema="staging",
            alias="orders_staged",
            parents=("source.shop.crm.orders",),
            columns={
                "order_id": {"data_type": "bigint", "description": "Key"},
                "email": {"data_type": "varchar(256)", "tags": ["PII"]},
                "phone": {"meta": {"contains_pii": "true"}},
                "amount": {"data_type": "numeric(12,2)", "meta": {"unit": "EUR"}},
            },
        ),
        "model.shop.order_enriched": model(
            "order_enriched", parents=("model.shop.stg_orders",), materialized="ephemeral"
        ),
        "model.shop.fct_orders": model(
            "fct_orders",
            parents=("model.shop.order_enriched", "model.shop.stg_orders"),
            group="sales_analytics",
            access="public",
            meta={"domain": "sales", "owner": ["alice", "bob"]},
            columns={"order_id": {"data_type": "bigint"}},
            tags=["finance"],
        ),
        "model.shop.int_margins": model(
            "int_margins",
            parents=("model.shop.fct_orders",),
            group="sales_analytics",
            access="private",
            config_meta={
                "domain": "sales",
                "owner": {"name": "carol", "email": "carol@example.com"},
            },
        ),
        "model.shop.marketing_leads": model(
            "marketing_leads", meta={"domain": "marketing"}, group="growth", access="public"
        ),
        "test.shop.not_null_stg_orders_order_id.1": generic_test(
            "test.shop.not_null_stg_orders_order_id.1",
            "not_null",
            "model.shop.stg_orders",
            ["model.shop.stg_orders"],
            "order_id",
            {"column_name": "order_id", "model": "{{ get_where_subquery(ref('stg_orders')) }}"},
        ),
        "test.shop.source_unique_crm_orders_id.2": generic_test(
            "test.shop.source_unique_crm_orders_id.2",
            "unique",
            None,
            ["source.shop.crm.orders"],
            "id",
            {"column_name": "id", "model": "{{ get_where_subquery(source('crm', 'orders')) }}"},
            severity="WARN",
        ),
        "test.shop.dbt_utils_expression_is_true_fct.3": generic_test(
            "test.shop.dbt_utils_expression_is_true_fct.3",
            "expression_is_true",
            "model.shop.fct_orders",
            ["model.shop.fct_orders"],
            None,
            {"expression": "order_id > 0", "model": "{{ get_where_subquery(ref('fct_orders')) }}"},
            namespace="dbt_utils",
        ),
        "test.shop.assert_margins_positive": {
            "database": "warehouse",
            "schema": "audit",
            "name": "assert_margins_positive",
            "resource_type": "test",
            "package_name": "shop",
            "unique_id": "test.shop.assert_margins_positive",
            "config": {"severity": "ERROR"},
            "depends_on": {"nodes": ["model.shop.int_margins"]},
            "columns": {},
            "meta": {},
            "tags": [],
        },
    }
    return {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "dbt_version": "1.8.2",
            "generated_at": "2025-03-01T10:00:00Z",
            "project_name": "shop",
            "adapter_type": "snowflake",
        },
        "nodes": nodes,
        "sources": {"source.shop.crm.orders": source},
        "groups": {
            "group.shop.sales_analytics": {
                "name": "sales_analytics",
                "resource_type": "group",
                "package_name": "shop",
                "unique_id": "group.shop.sales_analytics",
                "description": "Sales numbers.",
                "owner": {"name": "Sales Analytics", "email": "sales@example.com"},
            },
            "group.shop.growth": {
                "name": "growth",
                "resource_type": "group",
                "package_name": "shop",
                "unique_id": "group.shop.growth",
                "owner": {"email": "growth@example.com"},
                "config": {"meta": {"domain": "marketing-growth"}},
            },
        },
        "parent_map": {},
        "child_map": {},
        "docs": {},
        "exposures": {},
        "metrics": {},
        "selectors": {},
        "disabled": {},
    }


SF = "snowflake://acme"


def test_mesh_mapping_domains_products_owners() -> None:
    changes = applied(translate_manifest(mesh_manifest(), namespace=SF))
    fct, margins = (
        ds("warehouse.analytics.fct_orders", SF),
        ds("warehouse.analytics.int_margins", SF),
    )
    leads = ds("warehouse.analytics.marketing_leads", SF)
    belongs = edges_of(changes, EdgeKind.BELONGS_TO)
    assert (fct, domain_id("sales")) in belongs and (margins, domain_id("sales")) in belongs
    assert (leads, domain_id("marketing")) in belongs
    assert changes.edges[(fct, EdgeKind.BELONGS_TO, domain_id("sales"))].props["source"] == "dbt"
    # No domain declared: none invented.
    assert not any(s == ds("warehouse.staging.orders_staged", SF) for s, _ in belongs)

    # A group is a data product; its public models are what it exposes, private ones are not.
    sales = product_id("sales", "sales_analytics")
    assert changes.nodes[sales].props["description"] == "Sales numbers."
    assert (sales, domain_id("sales")) in belongs
    assert edges_of(changes, EdgeKind.EXPOSES) == {
        (sales, fct),
        (product_id("marketing-growth", "growth"), leads),
    }
    assert (
        changes.nodes[fct].props["access"] == "public"
        and changes.nodes[fct].props["dbtGroup"] == "sales_analytics"
    )

    owned = edges_of(changes, EdgeKind.OWNED_BY)
    group_owner = owner_id("Sales Analytics")
    assert {(fct, owner_id("alice")), (fct, owner_id("bob")), (fct, group_owner)} <= owned
    assert {(margins, owner_id("carol")), (margins, group_owner), (sales, group_owner)} <= owned
    assert (job_id("dbt", "model.shop.fct_orders"), owner_id("alice")) in owned  # the job too
    assert (leads, owner_id("growth@example.com")) in owned
    assert changes.nodes[group_owner].props["email"] == "sales@example.com"
    assert changes.edges[(fct, EdgeKind.OWNED_BY, owner_id("alice"))].props["type"] == "owner"
    assert (ds("warehouse.raw.orders", SF), owner_id("crm-team@example.com")) in owned


def test_columns_types_pii_and_aliases() -> None:
    changes = applied(translate_manifest(mesh_manifest(), namespace=SF))
    staged = "warehouse.staging.orders_staged"  # the alias is the table dbt builds
    col = lambda d, c: changes.nodes[field_id(SF, d, c)].props  # noqa: E731
    assert (
        col(staged, "order_id")["type"] == "bigint"
        and col(staged, "order_id")["description"] == "Key"
    )
    assert col(staged, "amount")["type"] == "numeric(12,2)" and col(staged, "amount")["meta"] == {
        "unit": "EUR"
    }
    assert col(staged, "email")["pii"] is True and col(staged, "phone")["pii"] is True
    assert "pii" not in col(staged, "amount") and "description" not in col(staged, "email")
    assert [col(staged, c)["ordinal"] for c in ("order_id", "email", "phone", "amount")] == [
        1,
        2,
        3,
        4,
    ]
    # The model's own name (openlineage-dbt before 1.39 named datasets so) is an alias of the table.
    assert (
        ds("warehouse.staging.stg_orders", SF),
        EdgeKind.ALIAS_OF,
        ds(staged, SF),
    ) in changes.edges

    # Sources: declared, named by their dbt name like openlineage-dbt, the physical identifier an alias.
    source = changes.nodes[ds("warehouse.raw.orders", SF)].props
    assert source["declared"] is True and source["dbtResourceType"] == "source"
    assert (
        source["columns"] == ["id", "email"]
        and source["loader"] == "fivetran"
        and "deleted" not in source
    )
    assert col("warehouse.raw.orders", "email")["pii"] is True
    assert (
        ds("warehouse.raw.orders_v2_export", SF),
        EdgeKind.ALIAS_OF,
        ds("warehouse.raw.orders", SF),
    ) in changes.edges
    assert not any(
        t == ds("warehouse.raw.orders", SF) for _, t in edges_of(changes, EdgeKind.WRITES)
    )


def test_ephemeral_models_are_looked_through() -> None:
    manifest = mesh_manifest()
    changes = applied(translate_manifest(manifest, namespace=SF))
    assert ds("warehouse.analytics.order_enriched", SF) not in changes.nodes
    assert job_id("dbt", "model.shop.order_enriched") not in changes.nodes
    reads = {
        t
        for s, t in edges_of(changes, EdgeKind.READS)
        if s == job_id("dbt", "model.shop.fct_orders")
    }
    assert reads == {ds("warehouse.staging.orders_staged", SF)}
    built = datasets_in_manifest(manifest, SF)
    assert ds("warehouse.analytics.order_enriched", SF) not in built
    assert ds("warehouse.raw.orders", SF) not in built  # sources are not the project's to delete
    assert ds("warehouse.analytics.fct_orders", SF) in built
    staged_reads = {
        t
        for s, t in edges_of(changes, EdgeKind.READS)
        if s == job_id("dbt", "model.shop.stg_orders")
    }
    assert staged_reads == {ds("warehouse.raw.orders", SF)}


def test_source_package_and_singular_tests() -> None:
    changes = applied(translate_manifest(mesh_manifest(), namespace=SF))
    (unique,) = changes.nodes[field_id(SF, "warehouse.raw.orders", "id")].props["quality"]
    assert (
        unique["type"] == "unique" and unique["severity"] == "WARN"
    )  # no attached_node: found from source()
    fct_rules = changes.nodes[ds("warehouse.analytics.fct_orders", SF)].props["quality"]
    assert fct_rules == [
        {
            "type": "dbt_utils.expression_is_true",
            "dbtTestId": "test.shop.dbt_utils_expression_is_true_fct.3",
            "severity": "ERROR",
            "kwargs": {"expression": "order_id > 0"},
        }
    ]
    margins = changes.nodes[ds("warehouse.analytics.int_margins", SF)].props["quality"]
    assert margins == [
        {
            "type": "singular",
            "name": "assert_margins_positive",
            "dbtTestId": "test.shop.assert_margins_positive",
            "severity": "ERROR",
        }
    ]


def test_products_need_a_domain_and_a_public_model() -> None:
    manifest = mesh_manifest()
    manifest["nodes"]["model.shop.int_margins"]["config"]["meta"]["domain"] = (
        "finance"  # the group's models disagree
    )
    manifest["nodes"]["model.shop.marketing_leads"]["access"] = "protected"
    manifest["nodes"]["model.shop.marketing_leads"]["config"]["access"] = "protected"
    changes = applied(translate_manifest(manifest, namespace=SF))
    assert not of_kind(changes, NodeKind.DATA_PRODUCT)
    assert not edges_of(changes, EdgeKind.EXPOSES)


# -- older manifests -----------------------------------------------------------------------------


def v7_manifest() -> dict[str, Any]:
    """dbt 1.3 shape: no project_name, groups, access or attached_node."""

    def node(
        kind: str, name: str, parents: list[str], columns: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return {
            "resource_type": kind,
            "name": name,
            "alias": name,
            "database": "dev",
            "schema": "main",
            "package_name": "legacy",
            "unique_id": f"{kind}.legacy.{name}",
            "fqn": ["legacy", name],
            "config": {
                "materialized": "table" if kind == "model" else kind,
                "meta": {},
                "tags": [],
            },
            "tags": [],
            "meta": {},
            "description": "",
            "columns": columns or {},
            "raw_code": "select 1",
            "compiled_code": "select 1 as x",
            "compiled": True,
            "depends_on": {"macros": [], "nodes": parents},
        }

    nodes = {
        "seed.legacy.people": node("seed", "people", []),
        "model.legacy.users": node(
            "model",
            "users",
            ["seed.legacy.people"],
            {
                "person_id": {
                    "name": "person_id",
                    "description": "",
                    "meta": {},
                    "data_type": "integer",
                    "tags": [],
                }
            },
        ),
        "test.legacy.relationships_users_person_id.9": {
            "resource_type": "test",
            "name": "relationships_users_person_id",
            "unique_id": "test.legacy.relationships_users_person_id.9",
            "package_name": "legacy",
            "database": "dev",
            "schema": "main_audit",
            "config": {"severity": "ERROR"},
            "tags": [],
            "meta": {},
            "column_name": "person_id",
            "file_key_name": "models.users",
            "depends_on": {"macros": [], "nodes": ["seed.legacy.people", "model.legacy.users"]},
            "test_metadata": {
                "name": "relationships",
                "namespace": None,
                "kwargs": {
                    "to": "ref('people')",
                    "field": "id",
                    "column_name": "person_id",
                    "model": "{{ get_where_subquery(ref('users')) }}",
                },
            },
        },
    }
    return {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v7.json",
            "dbt_version": "1.3.0",
            "generated_at": "2022-11-01T09:00:00.000000Z",
            "adapter_type": "duckdb",
            "project_id": hashlib.md5(b"legacy").hexdigest(),
        },
        "nodes": nodes,
        "sources": {},
        "macros": {},
        "docs": {},
        "exposures": {},
        "metrics": {},
        "selectors": {},
        "disabled": {},
        "parent_map": {},
        "child_map": {},
    }


def test_v7_manifest() -> None:
    manifest = v7_manifest()
    assert (
        default_namespace(manifest) == "duckdb://dbt/legacy"
    )  # project name recovered from project_id
    changes = applied(translate_manifest(manifest, namespace="duckdb:///tmp/dev.duckdb"))
    ns = "duckdb:///tmp/dev.duckdb"
    users = changes.nodes[ds("dev.main.users", ns)].props
    assert users["dbtProject"] == "legacy" and users["columns"] == ["person_id"]
    assert changes.nodes[field_id(ns, "dev.main.users", "person_id")].props["type"] == "integer"
    (rule,) = users["quality"]  # attached to users (the tested model), not to people
    assert rule["references"] == {"dataset": ds("dev.main.people", ns), "column": "id"}
    assert edges_of(changes, EdgeKind.READS) == {
        (job_id("dbt", "model.legacy.users"), ds("dev.main.people", ns))
    }


@pytest.mark.parametrize("version", [7, 8, 9, 10, 11, 12])
def test_supported_versions(version: int) -> None:
    manifest = v7_manifest()
    manifest["metadata"]["dbt_schema_version"] = (
        f"https://schemas.getdbt.com/dbt/manifest/v{version}.json"
    )
    assert translate_manifest(manifest)


# -- invalid input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda m: m.pop("metadata"), "$.metadata: required, expected an object"),
        (lambda m: m["metadata"].pop("dbt_schema_version"), "$.metadata.dbt_schema_version"),
        (
            lambda m: m["metadata"].__setitem__(
                "dbt_schema_version", "https://schemas.getdbt.com/dbt/manifest/v5.json"
            ),
            "$.metadata.dbt_schema_version: manifest schema v5 is not supported",
        ),
        (
            lambda m: m["metadata"].__setitem__(
                "dbt_schema_version", "https://schemas.getdbt.com/dbt/manifest/v13.json"
            ),
            "$.metadata.dbt_schema_version: manifest schema v13",
        ),
        (
            lambda m: m["metadata"].__setitem__(
                "dbt_schema_version", "https://schemas.getdbt.com/dbt/catalog/v1.json"
            ),
            "is not a dbt manifest schema URL",
        ),
        (
            lambda m: m["metadata"].__setitem__("generated_at", "yesterday"),
            "$.metadata.generated_at",
        ),
        (
            lambda m: m["metadata"].__setitem__("generated_at", 1734440026),
            "$.metadata.generated_at: expected a string, got int",
        ),
        (lambda m: m.pop("nodes"), "$.nodes: required"),
        (lambda m: m.__setitem__("nodes", []), "$.nodes: expected an object, got array"),
        (
            lambda m: m["nodes"].__setitem__("model.jaffle_shop.customers", "x"),
            "$.nodes['model.jaffle_shop.customers']: expected an object",
        ),
        (
            lambda m: m["nodes"]["model.jaffle_shop.customers"].__setitem__("depends_on", ["a"]),
            "$.nodes['model.jaffle_shop.customers'].depends_on: expected an object",
        ),
        (
            lambda m: m["nodes"]["model.jaffle_shop.customers"]["depends_on"].__setitem__(
                "nodes", [1]
            ),
            "$.nodes['model.jaffle_shop.customers'].depends_on.nodes[0]: expected a string",
        ),
        (
            lambda m: m["nodes"]["model.jaffle_shop.customers"].pop("schema"),
            "$.nodes['model.jaffle_shop.customers'].schema: required",
        ),
        (
            lambda m: m["nodes"]["model.jaffle_shop.customers"].pop("resource_type"),
            ".resource_type: required",
        ),
        (
            lambda m: m["nodes"]["model.jaffle_shop.customers"].__setitem__("columns", [1]),
            ".columns: expected an object",
        ),
        (
            lambda m: m["nodes"]["model.jaffle_shop.customers"]["columns"].__setitem__(
                "first_name", None
            ),
            "$.nodes['model.jaffle_shop.customers'].columns['first_name']: expected an object, got null",
        ),
        (
            lambda m: m["nodes"]["model.jaffle_shop.customers"]["columns"][
                "first_name"
            ].__setitem__("data_type", 3),
            ".columns['first_name'].data_type: expected a string",
        ),
        (
            lambda m: m["nodes"]["model.jaffle_shop.customers"].__setitem__("tags", "pii"),
            ".tags: expected an array",
        ),
        (
            lambda m: (
                m["nodes"]["model.jaffle_shop.customers"].__setitem__("config", None)
                or m["nodes"]["model.jaffle_shop.customers"].__setitem__("config", 5)
            ),
            ".config: expected an object",
        ),
        (
            lambda m: m["nodes"]["test.jaffle_shop.not_null_orders_amount.106140f9fd"][
                "test_metadata"
            ].pop("name"),
            "$.nodes['test.jaffle_shop.not_null_orders_amount.106140f9fd'].test_metadata.name: required",
        ),
        (
            lambda m: m.__setitem__("sources", {"source.a.b.c": {"name": "c"}}),
            "$.sources['source.a.b.c'].schema: required",
        ),
        (
            lambda m: m.__setitem__("groups", {"group.a.g": []}),
            "$.groups['group.a.g']: expected an object",
        ),
    ],
)
def test_invalid_manifests_name_the_failing_field(mutate, fragment) -> None:
    manifest = jaffle()
    mutate(manifest)
    with pytest.raises(InvalidManifest) as raised:
        translate_manifest(manifest, namespace=PG)
    assert fragment in str(raised.value)


@pytest.mark.parametrize(
    "document",
    [None, [], "manifest", 42, {}, {"metadata": []}, {"metadata": {"dbt_schema_version": 12}}],
)
def test_things_that_are_not_manifests(document) -> None:
    for call in (translate_manifest, default_namespace, datasets_in_manifest):
        with pytest.raises(InvalidManifest):
            call(document)


def test_a_value_no_store_can_hold_is_an_invalid_manifest() -> None:
    """JSON allows integers past 64 bits; a manifest holding one is refused by name, not with a TypeError."""
    manifest = mesh_manifest()
    manifest["nodes"]["model.shop.marketing_leads"]["meta"]["tier"] = -(2**63) - 1
    with pytest.raises(InvalidManifest, match="beyond 64 bits"):
        translate_manifest(manifest, namespace=SF)


_corruptions = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), which=st.sampled_from(["jaffle", "mesh", "v7"]), delete=st.booleans())
def test_any_corruption_raises_invalid_manifest_or_translates(
    data: st.DataObject, which: str, delete: bool
) -> None:
    """Whatever any field holds (or lacks), the answer is mutations or InvalidManifest, never KeyError/TypeError."""
    manifest = {"jaffle": jaffle, "mesh": mesh_manifest, "v7": v7_manifest}[which]()
    path = data.draw(st.sampled_from(value_paths(manifest)))
    parent = manifest
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(_corruptions)
    try:
        translate_manifest(manifest)
        mark_removed({ds("postgres.public.customers")}, manifest)
    except InvalidManifest:
        pass
