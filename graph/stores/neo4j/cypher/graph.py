"""The Neo4j store's Cypher: static text (labels and types only from the enums, values only as
parameters), the schema, the format and its upgrades, and the builders of the read queries."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from typing import Any, Literal

from graph.core.model import JOB_IO, RUN_IO, EdgeKind, NodeKind
from graph.stores import EdgeDirection, NeighbourhoodRequest, Reach
from graph.stores.id_format import RENAMED_KINDS
from graph.stores.job_currency import DECIDING_RUN, FIRST_SEEN
from graph.stores.neo4j.codec import (
    _CLOCK_OWNER,
    _CLOCKS,
    _FIELDS,
    _JSON_KEYS,
    _LOCK,
    _NAME_LOWER,
    _NAME_SORT,
    _REFS,
    _STAMPS,
    _SUMMARY,
    _UNRESTATED,
    summary_parameter,
)


def _stored(n: str) -> str:
    """Node ``n``'s properties as a read decodes them (``codec._decode_node``): without its column
    clocks (a read takes them from their owners, ``_CLOCKS_OF_OWNERS``), Marquez's field cache
    (read by name, by the Marquez API) and its summary (read by walks), which the decoder drops.
    On a dataset the first two are about two thirds of what its whole read sent (an impact walk's
    judging read: 45 of 66 KB)."""
    return f"{n} {{.*, {_CLOCKS}: null, {_FIELDS}: null, {_SUMMARY}: null}}"


def _locked(n: str) -> str:
    """Node ``n``'s properties as the write path merges into them: its clocks, not its kept
    Marquez fields (written after the node, and compared by the statement writing them,
    ``_WRITE_FIELDS``): a third of what a batch's locked datasets sent."""
    return f"{n} {{.*, {_FIELDS}: null}}"


_NODE_FIELDS = f"n.id AS id, labels(n) AS labels, {_stored('n')} AS props"


def _types(kinds: Collection[EdgeKind]) -> str:
    return "|".join(sorted(EdgeKind(kind).value for kind in kinds))


def subquery(query: str, imports: str = "") -> str:
    """``query`` as a ``CALL`` subquery of a statement of several reads, importing the variables
    ``imports`` (comma separated) of the reads before it."""
    return f"CALL ({imports}) {{\n{query}\n}}"


def reads_together(parts: Collection[str], columns: Collection[str]) -> str:
    """One statement of the subqueries ``parts`` (:func:`subquery`), returning their ``columns``."""
    return "\n".join([*parts, "RETURN " + ", ".join(columns)])


#: A health check's statement: answered by the server without reading the graph.
PING = "RETURN 1"

_CLEAR = "MATCH (n:Node) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"

_SCHEMA = [
    "CREATE CONSTRAINT lineagemesh_node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT lineagemesh_meta_id IF NOT EXISTS FOR (m:LineagemeshMeta) REQUIRE m.id IS UNIQUE",
    f"CREATE TEXT INDEX lineagemesh_node_name_lower IF NOT EXISTS FOR (n:Node) ON (n.{_NAME_LOWER})",
    *(
        f"CREATE RANGE INDEX lineagemesh_{kind.value.lower()}_id IF NOT EXISTS FOR (n:{kind.value}) ON (n.id)"
        for kind in NodeKind
    ),
]


def _lock_and_read(find: str) -> str:
    """Write-lock the nodes of $ids that ``find`` (MATCH or MERGE) finds, in id order (so
    concurrent writers queue instead of deadlocking), and return their state and element ids."""
    return f"""
UNWIND $ids AS id
{find} (n:Node {{id: id}})
SET n.{_LOCK} = true
REMOVE n.{_LOCK}
RETURN collect([id, elementId(n), labels(n), {_locked("n")}])
"""


# Create missing nodes and write-lock all touched ones.
_LOCK_AND_READ_NODES = _lock_and_read("MERGE")

_READ_EDGE_BRANCH = """
  UNWIND ${kind} AS k
  MATCH (a) WHERE elementId(a) = k[0]
  MATCH (b) WHERE elementId(b) = k[1]
  CALL (a, b) {{ MATCH (a)-[r:{kind}]->(b) RETURN r }}
  RETURN [k[2], '{kind}', k[3], elementId(r), properties(r)] AS row"""
