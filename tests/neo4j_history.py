"""``history`` (``test_read_ahead``'s graph) on Neo4j alone, for the modules that test the Neo4j
store's own reads against its level-by-level answers: such a module sets ``pytestmark =
ON_NEO4J``, imports the fixtures ``history`` and ``neo4j_history``, and takes ``neo4j_history``."""

from __future__ import annotations

import pytest
from test_read_ahead import history  # noqa: F401 - ``history`` is a fixture used below

from graph.stores import Store
from graph.stores.neo4j import Neo4jStore

ON_NEO4J = [pytest.mark.neo4j, pytest.mark.parametrize("store_args", ["neo4j"], indirect=True)]


@pytest.fixture
def neo4j_history(history: Store) -> Neo4jStore:  # noqa: F811
    """``history``, typed as the Neo4j store it is under ``ON_NEO4J``."""
    assert isinstance(history, Neo4jStore)
    return history
