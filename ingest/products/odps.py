"""An ODPS (Bitol Open Data Product Standard v0.9–v1.1) descriptor, already schema-valid, read
into the common shape. ODPS ports name ODCS contracts by ``contractId``: the datasets behind a
port are the ones its contract governs (``ingest contracts``), found when the graph is read."""

from __future__ import annotations

from typing import Any

from ingest.contracts import UNASSIGNED_DOMAIN
from ingest.contracts.shape import _created, _custom
from ingest.products.document import Document
from ingest.products.shape import INPUT, OUTPUT, Port, Product

_PORT_EXTRAS = ("description", "deprecated", "tags", "inputContracts", "sbom", "id")


def read_odps(document: Document) -> Product:
    doc: dict[str, Any] = document.data
    description = doc.get("description") or {}
    team = doc.get("team")
    members = team if isinstance(team, list) else (team or {}).get("members") or []
    owners: list[tuple[str, str]] = []
    if isinstance(team, dict) and team.get("name"):
        owners.append((team["name"], "team"))
    owners.extend(
        (m["username"], m.get("role") or "member") for m in members if not m.get("dateOut")
    )
    ports = [_port(INPUT, p) for p in doc.get("inputPorts") or []] + [
        _port(OUTPUT, p) for p in doc.get("outputPorts") or []
    ]
    try:
        created = _created(doc.get("productCreatedTs"), document.source)
    except ValueError:
        raise document.fail(["productCreatedTs"], "not an RFC 3339 date-time") from None
    status = doc.get("status")
    if doc.get("deprecated") and not status:
        status = "deprecated"
    return Product(
        domain=doc.get("domain") or UNASSIGNED_DOMAIN,
        name=doc.get("name") or doc["id"],
        version=doc.get("version"),
        created=created,
        props={
            "productId": doc["id"],
            "description": description.get("purpose"),
            "usage": description.get("usage"),
            "limitations": description.get("limitations"),
            "status": status,
            "deprecated": bool(doc.get("deprecated", False)),
            "tags": doc.get("tags") or None,
            "tenant": doc.get("tenant"),
            "productType": doc.get("type"),
            "team": team.get("name") if isinstance(team, dict) else None,
            "support": doc.get("support") or None,
            "managementPorts": doc.get("managementPorts") or None,
            "customProperties": _custom(doc.get("customProperties")) or None,
            "standard": "odps",
            "standardVersion": doc["apiVersion"],
        },
        owners=owners,
        ports=ports,
    )


def _port(direction: str, port: dict[str, Any]) -> Port:
    return Port(
        direction=direction,
        name=port["name"],
        kind=port.get("type"),
        version=port.get("version"),
        contract=port.get("contractId"),
        props={k: port[k] for k in _PORT_EXTRAS if port.get(k) not in (None, [], "")},
    )
