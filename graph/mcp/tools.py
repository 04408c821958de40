"""What each MCP tool answers: a GraphQL question (``graph.mcp.reads``) shaped for a context
window (``graph.mcp.answers``).

Plain functions of an ``Execute`` and the tool's arguments, returning plain data; the server
(``graph.mcp.server``) runs them in a worker thread and turns a QueryError into the tool's error.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from graph.check.changeset import Execute
from graph.core.errors import QueryError
from graph.core.vocabulary import SEVERITY_RANKS, ChangeKind
from graph.mcp import reads
from graph.mcp.answers import counts, fit

DIRECTIONS = ("UPSTREAM", "DOWNSTREAM", "BOTH")
CHANGES = tuple(kind.value for kind in ChangeKind)
LEVELS = ("dataset", "column")
SQL_CHARS = 2000  # of a job's SQL in describe: its gist, not a whole script


def _choice(name: str, value: str, allowed: Iterable[str]) -> str:
    """``value`` in any case as one of ``allowed`` (upper case), else a QueryError naming them."""
    wanted = value.strip().upper()
    options = tuple(allowed)
    if wanted not in options:
        raise QueryError(
            f"{name} must be one of {', '.join(o.lower() for o in options)}, not {value!r}"
        )
    return wanted


def _depth(depth: int | None) -> int | None:
    if depth is not None and depth < 0:
        raise QueryError(f"depth must be 0 or more, not {depth}")
    return depth


def _names(owners: Iterable[Mapping[str, Any]] | None) -> list[str]:
    return sorted({o["name"] for o in owners or ()})


def search(
    execute: Execute,
    text: str,
    kinds: list[str] | None,
    namespace: str | None,
    domain: str | None,
    owner: str | None,
    tag: str | None,
    budget: int,
    cursor: str | None,
) -> dict[str, Any]:
    """A page of GraphQL ``searchConnection``: as many hits as the budget holds, best first."""
    wanted = [_choice("kind", k, _KINDS) for k in kinds] if kinds else None
    page = reads.ask(
        execute,
        reads.SEARCH,
        text=text,
        first=100,
        after=cursor or None,
        kinds=wanted,
        namespace=namespace,
        domain=domain,
        owner=owner,
        tag=tag,
    )["searchConnection"]
    edges = page["edges"]
    hits = [edge["node"] for edge in edges]
    head = {
        "total": page["totalCount"],
        "by_kind": counts(h["kind"] for h in hits),
        "by_domain": counts(h["domain"] for h in hits),
    }
    answer = fit(head, "hits", hits, budget, None, "add kinds, domain, owner or tag")
    shown = answer["shown"]["to"]
    answer.pop("cursor", None)
    answer.pop("more", None)
    if shown < len(edges) or page["pageInfo"]["hasNextPage"]:
        answer["truncated"] = True
        answer["cursor"] = edges[shown - 1]["cursor"] if shown else cursor
        answer["more"] = (
            f"{page['totalCount'] - shown} more hits: call search again with the same arguments "
            f'and cursor="{answer["cursor"]}", or narrow with kinds, domain, owner or tag'
        )
    return answer


_KINDS = (
    "DATASET",
    "COLUMN",
    "JOB",
    "DATA_PRODUCT",
    "DOMAIN",
    "OWNER",
)


def lineage(
    execute: Execute,
    node: str,
    direction: str,
    depth: int | None,
    level: str,
    budget: int,
    cursor: str | None,
) -> dict[str, Any]:
    """GraphQL ``lineage`` (or ``columnLineage``) of ``node``: counts, then the nodes nearest
    first, each with its hops from the start and the neighbour it was reached from."""
    way = _choice("direction", direction, DIRECTIONS)
    at = _choice("level", level, (lv.upper() for lv in LEVELS)).lower()
    start = reads.resolve(execute, node)
    if at == "column" and start["kind"] != "COLUMN":
        raise QueryError(
            f"{start['id']} is a {start['kind'].lower()}: level=column needs a column id"
        )
    if at == "dataset" and start["kind"] == "COLUMN":
        at = "column"  # a column's lineage is its column lineage
    query = reads.COLUMN_LINEAGE if at == "column" else reads.LINEAGE
    variables: dict[str, Any] = {"id": start["id"], "direction": way}
    if depth is not None:
        variables["depth"] = _depth(depth)
    graph = reads.ask(execute, query, **variables)["columnLineage" if at == "column" else "lineage"]
    nodes = {n["id"]: n for n in graph["nodes"]}
    reached = _walk(start["id"], graph["edges"])
    items = [
        {
            "id": n["id"],
            "kind": n["kind"],
            "name": n["name"],
            "namespace": n["namespace"],
            "domain": n["domain"],
            "side": reached[n["id"]][0],
            "hops": reached[n["id"]][1],
            "from": reached[n["id"]][2],
            "owners": _names(n["owners"]),
            "upstream": n["upstreamCount"],
            "downstream": n["downstreamCount"],
            **({"deleted": True} if n["deleted"] else {}),
            **({"latestRun": n["latestRunState"]} if n["latestRunState"] else {}),
        }
        for n in nodes.values()
        if n["id"] in reached
    ]
    items.sort(key=lambda i: (i["hops"], -(i["upstream"] + i["downstream"]), i["id"]))
    others = [n for n in nodes.values() if n["id"] not in reached]
    items.extend(
        {
            "id": n["id"],
            "kind": n["kind"],
            "name": n["name"],
            "domain": n["domain"],
            "side": "other",
        }
        for n in sorted(others, key=lambda n: n["id"])
    )
    head = {
        "node": start,
        "level": at,
        "direction": way.lower(),
        "walk_truncated": graph["truncated"],
        "nodes": len(nodes),
        "edges": len(graph["edges"]),
        "by_kind": counts(n["kind"] for n in nodes.values()),
        "by_domain": counts(n["domain"] for n in nodes.values()),
        "by_namespace": counts(n["namespace"] for n in nodes.values()),
        "by_side": counts(i["side"] for i in items),
    }
    if graph["truncated"]:
        head["walk_note"] = (
            "more graph lies beyond depth (or past a server cap): a larger depth, or lineage "
            "from a node at the edge, shows it"
        )
    return fit(
        head,
        "items",
        items,
        budget,
        cursor,
        'depth=1, direction="upstream" or "downstream", or the impact tool for what breaks',
    )


def _walk(start: str, edges: list[dict[str, Any]]) -> dict[str, tuple[str, int, str | None]]:
    """Each node reached from ``start``: its side (``start``, ``upstream``, ``downstream``), its
    hops from ``start`` and the node it was first reached from (breadth first, ids in order)."""
    out: dict[str, list[str]] = {}
    into: dict[str, list[str]] = {}
    for edge in edges:
        out.setdefault(edge["source"], []).append(edge["target"])
        into.setdefault(edge["target"], []).append(edge["source"])
    reached: dict[str, tuple[str, int, str | None]] = {start: ("start", 0, None)}
    for side, step in (("downstream", out), ("upstream", into)):
        queue = deque([(start, 0)])
        seen = {start}
        while queue:
            at, hops = queue.popleft()
            for nxt in sorted(step.get(at, ())):
                if nxt in seen:
                    continue
                seen.add(nxt)
                if nxt not in reached or reached[nxt][1] > hops + 1:
                    reached[nxt] = (side, hops + 1, at)
                queue.append((nxt, hops + 1))
    return reached


def impact(
    execute: Execute,
    node: str,
    change: str,
    depth: int | None,
    budget: int,
    cursor: str | None,
) -> dict[str, Any]:
    """GraphQL ``impact`` of ``change`` to ``node``: severity counts, owners, domains and products
    to tell, then the affected nodes worst and nearest first, each with the node it is reached
    through (``via``) and its path."""
    kind = _choice("change", change, CHANGES)
    start = reads.resolve(execute, node)
    report = reads.ask(execute, reads.IMPACT, id=start["id"], change=kind, depth=_depth(depth))[
        "impact"
    ]
    affected = sorted(
        report["affected"],
        key=lambda a: (-SEVERITY_RANKS.get(a["severity"], -1), a["distance"], a["id"]),
    )
    head = {
        "node": start,
        "change": report["change"].lower(),
        "breaking": report["breaking"],
        "walk_truncated": report["truncated"],
        "affected": len(affected),
        "by_severity": {c["severity"]: c["count"] for c in report["severityCounts"]},
        "by_kind": counts(a["kind"] for a in affected),
        "by_namespace": counts(a["namespace"] for a in affected),
        "owners_to_tell": _capped(sorted(o["name"] for o in report["owners"])),
        "domains": _capped(sorted(d["name"] for d in report["domains"])),
        "products": _capped(sorted(p["id"] for p in report["products"])),
        "consumers": _capped(sorted(c["id"] for c in report["consumers"])),
        "contracts": _capped(sorted(c["id"] for c in report["contracts"])),
    }
    return fit(
        head,
        "items",
        affected,
        budget,
        cursor,
        "a smaller depth, or the impact of one column (a datasetField id) rather than its dataset",
    )


def _capped(values: list[str], top: int = 25) -> dict[str, Any] | list[str]:
    """A list as is when short, else its first ``top`` and how many there are in all."""
    if len(values) <= top:
        return values
    return {"first": values[:top], "total": len(values)}


def describe(execute: Execute, node: str, budget: int, cursor: str | None) -> dict[str, Any]:
    """A node's facts from GraphQL ``dataset``/``job``/``node``: schema, owners, domain, products,
    contracts and freshness, health with its reasons, latest runs; a dataset's columns paged."""
    start = reads.resolve(execute, node)
    kind = start["kind"]
    if kind == "COLUMN":
        return _describe_column(execute, start, budget)
    if kind == "JOB":
        found = reads.ask(execute, reads.JOB, namespace=start["namespace"], name=start["name"])[
            "job"
        ]
        if found is None:
            raise QueryError(f"job {start['id']} is not in the graph")
        if found["sql"] and len(found["sql"]) > SQL_CHARS:
            found["sql"] = found["sql"][:SQL_CHARS] + " …(cut)"
        found["inputs"] = [i["id"] for i in found["inputs"]]
        found["outputs"] = [o["id"] for o in found["outputs"]]
        return fit({"node": start, "kind": "JOB", "job": found}, "items", [], budget, None, "")
    if kind != "DATASET":
        return fit(
            {"node": start, "kind": kind, "note": _other_kind_note(kind)},
            "items",
            [],
            budget,
            None,
            "",
        )
    found = _dataset(execute, start)
    columns = found.pop("columns")
    found["owners"] = [{"name": o["name"], "type": o["type"]} for o in found["owners"]]
    found["writtenBy"] = _runs(found["writtenBy"])
    found["readBy"] = _runs(found["readBy"])
    return fit(
        {"node": start, "kind": "DATASET", "dataset": found, "columns": len(columns)},
        "items",
        columns,
        budget,
        cursor,
        "describe one column by its datasetField id",
    )


