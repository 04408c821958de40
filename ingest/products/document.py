"""A product descriptor's text to plain data that remembers where each value was written, which
format it is, and its check against that format's JSON schema: every refusal names
``file:line: $.path: reason``, the line the failing field (or, when it is missing, its parent)
is on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from jsonschema import Draft201909Validator

from ingest.contracts import InvalidContract
from ingest.contracts.parsing import _causes, _check_plain_data, _Loader, describe_error
from ingest.contracts.shape import _type_name, json_path

#: ODPS ``apiVersion`` → the schema it is checked against (v1.0.0's schema also admits v0.9.0).
ODPS_SCHEMAS = {
    "v1.1.0": "odps-json-schema-v1.1.0.json",
    "v1.0.0": "odps-json-schema-v1.0.0.json",
    "v0.9.0": "odps-json-schema-v1.0.0.json",
}
SPEC_SCHEMA = "data-product-spec.schema.json"
ODPS, SPEC = "odps", "spec"


class InvalidDescriptor(ValueError):
    """A descriptor that cannot be read: ``file:line: $.path: reason``."""

    def __init__(self, source: str, line: int | None, path: str, reason: str) -> None:
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {path}: {reason}")
        self.source, self.line, self.path, self.reason = source, line, path, reason


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed descriptor: its data, its YAML node tree (for line numbers) and its name."""

    data: Any
    tree: yaml.Node | None
    source: str

    def line(self, parts: list[str | int]) -> int | None:
        """The 1-based line of the value at ``parts`` (of its key, in a mapping), or of its
        nearest written ancestor when it is not written (a missing required field)."""
        if self.tree is None:
            return None
        node: yaml.Node = self.tree
        mark: yaml.Node = self.tree
        for part in parts:
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == part), None)
                if pair is None:
                    break
                mark, node = pair
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    break
                mark = node = node.value[part]
            else:
                break
        return mark.start_mark.line + 1

    def fail(self, parts: list[str | int], reason: str) -> InvalidDescriptor:
        return InvalidDescriptor(self.source, self.line(parts), json_path(parts), reason)


def parse(text: str, source: str) -> Document:
    """The descriptor's data (safe YAML without implicit timestamps, JSON data only) and tree."""
    try:
        tree = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        line = mark.line + 1 if mark is not None else None
        raise InvalidDescriptor(source, line, "$", f"not valid YAML: {problem}") from None
    document = Document(data, tree, source)
    try:
        _check_plain_data(data, source)
    except InvalidContract as e:
        raise InvalidDescriptor(source, None, e.path, e.reason) from None
    return document


def detect_format(document: Document) -> str:
    """``odps`` (Bitol's Open Data Product Standard) or ``spec`` (the hand-written
    ``data-product-spec.yaml`` shape), by the fields that name each."""
    data = document.data
    if not isinstance(data, dict):
        raise document.fail([], f"a descriptor must be a mapping, not {_type_name(data)}")
    kind = data.get("kind")
    if kind == "DataContract":
        raise document.fail(["kind"], "a data contract, not a product: use `ingest contracts`")
    if kind == "DataProduct" or "apiVersion" in data:
        return ODPS
    if any(key in data for key in ("output_ports", "input_ports", "slo", "pii_columns")) or (
        "name" in data and "domain" in data
    ):
        return SPEC
    raise document.fail(
        [],
        "unknown descriptor: expected apiVersion and kind: DataProduct (ODPS) or name, domain "
        "and output_ports (data-product-spec.yaml)",
    )


@cache
def _validator(schema_file: str) -> Draft201909Validator:
    from jsonschema import Draft201909Validator  # when first needed, as ingest.contracts.parsing

    schema = json.loads((resources.files("ingest") / "schemas" / schema_file).read_text())
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def validate(document: Document, schema_file: str) -> None:
    """Refuse the document at its first schema violation (the one ``best_match`` picks)."""
    from jsonschema.exceptions import best_match

    errors = list(_validator(schema_file).iter_errors(document.data))
    error = best_match(_causes(errors))
    if error is not None:
        parts, reason = describe_error(error)
        raise document.fail(parts, reason)


def odps_schema(document: Document) -> str:
    """The ODPS schema the document's ``apiVersion`` names (v1.1.0's for an unknown one, which
    then refuses it by its enum)."""
    version = document.data.get("apiVersion")
    return ODPS_SCHEMAS.get(version if isinstance(version, str) else "", ODPS_SCHEMAS["v1.1.0"])
