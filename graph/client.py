"""A Python client for a lineagemesh server's GraphQL API, whose answers become networkx graphs.

For notebooks and scripts: ``Client(url, token=None)`` asks ``/graphql``; ``lineage`` and
``impact`` answer objects with ``.to_networkx()`` giving a ``networkx.DiGraph`` (node attributes:
kind, namespace, name, ...; edges along the data flow, with their kind). Example::

    import networkx as nx
    from graph.client import Client

    upstream = Client("http://localhost:8080").lineage("dataset:food_delivery:public.discounts", "upstream").to_networkx()
    order = list(nx.topological_sort(upstream))   # sources first

``graph.export.write_graph`` writes such a graph as GraphML, GEXF (yEd, Gephi) or node-link JSON
(``lineagemesh export``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graph.read.walk_defaults import DEFAULT_DEPTH

if TYPE_CHECKING:  # imported when a graph is built: ``check --server`` never builds one (~0.4 s)
    import networkx as nx

Execute = Callable[[str, dict[str, Any]], dict[str, Any]]  # a GraphQL query and variables -> data

FORMATS = ("graphml", "gexf", "json-graph")

_NODE = "id kind namespace name dataset deleted declared"
_EDGE = "source target kind transformationType transformations { type subtype description masking }"
LINEAGE = f"""query($id: String!, $direction: LineageDirection, $depth: Int) {{
  lineage(nodeId: $id, direction: $direction, depth: $depth) {{ nodes {{ {_NODE} }} edges {{ {_EDGE} }} truncated }}
}}"""
COLUMN_LINEAGE = LINEAGE.replace("lineage(", "columnLineage(")
IMPACT = """query($id: String!, $change: ChangeKind, $depth: Int) {
  impact(nodeId: $id, change: $change, depth: $depth) {
    changed { id kind namespace name dataset }
    affected { id kind namespace name dataset distance path via severity certain }
    owners { id name } products { id name domain } truncated breaking
  }
}"""
DATASET = """query($ns: String!, $name: String!) {
  dataset(namespace: $ns, name: $name) {
    id namespace name description sourceName sourceUri deleted declared lifecycleState createdAt updatedAt facets aliases
    columns { id name type description ordinal pii current }
    owners { name type } writtenBy { id } readBy { id }
  }
}"""
SEARCH = "query($text: String!, $first: Int) { search(text: $text, first: $first) { id kind namespace name } }"
NODE_KIND = "query($id: String!) { node(id: $id) { kind } }"


class ClientError(RuntimeError):
    """The server refused the request or answered with GraphQL errors; the message says why."""


def http_executor(url: str, token: str | None = None, timeout: float = 120) -> Execute:
    """GraphQL over HTTP against ``{url}/graphql``, with a bearer token if given: one connection
    for every query (an HTTPS one verifies the server; a plain one skips loading the CA store)."""
    import httpx
    import orjson

    endpoint = url.rstrip("/") + "/graphql"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client: list[httpx.Client] = []  # opened by the first query

    def execute(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            if not client:
                client.append(httpx.Client(timeout=timeout, verify=endpoint.startswith("https:")))
            response = client[0].post(
                endpoint, json={"query": query, "variables": variables}, headers=headers
            )
            body = orjson.loads(response.content)
        except (httpx.HTTPError, ValueError) as e:
            raise ClientError(f"cannot ask {url}: {e}") from None
        if (
            not isinstance(body, dict) or "error" in body
        ):  # refused before GraphQL: 401, 403, 413, 429
            reason = body.get("error") if isinstance(body, dict) else body
            raise ClientError(f"{url} answered {response.status_code}: {reason}")
        if body.get("errors"):
            raise ClientError("; ".join(error["message"] for error in body["errors"]))
        return body["data"]

    return execute


class Refused(ClientError):
    """The server answered a 4xx or 5xx; ``status`` is its status, the message its reason."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def post_documents(
    url: str, source: str, body: dict[str, Any], token: str | None = None, timeout: float = 600
) -> dict[str, Any]:
    """Send documents to ``{url}/api/v1/ingest/{source}`` (``graph.serve.documents``) and return
    the server's answer; Refused with its status and reason when it refuses them."""
    import httpx
    import orjson

    endpoint = f"{url.rstrip('/')}/api/v1/ingest/{source}"
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with httpx.Client(timeout=timeout, verify=endpoint.startswith("https:")) as client:
            response = client.post(endpoint, content=orjson.dumps(body), headers=headers)
        answer = orjson.loads(response.content) if response.content else {}
    except (httpx.HTTPError, ValueError) as e:
        raise ClientError(f"cannot send to {url}: {e}") from None
    if response.status_code >= 400:
        reason = answer.get("error") if isinstance(answer, dict) else answer
        raise Refused(f"{url} answered {response.status_code}: {reason}", response.status_code)
    return answer if isinstance(answer, dict) else {}


