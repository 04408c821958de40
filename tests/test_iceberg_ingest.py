"""Crawling real Iceberg catalogs into the graph: a real REST catalog server and a SqlCatalog.

The REST server is Apache Iceberg's own REST catalog (scripts/devservers/iceberg_rest.py), started
once for the session (``conftest.iceberg_rest_server``) and emptied before each test that takes
it; the SqlCatalog keeps its metadata in SQLite under tmp_path. Tables are written through
pyiceberg and pyarrow, crawled with :func:`graph.intake.iceberg_crawl.crawl`, and the pure translation
is applied with the shared merge rule (``plan``), as the stores do.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from conftest import purge_catalog
from iceberg_views import VIEW_SQL, create_big_orders_view

from graph.core.model import Edge, EdgeKind, Node, NodeKind
from graph.core.mutations import UpsertNode, plan, stamp
from graph.intake.iceberg_crawl import crawl
from ingest.iceberg import (
    CatalogSnapshot,
    CrawlError,
    NamespaceInfo,
    TableInfo,
    ms_stamp,
    spark_identifier,
    table_identifier,
    translate_catalog,
)
from ingest.naming import location_dataset, normal_namespace
from ingest.openlineage import translate

pytestmark = pytest.mark.iceberg

pa = pytest.importorskip("pyarrow")
pytest.importorskip("pyiceberg")

from pyiceberg.catalog import load_catalog  # noqa: E402
from pyiceberg.schema import Schema  # noqa: E402
from pyiceberg.types import (  # noqa: E402
    DoubleType,
    IntegerType,
    ListType,
    LongType,
    NestedField,
    StringType,
    StructType,
)

ORDERS_SCHEMA = Schema(
    NestedField(1, "order_id", LongType(), required=True, doc="Order key"),
    NestedField(
        2,
        "customer",
        StructType(
            NestedField(3, "name", StringType(), required=True, doc="Customer name"),
            NestedField(
                4,
                "address",
                StructType(NestedField(5, "city", StringType(), required=False, doc="City")),
                required=False,
            ),
        ),
        required=False,
        doc="Who ordered",
    ),
    NestedField(6, "amount", DoubleType(), required=False, doc="Order total in EUR"),
    NestedField(
        7,
        "items",
        ListType(
            8,
            StructType(
                NestedField(9, "sku", StringType(), required=True),
                NestedField(10, "qty", IntegerType(), required=False),
            ),
            element_required=True,
        ),
        required=False,
    ),
)
ORDERS_COLUMNS = [
    "order_id",
    "customer",
    "customer.name",
    "customer.address",
    "customer.address.city",
    "amount",
    "items",
    "items.element.sku",
    "items.element.qty",
]
ORDERS_PROPERTIES = {
    "comment": "All orders",
    "data-product.owner": "team-sales",
    "data-product.description": "Orders, one row per order",
    "data-product.version": "1.2.0",
    "data-product.sla.freshness-hours": "6",
}
REFUNDS_SCHEMA = Schema(
    NestedField(1, "refund_id", LongType(), required=True),
    NestedField(2, "order_id", LongType(), required=False, doc="Refunded order"),
)
REFUNDS_PROPERTIES = {
    "data-product.domain": "finance",
    "data-product.name": "refunds-feed",
    "data-product.owner": "team-finance",
}


# -- catalogs ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Lake:
    kind: str
    catalog: Any
    connect: Any  # a fresh client, as a crawler process would have
    table_namespace: str  # what openlineage-spark's TABLE symlink carries for this catalog

    def dataset(self, name: str) -> str:
        return f"dataset:{self.table_namespace}:{name}"


@pytest.fixture(params=["rest", "sql"])
def lake(request: pytest.FixtureRequest, tmp_path: Path) -> Lake:
    if request.param == "rest":
        server = request.getfixturevalue("rest_server")

        def connect() -> Any:
            return load_catalog("lake", type="rest", uri=server.uri, warehouse=server.warehouse_uri)

        purge_catalog(connect())  # the REST server is shared by the tests
        namespace = server.uri
    else:
        db = tmp_path / "catalog.db"
        (tmp_path / "warehouse").mkdir()

        def connect() -> Any:
            return load_catalog(
                "lake",
                type="sql",
                uri=f"sqlite:///{db}",
                warehouse=(tmp_path / "warehouse").as_uri(),
            )

        namespace = f"sqlite:{db}"
    catalog = connect()
    _populate(catalog, with_view=request.param == "rest")
    return Lake(request.param, catalog, connect, namespace)


def _populate(catalog: Any, with_view: bool) -> None:
    catalog.create_namespace("sales", {"owner": "team-sales", "comment": "Sales domain"})
    catalog.create_namespace(("sales", "emea"), {"description": "EMEA sales"})
    catalog.create_namespace("marketing")
    orders = catalog.create_table(
        "sales.orders", schema=ORDERS_SCHEMA, properties=ORDERS_PROPERTIES
    )
    arrow_schema = orders.schema().as_arrow()
    for first in (1, 4):
        orders.append(
            pa.Table.from_pylist(
                [
                    {
                        "order_id": first + i,
                        "customer": {"name": n, "address": {"city": "Oslo"}},
                        "amount": 10.0 * (i + 1) * first,
                        "items": [{"sku": "a-1", "qty": i + 1}],
                    }
                    for i, n in enumerate(["ada", "bob", "cy"])
                ],
                schema=arrow_schema,
            )
        )
    catalog.create_table(
        ("sales", "emea", "refunds"), schema=REFUNDS_SCHEMA, properties=REFUNDS_PROPERTIES
    )
    if with_view:
        create_big_orders_view(
            catalog, {"comment": "Orders above 50 EUR", "data-product.owner": "team-sales"}
        )


# -- helpers -------------------------------------------------------------------------------------


@dataclasses.dataclass
class Graph:
    """A graph held in dicts, changed only through ``plan`` (what every store does)."""

    nodes: dict[str, Node] = dataclasses.field(default_factory=dict)
    edges: dict[tuple[str, EdgeKind, str], Edge] = dataclasses.field(default_factory=dict)

    def apply(self, mutations: list) -> Any:
        changes = plan(mutations, self.nodes, self.edges)
        self.nodes.update(changes.nodes)
        self.edges.update(changes.edges)
        return changes

    def known(self, catalog_name: str) -> dict[str, str | None]:
        """What the CLI asks the store: this catalog's live datasets and their metadata locations."""
        return {
            n.id: n.props.get("metadataLocation")
            for n in self.nodes.values()
            if n.kind is NodeKind.DATASET
            and n.props.get("catalog") == catalog_name
            and not n.props.get("deleted")
        }


