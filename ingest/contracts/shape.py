"""The one shape both contract standards are read into (tables, fields, servers, owners,
consumers), the error every reader raises, and the rules both share: versions, stamps, freshness,
environments, quality rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph.core.mutations import stamp

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


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENT.fullmatch(key) else f"{path}[{key!r}]"


def json_path(parts: Iterable[str | int]) -> str:
    """The JSON path of a place in a document given as its keys and list indexes."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else _child("", p) for p in parts)


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
