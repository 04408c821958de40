"""The Cypher of a walk's levels read ahead (``graph.stores.neo4j.walk_ahead``, whose docstring
says what is read ahead and when): static text, labels and types only from the enums, values only
as parameters (``$ids``, ``$props``, ``$reach``, ``$cap``, ``$records``)."""

from __future__ import annotations

import functools

from graph.core.model import JOB_IO, EdgeKind, NodeKind
from graph.stores.neo4j.codec import _UNRESTATED
from graph.stores.neo4j.cypher.graph import (
    _CLOCKS_OF_OWNERS,
    _MARK_ONLY,
    _owner_of,
    _owners_of,
    _read_nodes,
    _stored,
    _summary,
    _types,
    _whole,
    reads_together,
    subquery,
)

_JOB_IO = frozenset(JOB_IO)
#: Hops beyond which a walk is searched without a bound (a lineage "unbounded" is a huge depth).
_DEEP = 100


def _level_tail(
    out_kind: EdgeKind,
    entering: frozenset[EdgeKind],
    ahead: frozenset[EdgeKind],
    column: str | None = None,
    met: str | None = None,
) -> list[str]:
    """A level read of the nodes ``jobs`` (as :func:`walk_query` returns it; ``column``: its
    columns as one list, so named; ``met``: and the nodes it met, so named)."""
    parts = [
        (
            f"CALL (jobs) {{ UNWIND jobs AS a MATCH (a)-[r:{out_kind.value}]->(b) "
            f"RETURN collect([a.id, type(r), b.id, {_MARK_ONLY}]) AS edges, "
            "collect(DISTINCT b) AS ends }"
        ),
    ]
    if ahead:
        parts.append(
            f"CALL (ends) {{ UNWIND ends AS n MATCH (n)-[x:{_types(ahead)}]->(c) "
            "RETURN collect([n.id, type(x), c.id]) AS ahead }"
        )
    else:
        parts.append("WITH *, [] AS ahead")
    parts.append(
        f"CALL (ends) {{ UNWIND ends AS n MATCH (n)<-[x:{_types(entering)}]-(c) "
        f"RETURN collect([c.id, type(x), n.id, coalesce(x.{_UNRESTATED}, false)]) AS entering, "
        "collect(DISTINCT c) AS sources }"
    )
    columns = (
        "[a IN jobs | a.id], edges, "
        f"[n IN ends | {_summary('n', handle=True)}], ahead, entering, [c IN sources | {_summary('c', handle=True)}]"
    )
    if column is None:
        parts.append(f"RETURN {columns}")
    else:
        nodes = "" if met is None else f", jobs + ends + sources AS {met}"
        parts.append(f"RETURN [{columns}] AS {column}{nodes}")
    return parts


@functools.cache
def walk_query(
    out_kind: EdgeKind, entering: frozenset[EdgeKind], ahead: frozenset[EdgeKind], hops: int | None
) -> str:
    """The jobs a walk from the jobs of ``$ids`` meets within ``hops`` level reads (2 or more;
    None: no bound; Neo4j's own breadth-first search, at most ``$reach`` jobs), then one level read
    of them all: the ``out_kind`` edges leaving them (marks only), their far ends in summary form
    with the ``ahead`` edges leaving those and the ``entering`` edges entering them, with their
    sources."""
    parts = [
        "UNWIND $ids AS id MATCH (a:Node {id: id}) WITH collect(DISTINCT a) AS starts",
        _search(out_kind, hops),
        *_level_tail(out_kind, entering, ahead),
    ]
    return "\n".join(parts)


