"""Data contracts → graph mutations. A pure translation: contract text in, mutations out, no I/O.

What it becomes in the graph, and why: docs/sources.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, ClassVar
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft201909Validator
from jsonschema.exceptions import ValidationError, best_match

from graph.model import EdgeKind, NodeKind, contract_id, domain_id
from graph.mutations import Mutation, stamp
from graph.pii import is_pii, normalise
from ingest.builder import GraphBuilder
from ingest.naming import location_dataset

ODCS_SCHEMA_FILE = "odcs-json-schema-v3.1.0.json"
CONTRACT_SOURCE = "contract"  # BELONGS_TO edges declared by a contract carry source=contract
UNASSIGNED_DOMAIN = "unassigned"
EPOCH = "1970-01-01T00:00:00.000000Z"
MAX_NODES = 2_000_000  # YAML aliases can make a small text a huge document
_VERSION_PARTS = 4  # versions compare on at least this many numbers (1.2 == 1.2.0.0)

# Properties other sources also write: a contract that does not state them leaves them alone.
# Contract-only properties are always written, so a newer version clears what it dropped.
_SHARED_PROPS = frozenset({"description", "type", "tags", "ordinal", "parent"})
_PROD = frozenset({"prod", "production", "prd", "live"})
_ENVIRONMENTS = _PROD | {
    "dev",
    "development",
    "test",
    "testing",
    "qa",
    "uat",
    "stage",
    "staging",
    "preprod",
    "sandbox",
}
_UNIT_HOURS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1 / 3600),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 1 / 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 1.0),
    **dict.fromkeys(("d", "day", "days"), 24.0),
    **dict.fromkeys(("w", "wk", "week", "weeks"), 168.0),
    **dict.fromkeys(("mo", "mon", "month", "months"), 720.0),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), 8760.0),
}
_ISO_DURATION = re.compile(
    r"P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?",
    re.IGNORECASE,
)
_GLOB = re.compile(r"[*?\[\]{}]")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class InvalidContract(ValueError):
    """A contract that cannot be read; the message names the file and the failing field."""

    def __init__(self, source: str, path: str, reason: str) -> None:
        super().__init__(f"{source}: {path}: {reason}")
        self.source = source
        self.path = path
        self.reason = reason


def translate_contract(
    text: str, source: str = "<contract>", at: str | None = None
) -> list[Mutation]:
    """Parse, validate and translate one contract document into mutations.

    ``source`` names the document in error messages; ``at`` overrides the stamp derived from the
    contract (see the module docstring). Raises :class:`InvalidContract` for anything that is not
    a valid ODCS v3 or datacontract.com 1.x contract.
    """
    document = _parse(text, source)
    standard = detect_standard(document, source)
    if standard == "odcs":
        _validate_odcs(document, source)
        contract = _read_odcs(document, source)
    else:
        contract = _read_datacontract(document, source)
    return _Translation(
        contract, at or contract_stamp(contract.created, contract.version)
    ).mutations


def detect_standard(document: Any, source: str = "<contract>") -> str:
    """``odcs`` or ``datacontract``, decided by the fields that name each standard."""
    if not isinstance(document, dict):
        raise InvalidContract(
            source, "$", f"a contract must be a mapping, not {_type_name(document)}"
        )
    if "dataContractSpecification" in document:
        return "datacontract"
    if "apiVersion" in document or document.get("kind") == "DataContract":
        version = document.get("apiVersion")
        if isinstance(version, str) and re.match(r"v?[0-2]\.", version):
            raise InvalidContract(
                source, "$.apiVersion", f"ODCS {version} is not supported, only v3.x"
            )
        return "odcs"
    raise InvalidContract(
        source,
        "$",
        "unknown contract standard: expected apiVersion and kind: DataContract (ODCS v3) "
        "or dataContractSpecification (datacontract.com)",
    )


def contract_stamp(created: datetime | None, version: str) -> str:
    """``{UTC time}#v{version key}``: later contracts win, then higher versions (module docstring)."""
    return f"{stamp(created) if created else EPOCH}#v{version_key(version)}"