def _other_kind_note(kind: str) -> str:
    if kind == "DATA_PRODUCT":
        return "a data product: the product tool answers its ports, contracts and neighbours"
    return "ask lineage, impact or owners_and_consumers about the datasets and jobs it names"


def _runs(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": j["id"],
            **({"owners": _names(j["owners"])} if "owners" in j else {}),
            "latestRun": j["latestRun"],
        }
        for j in jobs
    ]


def _dataset(execute: Execute, start: Mapping[str, Any]) -> dict[str, Any]:
    namespace, name = start["namespace"], start["name"]
    if start["kind"] == "COLUMN":
        namespace, name = _column_dataset(start)
    found = reads.ask(execute, reads.DATASET, namespace=namespace, name=name)["dataset"]
    if found is None:
        raise QueryError(f"dataset {namespace}:{name} is not in the graph")
    return dict(found)


def _column_dataset(column: Mapping[str, Any]) -> tuple[str, str]:
    """A column's dataset namespace and name, as GraphQL ``node`` gives them."""
    dataset = column.get("dataset")
    namespace = column.get("namespace")
    if not dataset or not namespace:
        raise QueryError(f"column {column['id']} names no dataset")
    return namespace, dataset


def _describe_column(execute: Execute, start: Mapping[str, Any], budget: int) -> dict[str, Any]:
    found = _dataset(execute, start)
    column = next((c for c in found["columns"] if c["id"] == start["id"]), None)
    head = {
        "node": start,
        "kind": "COLUMN",
        "column": column,
        "dataset": {
            "id": found["id"],
            "owners": _names(found["owners"]),
            "domain": (found["domain"] or {}).get("name"),
            "health": found["health"],
            "products": [p["id"] for p in found["products"]],
        },
    }
    return fit(head, "items", [], budget, None, "")