# (CALL (a, b) binds both ends first, so Neo4j checks the edge from the end with fewer
# relationships of that type (Expand(Into)) instead of expanding a hub dataset.)

# The same over the nodes a statement has just locked, as the list ``ns`` (the order of $ids): an
# edge is asked as the two ends' positions in it, so it needs no seek at all.
_LOCKED_EDGE_BRANCH = """
    UNWIND ${kind} AS k
    WITH ns[k[0]] AS a, ns[k[1]] AS b
    CALL (a, b) {{ MATCH (a)-[r:{kind}]->(b) RETURN r }}
    RETURN [a.id, '{kind}', b.id, elementId(r), properties(r)] AS row"""

# Kept in the plan cache whatever the statistics say (the query option ``replan=skip``): for a
# statement that finds everything by element id the plan cannot depend on them, and Neo4j
# replanned the write path's statements every time a re-run round had moved its counts
# enough (~0.1-1 s each, on a loaded host).
_PLANNED_ONCE = "CYPHER replan=skip "

# Read the current state of edge keys: a parameter per kind, one UNION branch each (static types).
# One text whichever kinds a batch holds (an absent kind's list is empty): a text per combination
# of kinds, as before, was planned afresh for each new combination, 0.1-0.4 s each (a 16-branch
# plan costs ~0.5-1 s, but once), and a batch's mix of kinds varies with what its events describe.
_READ_EDGES = (
    _PLANNED_ONCE
    + "CALL () {"
    + "\n  UNION ALL".join(_READ_EDGE_BRANCH.format(kind=kind.value) for kind in EdgeKind)
    + "\n}\nRETURN collect(row)"
)


# A write batch's first statement (``Neo4jStore._apply_in``): its nodes merged and write-locked in
# id order (as ``_LOCK_AND_READ_NODES``), the edges between them it names (a parameter per kind of
# [source, target] positions in $ids, each kind a branch as in ``_READ_EDGES``), and what judging
# its jobs reads (``judging.Prefetched``): each :Job's READS/WRITES edges with what the rule reads of
# them (``job_currency.first_seen``), their marks and element ids, the run it names as deciding
# whole with its input and output keys, and each :Run's input
# and output keys and the jobs it is OF. One round trip where there were five (the lock, the edge
# read, the judging read, its clocks, and the extra lock of jobs judged).
_LOCK_AND_READ_BATCH = (
    _PLANNED_ONCE
    + f"""
// a write batch: its nodes locked and read, their edges, what judging its jobs reads
UNWIND $ids AS id
MERGE (n:Node {{id: id}})
SET n.{_LOCK} = true
REMOVE n.{_LOCK}
WITH collect(n) AS ns, collect([id, elementId(n), labels(n), {_locked("n")}]) AS locked
CALL (ns) {{
  CALL (ns) {{"""
    + "\n    UNION ALL".join(_LOCKED_EDGE_BRANCH.format(kind=kind.value) for kind in EdgeKind)
    + f"""
  }}
  RETURN collect(row) AS edges
}}
CALL (ns) {{
  UNWIND ns AS j
  WITH j WHERE j:Job
  WITH j, j.`{DECIDING_RUN}` AS named
  OPTIONAL MATCH (r:Node {{id: named}}) WHERE named IS :: STRING
  RETURN collect([
    j.id,
    [(j)-[e:{_types(JOB_IO)}]->(d) | [type(e), d.id, e.`{FIRST_SEEN}`, e.{_UNRESTATED}, elementId(e)]],
    CASE WHEN r IS NULL THEN null ELSE
      [r.id, labels(r), properties(r), [(r)-[x:{_types(RUN_IO)}]->(d) | [r.id, type(x), d.id]]] END
  ]) AS jobs
}}
CALL (ns) {{
  UNWIND ns AS r
  WITH r WHERE r:Run
  RETURN collect([
    r.id, [(r)-[x:{_types(RUN_IO)}]->(d) | [r.id, type(x), d.id]], [(r)-[:OF]->(j) | j.id]
  ]) AS runs
}}
RETURN locked, edges, jobs, runs
"""
)

