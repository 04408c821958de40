"""The Neo4j store: the same graph as the embedded store, kept in a Neo4j 5.26+ database.

``store`` is the store itself (its plumbing, format upgrades, write path and reads); ``codec`` how
elements are held as Neo4j properties; ``cypher`` every query text; ``clock_books`` the column-clock
bookkeeping of a write batch; ``reads`` the primitive reads; ``retries`` unavailability and retries.
What the graph becomes in Neo4j, and why: docs/stores.md.
"""

from __future__ import annotations

from graph.stores.neo4j.codec import kept_fields
from graph.stores.neo4j.retries import Retries
from graph.stores.neo4j.store import Neo4jStore

__all__ = ["Neo4jStore", "Retries", "kept_fields"]
