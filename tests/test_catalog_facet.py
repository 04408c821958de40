"""The OpenLineage ``catalog`` facet joins a dataset named by its storage location to the table a
real Iceberg REST catalog's crawl records: one node under the catalog's name, whichever of the
event and the crawl arrives first, on both stores."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.generated import (
    catalog_dataset,
    column_lineage_dataset,
    dataset_type_dataset,
    schema_dataset,
    tags_dataset,
)
from openlineage.client.transport.http import HttpConfig, HttpTransport
from openlineage_events import complete

from graph.core.model import EdgeKind, dataset_id, field_id, job_id
from graph.intake.ingest_service import IngestService, translate_events
from graph.read.aliases import AliasResolver, canonical_targets
from graph.stores import Store
from ingest.naming import location_dataset, normal_namespace
from ingest.openlineage_catalog import catalog_table


def written(location: str, facet: dict[str, Any], job: str) -> dict[str, Any]:
    """What Spark sends writing an Iceberg table by its location, with the catalog facet."""
    namespace, name = location_dataset(location)
    return complete(
        job,
        [],
        [{"namespace": namespace, "name": name, "facets": {"catalog": facet}}],
        at="2026-03-01T10:00:00Z",
        job_namespace="spark",
        producer="https://github.com/OpenLineage/OpenLineage/tree/1.38.0/integration/spark",
    )


def test_the_catalog_facet_joins_the_crawled_table_whatever_arrives_first(
    open_test_store: Callable[[], Store],
    rest_server: Any,
) -> None:
    pytest.importorskip("pyiceberg")
    from pyiceberg.catalog import load_catalog
    from pyiceberg.schema import Schema
    from pyiceberg.types import LongType, NestedField

    from graph.intake.iceberg_crawl import crawl
    from ingest.iceberg import translate_catalog

    catalog = load_catalog(
        "lake", type="rest", uri=rest_server.uri, warehouse=rest_server.warehouse_uri
    )
    ns = f"facet_{uuid.uuid4().hex[:8]}"
    catalog.create_namespace(ns)
    schema = Schema(NestedField(1, "id", LongType(), required=True))
    first = catalog.create_table(f"{ns}.first", schema=schema)
    facet = {
        "_producer": "https://github.com/OpenLineage/OpenLineage/tree/1.38.0/integration/spark",
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/CatalogDatasetFacet.json",
        "framework": "iceberg",
        "type": "rest",
        "name": "lake",
        "metadataUri": rest_server.uri,
        "warehouseUri": rest_server.warehouse_uri,
        "source": "spark",
    }
    store = open_test_store()
    service = IngestService(store)

    def ingest(event: dict[str, Any]) -> None:
        service.commit(translate_events([event], keep_raw=False).payload, None)

    # The crawl first, then the event naming the table by its location.
    service.apply_mutations(translate_catalog(crawl(catalog, [ns])), 1)
    ingest(written(first.metadata.location, facet, "write_first"))
    # The event first, then the table created there and crawled.
    later_location = first.metadata.location.rstrip("/").rsplit("/", 1)[0] + "/later"
    ingest(written(later_location, facet, "write_later"))
    later_id = dataset_id(normal_namespace(rest_server.uri), f"{ns}.later")
    later_storage = dataset_id(*location_dataset(later_location))
    # Before any crawl knows it, the facet alone names the table the catalog will give it.
    assert AliasResolver(store).canonical([later_storage]) == {later_storage: later_id}
    catalog.create_table(f"{ns}.later", schema=schema, location=later_location)
    service.apply_mutations(translate_catalog(crawl(catalog, [ns])), 1)

    table_ns = normal_namespace(rest_server.uri)
    for table, location, job in (
        ("first", first.metadata.location, "write_first"),
        ("later", later_location, "write_later"),
    ):
        table_id = dataset_id(table_ns, f"{ns}.{table}")
        storage_id = dataset_id(*location_dataset(location))
        assert catalog_table(*location_dataset(location), facet) == (table_ns, f"{ns}.{table}")
        assert AliasResolver(store).canonical([storage_id]) == {storage_id: table_id}
        [output] = canonical_targets(store, job_id("spark", job), EdgeKind.WRITES)
        assert output.id == table_id  # one node, the catalog's name
        assert output.props["columns"] == ["id"] and output.props.get("tableUuid")

    # A location outside the warehouse joins nothing.
    assert catalog_table("s3://elsewhere", "x/y/z", facet) is None


def symlinked(storage: tuple[str, str], *tables: tuple[str, str]) -> dict[str, Any]:
    """An event writing ``storage`` whose symlinks name ``tables`` as TABLEs, as openlineage-spark
    sends for a metastore table (its location among them, as some versions do)."""
    event = written(f"{storage[0]}/{storage[1]}", {}, "spark_job")
    event["outputs"][0]["facets"] = {
        "symlinks": {
            "_producer": "https://github.com/OpenLineage/OpenLineage/tree/1.38.0/integration/spark",
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/SymlinksDatasetFacet.json",
            "identifiers": [
                {"namespace": ns, "name": name, "type": "TABLE"} for ns, name in tables
            ],
        }
    }
    return event


def test_the_catalogs_table_name_is_shown_whatever_the_arrival_order(
    open_test_store: Callable[[], Store],
) -> None:
    store = open_test_store()
    service = IngestService(store)
    metastore = "hive://metastore:9083"
    for table, both_first in (("orders", True), ("refunds", False)):
        storage = ("s3://lake", f"warehouse/sales.db/{table}")
        path = ("file", f"/mnt/warehouse/sales.db/{table}")  # sorts before hive://
        both = symlinked(storage, path, (metastore, f"sales.{table}"))
        storage_only = symlinked(storage, path)
        for event in [both, storage_only] if both_first else [storage_only, both]:
            service.commit(translate_events([event], keep_raw=False).payload, None)
        catalog_id = dataset_id(metastore, f"sales.{table}")
        names = [dataset_id(*storage), dataset_id(*path), catalog_id]
        assert AliasResolver(store).canonical(names) == dict.fromkeys(names, catalog_id), table


def lifecycle(table: str, symlink: tuple[str, str], state: str, at: str) -> dict[str, Any]:
    """Spark changing the Hive table ``table`` stored under hdfs://m/wh, named by ``symlink``."""
    event = symlinked(("hdfs://m", f"/wh/default/{table}"), symlink)
    event["eventTime"] = at
    event["outputs"][0]["facets"]["lifecycleStateChange"] = {
        "_producer": "https://github.com/OpenLineage/OpenLineage/tree/1.38.0/integration/spark",
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/LifecycleStateChangeDatasetFacet.json",
        "lifecycleStateChange": state,
    }
    return event


