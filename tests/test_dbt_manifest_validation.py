"""Which dbt manifests the ingester reads: schema v7 to v12 (the oldest shape translated in
full), and anything else refused with InvalidManifest naming the failing field, never a
KeyError or TypeError."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from dbt_manifests import PG, SF, applied, ds, edges_of, jaffle, mesh_manifest
from document_paths import value_at, value_paths
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.core.model import EdgeKind, field_id, job_id
from ingest.dbt import (
    InvalidManifest,
    datasets_in_manifest,
    default_namespace,
    mark_removed,
    translate_manifest,
)

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
            "compiled_code": (  # what the SELECT reads: its declared columns, from its parent
                f"select {', '.join(columns)} from dev.main.{parents[0].split('.')[-1]}"
                if columns and parents
                else "select 1 as x"
            ),
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
    changes = applied(translate_manifest(manifest, namespace="duckdb:///tmp/dev.duckdb").mutations)
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
    assert translate_manifest(manifest).mutations


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
    parent = value_at(manifest, path[:-1])
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(_corruptions)
    try:
        translate_manifest(manifest)
        mark_removed({ds("postgres.public.customers")}, manifest)
    except InvalidManifest:
        pass
