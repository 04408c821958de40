"""The allowed values a column's declaration states, read one way whatever declared them.

A column's enum is a promise consumers build on (a ``CASE`` over the values, a lookup table), so
a pull request's check treats removed values as breaking and added ones as not
(``graph.change.classifier``). Sources say it differently:

* datacontract.com: ``enum: [...]`` on the field (recorded as the column's ``enum``);
* ODCS v3 (and datacontract.com's library rules): a quality rule ``metric: invalidValues`` with
  ``arguments: {validValues: [...]}``;
* dbt: an ``accepted_values`` test (``kwargs: {values: [...]}``).

Values are compared as text: YAML reads ``1`` and ``"1"`` differently, a warehouse does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def declared_enum(props: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The column's allowed values (``props`` as the graph records a column), None when none is declared."""
    values = props.get("enum")
    if isinstance(values, list):
        return _texts(values)
    rules = props.get("quality")
    for rule in rules if isinstance(rules, list) else []:
        found = rule_enum(rule)
        if found is not None:
            return found
    return None


def rule_enum(rule: Any) -> tuple[str, ...] | None:
    """The allowed values one quality rule or test declares, None for any other rule."""
    if not isinstance(rule, Mapping):
        return None
    if rule.get("type") == "accepted_values":
        arguments = rule.get("kwargs")
        key = "values"
    elif rule.get("metric") == "invalidValues":
        arguments = rule.get("arguments")
        key = "validValues"
    else:
        return None
    values = arguments.get(key) if isinstance(arguments, Mapping) else None
    return _texts(values) if isinstance(values, list) else None


def _texts(values: list[Any]) -> tuple[str, ...]:
    return tuple(
        "true" if v is True else "false" if v is False else str(v) for v in values if v is not None
    )
