"""An ODCS v3 contract (already schema-valid) read into the common shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graph.core.pii import is_pii, normalise
from ingest.contracts.shape import (
    _check_unique,
    _check_unique_tables,
    _consumers,
    _Contract,
    _created,
    _custom,
    _element_rules,
    _environment,
    _Field,
    _role_consumer,
    _Server,
    _sla_by_property,
    _Table,
    freshness_hours,
)


def _read_odcs(doc: dict[str, Any], source: str) -> _Contract:
    cid: str = doc["id"]
    name: str = doc.get("name") or cid
    description = doc.get("description") or {}
    tables = [
        _odcs_table(obj, f"$.schema[{i}]", source) for i, obj in enumerate(doc.get("schema") or [])
    ]
    _check_unique_tables(tables, source)
    quality = [rule for t in tables for rule in _element_rules(t.props.get("quality"), t.logical)]
    quality += [
        rule
        for t in tables
        for f in t.fields
        for rule in _element_rules(f.props.get("quality"), ".".join((t.logical, *f.logical)))
    ]
    sla_entries = doc.get("slaProperties") or []
    sla = _sla_by_property(sla_entries)
    freshness = None
    for wanted in ("freshness", "latency", "frequency"):
        for entry in sla_entries:
            if freshness is None and normalise(entry["property"]) == wanted:
                freshness = freshness_hours(entry.get("value"), entry.get("unit"))
    owners: list[tuple[str, str]] = []
    team = doc.get("team")
    members = team if isinstance(team, list) else (team or {}).get("members") or []
    if isinstance(team, dict) and team.get("name"):
        owners.append((team["name"], "team"))
    owners.extend(
        (member["username"], member.get("role") or "member")
        for member in members
        if not member.get("dateOut")
    )
    consumers = []
    servers = [
        _Server(
            s.get("server") or s["type"],
            s["type"].lower(),
            _environment(s.get("server"), s.get("environment")),
            s,
        )
        for s in doc.get("servers") or []
    ]
    for role in list(doc.get("roles") or []) + [
        r for s in doc.get("servers") or [] for r in s.get("roles") or []
    ]:
        extra = {
            k: role.get(k) for k in ("description", "firstLevelApprovers", "secondLevelApprovers")
        }
        consumer = _role_consumer(role["role"], role.get("access"), extra)
        if consumer:
            consumers.append(consumer)
    for i, entry in enumerate(doc.get("customProperties") or []):
        if normalise(entry["property"]) == "consumers":
            consumers.extend(
                _consumers(entry.get("value"), f"$.customProperties[{i}].value", source)
            )
    text = description.get("purpose") or description.get("usage")
    tags = doc.get("tags") or None
    raw_keys = (
        "tenant",
        "servers",
        "support",
        "price",
        "team",
        "roles",
        "authoritativeDefinitions",
        "customProperties",
        "contractCreatedTs",
        "slaDefaultElement",
    )
    return _Contract(
        id=cid,
        version=doc["version"],
        domain=doc.get("domain") or None,
        product=doc.get("dataProduct") or name,
        created=_created(doc.get("contractCreatedTs"), source),
        product_props={
            "description": text,
            "usage": description.get("usage"),
            "limitations": description.get("limitations"),
            "freshnessHours": freshness,  # (its version and status are the contract's own)
            "sla": sla,
            "tags": tags,
        },
        contract_props={
            "name": name,
            "version": doc["version"],
            "status": doc.get("status"),
            "standard": "odcs",
            "standardVersion": doc["apiVersion"],
            "quality": quality or None,
            "sla": sla,
            "freshnessHours": freshness,
            "description": text,
            "descriptionDetails": description or None,
            "domain": doc.get("domain"),
            "dataProduct": doc.get("dataProduct"),
            "tags": tags,
            **{k: doc.get(k) for k in raw_keys},
        },
        owners=owners,
        consumers=consumers,
        servers=servers,
        tables=tables,
    )


#: What ODCS schema objects and their properties both carry: links to other definitions.
_LINKS = ("relationships", "customProperties", "authoritativeDefinitions")
#: How a property is derived from its sources.
_TRANSFORM = ("transformSourceObjects", "transformLogic", "transformDescription")


def _as_given(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: obj.get(key) for key in keys}


def _non_empty(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Each key's value, or None where it is missing or empty."""
    return {key: obj.get(key) or None for key in keys}


def _odcs_table(obj: dict[str, Any], path: str, source: str) -> _Table:
    fields = list(_odcs_fields(obj.get("properties") or [], f"{path}.properties", (), ()))
    _check_unique(fields, source)
    return _Table(
        obj["name"],
        obj.get("physicalName") or obj["name"],
        path,
        {
            "description": obj.get("description"),
            **_non_empty(obj, "tags", "quality"),
            **_as_given(obj, "businessName", "physicalType", "dataGranularityDescription"),
            **_non_empty(obj, *_LINKS),
        },
        fields,
    )


def _odcs_fields(
    props: list[dict[str, Any]], path: str, logical: tuple[str, ...], physical: tuple[str, ...]
) -> Iterator[_Field]:
    for i, prop in enumerate(props):
        here = f"{path}[{i}]"
        names = (*logical, prop["name"])
        physicals = (*physical, prop.get("physicalName") or prop["name"])
        custom = _custom(prop.get("customProperties"))
        primary = bool(prop.get("primaryKey", False))
        yield _Field(
            names,
            physicals,
            here,
            {
                "type": prop.get("physicalType") or prop.get("logicalType"),
                "logicalType": prop.get("logicalType"),
                "physicalType": prop.get("physicalType"),
                "logicalTypeOptions": prop.get("logicalTypeOptions"),
                "description": prop.get("description"),
                "businessName": prop.get("businessName"),
                "required": bool(prop.get("required", False)),
                "unique": bool(prop.get("unique", False)),
                "primaryKey": primary,
                "primaryKeyPosition": prop.get("primaryKeyPosition") if primary else None,
                "partitioned": bool(prop.get("partitioned", False)),
                "partitionKeyPosition": prop.get("partitionKeyPosition")
                if prop.get("partitioned")
                else None,
                "criticalDataElement": bool(prop.get("criticalDataElement", False)),
                "classification": prop.get("classification"),
                "pii": is_pii(None, prop.get("classification"), prop.get("tags") or [], custom),
                "quality": prop.get("quality") or None,
                "tags": prop.get("tags") or None,
                **_as_given(prop, "encryptedName", *_TRANSFORM),
                **_non_empty(prop, *_LINKS),
            },
        )
        items = prop.get("items")
        if prop.get("properties"):
            yield from _odcs_fields(prop["properties"], f"{here}.properties", names, physicals)
        elif isinstance(items, dict) and items.get("properties"):
            yield from _odcs_fields(
                items["properties"], f"{here}.items.properties", names, physicals
            )
