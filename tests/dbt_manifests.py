"""dbt manifests for the dbt ingester's tests: the vendored jaffle_shop manifest (dbt 1.8, schema
v12) with what openlineage-dbt emitted for the same build, a synthetic mesh project (groups,
access, owners, domains, sources, an ephemeral model), and what mutations amount to on an empty
graph."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from conftest import CORPORA

from graph.core.model import EdgeKind, NodeKind, dataset_id
from graph.core.mutations import Changes, plan

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
