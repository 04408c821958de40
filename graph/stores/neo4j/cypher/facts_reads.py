"""The Cypher of the facts read around a lineage answer (``graph.stores.neo4j.facts_reads``, whose
docstring says why nodes are named by their places in a table, ``$f``): static text, labels and
types only from the enums, values only as parameters."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from graph.core.model import EdgeKind
from graph.stores.neo4j.codec import _JSON_KEYS, _STAMPS, _UNRESTATED
from graph.stores.neo4j.cypher.graph import _types, reads_together, subquery

#: A far end the table lacks, as :class:`FoundRows` names it: its handle, its id, its kind where it
#: is a node of ours (as ``codec._decode_summaries`` keeps them; else null), its drop (``deleted``:
#: what judges the job edges entering it current).
_END = (
    f"[elementId({{n}}), {{n}}.id, CASE WHEN {{n}}.{_STAMPS} IS NULL THEN null "
    "ELSE head([label IN labels({n}) WHERE label IN $f.kinds]) END, {n}.deleted]"
)

#: A node as the rows name it: its place (``$f.pos`` holds place * 2 + whether the caller holds its
#: aliases), else its id.
_NAMED = "coalesce($f.pos[elementId({n})] / 2, {n}.id)"

#: The places (of ``$f.seek``) whose handles now name another node than the one the caller was
#: given them for: each node with a handle has its id read once, whatever it is asked about.
_STALE = (
    "CALL () { UNWIND $f.seek AS i MATCH (a) WHERE elementId(a) = $f.handles[i] "
    "AND a.id <> $f.ids[i] RETURN collect(i) AS stale }"
)


def _start(name: str, node: str = "a") -> str:
    """The nodes at the places ``$f.<name>`` (sought by their handles, those of ``stale`` left out)
    and ``$f.<name>_by_id`` (sought by their ids), as ``i`` (the place) and ``node``."""
    return (
        f"CALL (stale) {{ UNWIND $f.{name} AS i MATCH ({node}) WHERE elementId({node}) = $f.handles[i] "
        f"AND NOT i IN stale RETURN i, {node} "
        f"UNION ALL UNWIND $f.{name}_by_id AS i MATCH ({node}:Node {{id: $f.ids[i]}}) RETURN i, {node} }}"
    )


def found_query(
    kinds: Sequence[EdgeKind], direction: str, aliases: bool, name: str, with_ends: bool
) -> str:
    """A found read (``facts_reads.FoundAsk``: the edges of ``kinds`` leaving or entering the
    nodes at the places ``$f.<name>``, with the ALIAS_OF edges at their far ends if ``aliases``)
    as a ``CALL`` returning ``name`` (``facts_reads.FoundRows``' four lists); with ``with_ends``,
    every far end too, as ``ends_<name>`` (:func:`runs_query`). The aliases of a far end are read
    unless the caller holds them."""
    step = {"out": "(a)-[r:{t}]->(b)", "in": "(a)<-[r:{t}]-(b)"}[direction]
    typed = ", type(r)" if len(kinds) > 1 else ""
    parts = [
        _start(name),
        f"MATCH {step.format(t=_types(kinds))}",
        "WITH i, r, b, $f.pos[elementId(b)] AS j",
        f"WITH collect([i, coalesce(j / 2, b.id), r.{_UNRESTATED}{typed}]) AS edges, "
        "collect(DISTINCT CASE WHEN j IS NULL THEN b END) AS new"
        + (
            ", collect(DISTINCT CASE WHEN coalesce(j % 2, 0) = 0 THEN b END) AS unheld"
            if aliases
            else ""
        )
        + (", collect(DISTINCT b) AS ends" if with_ends else ""),
    ]
    alias_rows, sources = "[]", "[]"
    if aliases:
        parts.append(
            "CALL (unheld) { UNWIND unheld AS n MATCH (n)-[x:ALIAS_OF]-(c) "
            "WITH x, c, startNode(x) AS s, endNode(x) AS t "
            f"RETURN collect([{_NAMED.format(n='s')}, {_NAMED.format(n='t')}]) "
            "AS aliases, collect(DISTINCT CASE WHEN $f.pos[elementId(c)] IS NULL THEN c END) AS sources }"
        )
        alias_rows, sources = "aliases", f"[c IN sources | {_END.format(n='c')}]"
    returns = f"[edges, [n IN new | {_END.format(n='n')}], {alias_rows}, {sources}] AS {name}"
    parts.append(f"RETURN {returns}" + (f", ends AS ends_{name}" if with_ends else ""))
    return "CALL (stale) {\n" + "\n".join(parts) + "\n}"


#: The newest of a job's (``j``) runs, as ``Neo4jStore.newest`` orders them
#: (``graph._newest_query``: createdAt if a string, else ""; then id), among those we wrote:
#: ``[its createdAt as ordered, its id, the run]``, or null.
_NEWEST_RUN = (
    "reduce(best = null, x IN [(j)<-[:OF]-(x) WHERE x." + _STAMPS + " IS NOT NULL | "
    "[CASE WHEN x.createdAt IS :: STRING NOT NULL THEN x.createdAt ELSE '' END, x.id, x]] | "
    "CASE WHEN best IS NULL OR x[0] > best[0] OR (x[0] = best[0] AND x[1] > best[1]) THEN x "
    "ELSE best END)"
)


def runs_query(writers: str | None) -> str:
    """The newest run of each job at ``$f.jobs`` and of each job writing a dataset at
    ``$f.written`` (:data:`_NEWEST_RUN`); ``writers``: the variable holding the far ends of the
    found read of the WRITES entering the other datasets asked (not matched a second time)."""
    imported = "" if writers is None else f"\n    UNION ALL UNWIND {writers} AS j RETURN j"
    # (UNION ALL, then DISTINCT j: a UNION's own DISTINCT would key its rows by what it imports too)
    return f"""CALL (stale{"" if writers is None else ", " + writers}) {{
  CALL (stale{"" if writers is None else ", " + writers}) {{
    {_start("jobs", "j")} RETURN j
    UNION ALL
    {_start("written", "d")} MATCH (d)<-[:WRITES]-(j:Node) RETURN j{imported}
  }}
  WITH DISTINCT j
  WITH j, {_NEWEST_RUN} AS b
  RETURN collect([{_NAMED.format(n="j")}, CASE WHEN b IS NULL THEN null ELSE
    [b[1], head([label IN labels(b[2]) WHERE label IN $f.kinds]), b[2].createdAt, b[2].state, b[2].{_JSON_KEYS}] END]) AS runs
}}"""


#: Each node's owners as ``[owner's handle, type, _json]`` by handle (what the facts read of an
#: OWNED_BY edge), the nodes grouped by that list (a few hundred lists for 10k nodes), and the
#: owners met, whole, by handle (an owner refers to no column clocks), each sought once.
OWNERS = f"""CALL (stale) {{
  {_start("owning", "n")}
  OPTIONAL MATCH (n)-[r:OWNED_BY]->(o)
  WITH i, r, o ORDER BY elementId(o)
  WITH i, [x IN collect([elementId(o), r.type, r.{_JSON_KEYS}]) WHERE x[0] IS NOT NULL] AS owned
  WITH owned, collect(i) AS nodes
  WITH collect([owned, nodes]) AS owned
  CALL (owned) {{
    UNWIND owned AS some UNWIND some[0] AS x WITH DISTINCT x[0] AS handle
    MATCH (o) WHERE elementId(o) = handle
    RETURN collect([handle, [o.id, labels(o), properties(o)]]) AS owners
  }}
  RETURN owned, owners
}}"""


def _in_map(query: str, parameters: Mapping[str, Any]) -> str:
    """``query`` reading its ``parameters`` from the map ``$f``."""
    names = "|".join(sorted(map(re.escape, parameters), key=len, reverse=True))
    return re.sub(rf"\$({names})\b", r"$f.\1", query) if names else query


def neighbourhood_in_map(query: str, parameters: Mapping[str, Any]) -> str:
    """A neighbourhood read (``graph.neighbourhood_read``) as a ``CALL`` of the facts read,
    reading its ``parameters`` from the map ``$f``."""
    return subquery(_in_map(query, parameters))


def facts_statement(parts: Sequence[str], columns: Sequence[str]) -> str:
    """The facts read's ``parts`` (each a ``CALL``) after the check of the handles
    (:data:`_STALE`), returning their ``columns``."""
    return reads_together([_STALE, *parts], columns)