def timed_crawl(catalog: Any, label: str = "crawl") -> CatalogSnapshot:
    started = time.perf_counter()
    snapshot = crawl(catalog)
    elapsed = time.perf_counter() - started
    print(
        f"{label}: {elapsed * 1000:.0f} ms, {len(snapshot.tables)} tables, {len(snapshot.views)} views"
    )
    return snapshot


# -- crawl + translate ---------------------------------------------------------------------------


def test_crawl_and_translate_a_catalog(lake: Lake) -> None:
    snapshot = timed_crawl(lake.connect(), label=f"{lake.kind} crawl")
    assert snapshot.catalog_name == "lake" and snapshot.catalog_type == lake.kind
    assert snapshot.errors == () and snapshot.complete
    assert [ns.levels for ns in snapshot.namespaces] == [
        ("marketing",),
        ("sales",),
        ("sales", "emea"),
    ]
    graph = Graph()
    graph.apply(translate_catalog(snapshot))
    nodes, edges = graph.nodes, graph.edges

    # Namespaces are domains; nested ones name their parent.
    sales = nodes["domain:sales"]
    assert sales.props["description"] == "Sales domain"
    assert sales.props["namespaceProperties"]["owner"] == "team-sales"
    assert ("domain:sales", EdgeKind.OWNED_BY, "owner:team-sales") in edges
    assert nodes["domain:sales.emea"].props["parent"] == "sales"
    assert nodes["domain:sales.emea"].props["description"] == "EMEA sales"
    assert "domain:marketing" in nodes

    # The table, under the identifier Spark's TABLE symlink carries.
    orders_id = lake.dataset("sales.orders")
    table = lake.catalog.load_table("sales.orders")
    orders = nodes[orders_id].props
    assert orders["namespace"] == lake.table_namespace and orders["name"] == "sales.orders"
    assert orders["declared"] is True and orders["deleted"] is False
    assert (
        orders["format"] == "iceberg"
        and orders["catalog"] == "lake"
        and orders["icebergNamespace"] == "sales"
    )
    assert orders["description"] == "All orders"
    assert (
        orders["location"] == table.location()
        and orders["metadataLocation"] == table.metadata_location
    )
    assert orders["tableUuid"] == str(table.metadata.table_uuid)
    assert orders["properties"]["data-product.owner"] == "team-sales"
    assert orders["columns"] == ORDERS_COLUMNS
    snapshots = table.snapshots()
    assert [s["snapshotId"] for s in orders["snapshots"]] == [s.snapshot_id for s in snapshots]
    assert [s["operation"] for s in orders["snapshots"]] == ["append", "append"]
    assert orders["snapshots"][1]["parentSnapshotId"] == snapshots[0].snapshot_id
    assert orders["snapshotCount"] == 2 and orders["currentSnapshotId"] == snapshots[-1].snapshot_id
    # Stamped by the catalog's own time, not the crawl's.
    assert (
        nodes[orders_id].stamps["columns"]
        == ms_stamp(table.metadata.last_updated_ms)
        == orders["lastUpdatedAt"]
    )

    # Columns, nested ones flattened with their parent.
    schema = table.schema()
    for ordinal, path in enumerate(ORDERS_COLUMNS, start=1):
        column = nodes[f"datasetField:{lake.table_namespace}:sales.orders:{path}"].props
        assert column["declared"] is True and column["ordinal"] == ordinal
        assert column["fieldId"] == schema.find_field(path).field_id
        assert (
            orders_id,
            EdgeKind.HAS_COLUMN,
            f"datasetField:{lake.table_namespace}:sales.orders:{path}",
        ) in edges

    def column_props(path: str) -> dict[str, Any]:
        return nodes[f"datasetField:{lake.table_namespace}:sales.orders:{path}"].props

    assert (
        column_props("order_id").items()
        >= {"type": "long", "required": True, "description": "Order key"}.items()
    )
    assert "parent" not in column_props("order_id") and "description" not in column_props(
        "items.element.qty"
    )
    assert column_props("customer.address.city")["parent"] == "customer.address"
    assert column_props("customer.address.city")["description"] == "City"
    assert (
        column_props("items.element.sku")["parent"] == "items"
        and column_props("items.element.sku")["required"] is True
    )
    assert column_props("customer")["type"].startswith("struct<")

    # The storage location is an alias of the table, split as OpenLineage does.
    location_ns, location_name = location_dataset(table.location())
    assert (
        location_ns == "file"
        and location_name == Path(table.location().removeprefix("file://")).as_posix()
    )
    alias = edges[(f"dataset:file:{location_name}", EdgeKind.ALIAS_OF, orders_id)]
    assert alias.props["reason"] == "LOCATION"

    # Domain membership and the data product the table publishes.
    assert edges[(orders_id, EdgeKind.BELONGS_TO, "domain:sales")].props["source"] == "iceberg"
    product = nodes["dataProduct:sales:orders"].props
    assert product["domain"] == "sales" and product["description"] == "Orders, one row per order"
    assert product["version"] == "1.2.0" and product["freshnessHours"] == 6.0
    assert product["properties"] == {
        k: v for k, v in ORDERS_PROPERTIES.items() if k.startswith("data-product.")
    }
    assert ("dataProduct:sales:orders", EdgeKind.EXPOSES, orders_id) in edges
    assert ("dataProduct:sales:orders", EdgeKind.BELONGS_TO, "domain:sales") in edges
    assert ("dataProduct:sales:orders", EdgeKind.OWNED_BY, "owner:team-sales") in edges
    assert (orders_id, EdgeKind.OWNED_BY, "owner:team-sales") in edges

    # data-product.domain and data-product.name override the namespace and table name.
    refunds_id = lake.dataset("sales.emea.refunds")
    assert nodes[refunds_id].props["icebergNamespace"] == "sales.emea"
    assert (
        nodes[refunds_id].props["snapshots"] == []
        and "currentSnapshotId" not in nodes[refunds_id].props
    )
    assert (refunds_id, EdgeKind.BELONGS_TO, "domain:finance") in edges
    assert ("dataProduct:finance:refunds-feed", EdgeKind.EXPOSES, refunds_id) in edges
    assert ("dataProduct:finance:refunds-feed", EdgeKind.OWNED_BY, "owner:team-finance") in edges

    view_id = lake.dataset("sales.big_orders")
    if lake.kind == "sql":  # SqlCatalog has no views: none crawled, no error
        assert snapshot.views == () and view_id not in nodes
        return
    view = nodes[view_id].props
    assert view["isView"] is True and view["viewSql"] == VIEW_SQL and view["viewDialect"] == "spark"
    assert (
        view["columns"] == ["order_id", "amount"] and view["description"] == "Orders above 50 EUR"
    )
    assert (
        nodes[f"datasetField:{lake.table_namespace}:sales.big_orders:order_id"].props["description"]
        == "Order key"
    )
    assert (view_id, EdgeKind.BELONGS_TO, "domain:sales") in edges
    assert ("dataProduct:sales:big_orders", EdgeKind.EXPOSES, view_id) in edges


