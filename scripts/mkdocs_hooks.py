"""mkdocs hooks (``mkdocs.yml``): reference pages made from the code while the site builds, so they
cannot drift from it and nothing generated is checked in.

``reference/graphql.md``: every type of ``schema.graphql`` (the schema the server serves, kept
fresh by ``tests/test_cli.py``) under its own heading, the operations' roots first.
``reference/rest.md``: every route the server answers, from its route table
(``scripts/generate_rest_reference.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from graphql import parse, print_ast
from graphql.language import TypeDefinitionNode
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_rest_reference import rest_reference

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema.graphql"
GRAPHQL_PAGE = "reference/graphql.md"
REST_PAGE = "reference/rest.md"
ROOTS = ("Query", "Mutation", "Subscription")

HEADER = """# GraphQL

The schema `/graphql` serves, a type a section: the operations' roots first, then every other type
by name. This page is made from `schema.graphql` when the site is built; GraphiQL, at `/graphql`
in a browser, has the same with completion.
"""


def graphql_reference(sdl: str) -> str:
    """The GraphQL reference page for the schema ``sdl``."""
    types = [d for d in parse(sdl).definitions if isinstance(d, TypeDefinitionNode)]
    order = {name: i for i, name in enumerate(ROOTS)}
    types.sort(key=lambda d: (order.get(d.name.value, len(order)), d.name.value))
    sections = [f"## {d.name.value}\n\n```graphql\n{print_ast(d)}\n```\n" for d in types]
    return HEADER + "\n" + "\n".join(sections)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Adds the generated reference pages to the site's files."""
    content = graphql_reference(SCHEMA.read_text())
    files.append(File.generated(config, GRAPHQL_PAGE, content=content))
    files.append(File.generated(config, REST_PAGE, content=rest_reference()))
    return files