def test_a_table_dropped_and_re_created_under_two_symlinks_ends_as_the_latest_event_says(
    open_test_store: Callable[[], Store],
) -> None:
    """DROP named by the Hadoop warehouse path, CREATE three seconds later by the metastore: one
    table, shown by the metastore's name and as created, whichever event arrives first."""
    store = open_test_store()
    service = IngestService(store)
    for table, drop_first in (("t1", True), ("t2", False)):
        path, metastore = ("hdfs://m/wh", f"default.{table}"), ("hive://m:9083", f"default.{table}")
        drop = lifecycle(table, path, "DROP", "2026-03-01T10:00:00Z")
        create = lifecycle(table, metastore, "CREATE", "2026-03-01T10:00:03Z")
        for event in [drop, create] if drop_first else [create, drop]:
            service.commit(translate_events([event], keep_raw=False).payload, None)
        names = [
            dataset_id("hdfs://m", f"/wh/default/{table}"),
            dataset_id(*path),
            dataset_id(*metastore),
        ]
        assert AliasResolver(store).canonical(names) == dict.fromkeys(names, names[2]), table
        shown = store.nodes([names[2]])[names[2]].props
        assert (shown["lifecycleState"], shown["deleted"]) == ("CREATE", False), table


CATALOG_READ = """query($ns: String!, $name: String!, $column: String!) {
  dataset(namespace: $ns, name: $name) { tags datasetType facets columns { name } aliases }
  columnLineage(nodeId: $column, direction: UPSTREAM) { edges { source target kind } } }"""


