"""Questions asked of the graph: lineage, paths, impact, health, search, catalog and mesh answers.

Each module reads a view of a store (``graph.read.view``) and writes nothing.
"""