def owners_and_consumers(execute: Execute, node: str, budget: int) -> dict[str, Any]:
    """Who owns a dataset (declared: its owners, its domain's and its products') and who uses
    it: declared product consumers, and the jobs observed reading it with their owners. A column
    answers for its dataset; a job for the datasets it writes."""
    start = reads.resolve(execute, node)
    if start["kind"] == "JOB":
        job = reads.ask(execute, reads.JOB, namespace=start["namespace"], name=start["name"])["job"]
        if job is None:
            raise QueryError(f"job {start['id']} is not in the graph")
        subjects = [reads.resolve(execute, o["id"]) for o in job["outputs"]]
        head: dict[str, Any] = {"node": start, "job_owners": _names(job["owners"])}
    elif start["kind"] in ("DATASET", "COLUMN"):
        subjects = [start]
        head = {"node": start}
    else:
        raise QueryError(
            f"{start['id']} is a {start['kind'].lower()}: give a dataset, column or job"
        )
    items = []
    for subject in subjects:
        found = _dataset(execute, subject)
        products = found["products"]
        consumers = [c for p in products for c in _consumers_of(execute, p)]
        items.append(
            {
                "dataset": found["id"],
                "declared_owners": [
                    {"name": o["name"], "type": o["type"]} for o in found["owners"]
                ],
                "domain": (found["domain"] or {}).get("name"),
                "domain_owners": _names((found["domain"] or {}).get("owners")),
                "products": [{"id": p["id"], "owners": _names(p["owners"])} for p in products],
                "declared_consumers": [c for c in consumers if c["declared"]],
                "observed_consumers": [c for c in consumers if not c["declared"]],
                "observed_readers": _runs(found["readBy"]),
                "writers": _runs(found["writtenBy"]),
            }
        )
    return fit(head, "items", items, budget, None, "ask about one dataset")