def version_key(version: str) -> str:
    """A short string that sorts like the version: ``1.10.0`` after ``1.9.0``, ``1.0.0-rc.1`` before ``1.0.0``.

    Each number is written with its digit count first (``7`` → ``17``, ``10`` → ``210``), so
    string order is numeric order; the release part is padded to four numbers.
    """
    text = version.strip()
    match = re.fullmatch(r"[vV]?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?", text)
    if match is None:
        return _numbers(text)
    numbers = match[1].split(".")
    core = ".".join(_number(n) for n in numbers + ["0"] * (_VERSION_PARTS - len(numbers)))
    return core + ("-" + _numbers(match[2]) if match[2] else "~")


def _number(digits: str) -> str:
    value = str(int(digits))
    return f"{min(len(value), 9)}{value}"


def _numbers(text: str) -> str:
    return re.sub(r"\d+", lambda m: _number(m[0]), text)


def freshness_hours(value: Any, unit: Any = None) -> float | None:
    """Hours in ``25h``, ``PT1H``, ``4`` + unit ``d``, ...; None when it is not a duration."""
    if isinstance(value, bool) or value is None:
        return None
    number: float
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        iso = _ISO_DURATION.fullmatch(text)
        if iso and any(iso.groupdict().values()):
            factors = {
                "y": 8760.0,
                "mo": 720.0,
                "w": 168.0,
                "d": 24.0,
                "h": 1.0,
                "mi": 1 / 60,
                "s": 1 / 3600,
            }
            return sum(float(v) * factors[k] for k, v in iso.groupdict().items() if v)
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([A-Za-z]*)", text)
        if match is None:
            return None
        number = float(match[1])
        unit = match[2] or unit
    else:
        return None
    factor = _UNIT_HOURS.get(unit.strip().lower()) if isinstance(unit, str) else None
    return None if factor is None else number * factor