# Rows carry only the keys that changed (``SET +=``; a null removes the key), and a node gets its
# label only when it is created: rewriting whole property maps made Neo4j rewrite every property
# record, string block and index entry of every touched element. It returns the element ids of
# the edges it made, in their rows' order (the currency marks set after it find them by those).
_WRITE = (
    _PLANNED_ONCE
    + """
CALL () {
  UNWIND $new_nodes AS row
  MATCH (n) WHERE elementId(n) = row[0]
  SET n:$(row[1])
  SET n += row[2]
}
CALL () {
  UNWIND $changed_nodes AS row
  MATCH (n) WHERE elementId(n) = row[0]
  SET n += row[1]
}
CALL () {
  UNWIND $changed_edges AS row
  MATCH ()-[r]->() WHERE elementId(r) = row[0]
  SET r += row[1]
}
CALL () {
  UNWIND $new_edges AS row
  MATCH (a) WHERE elementId(a) = row[0]
  MATCH (b) WHERE elementId(b) = row[1]
  CREATE (a)-[r:$(row[2])]->(b)
  SET r = row[3]
  RETURN collect(elementId(r)) AS made
}
RETURN made
"""
)

# The graph's format, on one node outside the graph (no :Node label). Format 1: every job's
# unrestated READS/WRITES edges carry _UNRESTATED. A database written before has no such node, and
# its jobs are judged once (``graph.stores.neo4j.upgrade``) before the store reads or writes. Format 2:
# node ids of graph.stores.id_format's ID_FORMAT 2; older ids are renamed once, in the upgrade.
# Format 3: column clocks (graph.stores.column_clocks), which older code would not resolve; a
# graph of format 2 has none, so it needs nothing but the new format recorded. Format 4: every
# dataset keeps its fields (_FIELDS), which older code would leave stale; the upgrade writes them.
# Format 5: the kept fields are the JSON text an answer copies (_native.marquez_fields), not the
# lists format 4 kept; the upgrade writes them again. Format 6: a time-valued property whose stamp is
# its value keeps that stamp implicit (codec._encode), which older code would read as unstamped; a
# graph of format 5 holds every stamp explicitly, which this code reads as it is. Format 7: every
# node of ours keeps its SUMMARY properties as one JSON object (_SUMMARY), which walks read instead
# of the eight, and which older code would leave stale; the upgrade writes every node's.
_FORMAT = 7
_PARTS_PAGE = {
    kind: f"MATCH (n:{kind.value}) WHERE n.id > $after "
    f"RETURN n.id, n {{{', '.join('.' + key for key in keys)}}} ORDER BY n.id LIMIT $first"
    for kind, (keys, _make) in RENAMED_KINDS.items()
}
# A page of renamed nodes, and the ids their neighbours hold of them (ID_PROPS): a column's
# datasetId, a run's jobId, and the jobId on a DERIVES_FROM edge a renamed job made.
_RENAME = """
UNWIND $rows AS row
MATCH (n:Node {id: row[0]})
SET n.id = row[1]
WITH n, row
CALL (n, row) {
  MATCH (n)-[:HAS_COLUMN]->(c:Column) WHERE c.datasetId = row[0] SET c.datasetId = row[1]
}
CALL (n, row) {
  MATCH (n)<-[:OF]-(r:Run) WHERE r.jobId = row[0] SET r.jobId = row[1]
}
"""
_RENAME_JOB_IDS_ON_EDGES = """
MATCH ()-[r:DERIVES_FROM]->() WHERE r.jobId IN $old
SET r.jobId = [pair IN $rows WHERE pair[0] = r.jobId | pair[1]][0]
"""
# Kept fields written where they differ (a null value: none kept), how many returned.
_WRITE_FIELDS = (
    f"{_PLANNED_ONCE}UNWIND $rows AS row MATCH (d) WHERE elementId(d) = row[0] "
    f"AND ((d.{_FIELDS} IS NULL) <> (row[1] IS NULL) OR d.{_FIELDS} <> row[1]) "
    f"SET d.{_FIELDS} = row[1] RETURN count(d)"
)
# A page of the nodes of ours without a summary, with what theirs is made of; the summaries of some
# written, each where the node still has none (a writer meanwhile wrote its own, from what it wrote).
_SUMMARIES_PAGE = (
    f"MATCH (n:Node) WHERE n.id > $after AND n.{_STAMPS} IS NOT NULL AND n.{_SUMMARY} IS NULL "
    f"RETURN n.id, elementId(n), [key IN $keys | n[key]], n.{_JSON_KEYS} ORDER BY n.id LIMIT $first"
)
_WRITE_SUMMARIES = (
    "UNWIND $rows AS row MATCH (n) WHERE elementId(n) = row[0] "
    f"AND n.{_SUMMARY} IS NULL SET n.{_SUMMARY} = row[1]"
)
_DATASETS_PAGE = "MATCH (n:Dataset) WHERE n.id > $after RETURN n.id ORDER BY n.id LIMIT $first"
_READ_FORMAT = "OPTIONAL MATCH (m:LineagemeshMeta {id: 'graph'}) RETURN m.format"
_WRITE_FORMAT = "MERGE (m:LineagemeshMeta {id: 'graph'}) SET m.format = $format"
_JOBS_PAGE = "MATCH (n:Job) WHERE n.id > $after RETURN n.id ORDER BY n.id LIMIT $first"


