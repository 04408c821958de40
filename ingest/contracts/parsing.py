"""Contract text to plain data: safe YAML without implicit timestamps, only JSON data within a
bound, which standard it is, and ODCS v3 checked against its JSON schema."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar

import yaml

if TYPE_CHECKING:
    from jsonschema import Draft201909Validator
    from jsonschema.exceptions import ValidationError

from ingest.contracts.shape import (
    MAX_NODES,
    ODCS_SCHEMA_FILE,
    InvalidContract,
    _child,
    _type_name,
    json_path,
)

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
    # jsonschema is imported when a contract is first checked: every process that opens a store
    # imports this package (the contract rules' SLO terms), and jsonschema was ~0.1 s of its start
    from jsonschema import Draft201909Validator

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
    from jsonschema.exceptions import best_match

    errors = list(_odcs_validator().iter_errors(document))
    error: ValidationError | None = best_match(_causes(errors))
    if error is not None:
        path, reason = _describe(error)
        raise InvalidContract(source, path, reason)


def _causes(errors: list[ValidationError]) -> list[ValidationError]:
    """``errors`` without those an error inside the same object caused: a property whose value
    fails its subschema leaves its siblings unevaluated, so ``unevaluatedProperties`` then names
    valid fields (``physicalType: 2`` was reported as ``businessName: unknown field``)."""
    inside = [tuple(e.absolute_path) for e in errors]

    def caused(error: ValidationError) -> bool:
        at = tuple(error.absolute_path)
        return error.validator == "unevaluatedProperties" and any(
            len(path) > len(at) and path[: len(at)] == at for path in inside
        )

    return [e for e in errors if not caused(e)] or errors


def _describe(error: ValidationError) -> tuple[str, str]:
    """A JSON path to the failing field and a short reason."""
    parts, reason = describe_error(error)
    return json_path(parts), reason


def describe_error(error: ValidationError) -> tuple[list[str | int], str]:
    """Where the failing field is (its keys and list indexes) and a short reason: a missing
    required key or an unknown one is named itself, not its parent."""
    parts: list[str | int] = list(error.absolute_path)
    kind, instance = error.validator, error.instance
    expected: Any = (
        error.validator_value
    )  # what the failing keyword asked for: its shape depends on it
    if kind == "required" and isinstance(instance, dict):
        missing = [k for k in expected if k not in instance]
        if missing:
            return [*parts, missing[0]], "required"
    if kind in ("additionalProperties", "unevaluatedProperties"):
        unexpected = re.findall(r"'([^']*)'", error.message.split("(", 1)[-1])
        if unexpected:
            return [*parts, unexpected[0]], "unknown field"
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        return parts, f"expected {' or '.join(names)}, got {_type_name(instance)}"
    if kind == "enum":
        return parts, f"must be one of {', '.join(map(str, expected))}; got {instance!r}"
    if kind == "format":
        return parts, f"{instance!r} is not a valid {expected}"
    return parts, error.message


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
