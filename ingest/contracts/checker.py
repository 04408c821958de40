"""The type checks of a datacontract.com document (it has no schema we validate against), each
failure an InvalidContract naming the field's path."""

from __future__ import annotations

from typing import Any

from ingest.contracts.shape import InvalidContract, _child, _rules, _type_name


class Merged(dict[str, Any]):
    """A field with its definition's keys merged under its own (a datacontract.com ``$ref``),
    knowing where each key it took from a definition is written (``origins``: the key's parent
    path), so that a bad value there is named where it is, not where it is used."""

    def __init__(self, items: dict[str, Any], origins: dict[str, str]) -> None:
        super().__init__(items)
        self.origins = origins


def _where(parent: dict[str, Any], key: str, path: str) -> str:
    """The path of ``parent[key]``: in the definition it came from, if it came from one."""
    origins = parent.origins if isinstance(parent, Merged) else {}
    return _child(origins.get(key, path), key)


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
        here = _where(parent, key, path)
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
                    f"{_where(parent, key, path)}[{i}]", f"expected string, got {_type_name(value)}"
                )
        return values or None

    def mapping_of_mappings(
        self, parent: dict[str, Any], key: str, path: str
    ) -> dict[str, dict[str, Any]]:
        values = self.get(parent, key, path, dict) or {}
        for name, value in values.items():
            if not isinstance(value, dict):
                raise self.fail(
                    _child(_where(parent, key, path), name),
                    f"expected mapping, got {_type_name(value)}",
                )
        return values

    def rules(self, parent: dict[str, Any], key: str, path: str) -> list[dict[str, Any]] | None:
        value = self.get(parent, key, path, (list, dict))
        for i, rule in enumerate(value if isinstance(value, list) else []):
            if not isinstance(rule, dict):
                raise self.fail(
                    f"{_where(parent, key, path)}[{i}]", f"expected mapping, got {_type_name(rule)}"
                )
        return _rules(value) or None