_READ_UNRESTATED = f"""
UNWIND $ids AS id
MATCH (:Job {{id: id}})-[r:READS|WRITES]->(d) WHERE r.{_UNRESTATED}
RETURN collect([id, type(r), d.id])
"""

_READ_CLOCKS = f"UNWIND $ids AS id MATCH (n:Node {{id: id}}) RETURN collect([id, n.{_CLOCKS}])"


def _owner_of(element: str) -> str:
    """The clock owner a node, relationship or property map refers to, or null."""
    return f"CASE WHEN {element}.{_REFS} IS NOT NULL THEN {element}.{_CLOCK_OWNER} END"


def _owners_of(elements: str, at: str = "") -> str:
    """The clock owners the elements of the list ``elements`` (or their item ``at``) refer to."""
    return f"[x IN {elements} WHERE x{at}.{_REFS} IS NOT NULL | x{at}.{_CLOCK_OWNER}]"


# The column clocks of the owners in the list ``owners`` as ``clocks`` ([owner, clocks] rows), in
# the statement that read what refers to them: a whole element read was followed by a clocks read
# (~200 of a re-run round's ~660 walk statements).
_CLOCKS_OF_OWNERS = (
    "CALL (owners) { UNWIND owners AS owner WITH DISTINCT owner "
    f"MATCH (o:Node {{id: owner}}) RETURN collect([owner, o.{_CLOCKS}]) AS clocks }}"
)


def _read_nodes(suffix: str = "") -> str:
    """Nodes by id, whole, with the column clocks they refer to (``suffix``: its parameter
    named ``$ids<suffix>``, its columns returned as one list, ``nodes<suffix>``, for a read of
    several in a statement)."""
    returns = "found, clocks" if not suffix else f"[found, clocks] AS nodes{suffix}"
    return (
        f"UNWIND $ids{suffix} AS id MATCH (n:Node {{id: id}}) "
        f"WITH collect([id, labels(n), {_stored('n')}]) AS found, collect({_owner_of('n')}) AS owners "
        f"{_CLOCKS_OF_OWNERS} RETURN {returns}"
    )


_READ_NODES = _read_nodes()
# Write-lock existing nodes (clock owners a batch does not otherwise touch) and read them.
_LOCK_AND_READ_EXISTING = _lock_and_read("MATCH")

_SEARCH = f"""
MATCH (n:Node) WHERE n.{_NAME_LOWER} CONTAINS $needle
WITH n WHERE any(label IN labels(n) WHERE label IN $kinds)
WITH n, CASE WHEN n.{_NAME_LOWER} = $needle THEN 0
             WHEN n.{_NAME_LOWER} STARTS WITH $needle THEN 1 ELSE 2 END AS rank
ORDER BY rank, coalesce(n.{_NAME_SORT}, n.name, ''), n.id
LIMIT $first
RETURN {_NODE_FIELDS}
"""

_COUNTED: list[NodeKind | EdgeKind] = [*NodeKind, *EdgeKind]
# One row of count-store lookups (no scan): column i counts _COUNTED[i].
_COUNTS = "RETURN " + ", ".join(
    (
        f"COUNT {{ (:{kind.value}) }}"
        if isinstance(kind, NodeKind)
        else f"COUNT {{ ()-[:{kind.value}]->() }}"
    )
    + f" AS c{i}"
    for i, kind in enumerate(_COUNTED)
)


