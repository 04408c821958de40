"""The one ordering rule for name search, shared by every store."""

from __future__ import annotations

from graph.model import Node


def rank_key(node: Node, needle: str) -> tuple[int, str, str]:
    """Exact name matches first, then prefix matches, then the rest; ties by name, then id.

    ``needle`` is the already lower-cased search text.
    """
    name = str(node.props.get("name", ""))
    lowered = name.lower()
    rank = 0 if lowered == needle else 1 if lowered.startswith(needle) else 2
    return (rank, name, node.id)
