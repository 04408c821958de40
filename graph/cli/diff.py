"""``lineagemesh diff NODE_ID --from T1 [--to T2]``: how a node's lineage changed (wired into
``graph.cli``). Asks GraphQL ``lineageDiff``, of a running server or in-process on a store, the
way ``lineagemesh check`` asks (``graph.cli.check.executor``)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from typing import Any

import click

from graph.check.changeset import CheckError
from graph.check.graph_reads import nodes, unknown_node
from graph.cli import one_shot
from graph.cli.graphql import graphql_executor, graphql_options
from graph.cli.store_location import StoreOpener
from graph.read.walk_defaults import DEFAULT_DEPTH

DIFF_QUERY = """
query Diff($id: String!, $from: DateTime!, $to: DateTime, $direction: LineageDirection, $depth: Int) {
  lineageDiff(nodeId: $id, from: $from, to: $to, direction: $direction, depth: $depth) {
    nodesAdded { id kind } nodesRemoved { id kind }
    edgesAdded { source target kind } edgesRemoved { source target kind }
    schemaChanges { dataset kind column old new severity reason }
    truncated
  }
}"""


@click.command("diff")
@click.argument("node_id")
@click.option(
    "--from", "since", required=True, type=click.DateTime(), help="The earlier moment (UTC)."
)
@click.option("--to", "until", type=click.DateTime(), help="The later moment (default now).")
@click.option(
    "--direction",
    type=click.Choice(["upstream", "downstream", "both"], case_sensitive=False),
    default="both",
    show_default=True,
)
@click.option("--depth", type=click.IntRange(0), default=DEFAULT_DEPTH, show_default=True)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@graphql_options
def diff(
    node_id: str,
    since: datetime,
    until: datetime | None,
    direction: str,
    depth: int,
    output_format: str,
    server: str | None,
    token: str | None,
    open_graph: StoreOpener,
) -> None:
    """How the lineage of NODE_ID (dataset:NAMESPACE:NAME or job:NAMESPACE:NAME) changed between
    --from and --to: nodes and edges added and removed, schema changes in its radius.
    Exit 0, or 2 for usage, input or store errors."""
    root = logging.getLogger()
    root.setLevel(max(root.level, logging.WARNING))
    variables = {
        "id": node_id,
        "from": since.isoformat(),
        "to": until.isoformat() if until else None,
        "direction": direction.upper(),
        "depth": depth,
    }
    try:
        with graphql_executor(server, token, open_graph) as execute:
            if nodes(execute, [node_id])[node_id] is None:
                raise unknown_node(execute, node_id)
            answer = execute(DIFF_QUERY, variables)["lineageDiff"]
    except CheckError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    click.echo(json.dumps(answer, indent=2) if output_format == "json" else _text(answer))
    one_shot.exit(0)


def _text(answer: dict[str, Any]) -> str:
    lines = [f"+ {n['kind']:<7} {n['id']}" for n in answer["nodesAdded"]]
    lines += [f"- {n['kind']:<7} {n['id']}" for n in answer["nodesRemoved"]]
    lines += [f"+ {e['kind']:<7} {e['source']} -> {e['target']}" for e in answer["edgesAdded"]]
    lines += [f"- {e['kind']:<7} {e['source']} -> {e['target']}" for e in answer["edgesRemoved"]]
    lines += [
        f"  {c['severity']:<8} {c['kind']} {c['dataset']} {c['column'] or ''}: {c['reason']}"
        for c in answer["schemaChanges"]
    ]
    if answer["truncated"]:
        lines.append("(partial: a traversal budget was hit)")
    return "\n".join(lines) or "no lineage changes"