def _attributes(record: dict[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key not in skip and value is not None}


@dataclass(frozen=True)
class Lineage:
    """A lineage answer: nodes and edges as the GraphQL ``LineageGraph`` gives them."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    truncated: bool

    def to_networkx(self) -> nx.DiGraph:
        """Nodes by id with their fields as attributes; edges source → target along the data flow
        (dataset → job → dataset, input column → output column) with ``kind`` and, for columns,
        ``transformations``. ``graph["truncated"]`` says whether a budget cut the walk short."""
        import networkx as nx

        graph: nx.DiGraph[str] = nx.DiGraph(truncated=self.truncated)
        for node in self.nodes:
            graph.add_node(node["id"], **_attributes(node, ("id",)))
        for edge in self.edges:
            graph.add_edge(
                edge["source"], edge["target"], **_attributes(edge, ("source", "target"))
            )
        return graph


@dataclass(frozen=True)
class Impact:
    """An impact report: the changed node, the nodes the change reaches, whom to tell."""

    changed: dict[str, Any]
    affected: list[dict[str, Any]]
    owners: list[dict[str, Any]]
    products: list[dict[str, Any]]
    truncated: bool
    breaking: bool
    extra: dict[str, Any] = field(default_factory=dict)

    def to_networkx(self) -> nx.DiGraph:
        """The tree of shortest explaining paths: the changed node, every affected node (attributes
        distance, severity, certain, ...) and the jobs on the way, edges along each ``path``."""
        import networkx as nx

        graph: nx.DiGraph[str] = nx.DiGraph(
            truncated=self.truncated, breaking=self.breaking, change=self.extra.get("change")
        )
        graph.add_node(self.changed["id"], **_attributes(self.changed, ("id",)), distance=0)
        for node in self.affected:
            graph.add_node(node["id"], **_attributes(node, ("id", "path", "via")))
            for source, target in zip(node["path"], node["path"][1:]):
                graph.add_edge(source, target)
        return graph


class Client:
    """A lineagemesh server's GraphQL API. ``execute`` replaces HTTP (``lineagemesh export`` runs
    the same queries in-process on a store)."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        timeout: float = 120,
        execute: Execute | None = None,
    ) -> None:
        if execute is None:
            if url is None:
                raise ValueError("give a server url (or an executor)")
            execute = http_executor(url, token, timeout)
        self.execute = execute

    def kind(self, node_id: str) -> str | None:
        """The kind of a node (``Dataset``, ``Job``, ``Column``, ...), None when there is none."""
        node = self.execute(NODE_KIND, {"id": node_id})["node"]
        return node["kind"] if node else None

    def lineage(self, node_id: str, direction: str = "both", depth: int = DEFAULT_DEPTH) -> Lineage:
        """Datasets and jobs upstream, downstream or both ways of a dataset or job (``depth``
        dataset hops); for a column (``datasetField:`` id), its column lineage."""
        query = COLUMN_LINEAGE if self.kind(node_id) == "COLUMN" else LINEAGE
        data = self.execute(query, {"id": node_id, "direction": direction.upper(), "depth": depth})
        answer = data["columnLineage" if query is COLUMN_LINEAGE else "lineage"]
        return Lineage(answer["nodes"], answer["edges"], answer["truncated"])

    def impact(self, node_id: str, change: str = "drop", depth: int | None = None) -> Impact:
        """What a change to a dataset or column reaches, with one explaining path each."""
        answer = self.execute(IMPACT, {"id": node_id, "change": change.upper(), "depth": depth})[
            "impact"
        ]
        return Impact(
            answer["changed"],
            answer["affected"],
            answer["owners"],
            answer["products"],
            answer["truncated"],
            answer["breaking"],
            {"change": change.upper()},
        )

    def dataset(self, namespace: str, name: str) -> dict[str, Any] | None:
        """A dataset with its columns, owners, writers and readers; None when unknown."""
        return self.execute(DATASET, {"ns": namespace, "name": name})["dataset"]

    def search(self, text: str, first: int = 20) -> list[dict[str, Any]]:
        """Datasets, jobs, columns, products, domains and owners whose name holds ``text``."""
        return self.execute(SEARCH, {"text": text, "first": first})["search"]
