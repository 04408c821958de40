"""The one shape both descriptor formats are read into: a product with its ports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DESCRIPTOR_SOURCE = (
    "descriptor"  # EXPOSES / CONSUMES edges a descriptor declares carry source=descriptor
)
INPUT, OUTPUT = "input", "output"


@dataclass(slots=True)
class Port:
    """An input or output port and what it names: a dataset (by its OpenLineage namespace and
    name), a contract, another product's output port."""

    direction: str  # INPUT or OUTPUT
    name: str
    kind: str | None = (
        None  # the port's type as written (tables, sql_table, kafka_stream, api, cdc ...)
    )
    version: str | None = None
    contract: str | None = None
    location: str | None = None  # the endpoint URI as written
    dataset: tuple[str, str] | None = None  # (namespace, name)
    dataset_type: str | None = None  # TABLE, VIEW, TOPIC, API, FILE
    product: tuple[str, str] | None = None  # an upstream product (domain, name)
    upstream_port: str | None = None
    props: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Product:
    """A descriptor read: the product, its owners, its ports and what it says of its columns."""

    domain: str
    name: str
    version: str | None
    created: datetime | None
    props: dict[str, Any]
    owners: list[tuple[str, str]]  # (name, kind)
    ports: list[Port]
    pii_columns: list[tuple[str | None, str]] = field(
        default_factory=list
    )  # (port or None, column)
