"""Every place in a parsed JSON or YAML document, for the tests that corrupt one place at a time
to show that any bad value is refused by name and never crashes an ingester."""

from __future__ import annotations

from typing import Any


def value_paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path (keys and list indexes) of every value below ``document``, parents first."""
    items = (
        document.items()
        if isinstance(document, dict)
        else enumerate(document)
        if isinstance(document, list)
        else ()
    )
    found: list[tuple[Any, ...]] = []
    for key, child in items:
        found.append((*prefix, key))
        found += value_paths(child, (*prefix, key))
    return found


def value_at(document: Any, path: tuple[Any, ...]) -> Any:
    """The value at ``path`` (as :func:`value_paths` gives it) in ``document``."""
    for key in path:
        document = document[key]
    return document