def _consumers_of(execute: Execute, product: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = reads.ask(execute, reads.PRODUCT, domain=product["domain"], name=product["name"])
    return list((found["dataProduct"] or {}).get("consumers") or [])


def schema_history(execute: Execute, node: str, budget: int, cursor: str | None) -> dict[str, Any]:
    """A dataset's schema versions from GraphQL ``versions``, newest first, each with its fields
    and the classified changes from the version before (severity and reason)."""
    start = reads.resolve(execute, node)
    if start["kind"] == "COLUMN":
        namespace, name = _column_dataset(start)
    elif start["kind"] == "DATASET":
        namespace, name = start["namespace"], start["name"]
    else:
        raise QueryError(f"{start['id']} is a {start['kind'].lower()}: give a dataset or column")
    found = reads.ask(
        execute, reads.VERSIONS, namespace=namespace, name=name, first=100, after=cursor or None
    )["dataset"]
    if found is None:
        raise QueryError(f"dataset {namespace}:{name} is not in the graph")
    page = found["versions"]
    versions = [edge["node"] for edge in page["edges"]]
    head = {
        "node": start,
        "versions": page["totalCount"],
        "changes_by_severity": counts(c["severity"] for v in versions for c in v["changes"]),
    }
    return fit(head, "items", versions, budget, None, "a larger budget shows more versions")


def product(execute: Execute, node: str, budget: int) -> dict[str, Any]:
    """A data product from GraphQL ``dataProduct``: its output ports (datasets), contracts,
    owners, consumers, health and freshness, and the products upstream and downstream of it
    (``domainDependencies``)."""
    start = reads.resolve(execute, node)
    if start["kind"] != "DATA_PRODUCT":
        raise QueryError(f"{start['id']} is a {start['kind'].lower()}: give a data product")
    found = reads.ask(
        execute, reads.PRODUCT, domain=start["domain"] or "", name=start["name"] or ""
    )
    data = found["dataProduct"]
    if data is None:
        raise QueryError(f"data product {start['id']} is not in the graph")
    dependencies = found["domainDependencies"]
    ports = data.pop("datasetsConnection")
    head = {
        "node": start,
        "product": data,
        "ports": ports["totalCount"],
        "upstream_products": sorted(
            {d["product"]["id"] for d in dependencies if d["consumerDomain"] == data["domain"]}
            - {data["id"]}
        ),
        "downstream_domains": sorted(
            {d["consumerDomain"] for d in dependencies if d["product"]["id"] == data["id"]}
        ),
    }
    return fit(head, "items", ports["nodes"], budget, None, "describe one port dataset")
