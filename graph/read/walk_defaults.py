"""How deep and how far a walk goes when its caller does not say: stated once for every read.

A walk past its budgets (nodes visited, seconds spent) is partial and says so (``truncated``),
never an error. The server's bounds (``graph.serve.limits``), the GraphQL arguments and the client
default to these. Imports nothing of the graph, so the client (``graph.client``) reads them without
the core.
"""

from dataclasses import dataclass

DEFAULT_DEPTH = 20  # hops of a lineage answer
DEFAULT_MAX_NODES = 100_000  # nodes one walk may visit
DEFAULT_DEADLINE_SECONDS = 20.0  # time one walk may take


@dataclass(frozen=True, slots=True)
class Budget:
    """How far one lineage walk goes: ``depth`` hops, at most ``max_nodes`` nodes visited and
    ``deadline_seconds`` spent. Example: ``Budget(depth=1)``, one hop with the default budgets."""

    depth: int = DEFAULT_DEPTH
    max_nodes: int = DEFAULT_MAX_NODES
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS
