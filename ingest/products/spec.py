"""A hand-written ``data-product-spec.yaml`` (name, domain, owner, version, slo, output_ports,
input_ports, quality_checks, catalog.tags, pii_columns), already schema-valid, read into the
common shape; each port's endpoint URI resolved to the dataset it names (``endpoints``)."""

from __future__ import annotations

import re
from typing import Any

from ingest.contracts import freshness_hours
from ingest.naming import normal_namespace
from ingest.products.document import Document
from ingest.products.endpoints import BadEndpoint, endpoint_dataset
from ingest.products.shape import INPUT, OUTPUT, Port, Product

#: A port's type → the dataset type (OpenLineage's datasetType facet) of what it names.
DATASET_TYPES = {
    "table": "TABLE",
    "sql_table": "TABLE",
    "cdc": "TABLE",
    "view": "VIEW",
    "file": "FILE",
    "api": "API",
    "rest_api": "API",
    "stream": "TOPIC",
    "kafka_stream": "TOPIC",
    "kafka_topic": "TOPIC",
}


def read_spec(document: Document) -> Product:
    doc: dict[str, Any] = document.data
    domain = doc["domain"].strip()
    ports = [
        _port(document, INPUT, i, p, domain) for i, p in enumerate(doc.get("input_ports") or [])
    ] + [_port(document, OUTPUT, i, p, domain) for i, p in enumerate(doc.get("output_ports") or [])]
    _unique_ports(document, ports)
    owner = doc.get("owner")
    owners: list[tuple[str, str]] = []
    if isinstance(owner, str):
        owners.append((owner.strip(), "owner"))
    elif isinstance(owner, dict):
        owners.append(((owner.get("name") or owner["team"]).strip(), "owner"))
    if isinstance(doc.get("team"), str) and all(n != doc["team"] for n, _ in owners):
        owners.append((doc["team"].strip(), "team"))
    slo = doc.get("slo") or {}
    freshness = None
    if slo.get("freshness") is not None:
        freshness = freshness_hours(slo["freshness"], "h")
        if freshness is None:
            raise document.fail(["slo", "freshness"], f"{slo['freshness']!r} is not a duration")
    version = doc.get("version")
    catalog = doc.get("catalog") or {}
    tags = [*(catalog.get("tags") or []), *(catalog.get("glossary_terms") or [])]
    return Product(
        domain=domain,
        name=doc["name"].strip(),
        version=None if version is None else str(version),
        created=None,
        props={
            "description": doc.get("description"),
            "status": doc.get("status"),
            "freshnessHours": freshness,
            "slo": {k: _ratio(v) if k != "freshness" else v for k, v in slo.items()} or None,
            "tags": tags or None,
            "team": doc.get("team") or (owner.get("team") if isinstance(owner, dict) else None),
            "ownerEmail": owner.get("email") if isinstance(owner, dict) else None,
            "qualityChecks": doc.get("quality_checks") or None,
            "piiColumns": doc.get("pii_columns") or None,
            "standard": "data-product-spec",
        },
        owners=owners,
        ports=ports,
        pii_columns=_pii(document, doc.get("pii_columns") or [], ports),
    )


def _ratio(value: Any) -> float:
    """``99.5%`` or 0.995 or 99.5 → 0.995 (a number above 1 is a percentage)."""
    if isinstance(value, str):
        return float(value.strip().rstrip("%").strip()) / 100
    return float(value) / 100 if value > 1 else float(value)


def _port(
    document: Document, direction: str, index: int, port: dict[str, Any], domain: str
) -> Port:
    where: list[str | int] = [f"{direction}_ports", index]
    kind = port.get("type")
    found = Port(
        direction=direction,
        name=port["name"].strip(),
        kind=kind,
        version=None if port.get("version") is None else str(port["version"]),
        contract=port.get("contract"),
        location=port.get("location"),
        dataset_type=DATASET_TYPES.get(kind) if kind else None,
        props={
            k: port[k]
            for k in ("description", "format", "tags", "deprecated")
            if port.get(k) not in (None, [], "")
        },
    )
    registry = port.get("schema_registry")
    if registry is not None:
        found.props["schemaRegistry"] = (
            registry if isinstance(registry, dict) else {"url": registry}
        )
    stated = port.get("dataset")
    if stated is not None:
        if found.location is not None:
            raise document.fail([*where, "dataset"], "names the dataset twice: location or dataset")
        found.dataset = (normal_namespace(stated["namespace"].strip()), stated["name"].strip())
    elif found.location is not None:
        try:
            found.dataset = endpoint_dataset(found.location)
        except BadEndpoint as e:
            raise document.fail([*where, "location"], str(e)) from None
    elif direction == OUTPUT and found.contract is None:
        raise document.fail(where, "an output port needs a location, a dataset or a contract")
    if port.get("product") is not None:
        upstream = port["product"].strip()
        up_domain, _, up_name = upstream.rpartition("/")
        if not up_name or (up_domain == "" and "/" in upstream):
            raise document.fail([*where, "product"], f"{upstream!r} is not domain/name or a name")
        found.product = (up_domain.strip() or domain, up_name.strip())
        found.upstream_port = port.get("port")
    elif port.get("port") is not None:
        raise document.fail([*where, "port"], "names a port without naming its product")
    return found


def _unique_ports(document: Document, ports: list[Port]) -> None:
    """Port names are unique per direction (edges and consumers name them)."""
    for direction in (INPUT, OUTPUT):
        names = [p.name for p in ports if p.direction == direction]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise document.fail([f"{direction}_ports", i, "name"], f"duplicate port {name!r}")


def _pii(document: Document, columns: list[str], ports: list[Port]) -> list[tuple[str | None, str]]:
    """``column`` (on every output table) or ``port.column``; a named port must exist."""
    outputs = {p.name for p in ports if p.direction == OUTPUT}
    found: list[tuple[str | None, str]] = []
    for i, entry in enumerate(columns):
        port, _, column = entry.strip().rpartition(".")
        if port and port not in outputs:
            port, column = "", entry.strip()  # a dotted (nested) column, not a port's
        if not re.search(r"\S", column):
            raise document.fail(["pii_columns", i], "names no column")
        found.append((port or None, column))
    return found