def test_recrawl_of_an_unchanged_catalog_is_identical_and_skipped(lake: Lake) -> None:
    first = timed_crawl(lake.connect(), label=f"{lake.kind} crawl 1")
    second = timed_crawl(lake.connect(), label=f"{lake.kind} crawl 2")
    assert second.crawled_at >= first.crawled_at
    assert translate_catalog(second) == translate_catalog(first)

    graph = Graph()
    graph.apply(translate_catalog(first))
    assert not graph.apply(
        translate_catalog(second)
    )  # the same facts at the same stamps: no change

    known = graph.known("lake")
    assert (
        known[lake.dataset("sales.orders")]
        == lake.catalog.load_table("sales.orders").metadata_location
    )
    incremental = translate_catalog(second, known)
    described = {
        m.id
        for m in incremental
        if isinstance(m, UpsertNode) and m.kind is NodeKind.DATASET and m.props.get("declared")
    }
    # Tables whose metadata file did not change are skipped; views have no metadata location and are re-sent.
    assert described == ({lake.dataset("sales.big_orders")} if lake.kind == "rest" else set())
    assert not graph.apply(incremental)


def test_dropped_table_is_marked_deleted(lake: Lake) -> None:
    graph = Graph()
    graph.apply(translate_catalog(crawl(lake.connect())))
    refunds_id = lake.dataset("sales.emea.refunds")
    assert graph.nodes[refunds_id].props["deleted"] is False

    lake.catalog.drop_table(("sales", "emea", "refunds"))
    snapshot = crawl(lake.connect())
    crawled_at = datetime(2099, 1, 1, tzinfo=UTC)  # passed in: the translation stays pure
    mutations = translate_catalog(snapshot, graph.known("lake"), crawled_at=crawled_at)
    assert translate_catalog(snapshot, graph.known("lake"), crawled_at=crawled_at) == mutations
    deletions = [m for m in mutations if isinstance(m, UpsertNode) and m.props.get("deleted")]
    assert [(m.id, m.at) for m in deletions] == [(refunds_id, stamp(crawled_at))]
    graph.apply(mutations)
    assert graph.nodes[refunds_id].props["deleted"] is True
    assert graph.nodes[lake.dataset("sales.orders")].props["deleted"] is False

    # An incomplete crawl (a namespace could not be listed) deletes nothing ...
    again = translate_catalog(
        snapshot, {**graph.known("lake"), refunds_id: None}, crawled_at=crawled_at
    )
    assert any(isinstance(m, UpsertNode) and m.props.get("deleted") for m in again)
    partial = dataclasses.replace(snapshot, complete=False)
    assert not any(
        isinstance(m, UpsertNode) and m.props.get("deleted")
        for m in translate_catalog(partial, {refunds_id: None})
    )
    # ... and neither does a table that exists but failed to load.
    failed = dataclasses.replace(
        snapshot, errors=(CrawlError(("sales", "emea", "refunds"), "table", "timeout"),)
    )
    assert not any(
        isinstance(m, UpsertNode) and m.props.get("deleted")
        for m in translate_catalog(failed, {refunds_id: None})
    )