def _search(out_kind: EdgeKind, hops: int | None) -> str:
    """``jobs``: the ``starts`` and the jobs a walk from them meets within ``hops`` level reads."""
    if hops is not None and hops <= 1:
        return "WITH starts AS jobs"
    (back,) = _JOB_IO - {out_kind}
    step = f"((:Job)-[:{out_kind.value}]->(:Dataset)<-[:{back.value}]-(:Job))"
    # A bounded search keeps a state per node and length (scripts/neo4j_floor.py): a bound deeper
    # than a reach goes is left out (the read ahead then holds more than is asked).
    bound = "" if hops is None or hops > _DEEP else str(hops - 1)
    return (
        "CALL (starts) { UNWIND starts AS a "
        f"MATCH ANY SHORTEST (a){step}{{0,{bound}}}(j:Job) "
        "WITH DISTINCT j LIMIT $reach RETURN collect(j) AS found } "
        "WITH starts + [j IN found WHERE NOT j IN starts] AS jobs"
    )  # (the starts first and always: the search may stop before it has returned them all)


ENTERING_START = frozenset({EdgeKind.ALIAS_OF, EdgeKind.READS, EdgeKind.WRITES})


def around_start(whole: bool, suffix: str = "", ids: str | None = None) -> str:
    """Where a walk starts, its first three reads in one: the ALIAS_OF edges leaving the starts and
    the ALIAS_OF, READS and WRITES edges entering them (of which the walk asks for some), far ends
    in summary form; ``whole``: with the starts themselves, whole (read first), and the column
    clocks they refer to, passed on as ``around``, ``whole``, ``clocks`` and the starts,
    ``walked`` (else returned; ``suffix``: as ``around<suffix>``, its parameters so named too,
    for a read of several in a statement). ``ids``: the datasets among the list it names (one
    an earlier read of the statement found), instead of ``$ids``."""
    outs = f"[id, type(r), b.id, {_MARK_ONLY}]"
    ins = f"[b.id, type(r), id, {_MARK_ONLY}]"
    each = (
        f"[id, outs, [n IN out_ends | {_summary('n', suffix, handle=True)}], "
        f"ins, [n IN in_ends | {_summary('n', suffix, handle=True)}]]"
    )
    if whole:
        returns = (
            f"WITH collect({each}) AS around, collect([id, labels(a), {_stored('a')}]) AS whole, "
            f"collect(a) AS walked, collect({_owner_of('a')}) AS owners\n{_CLOCKS_OF_OWNERS}"
        )
    else:
        returns = f"RETURN collect({each})" + (f" AS around{suffix}" if suffix else "")
    start = (
        f"UNWIND $ids{suffix} AS id MATCH (a:Node {{id: id}})"
        if ids is None
        else f"UNWIND {ids} AS id WITH DISTINCT id WHERE id IS NOT NULL "
        f"MATCH (a:{NodeKind.DATASET.value} {{id: id}})"
    )
    return f"""
{start}
CALL (a, id) {{ MATCH (a)-[r:ALIAS_OF]->(b) RETURN collect({outs}) AS outs, collect(b) AS out_ends }}
CALL (a, id) {{
  MATCH (a)<-[r:{_types(ENTERING_START)}]-(b) RETURN collect({ins}) AS ins, collect(b) AS in_ends
}}
{returns}
"""


AROUND_START = around_start(False)
START_AND_AROUND = around_start(True) + "RETURN around, whole, clocks"


def first_level_key(
    out_kind: EdgeKind,
) -> tuple[EdgeKind, frozenset[EdgeKind], frozenset[EdgeKind]]:
    """A dataset walk's level reads over ``out_kind``: its kind, the edges entering its far ends
    and those leaving them that it asks for (as ``graph.read.lineage``'s and ``graph.read.impact``'s walks)."""
    (back,) = _JOB_IO - {out_kind}
    return out_kind, frozenset({EdgeKind.ALIAS_OF, back}), frozenset({EdgeKind.ALIAS_OF})