def test_a_catalog_facet_keeps_the_events_column_lineage_and_facets(live_server: Any) -> None:
    """Spark reading an Iceberg table through a REST catalog, as the real client builds the event:
    the input named by its location carries ``tags``, ``datasetType`` and the ``catalog`` facet,
    the output derives ``revenue`` from its ``amount``. All of it lands on the catalog's table."""
    rest = "http://iceberg-rest:8181/api/catalog"
    catalog = catalog_dataset.CatalogDatasetFacet(
        framework="iceberg",
        type="rest",
        name="lake",
        metadataUri=rest,
        warehouseUri="s3://lake/warehouse",
        source="spark",
    )
    schema = schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name="amount", type="DECIMAL")]
    )
    tags = tags_dataset.TagsDatasetFacet(
        tags=[tags_dataset.TagsDatasetFacetFields(key="tier", value="gold", source="USER")]
    )
    read = InputDataset(
        namespace="s3a://lake",
        name="warehouse/sales/orders",
        facets={
            "schema": schema,
            "tags": tags,
            "datasetType": dataset_type_dataset.DatasetTypeDatasetFacet(datasetType="TABLE"),
            "catalog": catalog,
        },
    )
    derived = column_lineage_dataset.ColumnLineageDatasetFacet(
        fields={
            "revenue": column_lineage_dataset.Fields(
                inputFields=[
                    column_lineage_dataset.InputField(
                        namespace="s3a://lake", name="warehouse/sales/orders", field="amount"
                    )
                ]
            )
        }
    )
    written = OutputDataset(
        namespace="postgres://db:5432",
        name="analytics.public.revenue",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(
                fields=[schema_dataset.SchemaDatasetFacetFields(name="revenue", type="DECIMAL")]
            ),
            "columnLineage": derived,
        },
    )
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime="2026-03-01T10:00:00Z",
        run=Run(runId=str(uuid.uuid4())),
        job=Job(namespace="spark", name="revenue"),
        producer="https://github.com/OpenLineage/OpenLineage/tree/1.38.0/integration/spark",
        inputs=[read],
        outputs=[written],
    )
    transport = HttpTransport(HttpConfig(url=live_server.url, timeout=30))
    try:
        assert transport.emit(event).status_code == 201
    finally:
        transport.close()

    table_ns = normal_namespace(rest)
    amount = field_id(table_ns, "sales.orders", "amount")  # the catalog's table's column
    revenue = field_id("postgres://db:5432", "analytics.public.revenue", "revenue")
    answer = live_server.graphql(CATALOG_READ, ns=table_ns, name="sales.orders", column=revenue)
    dataset = answer["dataset"]
    assert dataset["tags"] == ["tier:gold"] and dataset["datasetType"] == "TABLE"
    assert {"tags", "datasetType", "catalog"} <= set(dataset["facets"])
    assert dataset["facets"]["catalog"]["warehouseUri"] == "s3://lake/warehouse"
    assert [c["name"] for c in dataset["columns"]] == ["amount"]
    assert dataset_id("s3://lake", "warehouse/sales/orders") in str(dataset["aliases"])
    edges = answer["columnLineage"]["edges"]
    assert {(e["source"], e["target"], e["kind"]) for e in edges} == {
        (amount, revenue, "DERIVES_FROM")
    }

    marquez = httpx.get(
        f"{live_server.url}/api/v1/column-lineage",
        params={"nodeId": "datasetField:postgres://db:5432:analytics.public.revenue:revenue"},
        timeout=30,
    )
    assert marquez.status_code == 200, marquez.text
    nodes = {n["id"]: n for n in marquez.json()["graph"]}
    revenue_node = nodes["datasetField:postgres://db:5432:analytics.public.revenue:revenue"]
    assert revenue_node["data"]["inputFields"] == [
        {
            "namespace": table_ns,
            "dataset": "sales.orders",
            "datasetVersion": None,
            "field": "amount",
            "transformationDescription": None,
            "transformationType": None,
        }
    ], revenue_node["data"]


def test_the_graphql_dataset_resolves_its_names_once(
    open_test_store: Callable[[], Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``dataset { lifecycleState aliases }`` reads the table's names once: the lifecycle (newest
    under any name) and the aliases come from the same resolution."""
    from graph.serve.schema import context, schema

    store = open_test_store()
    service = IngestService(store)
    metastore = ("hive://m:9083", "default.t3")
    for event in (
        lifecycle("t3", ("hdfs://m/wh", "default.t3"), "DROP", "2026-03-01T10:00:00Z"),
        lifecycle("t3", metastore, "CREATE", "2026-03-01T10:00:03Z"),
    ):
        service.commit(translate_events([event], keep_raw=False).payload, None)
    resolved: list[list[str]] = []
    members = AliasResolver.keys_into

    def counted(self: AliasResolver, ids: Any, kinds: Any) -> Any:
        resolved.append(sorted(ids))
        return members(self, ids, kinds)

    monkeypatch.setattr(AliasResolver, "keys_into", counted)
    result = schema.execute_sync(
        """{ dataset(namespace: "hive://m:9083", name: "default.t3") {
               id lifecycleState deleted aliases } }""",
        context_value=context(store),
    )
    assert result.errors is None and result.data == {
        "dataset": {
            "id": dataset_id(*metastore),
            "lifecycleState": "CREATE",
            "deleted": False,
            "aliases": ["dataset:hdfs://m/wh:default.t3", dataset_id("hdfs://m", "/wh/default/t3")],
        }
    }
    assert resolved == [[dataset_id(*metastore)]]