def test_schema_evolution_updates_columns_and_old_crawls_do_not_overwrite(lake: Lake) -> None:
    before = crawl(lake.connect())
    graph = Graph()
    graph.apply(translate_catalog(before))
    orders_id = lake.dataset("sales.orders")

    with lake.catalog.load_table("sales.orders").update_schema() as update:
        update.add_column("channel", StringType(), doc="Sales channel")
    after = crawl(lake.connect())
    table = lake.catalog.load_table("sales.orders")
    graph.apply(translate_catalog(after, graph.known("lake")))
    orders = graph.nodes[orders_id]
    assert orders.props["columns"] == [*ORDERS_COLUMNS, "channel"]
    assert orders.props["metadataLocation"] == table.metadata_location
    assert (
        orders.stamps["columns"]
        == ms_stamp(table.metadata.last_updated_ms)
        > ms_stamp(before.tables[0].last_updated_ms)
    )
    channel = graph.nodes[f"datasetField:{lake.table_namespace}:sales.orders:channel"].props
    assert (
        channel["description"] == "Sales channel" and channel["ordinal"] == len(ORDERS_COLUMNS) + 1
    )

    # Replaying the older crawl changes no current fact.
    graph.apply(translate_catalog(before))
    assert graph.nodes[orders_id].props["columns"] == [*ORDERS_COLUMNS, "channel"]
    assert graph.nodes[orders_id].props["metadataLocation"] == table.metadata_location


