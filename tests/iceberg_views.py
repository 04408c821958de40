"""The Iceberg view both Iceberg test modules make: ``sales.big_orders``, a Spark SQL view over
``sales.orders``, created through pyiceberg (whose RestCatalog implements views; its SqlCatalog
raises NotImplementedError for every view call)."""

from __future__ import annotations

import time
from typing import Any

VIEW_SQL = "SELECT order_id, amount FROM sales.orders WHERE amount > 50"


def create_big_orders_view(catalog: Any, properties: dict[str, str]) -> Any:
    """``sales.big_orders`` (order_id, amount) as ``VIEW_SQL`` in the spark dialect, version 1.
    pyiceberg is imported here: the modules that import this one skip when it is missing."""
    from pyiceberg.schema import Schema
    from pyiceberg.types import DoubleType, LongType, NestedField
    from pyiceberg.view import SQLViewRepresentation, ViewVersion

    return catalog.create_view(
        "sales.big_orders",
        schema=Schema(
            NestedField(1, "order_id", LongType(), required=True, doc="Order key"),
            NestedField(2, "amount", DoubleType(), required=False),
        ),
        view_version=ViewVersion(  # type: ignore[call-arg]  # pydantic fields, by name
            version_id=1,
            schema_id=0,
            timestamp_ms=int(time.time() * 1000),
            summary={"engine-name": "pyiceberg"},
            representations=[SQLViewRepresentation(type="sql", sql=VIEW_SQL, dialect="spark")],  # type: ignore[list-item]
            default_namespace=["sales"],
        ),
        properties=properties,
    )