def _nodes_of_kind_query(kind: NodeKind, paged: bool) -> str:
    where = "n.id > $after" if paged else "n.id IS NOT NULL"
    return f"MATCH (n:{kind.value}) WHERE {where} RETURN {_NODE_FIELDS} ORDER BY n.id LIMIT $first"


_NODES_OF_KIND = {
    (kind, paged): _nodes_of_kind_query(kind, paged) for kind in NodeKind for paged in (False, True)
}


@functools.cache
def _first_of_kind_query(kind: NodeKind) -> str:
    """Per prefix, the first node of ``kind`` by id among ours whose id starts with it (a prefix
    seek on the kind's id index, in its order: one entry read a prefix)."""
    return (
        f"UNWIND $prefixes AS prefix CALL (prefix) {{ MATCH (n:{kind.value}) "
        f"WHERE n.id STARTS WITH prefix AND n.{_STAMPS} IS NOT NULL "
        f"RETURN n ORDER BY n.id LIMIT 1 }} RETURN collect([prefix, {_whole('n')}])"
    )


# Where an edge read starts: the nodes of $ids, or (for a neighbourhood given handles) by element
# id where the caller has one ($eids, for the ids in $handled: a seek ~3x cheaper than the index's,
# and a walk seeks every node it reaches) and by id for the rest. The id check keeps a handle from
# finding another node.
# ``suffix``: appended to the parameters' names (several reads in one statement: batched_reads).
def _start_by_id(suffix: str = "") -> str:
    return f"UNWIND $ids{suffix} AS id MATCH (a:Node {{id: id}})"


def _start_by_handle(suffix: str = "") -> str:
    return (
        f"CALL () {{ MATCH (a) WHERE elementId(a) IN $eids{suffix} AND a.id IN $handled{suffix} "
        f"RETURN a, a.id AS id UNION ALL UNWIND $ids{suffix} AS id MATCH (a:Node {{id: id}}) RETURN a, id }}"
    )


def start_parameters(ids: Collection[str], handles: Mapping[str, object] | None) -> dict[str, Any]:
    """The parameters of a start read (``_start_by_handle`` given ``handles``, else
    ``_start_by_id``): the ids with a handle sought by it, the others by id."""
    if not handles:
        return {"ids": list(ids)}
    handled = [i for i in ids if i in handles]
    return {
        "ids": [i for i in ids if i not in handles],
        "handled": handled,
        "eids": [handles[i] for i in handled],
    }


_START_BY_ID = _start_by_id()
_EDGES_FROM_START = {
    "out": "MATCH (a)-[r:{types}]->(b)",
    "in": "MATCH (a)<-[r:{types}]-(b)",
    "both": "MATCH (a)-[r:{types}]-(b)",
}
_EDGE_KEY = {  # `b` is the far end
    "out": "id, type(r), b.id",
    "in": "b.id, type(r), id",
    "both": "CASE WHEN startNode(r) = a THEN id ELSE b.id END, type(r), "
    "CASE WHEN startNode(r) = a THEN b.id ELSE id END",
}
_EDGE_RETURNS = {  # whole edges with the clocks they refer to, or keys
    "edges": "WITH collect([{key}, properties(r)]) AS found, "
    f"collect({_owner_of('r')}) AS owners {_CLOCKS_OF_OWNERS.replace('{', '{{').replace('}', '}}')} "
    "RETURN found, clocks",
    "keys": "RETURN collect([{key}])",
}


def _match_edges(kinds: frozenset[EdgeKind], direction: Reach, start: str = _START_BY_ID) -> str:
    if direction not in _EDGES_FROM_START:
        raise ValueError(f"direction must be 'out', 'in' or 'both', not {direction!r}")
    return f"{start}\n{_EDGES_FROM_START[direction].format(types=_types(kinds))}"


@functools.cache
def _edges_query(
    kinds: frozenset[EdgeKind], direction: EdgeDirection, returns: Literal["edges", "keys"]
) -> str:
    """Whole edges, or only their keys."""
    if direction not in ("out", "in"):
        raise ValueError(f"direction must be 'out' or 'in', not {direction!r}")
    return f"{_match_edges(kinds, direction)} {_EDGE_RETURNS[returns].format(key=_EDGE_KEY[direction])}"