#: What impact looks up around the nodes its walk reached (``graph.read.impact``: owners, products,
#: contracts, aliases and domains, the domains' edges with their records), read with a start's read
#: ahead when the walk's plan says it will (``WalkPlan.looks_around``): a small impact is then
#: one statement, as a small lineage is, where the lookup was a second.
AROUND_KINDS = frozenset(
    {EdgeKind.ALIAS_OF, EdgeKind.EXPOSES, EdgeKind.GOVERNS, EdgeKind.OWNED_BY, EdgeKind.BELONGS_TO}
)
AROUND_RECORDS = frozenset({EdgeKind.BELONGS_TO})
AROUND_RECORD_TYPES = frozenset(kind.value for kind in AROUND_RECORDS)
_AROUND_MET = f"""
CALL (walked, met) {{
  UNWIND walked + met AS a WITH DISTINCT a
  MATCH (a)-[r:{_types(AROUND_KINDS)}]-(b)
  WITH collect([CASE WHEN startNode(r) = a THEN a.id ELSE b.id END, type(r),
      CASE WHEN startNode(r) = a THEN b.id ELSE a.id END,
      CASE WHEN type(r) IN $records THEN properties(r) ELSE {_MARK_ONLY} END]) AS edges,
    collect(DISTINCT b) AS ends
  WITH edges, ends, {_owners_of("edges", "[3]")} + {_owners_of("ends")} AS owners
  {_CLOCKS_OF_OWNERS}
  RETURN [[a IN walked + met | a.id], edges, [n IN ends | {_whole("n")}], [n IN ends | elementId(n)],
    clocks] AS looked
}}"""


@functools.cache
def start_and_ahead(out_kinds: tuple[EdgeKind, ...], hops: int | None, around: bool) -> str:
    """``START_AND_AROUND``, and for each of ``out_kinds`` the read ahead (``walk_query``) of the
    walk that way from the jobs entering the start (its first level read), in the same statement;
    none when they are ``$cap`` or more (the walk then reads a level at a time). ``around``: and
    impact's lookup around the start and every node the read ahead met (:data:`_AROUND_MET`:
    ``looked``), for a walk downstream only."""
    parts = [around_start(True).strip()]
    columns = []
    for index, out_kind in enumerate(out_kinds):
        out_kind, entering, ahead = first_level_key(out_kind)
        (back,) = _JOB_IO - {out_kind}
        tail = _level_tail(out_kind, entering, ahead, f"ahead{index}", "met" if around else None)
        parts.append(
            "CALL (walked) {\n"
            f"UNWIND walked AS s MATCH (s)<-[:{back.value}]-(j:Job) WITH collect(DISTINCT j) AS starts\n"
            "WITH CASE WHEN size(starts) < $cap THEN starts ELSE [] END AS starts\n"
            + "\n".join([_search(out_kind, hops), *tail])
            + "\n}"
        )
        columns.append(f"ahead{index}")
    if around:
        parts.append(_AROUND_MET.strip())
        columns.append("looked")
    parts.append("RETURN " + ", ".join(["around", "whole", "clocks", *columns]))
    return "\n".join(parts)


def starts_read(entering: str) -> str:
    """The starts of a batch's walks read ahead (``WalkAhead.expect_starts``): the nodes of
    ``$ids_whole`` whole (``graph._read_nodes``), the read ``entering`` (a neighbourhood read
    named ``entering``) and what surrounds the nodes of ``$ids_around`` (:func:`around_start`),
    in one statement."""
    return reads_together(
        [
            subquery(_read_nodes("_whole")),
            subquery(entering),
            subquery(around_start(False, "_around")),
        ],
        ["nodes_whole", "entering", "around_around"],
    )


def entering_lineage_read(read0: str) -> str:
    """The read ``read0`` (the DERIVES_FROM edges entering a column walk's level, so named) and
    what surrounds the datasets of their far ends (:func:`around_start` of its tenth column), in
    one statement (``WalkAhead._entering_lineage``)."""
    return reads_together(
        [subquery(read0), subquery(around_start(False, "_around", "read0[9]"), "read0")],
        ["read0", "around_around"],
    )