# -- parsing and validation -------------------------------------------------------------------

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """Safe YAML without implicit timestamps: dates stay strings, as in the JSON the schemas describe."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, Any]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }


def _parse(text: str, source: str) -> Any:
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InvalidContract(source, "$", f"not valid YAML{where}: {problem}") from None
    _check_plain_data(document, source)
    return document


def _check_plain_data(document: Any, source: str) -> None:
    """Only JSON data (string keys, no sets or binaries, no cycles), within MAX_NODES values."""
    count = 0
    stack: list[tuple[Any, str, frozenset[int]]] = [(document, "$", frozenset())]
    while stack:
        value, path, ancestors = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise InvalidContract(source, "$", f"document too large (more than {MAX_NODES} values)")
        if isinstance(value, dict):
            if id(value) in ancestors:
                raise InvalidContract(source, path, "recursive YAML alias")
            inner = ancestors | {id(value)}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise InvalidContract(source, path, f"key {key!r} is not a string")
                stack.append((item, _child(path, key), inner))
        elif isinstance(value, list):
            if id(value) in ancestors:
                raise InvalidContract(source, path, "recursive YAML alias")
            inner = ancestors | {id(value)}
            stack.extend((item, f"{path}[{i}]", inner) for i, item in enumerate(value))
        elif (
            isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64
        ):
            raise InvalidContract(source, path, f"integer {value} is out of the 64-bit range")
        elif not (value is None or isinstance(value, (str, int, float, bool))):
            raise InvalidContract(source, path, f"{_type_name(value)} is not JSON data")


@cache
def _odcs_validator() -> Draft201909Validator:
    schema = json.loads((resources.files("ingest") / "schemas" / ODCS_SCHEMA_FILE).read_text())
    # SchemaProperty only $refs SchemaBaseProperty, which forbids unevaluated properties itself:
    # the outer check is redundant and makes validation about three times slower on big contracts.
    prop = schema.get("$defs", {}).get("SchemaProperty", {})
    base = schema.get("$defs", {}).get("SchemaBaseProperty", {})
    if (
        set(prop) <= {"type", "$ref", "required", "unevaluatedProperties", "description"}
        and prop.get("$ref") == "#/$defs/SchemaBaseProperty"
        and base.get("unevaluatedProperties") is False
    ):
        prop.pop("unevaluatedProperties", None)
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def _validate_odcs(document: dict[str, Any], source: str) -> None:
    error: ValidationError | None = best_match(_odcs_validator().iter_errors(document))
    if error is not None:
        path, reason = _describe(error)
        raise InvalidContract(source, path, reason)


def _describe(error: ValidationError) -> tuple[str, str]:
    """A JSON path to the failing field and a short reason."""
    path = "$" + "".join(
        f"[{p}]" if isinstance(p, int) else _child("", p) for p in error.absolute_path
    )
    kind, instance = error.validator, error.instance
    expected: Any = (
        error.validator_value
    )  # what the failing keyword asked for: its shape depends on it
    if kind == "required" and isinstance(instance, dict):
        missing = [k for k in expected if k not in instance]
        if missing:
            return _child(path, missing[0]), "required"
    if kind in ("additionalProperties", "unevaluatedProperties"):
        unexpected = re.findall(r"'([^']*)'", error.message.split("(", 1)[-1])
        if unexpected:
            return _child(path, unexpected[0]), "unknown field"
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        return path, f"expected {' or '.join(names)}, got {_type_name(instance)}"
    if kind == "enum":
        return path, f"must be one of {', '.join(map(str, expected))}; got {instance!r}"
    if kind == "format":
        return path, f"{instance!r} is not a valid {expected}"
    return path, error.message


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENT.fullmatch(key) else f"{path}[{key!r}]"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "list",
        dict: "mapping",
    }.get(type(value), type(value).__name__)


# -- the two standards, read into one shape -----------------------------------------------------


@dataclass(slots=True)
class _Field:
    logical: tuple[str, ...]
    physical: tuple[str, ...]
    path: str  # in the document, for error messages
    props: dict[str, Any]
    lineage: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _Table:
    logical: str
    physical: str
    path: str  # in the document, for error messages
    props: dict[str, Any]
    fields: list[_Field]


@dataclass(slots=True)
class _Server:
    name: str
    type: str
    environment: str | None
    spec: dict[str, Any]


@dataclass(slots=True)
class _Contract:
    id: str
    version: str
    domain: str | None
    product: str
    created: datetime | None
    product_props: dict[str, Any]
    contract_props: dict[str, Any]
    owners: list[tuple[str, str]]
    consumers: list[tuple[str, dict[str, Any], dict[str, Any]]]  # name, node props, edge props
    servers: list[_Server]
    tables: list[_Table]


def _custom(entries: Any) -> dict[str, Any]:
    """ODCS customProperties ``[{property, value}]`` as a mapping (first occurrence wins)."""
    found: dict[str, Any] = {}
    for entry in entries or []:
        found.setdefault(entry["property"], entry.get("value"))
    return found


def _environment(name: str | None, environment: Any) -> str | None:
    env = environment if isinstance(environment, str) and environment else None
    if env is None and name and name.lower() in _ENVIRONMENTS:
        env = name
    if env is None:
        return None
    env = env.lower()
    return "prod" if env in _PROD else env


def _sla_by_property(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    sla: dict[str, Any] = {}
    for entry in entries:
        body = {k: v for k, v in entry.items() if k != "property"}
        name = entry["property"]
        if name not in sla:
            sla[name] = body
        elif isinstance(sla[name], list):
            sla[name].append(body)
        else:
            sla[name] = [sla[name], body]
    return sla or None


def _element_rules(rules: Any, element: str | None) -> list[dict[str, Any]]:
    return [
        {**rule, "element": element} if element and "element" not in rule else rule
        for rule in _rules(rules)
    ]


def _rules(rules: Any) -> list[dict[str, Any]]:
    if isinstance(rules, dict):
        return [rules]
    return [r for r in rules or [] if isinstance(r, dict)]


def _consumers(
    value: Any, path: str, source: str
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The ``consumers: [{name, domain?, purpose?}]`` convention (plain names allowed)."""
    if not isinstance(value, list):
        raise InvalidContract(
            source, path, f"expected a list of consumers, got {_type_name(value)}"
        )
    for i, entry in enumerate(value):
        if isinstance(entry, str) and entry.strip():
            yield entry, {"consumerType": "declared"}, {}
            continue
        if not isinstance(entry, dict):
            raise InvalidContract(
                source, f"{path}[{i}]", "expected a consumer name or a mapping with a name"
            )
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidContract(
                source,
                f"{path}[{i}].name",
                "required" if name is None else "expected a non-empty string",
            )
        for key in ("domain", "purpose", "description"):
            if entry.get(key) is not None and not isinstance(entry[key], str):
                raise InvalidContract(
                    source, f"{path}[{i}].{key}", f"expected string, got {_type_name(entry[key])}"
                )
        props = {k: v for k, v in entry.items() if k != "name"}
        yield name, {"consumerType": "declared", **props}, {"purpose": entry.get("purpose")}