# -- a Spark OpenLineage event and the crawl meet on one node ------------------------------------

PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.40.0/integration/spark"


def _facet(**fields: Any) -> dict[str, Any]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/X.json",
        **fields,
    }


def spark_event(
    location: str, symlink_namespace: str, table: str, event_time: str
) -> dict[str, Any]:
    """What openlineage-spark sends for a write to an Iceberg table: location name + TABLE symlink."""
    namespace, name = location_dataset(location)
    return {
        "eventType": "COMPLETE",
        "eventTime": event_time,
        "run": {"runId": "5f8c2a0e-7d1b-4c3e-9a6f-0b2d4e6f8a10"},
        "job": {"namespace": "spark", "name": "orders_enrichment.append_orders"},
        "inputs": [],
        "outputs": [
            {
                "namespace": namespace,
                "name": name,
                "facets": {
                    "symlinks": _facet(
                        identifiers=[
                            {"namespace": symlink_namespace, "name": table, "type": "TABLE"}
                        ]
                    ),
                    "schema": _facet(
                        fields=[
                            {"name": "order_id", "type": "long"},
                            {"name": "amount", "type": "double"},
                        ]
                    ),
                    "storage": _facet(storageLayer="iceberg", fileFormat="parquet"),
                },
            }
        ],
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


def test_spark_event_and_crawl_meet_on_one_node(rest_server: Any) -> None:
    catalog = load_catalog(
        "lake", type="rest", uri=rest_server.uri, warehouse=rest_server.warehouse_uri
    )
    purge_catalog(catalog)
    _populate(catalog, with_view=False)
    table = catalog.load_table("sales.orders")
    event = spark_event(table.location(), rest_server.uri, "sales.orders", "2030-01-01T00:00:00Z")
    canonical = f"dataset:{rest_server.uri}:sales.orders"
    location_ns, location_name = location_dataset(table.location())
    physical = f"dataset:{location_ns}:{location_name}"

    crawl_mutations = translate_catalog(crawl(catalog))
    event_mutations = translate(event)
    crawl_first, event_first = Graph(), Graph()
    crawl_first.apply(crawl_mutations)
    crawl_first.apply(event_mutations)
    event_first.apply(event_mutations)
    event_first.apply(crawl_mutations)
    assert crawl_first.nodes == event_first.nodes and crawl_first.edges == event_first.edges

    graph = crawl_first
    aliases = {
        (s, t) for (s, kind, t) in graph.edges if kind is EdgeKind.ALIAS_OF and "orders" in s
    }
    assert aliases == {
        (physical, canonical)
    }  # the location and the symlink resolve to the crawled table
    assert (
        graph.edges[(physical, EdgeKind.ALIAS_OF, canonical)].props["lastSeenAt"]
        == "2030-01-01T00:00:00.000000Z"
    )
    assert ("job:spark:orders_enrichment.append_orders", EdgeKind.WRITES, canonical) in graph.edges
    node = graph.nodes[canonical].props
    assert node["catalog"] == "lake" and node["format"] == "iceberg"  # the crawl's facts ...
    assert "facet:storage" in node  # ... and the event's, on the same node
    assert "datasetField:" + rest_server.uri + ":sales.orders:customer.address.city" in graph.nodes


# -- identity rules (pure) -----------------------------------------------------------------------


def _snapshot(
    kind: str, uri: str | None = None, warehouse: str | None = None, **props: str
) -> CatalogSnapshot:
    return CatalogSnapshot(
        "cat",
        kind,
        uri,
        warehouse,
        datetime(2030, 1, 1, tzinfo=UTC),
        (),
        (),
        (),
        catalog_properties=props,
    )


def test_table_identity_per_catalog_type() -> None:
    levels = ("sales", "orders")
    assert table_identifier(_snapshot("rest", "http://127.0.0.1:8181"), levels) == (
        "http://127.0.0.1:8181",
        "sales.orders",
    )
    assert table_identifier(_snapshot("sql", "sqlite:////var/cat.db"), levels) == (
        "sqlite:/var/cat.db",
        "sales.orders",
    )
    assert table_identifier(_snapshot("sql", "postgresql+psycopg2://db.internal/meta"), levels) == (
        "postgres://db.internal:5432",
        "meta.sales.orders",
    )
    assert table_identifier(_snapshot("hive", "thrift://metastore:9083"), levels) == (
        "hive://metastore:9083",
        "sales.orders",
    )
    glue = _snapshot("glue", **{"glue.region": "eu-west-1", "glue.id": "123456789012"})
    assert table_identifier(glue, levels) == (
        "arn:aws:glue:eu-west-1:123456789012",
        "table/sales/orders",
    )
    assert table_identifier(_snapshot("in-memory", warehouse="file:///w"), levels) == (
        "file:/w",
        "sales.orders",
    )
    assert table_identifier(_snapshot("in-memory", warehouse="s3a://lake/w/"), levels) == (
        "s3://lake/w",
        "sales.orders",
    )
    assert table_identifier(_snapshot("dynamodb"), levels) == ("iceberg://cat", "sales.orders")
    assert table_identifier(_snapshot("rest", "http://x"), levels, dataset_namespace="polaris") == (
        "polaris",
        "sales.orders",
    )
    assert table_identifier(_snapshot("rest", "HTTP://Catalog:80/"), levels) == (
        "http://catalog",
        "sales.orders",
    )
    assert spark_identifier(["my-db", "2024", "t`x", "ok_1"]) == "`my-db`.`2024`.`t``x`.ok_1"


def test_namespace_stamp_is_the_newest_fact_under_it() -> None:
    table = TableInfo(
        ("a", "b"),
        "t",
        "file:/w/a/b/t",
        "file:/w/a/b/t/metadata/1.json",
        "u",
        2,
        {},
        (),
        (),
        None,
        1_700_000_000_000,
    )
    snapshot = dataclasses.replace(
        _snapshot("rest", "http://x"),
        namespaces=(
            NamespaceInfo(("a",), {}),
            NamespaceInfo(("a", "b"), {}),
            NamespaceInfo(("z",), {}),
        ),
        tables=(table,),
    )
    at = {
        m.id: m.at
        for m in translate_catalog(snapshot)
        if isinstance(m, UpsertNode) and m.kind is NodeKind.DOMAIN
    }
    assert at["domain:a"] == at["domain:a.b"] == ms_stamp(1_700_000_000_000)
    assert at["domain:z"] == stamp(datetime(1970, 1, 1, tzinfo=UTC))
    assert ms_stamp(1_700_000_000_000) == stamp(
        datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=1_700_000_000_000)
    )


