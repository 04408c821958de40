"""End-to-end check of the local Iceberg REST catalog fixture (scripts/devservers/iceberg_rest.py).

Starts the real Apache Iceberg REST server (iceberg-open-api 1.10.1, fetched with
Maven on first use) in a temp warehouse, drives it with pyiceberg, and stops it.
Needs java, javac, mvn and pyiceberg[pyarrow]; skipped when any is missing.
Deselect with ``-m "not iceberg"``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from devservers import iceberg_rest
from iceberg_views import VIEW_SQL, create_big_orders_view

pytestmark = pytest.mark.iceberg

_missing_tools = [tool for tool in ("java", "javac", "mvn") if shutil.which(tool) is None]
if _missing_tools:
    pytest.skip(f"Iceberg REST server needs {', '.join(_missing_tools)}", allow_module_level=True)

pa = pytest.importorskip("pyarrow")
if TYPE_CHECKING:
    import pyarrow
pytest.importorskip("pyiceberg")

from pyiceberg.catalog import load_catalog  # noqa: E402
from pyiceberg.schema import Schema  # noqa: E402
from pyiceberg.types import DoubleType, LongType, NestedField, StringType  # noqa: E402

SCHEMA = Schema(
    NestedField(field_id=1, name="order_id", field_type=LongType(), required=True, doc="Order key"),
    NestedField(
        field_id=2, name="customer", field_type=StringType(), required=True, doc="Customer name"
    ),
    NestedField(
        field_id=3, name="amount", field_type=DoubleType(), required=False, doc="Order total in EUR"
    ),
    NestedField(
        field_id=4, name="channel", field_type=StringType(), required=False, doc="Sales channel"
    ),
)

ARROW_SCHEMA = pa.schema(
    [
        pa.field("order_id", pa.int64(), nullable=False),
        pa.field("customer", pa.string(), nullable=False),
        pa.field("amount", pa.float64(), nullable=True),
        pa.field("channel", pa.string(), nullable=True),
    ]
)


def _batch(first_id: int) -> pyarrow.Table:
    return pa.table(
        {
            "order_id": [first_id, first_id + 1, first_id + 2],
            "customer": ["ada", "bob", "cy"],
            "amount": [10.5, None, 99.0],
            "channel": ["web", "shop", None],
        },
        schema=ARROW_SCHEMA,
    )


@pytest.fixture
def server(tmp_path):
    srv = iceberg_rest.start(warehouse=tmp_path / "warehouse")
    try:
        yield srv
    finally:
        iceberg_rest.stop(srv)
    assert not srv.is_alive()


def _catalog(srv):
    return load_catalog("test", type="rest", uri=srv.uri, warehouse=srv.warehouse_uri)


def test_rest_catalog_roundtrip(server, tmp_path):
    assert server.uri == f"http://127.0.0.1:{server.port}"
    assert iceberg_rest.status(server.warehouse) == server
    assert server.catalog_db is not None and server.catalog_db.parent == server.warehouse

    catalog = _catalog(server)
    catalog.create_namespace("sales", {"owner": "team-sales", "comment": "Sales data product"})
    assert ("sales",) in catalog.list_namespaces()
    ns_props = catalog.load_namespace_properties("sales")
    assert ns_props["owner"] == "team-sales"
    assert ns_props["comment"] == "Sales data product"

    table = catalog.create_table(
        "sales.orders",
        schema=SCHEMA,
        properties={"data-product.owner": "team-sales"},
    )
    table.append(_batch(1))
    table.append(_batch(4))

    # Views: pyiceberg 0.12's RestCatalog implements create_view/list_views/load_view
    # (SqlCatalog raises NotImplementedError for all view calls).
    view = create_big_orders_view(catalog, {"data-product.owner": "team-sales"})
    assert view.name() == ("sales", "big_orders")

    # A fresh client sees everything through the server.
    catalog = _catalog(server)
    assert catalog.list_tables("sales") == [("sales", "orders")]
    assert catalog.list_views("sales") == [("sales", "big_orders")]

    reloaded = catalog.load_table("sales.orders")
    assert reloaded.properties["data-product.owner"] == "team-sales"
    assert reloaded.location().startswith("file:")
    assert str(server.warehouse) in reloaded.location()

    fields = [
        (f.field_id, f.name, str(f.field_type), f.required, f.doc) for f in reloaded.schema().fields
    ]
    assert fields == [
        (1, "order_id", "long", True, "Order key"),
        (2, "customer", "string", True, "Customer name"),
        (3, "amount", "double", False, "Order total in EUR"),
        (4, "channel", "string", False, "Sales channel"),
    ]

    snapshots = reloaded.snapshots()
    assert len(snapshots) == 2
    first, second = snapshots
    assert second.parent_snapshot_id == first.snapshot_id
    assert reloaded.current_snapshot().snapshot_id == second.snapshot_id
    assert all(s.summary is not None and s.summary.operation.value == "append" for s in snapshots)
    assert first.timestamp_ms <= second.timestamp_ms
    assert sorted(reloaded.scan().to_arrow()["order_id"].to_pylist()) == [1, 2, 3, 4, 5, 6]
    # Data files were written locally, inside the warehouse.
    assert list((server.warehouse / "sales" / "orders" / "data").glob("*.parquet"))

    loaded_view = catalog.load_view("sales.big_orders")
    assert loaded_view.sql_for("spark").sql == VIEW_SQL
    assert loaded_view.properties["data-product.owner"] == "team-sales"
    assert [f.name for f in loaded_view.schema().fields] == ["order_id", "amount"]

    # The catalog lives in the SQLite file: a restarted server still has it all.
    iceberg_rest.stop(server)
    assert iceberg_rest.status(server.warehouse) is None
    again = iceberg_rest.start(warehouse=server.warehouse)
    try:
        catalog = _catalog(again)
        assert len(catalog.load_table("sales.orders").snapshots()) == 2
        assert catalog.list_views("sales") == [("sales", "big_orders")]
    finally:
        iceberg_rest.stop(again)
    assert not again.is_alive()