def _role_consumer(
    name: str, access: Any, props: dict[str, Any]
) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
    """An access role as a consumer, unless it grants no reading (write-only, admin)."""
    if isinstance(access, str) and "read" not in access.lower() and "select" not in access.lower():
        return None
    return (
        name,
        {"consumerType": "role", "access": access, **props},
        {"access": access, "via": "role"},
    )


def _created(value: Any, source: str) -> datetime | None:
    """ODCS ``contractCreatedTs``; without an offset it is UTC, as the standard says."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise InvalidContract(
            source, "$.contractCreatedTs", f"{value!r} is not an RFC 3339 date-time"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ODCS


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
            "version": doc["version"],
            "status": doc.get("status"),
            "freshnessHours": freshness,
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


def _odcs_table(obj: dict[str, Any], path: str, source: str) -> _Table:
    fields = list(_odcs_fields(obj.get("properties") or [], f"{path}.properties", (), ()))
    _check_unique(fields, source)
    return _Table(
        obj["name"],
        obj.get("physicalName") or obj["name"],
        path,
        {
            "description": obj.get("description"),
            "tags": obj.get("tags") or None,
            "quality": obj.get("quality") or None,
            "businessName": obj.get("businessName"),
            "physicalType": obj.get("physicalType"),
            "dataGranularityDescription": obj.get("dataGranularityDescription"),
            "relationships": obj.get("relationships") or None,
            "customProperties": obj.get("customProperties") or None,
            "authoritativeDefinitions": obj.get("authoritativeDefinitions") or None,
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
                "encryptedName": prop.get("encryptedName"),
                "transformSourceObjects": prop.get("transformSourceObjects"),
                "transformLogic": prop.get("transformLogic"),
                "transformDescription": prop.get("transformDescription"),
                "relationships": prop.get("relationships") or None,
                "customProperties": prop.get("customProperties") or None,
                "authoritativeDefinitions": prop.get("authoritativeDefinitions") or None,
            },
        )
        items = prop.get("items")
        if prop.get("properties"):
            yield from _odcs_fields(prop["properties"], f"{here}.properties", names, physicals)
        elif isinstance(items, dict) and items.get("properties"):
            yield from _odcs_fields(
                items["properties"], f"{here}.items.properties", names, physicals
            )


def _check_unique(fields: list[_Field], source: str) -> None:
    """Column paths, logical and physical, are unique within a table (they are node ids)."""
    seen: set[tuple[str, ...]] = set()
    for f in fields:
        for key in {f.logical, f.physical}:
            if key in seen:
                raise InvalidContract(source, f.path, f"duplicate column {'.'.join(key)!r}")
        seen.update({f.logical, f.physical})


def _check_unique_tables(tables: list[_Table], source: str) -> None:
    """Two tables of one contract must not name the same dataset."""
    seen: set[str] = set()
    for table in tables:
        for key in {table.logical, table.physical}:
            if key in seen:
                raise InvalidContract(source, table.path, f"duplicate table {key!r}")
        seen.update({table.logical, table.physical})


# datacontract.com


class _Checker:
    """Type checks for datacontract.com documents, raising InvalidContract with the field's path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, reason: str) -> InvalidContract:
        return InvalidContract(self.source, path, reason)

    def get(
        self,
        parent: dict[str, Any],
        key: str,
        path: str,
        kind: type | tuple[type, ...],
        required: bool = False,
    ) -> Any:
        here = _child(path, key)
        value = parent.get(key)
        if value is None:
            if required:
                raise self.fail(here, "required")
            return None
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            names = " or ".join(_type_name(k()) if k is not type(None) else "null" for k in kinds)
            raise self.fail(here, f"expected {names}, got {_type_name(value)}")
        if required and isinstance(value, str) and not value.strip():
            raise self.fail(here, "must not be empty")
        return value

    def strings(self, parent: dict[str, Any], key: str, path: str) -> list[str] | None:
        values = self.get(parent, key, path, list)
        for i, value in enumerate(values or []):
            if not isinstance(value, str):
                raise self.fail(
                    f"{_child(path, key)}[{i}]", f"expected string, got {_type_name(value)}"
                )
        return values or None

    def mapping_of_mappings(
        self, parent: dict[str, Any], key: str, path: str
    ) -> dict[str, dict[str, Any]]:
        values = self.get(parent, key, path, dict) or {}
        for name, value in values.items():
            if not isinstance(value, dict):
                raise self.fail(
                    _child(_child(path, key), name), f"expected mapping, got {_type_name(value)}"
                )
        return values

    def rules(self, parent: dict[str, Any], key: str, path: str) -> list[dict[str, Any]] | None:
        value = self.get(parent, key, path, (list, dict))
        for i, rule in enumerate(value if isinstance(value, list) else []):
            if not isinstance(rule, dict):
                raise self.fail(
                    f"{_child(path, key)}[{i}]", f"expected mapping, got {_type_name(rule)}"
                )
        return _rules(value) or None


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
            "description": description,
            "version": version,
            "status": status,
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
    base = _resolve_ref(
        check, definitions[name], _child("$.definitions", name), definitions, seen | {name}
    )
    return {**base, **{k: v for k, v in spec.items() if k != "$ref"}}


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