# -- identity by storage location, on the stores ---------------------------------------------------


@pytest.mark.parametrize("order", ["crawl-first", "event-first"])
@pytest.mark.parametrize("spelling", ["sqlalchemy-url", "another-path"])
def test_catalog_names_sharing_a_location_are_one_table(
    store: Any, tmp_path: Path, order: str, spelling: str
) -> None:
    """A SqlCatalog crawled under its JDBC name, and a Spark event naming the same table by its
    location with a TABLE symlink whose catalog namespace is spelled otherwise: as SQLAlchemy's URL
    (one spelling after ``ingest.naming``) or through another path to the same catalog file (no
    spelling rule can see it). The location joins them: one table, the same canonical id whatever
    arrived first, the crawl's columns and product and the event's writer on it, the other name
    listed among its aliases."""
    from graph.core.model import Direction
    from graph.read import queries
    from graph.read.aliases import canonical_targets
    from graph.read.lineage import dataset_lineage

    lake_dir = tmp_path / "lake"
    (lake_dir / "wh").mkdir(parents=True)
    db = lake_dir / "cat.db"
    catalog = load_catalog(
        "lake", type="sql", uri=f"sqlite:///{db}", warehouse=(lake_dir / "wh").as_uri()
    )
    _populate(catalog, with_view=False)
    location = catalog.load_table("sales.orders").location()
    crawled = f"dataset:sqlite:{db}:sales.orders"
    if spelling == "sqlalchemy-url":
        symlink_namespace, sent = f"sqlite:///{db}", crawled
    else:
        (tmp_path / "same-lake").symlink_to(lake_dir)
        symlink_namespace = f"sqlite:{tmp_path / 'same-lake' / 'cat.db'}"
        sent = f"dataset:{symlink_namespace}:sales.orders"
    physical = "dataset:{}:{}".format(*location_dataset(location))
    batches = [
        translate_catalog(crawl(catalog)),
        translate(spark_event(location, symlink_namespace, "sales.orders", "2030-01-01T00:00:00Z")),
    ]
    for batch in batches if order == "crawl-first" else reversed(batches):
        store.apply(batch)

    canonical = min(crawled, sent)
    for namespace, name in (
        ("sqlite:" + str(db), "sales.orders"),
        (normal_namespace(symlink_namespace), "sales.orders"),
        location_dataset(location),
    ):
        found = queries.dataset(store, namespace, name)
        assert found is not None and found.id == canonical, (namespace, name)
    assert found is not None
    assert queries.aliases(store, found) == sorted({crawled, sent, physical} - {canonical})
    assert "customer.address.city" in {
        c.props["name"] for c in queries.columns(store, found)
    }  # the crawl's columns
    up = {n.id for n in dataset_lineage(store, canonical, Direction.UPSTREAM).nodes}
    assert "job:spark:orders_enrichment.append_orders" in up  # the event's writer
    exposed = canonical_targets(
        store, "dataProduct:sales:orders", EdgeKind.EXPOSES
    )  # the crawl's product
    assert [d.id for d in exposed] == [canonical]
