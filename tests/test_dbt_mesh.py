"""The dbt ingester on a synthetic mesh project: groups become data products, meta domains and
owners become the graph's, sources, aliases, ephemeral models and singular tests map as dbt
means them. A pure translation, no store needed."""

from __future__ import annotations

from dbt_manifests import SF, applied, ds, edges_of, mesh_manifest, of_kind

from graph.core.model import EdgeKind, NodeKind, domain_id, field_id, job_id, owner_id, product_id
from ingest.dbt import datasets_in_manifest, translate_manifest


def test_mesh_mapping_domains_products_owners() -> None:
    changes = applied(translate_manifest(mesh_manifest(), namespace=SF).mutations)
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
    changes = applied(translate_manifest(mesh_manifest(), namespace=SF).mutations)
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
    changes = applied(translate_manifest(manifest, namespace=SF).mutations)
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
    changes = applied(translate_manifest(mesh_manifest(), namespace=SF).mutations)
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
    changes = applied(translate_manifest(manifest, namespace=SF).mutations)
    assert not of_kind(changes, NodeKind.DATA_PRODUCT)
    assert not edges_of(changes, EdgeKind.EXPOSES)