# -- dataset identity ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identity:
    """Where a contract's table lives: an OpenLineage dataset namespace and name."""

    namespace: str
    name: str
    physical: bool = True  # named physically (column paths use physical names)
    upper: bool = False  # Snowflake: identifiers upper case


def _host_port(spec: dict[str, Any], default: int | None) -> str | None:
    host = spec.get("host")
    if not isinstance(host, str) or not host.strip():
        return None
    host = host.split(",")[0].strip()
    host = host.split("://", 1)[-1].rstrip("/")
    if re.search(r":\d+$", host):
        return host
    port = spec.get("port") if isinstance(spec.get("port"), int) else default
    return f"{host}:{port}" if port is not None else host


def _dotted(prefix: Sequence[str | None], table: str) -> str | None:
    """``prefix + table``; a dotted physical name replaces as many trailing prefix parts as it has dots."""
    parts = table.split(".")
    keep = len(prefix) - (len(parts) - 1)
    head = list(prefix[: max(keep, 0)])
    if any(not isinstance(p, str) or not p for p in head):
        return None
    return ".".join([*head, *parts])  # type: ignore[list-item]


def _location(location: Any, table: str, shared: bool) -> tuple[str, str] | None:
    """OpenLineage (namespace, name) of a contract's storage location (``ingest.naming``), once
    ``{model}`` is substituted and trailing glob segments are dropped."""
    if not isinstance(location, str) or not location.strip():
        return None
    text = location.strip().replace("{model}", table)
    parts = urlsplit(text)
    scheme = parts.scheme.lower() if len(parts.scheme) > 1 else ""  # C:/data is a Windows path
    path = parts.path if scheme else text
    segments = path.split("/")
    for i, segment in enumerate(segments):
        if _GLOB.search(segment):
            segments = segments[:i]
            break
    path = "/".join(segments).rstrip("/")
    if shared and "{model}" not in location:
        path = f"{path}/{table}"
    return location_dataset(f"{scheme}://{parts.netloc}{path}" if scheme else path)


