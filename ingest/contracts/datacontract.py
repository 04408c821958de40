"""A datacontract.com 1.x contract read into the common shape, checked field by field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graph.core.pii import is_pii
from ingest.contracts.checker import Merged, _Checker, _where
from ingest.contracts.shape import (
    _check_unique,
    _check_unique_tables,
    _child,
    _consumers,
    _Contract,
    _element_rules,
    _environment,
    _Field,
    _role_consumer,
    _Server,
    _Table,
    _type_name,
    freshness_hours,
)

_DC_KNOWN = frozenset(
    {
        "dataContractSpecification",
        "id",
        "info",
        "servers",
        "terms",
        "models",
        "definitions",
        "servicelevels",
        "quality",
        "examples",
        "tags",
        "links",
        "consumers",
        "domain",
        "dataProduct",
    }
)
_DC_SERVER_TEXT = (
    "host",
    "location",
    "path",
    "account",
    "database",
    "schema",
    "project",
    "dataset",
    "catalog",
    "topic",
    "serviceName",
    "region",
    "stream",
    "clusterIdentifier",
    "environment",
    "format",
)


def _read_datacontract(doc: dict[str, Any], source: str) -> _Contract:
    check = _Checker(source)
    spec = check.get(doc, "dataContractSpecification", "$", str, required=True)
    if not re.match(r"[01]\.", spec):
        raise check.fail(
            "$.dataContractSpecification", f"version {spec} is not supported, only 0.9 and 1.x"
        )
    cid = check.get(doc, "id", "$", str, required=True)
    info = check.get(doc, "info", "$", dict, required=True)
    title = check.get(info, "title", "$.info", str, required=True)
    version = check.get(info, "version", "$.info", str, required=True)
    status = check.get(info, "status", "$.info", str)
    owner = check.get(info, "owner", "$.info", str)
    description = check.get(info, "description", "$.info", str)
    contact = check.get(info, "contact", "$.info", dict) or {}
    for key in ("name", "email", "url"):
        check.get(contact, key, "$.info.contact", str)
    domain = check.get(doc, "domain", "$", str) or check.get(info, "domain", "$.info", str) or owner
    product = (
        check.get(doc, "dataProduct", "$", str)
        or check.get(info, "dataProduct", "$.info", str)
        or title
    )
    tags = check.strings(doc, "tags", "$")
    definitions = check.mapping_of_mappings(doc, "definitions", "$")

    servers: list[_Server] = []
    consumers = []
    for name, server in check.mapping_of_mappings(doc, "servers", "$").items():
        here = _child("$.servers", name)
        kind = check.get(server, "type", here, str, required=True)
        for key in _DC_SERVER_TEXT:
            check.get(server, key, here, str)
        check.get(server, "port", here, int)
        for i, role in enumerate(check.get(server, "roles", here, list) or []):
            if not isinstance(role, dict):
                raise check.fail(f"{here}.roles[{i}]", f"expected mapping, got {_type_name(role)}")
            role_name = check.get(role, "name", f"{here}.roles[{i}]", str, required=True)
            consumer = _role_consumer(
                role_name, role.get("access"), {"description": role.get("description")}
            )
            if consumer:
                consumers.append(consumer)
        servers.append(
            _Server(name, kind.lower(), _environment(name, server.get("environment")), server)
        )
    if doc.get("consumers") is not None:
        consumers.extend(_consumers(doc["consumers"], "$.consumers", source))

    tables = []
    for name, model in check.mapping_of_mappings(doc, "models", "$").items():
        here = _child("$.models", name)
        keys = check.strings(model, "primaryKey", here) or []
        fields = list(
            _dc_fields(
                check,
                check.mapping_of_mappings(model, "fields", here),
                _child(here, "fields"),
                (),
                definitions,
                frozenset(keys),
            )
        )
        _check_unique(fields, source)
        tables.append(
            _Table(
                name,
                name,
                here,
                {
                    "description": check.get(model, "description", here, str),
                    "tags": check.strings(model, "tags", here),
                    "quality": check.rules(model, "quality", here),
                    "businessName": check.get(model, "title", here, str),
                    "physicalType": check.get(model, "type", here, str),
                },
                fields,
            )
        )

    _check_unique_tables(tables, source)
    servicelevels = check.get(doc, "servicelevels", "$", dict) or {}
    freshness = None
    for wanted in ("freshness", "latency"):
        level = servicelevels.get(wanted)
        if freshness is None and isinstance(level, dict):
            freshness = freshness_hours(level.get("threshold"))
    quality = _element_rules(check.rules(doc, "quality", "$"), None)
    quality += [rule for t in tables for rule in _element_rules(t.props.get("quality"), t.logical)]
    quality += [
        rule
        for t in tables
        for f in t.fields
        for rule in _element_rules(f.props.get("quality"), ".".join((t.logical, *f.logical)))
    ]
    owners = [(owner, "owner")] if owner else []
    contact_name = contact.get("name") or contact.get("email") or contact.get("url")
    if contact_name:
        owners.append((contact_name, "contact"))
    sla = servicelevels or None
    extensions = {k: v for k, v in doc.items() if k not in _DC_KNOWN}
    return _Contract(
        id=cid,
        version=version,
        domain=domain,
        product=product,
        created=None,
        product_props={
            "description": description,  # (its version and status are the contract's own)
            "freshnessHours": freshness,
            "sla": sla,
            "tags": tags,
        },
        contract_props={
            "name": title,
            "version": version,
            "status": status,
            "standard": "datacontract",
            "standardVersion": spec,
            "quality": quality or None,
            "sla": sla,
            "freshnessHours": freshness,
            "description": description,
            "domain": domain,
            "dataProduct": product,
            "tags": tags,
            "owner": owner,
            "contact": contact or None,
            "servers": doc.get("servers"),
            "terms": check.get(doc, "terms", "$", dict),
            "links": check.get(doc, "links", "$", dict),
            "extensions": extensions or None,
        },
        owners=owners,
        consumers=consumers,
        servers=servers,
        tables=tables,
    )


def _resolve_ref(
    check: _Checker,
    spec: dict[str, Any],
    path: str,
    definitions: dict[str, Any],
    seen: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """A field with its local ``$ref`` (``#/definitions/x``) merged under its own keys."""
    ref = spec.get("$ref")
    if ref is None:
        return spec
    if not isinstance(ref, str):
        raise check.fail(_child(path, "$ref"), f"expected string, got {_type_name(ref)}")
    if not ref.startswith("#/definitions/"):
        return spec  # an external definition: kept as the raw $ref, never fetched
    name = ref[len("#/definitions/") :]
    if name not in definitions:
        raise check.fail(_child(path, "$ref"), f"unresolved reference {ref}")
    if name in seen:
        raise check.fail(_child(path, "$ref"), f"circular reference {ref}")
    at = _child("$.definitions", name)
    base = _resolve_ref(check, definitions[name], at, definitions, seen | {name})
    own = {k: v for k, v in spec.items() if k != "$ref"}
    taken = base.origins if isinstance(base, Merged) else {}
    origins = {k: taken.get(k, at) for k in base if k not in own}
    return Merged({**base, **own}, origins)


def _dc_fields(
    check: _Checker,
    fields: dict[str, dict[str, Any]],
    path: str,
    parent: tuple[str, ...],
    definitions: dict[str, Any],
    primary: frozenset[str],
) -> Iterator[_Field]:
    for name, raw in fields.items():
        here = _child(path, name)
        spec = _resolve_ref(check, raw, here, definitions)
        names = (*parent, name)
        for key in ("required", "unique", "primaryKey", "pii"):
            check.get(spec, key, here, bool)
        tags = check.strings(spec, "tags", here)
        kind = check.get(spec, "type", here, str)
        classification = check.get(spec, "classification", here, str)
        lineage = check.get(spec, "lineage", here, dict) or {}
        inputs = check.get(lineage, "inputFields", _child(here, "lineage"), list) or []
        for i, source_field in enumerate(inputs):
            where = f"{here}.lineage.inputFields[{i}]"
            if not isinstance(source_field, dict):
                raise check.fail(where, f"expected mapping, got {_type_name(source_field)}")
            for key in ("namespace", "name", "field"):
                check.get(source_field, key, where, str, required=True)
        yield _Field(
            names,
            names,
            here,
            {
                "type": kind,
                "logicalType": kind,
                "format": check.get(spec, "format", here, str),
                "description": check.get(spec, "description", here, str),
                "businessName": check.get(spec, "title", here, str),
                "required": bool(spec.get("required", False)),
                "unique": bool(spec.get("unique", False)),
                "primaryKey": bool(spec.get("primaryKey", False))
                or (not parent and name in primary),
                "criticalDataElement": False,
                "classification": classification,
                "pii": is_pii(spec.get("pii"), classification, tags or []),
                "quality": check.rules(spec, "quality", here),
                "enum": _enum(check, spec, here),
                "tags": tags,
                "references": spec.get("references"),
                "ref": spec.get("$ref"),
            },
            inputs,
        )
        nested = check.mapping_of_mappings(spec, "fields", here)
        items = check.get(spec, "items", here, dict)
        if nested:
            yield from _dc_fields(
                check, nested, _child(here, "fields"), names, definitions, primary
            )
        elif items:
            item = _resolve_ref(check, items, f"{here}.items", definitions)
            item_fields = check.mapping_of_mappings(item, "fields", f"{here}.items")
            yield from _dc_fields(
                check, item_fields, f"{here}.items.fields", names, definitions, primary
            )


def _enum(check: _Checker, spec: dict[str, Any], here: str) -> list[Any] | None:
    """A field's ``enum``: its allowed values (the spec says strings; YAML makes ``1`` a number,
    kept as written: ``graph.core.enums`` compares them as text)."""
    values = check.get(spec, "enum", here, list)
    for i, value in enumerate(values or []):
        if isinstance(value, dict | list) or value is None:
            raise check.fail(
                f"{_where(spec, 'enum', here)}[{i}]", f"expected a value, got {_type_name(value)}"
            )
    return values or None
