"""The MCP server: lineage, impact, ownership, products and the change check as tools for AI
agents (docs/mcp.md).

``server`` builds it on the ``mcp`` SDK; ``tools`` and ``change_check`` answer each tool through
GraphQL (``reads``) and size the answers (``answers``); ``http`` serves it at ``/mcp`` on
``lineagemesh serve``, ``graph.cli.mcp`` over stdio.
"""