# An edge read only to be followed: its currency mark alone (its stamps and first/last seen were
# about a quarter of a walk's time).
_MARK_ONLY = f"CASE WHEN r.{_UNRESTATED} THEN {{{_UNRESTATED}: true}} ELSE {{}} END"


# A far end read in summary form: its _SUMMARY (null: not ours), the values of the other properties
# named in $props (a parameter, so the text never holds a name) and which of those are JSON.
def _summary(n: str, suffix: str = "", handle: bool = False) -> str:
    """A node in summary form (``codec._decode_summaries``): its SUMMARY properties as one value
    (_SUMMARY: null on a node not ours) and those of ``$props<suffix>`` (the others read, given
    by ``codec.summary_parameter``), which may be JSON text (``_json``); ``handle``: with its
    element id last, as the walks ahead read their far ends."""
    tail = f", elementId({n})" if handle else ""
    return (
        f"[{n}.id, labels({n}), {n}.{_SUMMARY}, [key IN $props{suffix} | {n}[key]], "
        f"CASE WHEN size($props{suffix}) > 0 THEN {n}.{_JSON_KEYS} END{tail}]"
    )


def _whole(n: str) -> str:
    return f"[{n}.id, labels({n}), {_stored(n)}]"


@functools.cache
def _newest_query(kind: EdgeKind, direction: EdgeDirection) -> str:
    """Per start node, its far end over ``kind`` greatest by ($key if a string, else ""; then id),
    among those we wrote, whole (``NeighbourhoodSource.newest``)."""
    step = {"out": "(a)-[:{t}]->(b)", "in": "(a)<-[:{t}]-(b)"}[direction].format(t=kind.value)
    return (
        f"UNWIND $ids AS id MATCH (a:Node {{id: id}}) CALL (a) {{ MATCH {step} "
        f"WHERE b.{_STAMPS} IS NOT NULL "
        "RETURN b ORDER BY CASE WHEN b[$key] IS :: STRING NOT NULL THEN b[$key] ELSE '' END DESC, b.id DESC "
        f"LIMIT 1 }} RETURN collect([id, {_whole('b')}])"
    )


# Nodes by id in summary form.
_READ_SUMMARIES = f"UNWIND $ids AS id MATCH (n:Node {{id: id}}) RETURN collect({_summary('n')})"


