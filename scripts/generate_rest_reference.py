"""The HTTP endpoints ``lineagemesh serve`` answers, as a reference page: each route of the
server's own route table (``graph.serve.app.create_app``), its path, methods and what its handler's
docstring says. The site's ``reference/rest.md`` is made from it as the site builds
(``scripts/mkdocs_hooks.py``), so it cannot drift from the routes. Printed on its own::

    python scripts/generate_rest_reference.py
"""

from __future__ import annotations

import inspect
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from starlette.routing import Mount, Route, WebSocketRoute  # noqa: E402
from starlette.staticfiles import StaticFiles  # noqa: E402

import graph.serve.assets  # noqa: E402
from graph.serve.app import create_app  # noqa: E402  (the checkout's, not an installed one)
from graph.stores.embedded.store import EmbeddedStore  # noqa: E402

HEADER = """# HTTP endpoints

Every path `lineagemesh serve` answers, in the order the server matches them, with what its handler
says it does. This page is made from the server's route table as the site builds
(`scripts/generate_rest_reference.py`), so it cannot drift from the routes. Who may call what:
[Authentication and limits](../authentication.md); the Marquez API's paths and where its answers
differ from Marquez's: [Coming from Marquez](../marquez.md); GraphQL's types:
[GraphQL](graphql.md).

| path | methods | what |
|---|---|---|
"""


def _said(handler: Any) -> str:
    """The first paragraph of what a handler's docstring says, on one line, for a table cell."""
    if isinstance(handler, StaticFiles):
        handler = graph.serve.assets
    text = inspect.getdoc(handler) or ""
    first = text.split("\n\n")[0]
    plain = " ".join(first.split()).replace("``", "`")  # the docstrings' reST literals
    return plain.replace("|", "\\|").replace("<", "&lt;")


def rest_reference() -> str:
    """The reference page of the routes of a server as this checkout builds it."""
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        app = create_app(EmbeddedStore(Path(directory)))
        for route in app.routes:
            if isinstance(route, Route):
                methods = ", ".join(sorted(route.methods or ()))
                rows.append((route.path, methods, _said(route.endpoint)))
            elif isinstance(route, WebSocketRoute):
                rows.append((route.path, "WebSocket", _said(route.endpoint)))
            elif isinstance(route, Mount):
                rows.append((f"{route.path}/…", "(mounted)", _said(route.app)))
    lines = [
        f"| `{path}` | {methods} | {what or '(its handler has no docstring)'} |"
        for path, methods, what in rows
    ]
    return HEADER + "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(rest_reference(), end="")
