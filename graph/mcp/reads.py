"""The GraphQL the MCP tools ask, and how a tool's ``node`` argument becomes a graph id.

Every tool answers through the same ``Execute`` the CLI's ``check``, ``diff`` and ``export`` use
(``graph.cli.graphql``: a server's /graphql, or in-process on a store) or, on ``serve``, through the
server's own GraphQL schema with its limits and budgets (``graph.mcp.http``): the queries behind
the answers are GraphQL's resolvers, never a second implementation.
"""

from __future__ import annotations

from typing import Any

from graph.check.changeset import Execute
from graph.core.errors import QueryError


def _with(template: str, part: str) -> str:
    """``template`` with ``part`` where it says ``{}`` (GraphQL is all braces: no str.format)."""
    return template.replace("{}", part)


NODE_FIELDS = "id kind namespace name dataset domain"

NODE = _with("query($id: String!) { node(id: $id) { {} } }", NODE_FIELDS)

SEARCH = _with(
    """query($text: String!, $first: Int, $after: String, $kinds: [NodeKind!],
  $namespace: String, $domain: String, $owner: String, $tag: String) {
  searchConnection(text: $text, first: $first, after: $after, kinds: $kinds,
      namespace: $namespace, domain: $domain, owner: $owner, tag: $tag) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { {} } }
  }
}""",
    NODE_FIELDS,
)

_WALK = """(nodeId: $id, direction: $direction, depth: $depth) {
    truncated
    nodes { id kind namespace name dataset domain deleted upstreamCount downstreamCount
      owners { name } latestRunState }
    edges { source target kind }
  }"""
LINEAGE = _with(
    "query($id: String!, $direction: LineageDirection, $depth: Int) { lineage{} }", _WALK
)
COLUMN_LINEAGE = _with(
    "query($id: String!, $direction: LineageDirection, $depth: Int) { columnLineage{} }", _WALK
)

IMPACT = """query($id: String!, $change: ChangeKind, $depth: Int) {
  impact(nodeId: $id, change: $change, depth: $depth) {
    change breaking truncated
    changed { id kind namespace name domain }
    severityCounts { severity count }
    affected { id kind namespace name dataset distance severity via path certain }
    owners { name type }
    domains { name }
    products { id name domain owners { name } }
    consumers { id kind name domain declared datasets }
    contracts { id name version status }
  }
}"""

_HEALTH = "health { status reasons { kind subject message } }"
DATASET = _with(
    """query($namespace: String!, $name: String!) {
  dataset(namespace: $namespace, name: $name) {
    id namespace name description tags datasetType lifecycleState deleted declared updatedAt
    aliases owners { name type } domain { name owners { name } }
    columns { id name type description pii classification current }
    products { id name domain status owners { name } freshness { status sloHours lastUpdated ageHours }
      contracts { id name version status } }
    writtenBy { id name latestRun { state startedAt endedAt } }
    readBy { id name owners { name } latestRun { state endedAt } }
    {}
  }
}""",
    _HEALTH,
)

JOB = """query($namespace: String!, $name: String!) {
  job(namespace: $namespace, name: $name) {
    id namespace name description tags jobType integration processingType state sql
    owners { name type }
    inputs { id } outputs { id }
    runsConnection(first: 5) { totalCount nodes { runId state startedAt endedAt } }
  }
}"""

VERSIONS = """query($namespace: String!, $name: String!, $first: Int, $after: String) {
  dataset(namespace: $namespace, name: $name) {
    id
    versions(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { version createdAt source origin previousVersion
        fields { name type }
        changes { kind column old new severity reason } } }
    }
  }
}"""

PRODUCT = _with(
    """query($domain: String!, $name: String!) {
  dataProduct(domain: $domain, name: $name) {
    id name domain description version status freshnessHours tags
    owners { name type }
    contracts { id name version status standard datasets { id } }
    datasetsConnection(first: 100) { totalCount nodes { id namespace name } }
    consumers { id kind name domain declared datasets }
    {}
    freshness { status sloHours lastUpdated ageHours stalestDataset }
  }
  domainDependencies { consumerDomain providerDomain product { id } via { id name kind } }
}""",
    _HEALTH,
)


def ask(execute: Execute, query: str, **variables: Any) -> dict[str, Any]:
    """``query``'s data; a failure of the store, the server or the query is a QueryError."""
    from graph.check import CheckError

    try:
        return execute(query, variables)
    except CheckError as e:
        raise QueryError(str(e)) from None


def resolve(execute: Execute, node: str) -> dict[str, Any]:
    """The graph node ``node`` names: an id as GraphQL gives it (``dataset:NAMESPACE:NAME``,
    ``datasetField:...:COLUMN``, ``job:...``), or a name that search finds exactly one node for
    (or one node named exactly so). Anything else is refused with the candidates, never guessed."""
    text = node.strip()
    if not text:
        raise QueryError("node is empty: give a graph id or a name")
    found = ask(execute, NODE, id=text)["node"]
    if found is not None:
        return dict(found)
    hits = ask(execute, SEARCH, text=text, first=10)["searchConnection"]
    nodes = [edge["node"] for edge in hits["edges"]]
    exact = [n for n in nodes if text.lower() in {(n["name"] or "").lower(), n["id"].lower()}]
    if len(exact) == 1:
        return dict(exact[0])
    if len(nodes) == 1 and hits["totalCount"] == 1:
        return dict(nodes[0])
    if not nodes:
        raise QueryError(f"no node is named {text!r}: use the search tool to find its id")
    listed = ", ".join(n["id"] for n in (exact or nodes)[:10])
    raise QueryError(
        f"{text!r} names {hits['totalCount']} nodes; pass one of these ids as node: {listed}"
    )