def dataset_identity(
    server_type: str, spec: dict[str, Any], table: str, shared: bool = False, single: bool = True
) -> Identity | None:
    """How OpenLineage names ``table`` on a contract server; None when the server cannot say.

    ``shared`` is true when the contract has several tables (they then share one location);
    ``single`` is true when it has exactly one (a Kafka server's ``topic`` names it).
    """
    s = spec.get
    kind = server_type.lower()
    if kind == "api":
        return None  # an API endpoint is not a dataset OpenLineage names

    def hosted(scheme: str, default: int | None, prefix: Sequence[str | None]) -> Identity | None:
        authority = _host_port(spec, default)
        name = _dotted(prefix, table)
        return Identity(f"{scheme}://{authority}", name) if authority and name else None

    if kind in ("postgres", "postgresql"):
        return hosted("postgres", 5432, [s("database"), s("schema")])
    if kind == "mysql":
        return hosted("mysql", 3306, [s("database")])
    if kind in ("trino", "presto"):
        return hosted(kind, 8080, [s("catalog"), s("schema")])
    if kind == "db2":
        return hosted("db2", 50000, [s("database"), s("schema")])
    if kind == "sqlserver":
        return hosted("sqlserver", 1433, [s("database"), s("schema")])
    if kind == "synapse":
        return hosted("sqlserver", 1433, [s("schema")] if s("schema") else [])
    if kind == "oracle":
        return hosted(
            "oracle", 1521, [s("serviceName"), s("schema")] if s("schema") else [s("serviceName")]
        )
    if kind in ("hive", "impala"):
        return hosted(kind, 9083 if kind == "hive" else 21050, [s("database")])
    if kind == "snowflake":
        account, host = s("account"), s("host")
        if not account and isinstance(host, str):
            account = re.sub(r"\.snowflakecomputing\.com.*$", "", host.split("://")[-1])
        name = _dotted([s("database"), s("schema")], table)
        return (
            Identity(f"snowflake://{account.lower()}", name.upper(), upper=True)
            if account and name
            else None
        )
    if kind == "bigquery":
        name = _dotted([s("project"), s("dataset")], table)
        return Identity("bigquery", name) if name else None
    if kind == "redshift":
        host, region = s("host"), s("region")
        cluster = s("clusterIdentifier")
        if isinstance(host, str) and host:
            match = re.match(
                r"([^.:/]+)\.[^.]+\.([a-z0-9-]+)\.redshift(?:-serverless)?\.amazonaws\.com",
                host.split("://")[-1],
            )
            if match:
                cluster, region = match[1], match[2]
            elif not cluster:
                return hosted("redshift", 5439, [s("database"), s("schema")])
        name = _dotted([s("database"), s("schema")], table)
        port = s("port") if isinstance(s("port"), int) else 5439
        return (
            Identity(f"redshift://{cluster}.{region}:{port}", name)
            if cluster and region and name
            else None
        )
    if kind == "athena":
        name = _dotted([s("catalog") or "awsdatacatalog", s("schema")], table)
        region = s("regionName") or s("region")
        return (
            Identity(f"awsathena://athena.{region}.amazonaws.com", name)
            if region and name
            else None
        )
    if kind == "glue":
        region = s("region") or s("regionName")
        if region and s("account") and s("database"):
            return Identity(
                f"arn:aws:glue:{region}:{s('account')}", f"table/{s('database')}/{table}"
            )
        found = _location(s("location"), table, shared)
        return Identity(*found) if found else None
    if kind == "databricks":
        host = s("host")
        if not host:
            return None
        name = _dotted([s("catalog"), s("schema")], table)
        host = host.split("://")[-1].rstrip("/")
        return Identity(f"databricks://{host}", name) if name else None
    if kind == "kafka":
        authority = _host_port(spec, 9092)
        declared = s("topic")
        topic = declared if single and isinstance(declared, str) and declared else table
        return Identity(f"kafka://{authority}", topic) if authority else None
    if kind == "pubsub":
        topic = (s("topic") if single else None) or table
        return Identity("pubsub", f"topic:{s('project')}:{topic}") if s("project") else None
    if kind == "local":
        found = _location(s("path") or s("location"), table, shared)
        return Identity(*found) if found else None
    if s("location"):
        found = _location(s("location"), table, shared)
        return Identity(*found) if found else None
    if s("host"):
        return hosted(
            kind,
            None,
            [
                p
                for p in (
                    s("catalog") or s("database") or s("project"),
                    s("schema") or s("dataset"),
                )
                if p
            ],
        )
    return None