@functools.cache
def _neighbourhood_query(
    kinds: frozenset[EdgeKind],
    direction: Reach,
    ahead: frozenset[EdgeKind],
    with_props: bool,
    summaries: bool,
    by_handle: bool,
    ahead_in: frozenset[EdgeKind] = frozenset(),
    column: str | None = None,
    through: EdgeKind | None = None,
    wholes: bool = False,
) -> str:
    """Edges, their far ends (whole, or in summary form) with their handles (element ids), the
    keys of the ``ahead`` edges leaving those, and the ``ahead_in`` edges entering them (keys and
    currency marks) with their sources and handles (each read once), and when it reads edges or
    nodes whole, the column clocks they refer to (an eighth column). ``column``: the columns as
    one list, so named, and the parameters named after it (``$ids_<column>``...): one read of
    several in a statement (``batched_reads``). ``through``: the read is of the nodes the ids
    asked reach over the ``through`` edges leaving them (read beside that read, whose far ends
    they are), not of those ids. ``wholes``: and what judging the edges' lineage reads whole
    (``native/core/view.h``: the datasets of their ends, a column's or the end itself) with the
    jobs their records name, as rows ``[id, labels, properties]`` and the ids sought (two more
    columns, the ninth and tenth; the clocks they refer to in the eighth)."""
    suffix = "" if column is None else f"_{column}"

    def node(n: str) -> str:
        return _summary(n, suffix) if summaries else _whole(n)

    start = _start_by_handle(suffix) if by_handle else _start_by_id(suffix)
    if through is not None:
        start += (
            f"\nMATCH (a)-[:{_types(frozenset({through}))}]->(t) WITH DISTINCT t AS a "
            "WITH a, a.id AS id"
        )
    met = ", collect(DISTINCT a) AS met, collect(DISTINCT r.jobId) AS named" if wholes else ""
    parts = [
        _match_edges(kinds, direction, start),
        (
            f"WITH collect([{_EDGE_KEY[direction]}, {'properties(r)' if with_props else _MARK_ONLY}]) AS edges, "
            f"collect(DISTINCT b) AS ends{met}"
        ),
    ]
    if wholes:
        parts.append(
            f"WITH *, [n IN met + ends | CASE WHEN n:{NodeKind.COLUMN.value} THEN n.datasetId "
            "ELSE n.id END] + named AS wanted "
            "CALL (wanted) { UNWIND wanted AS w WITH DISTINCT w WHERE w IS NOT NULL "
            f"MATCH (n:Node {{id: w}}) RETURN collect([w, labels(n), {_stored('n')}]) AS wholes, "
            f"collect({_owner_of('n')}) AS whole_owners }}"
        )
    if ahead:
        parts.append(
            f"CALL (ends) {{ UNWIND ends AS n MATCH (n)-[x:{_types(ahead)}]->(c) RETURN collect([n.id, type(x), c.id]) AS ahead }}"
        )
    if ahead_in:
        parts.append(
            f"CALL (ends) {{ UNWIND ends AS n MATCH (n)<-[x:{_types(ahead_in)}]-(c) "
            f"RETURN collect([c.id, type(x), n.id, coalesce(x.{_UNRESTATED}, false)]) AS ahead_in, "
            "collect(DISTINCT c) AS sources }"
        )
    if with_props or not summaries or wholes:  # what it reads whole may refer to column clocks
        owners = [_owners_of("edges", "[3]")] if with_props else []
        if not summaries:
            owners += [_owners_of("ends"), *([_owners_of("sources")] if ahead_in else [])]
        if wholes:
            owners.append("whole_owners")
        parts.append(f"WITH *, {' + '.join(owners)} AS owners {_CLOCKS_OF_OWNERS}")
    columns = {
        "edges": "edges",
        "nodes": f"[n IN ends | {node('n')}]",
        "ahead": "ahead" if ahead else "[]",
        "handles": "[n IN ends | elementId(n)]",
        "ahead_in": "ahead_in" if ahead_in else "[]",
        "sources": f"[c IN sources | {node('c')}]" if ahead_in else "[]",
        "source_handles": "[c IN sources | elementId(c)]" if ahead_in else "[]",
    }
    if with_props or not summaries or wholes:
        columns["clocks"] = "clocks"
    if wholes:
        columns.update(wholes="wholes", wanted="wanted")
    if column is None:
        parts.append("RETURN " + ", ".join(f"{value} AS {name}" for name, value in columns.items()))
    else:
        parts.append(f"RETURN [{', '.join(columns.values())}] AS {column}")
    return "\n".join(parts)


def neighbourhood_read(
    request: NeighbourhoodRequest,
    column: str | None = None,
    through: EdgeKind | None = None,
    wholes: bool = False,
) -> tuple[str, dict[str, Any]] | None:
    """The query and parameters of one neighbourhood read (None: nothing to read);
    ``column``: its columns as one list, so named, its parameters named after it;
    ``through``: a read of the nodes its ids reach over those edges; ``wholes``: with what
    judging its edges reads whole (``_neighbourhood_query``). The store's own read, and each
    of several in one statement (``batched_reads``, ``facts_reads``, ``walk_ahead``)."""
    ids, direction, with_props = request.ids, request.direction, request.with_props
    node_props, handles = request.node_props, request.handles
    kinds = frozenset(EdgeKind(kind) for kind in request.kinds)
    if not ids or not kinds:
        return None
    ahead = frozenset(EdgeKind(kind) for kind in request.ahead)
    entering = frozenset(EdgeKind(kind) for kind in request.ahead_in)
    parameters: dict[str, Any] = {"props": summary_parameter(node_props or ())}
    parameters.update(start_parameters(ids, handles))
    query = _neighbourhood_query(
        kinds,
        direction,
        ahead,
        with_props,
        node_props is not None,
        bool(handles),
        entering,
        column,
        through,
        wholes,
    )
    if column is not None:
        parameters = {f"{name}_{column}": value for name, value in parameters.items()}
    return query, parameters
