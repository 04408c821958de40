"""What a Neo4j store is asked, statement by statement, for tests that count its round trips."""

from __future__ import annotations

from typing import Any

import pytest

from graph.stores import Store


def statements(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the store is asked from now on, each statement's ``doing``."""
    asked: list[str] = []
    read = store._read  # type: ignore[attr-defined]

    def counted(text: str, parameters: dict[str, Any], doing: str) -> list[list[Any]]:
        asked.append(doing)
        return read(text, parameters, doing)

    monkeypatch.setattr(store, "_read", counted)
    return asked