# -- the graph ----------------------------------------------------------------------------------


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    """Drop unstated shared properties; keep None for contract-only ones (a newer version clears them)."""
    return {k: v for k, v in props.items() if v is not None or k not in _SHARED_PROPS}


class _Translation(GraphBuilder):
    """Writes one contract through the shared vocabulary; every mutation carries the same stamp."""

    def __init__(self, contract: _Contract, at: str) -> None:
        super().__init__(at)
        c = contract
        domain = c.domain or UNASSIGNED_DOMAIN
        pid = self.product(domain, c.product, _clean(c.product_props))
        cid = self.node(contract_id(c.id), NodeKind.CONTRACT, _clean(c.contract_props))
        self.edge(pid, EdgeKind.HAS_CONTRACT, cid)
        owners: dict[str, str] = {}
        for name, kind in c.owners:
            owners.setdefault(name, kind)  # one OWNED_BY edge per owner: its first role
        for name, kind in owners.items():
            self.owner(pid, name, kind)
            self.owner(cid, name, kind)
        seen: set[str] = set()
        for name, props, edge_props in c.consumers:
            if name not in seen:
                seen.add(name)
                self.edge(
                    self.consumer(name, _clean(props)), EdgeKind.CONSUMES, pid, _clean(edge_props)
                )
        for table in c.tables:
            for identity, environment, exposed in self._placements(c, table):
                did = self._table(table, identity, environment)
                self.edge(cid, EdgeKind.GOVERNS, did)
                if exposed:
                    self.edge(pid, EdgeKind.EXPOSES, did)
                if c.domain:
                    self.edge(
                        did, EdgeKind.BELONGS_TO, domain_id(c.domain), {"source": CONTRACT_SOURCE}
                    )

    def _placements(self, c: _Contract, table: _Table) -> list[tuple[Identity, str | None, bool]]:
        """(identity, environment, exposed) on every server that can name the table, else the fallback."""
        found: list[tuple[Identity, str | None]] = []
        for server in c.servers:
            identity = dataset_identity(
                server.type, server.spec, table.physical, len(c.tables) > 1, len(c.tables) == 1
            )
            if identity is not None and all(identity != other for other, _ in found):
                found.append((identity, server.environment))
        if not found:
            return [(Identity(f"contract:{c.id}", table.logical, physical=False), None, True)]
        envs = [env for _, env in found]
        primary = "prod" if "prod" in envs else envs[0]
        return [(identity, env, env == primary) for identity, env in found]

    def _table(self, table: _Table, identity: Identity, environment: str | None) -> str:
        ns, name = identity.namespace, identity.name

        def path(f: _Field, length: int | None = None) -> str:
            parts = (f.physical if identity.physical else f.logical)[:length]
            text = ".".join(parts)
            return text.upper() if identity.upper else text

        paths = [path(f) for f in table.fields]
        props = {**table.props, "columns": paths, "environment": environment}
        if identity.physical and table.physical != table.logical:
            props["logicalName"] = table.logical
        did = self.dataset(ns, name, _clean(props))
        for ordinal, f in enumerate(table.fields, start=1):
            extra = {"ordinal": ordinal, "parent": path(f, -1) if len(f.logical) > 1 else None}
            if identity.physical and f.physical[-1] != f.logical[-1]:
                extra["logicalName"] = f.logical[-1]
            column = self.column(
                ns, name, paths[ordinal - 1], _clean({"declared": True, **f.props, **extra})
            )
            for source in f.lineage:
                upstream = self.column(source["namespace"], source["name"], source["field"])
                self.edge(column, EdgeKind.DERIVES_FROM, upstream, {"source": CONTRACT_SOURCE})
        return did


__all__ = [
    "CONTRACT_SOURCE",
    "UNASSIGNED_DOMAIN",
    "Identity",
    "InvalidContract",
    "contract_stamp",
    "dataset_identity",
    "detect_standard",
    "freshness_hours",
    "translate_contract",
    "version_key",
]
