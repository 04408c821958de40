"""Column clocks: how a store that writes to a server records a re-run's unchanged columns and
lineage edges without rewriting them.

A job re-running with the same schema and column lineage restates every column, HAS_COLUMN and
DERIVES_FROM of its datasets at a newer stamp, and its own READS, WRITES and OWNED_BY edges (a
completing run restates its OF and CONSUMED edges as its start made them). Under
the merge rule (``graph.core.mutations``) that changes only their stamps (and ``lastSeenAt``, whose
value is its stamp): each of ~30 elements an event, for nothing a reader would call new. So one
event's mutations of such elements with one *owner* (its *group*) are recognised by a digest of
their content with the stamp taken out, and the owner keeps, per digest, a *clock*: ``[since,
at, valid]``. A dataset owns its columns' group (the HAS_COLUMN edges leaving it, their columns,
the DERIVES_FROM edges leaving it or those columns, its OWNED_BY edges); a job owns its
lineage's group (its READS, WRITES and OWNED_BY edges), a run the group of its OF and CONSUMED
edges.

While a digest is valid, every property its content sets carries a reference to it (the
element's ``refs``), and the property's stamp is the later of the stamp stored on the element and
the clock's ``at``; a property in ``at_refs`` (``lastSeenAt``) has that stamp as its value too.
A group seen again at a stamp later than ``since`` (so no ``first`` property, all at most
``since``, can move) then changes exactly what moving the clock's ``at`` forward changes: one
write to the owner instead of one per element, with the same graph as the rule's. Anything else
(a new digest, an older stamp, a property whose value changed, which drops its references and
invalidates their digests) is written element by element, and the group's references are
established again from what that left.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import orjson

from graph.core.model import EdgeKind, NodeKind, PropertyKey
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode

#: The property whose value a producer sets to the event's stamp: its value follows its clock.
TIME_VALUED = PropertyKey.LAST_SEEN_AT
_PLACEHOLDER = "\x00at"

#: Clock fields: the earliest stamp its content was written element by element, the latest stamp
#: it was seen at, and whether every property of its content still refers to it.
SINCE, AT, VALID = 0, 1, 2

Clocks = dict[str, list[Any]]  # digest -> [since, at, valid]
ElementKey = Any  # a node id, or an edge key (source, kind, target)


class Group(NamedTuple):
    """One owner's restated mutations at one stamp: a dataset's columns, or a job's lineage."""

    owner: str
    at: str
    digest: str | None  # None: content the digest cannot express (never deferred)
    mutations: list[Mutation]


def element_key(mutation: Mutation) -> ElementKey:
    return mutation.id if isinstance(mutation, UpsertNode) else mutation.key


#: Edges grouped under their source: a job's lineage, and a run's job and inputs (not its outputs,
#: which a completing run restates with its output statistics: other content than its start's).
_GROUPED_BY_SOURCE = frozenset({EdgeKind.READS, EdgeKind.WRITES, EdgeKind.OF, EdgeKind.CONSUMED})


def split(mutations: Sequence[Mutation]) -> tuple[list[Mutation], dict[tuple[str, str], Group]]:
    """The mutations outside any group, and the groups by (owner, stamp)."""
    rest, grouped = partition(mutations)
    return rest, digested(grouped)


def digested(grouped: dict[tuple[str, str], list[Mutation]]) -> dict[tuple[str, str], Group]:
    """The groups of :func:`partition`, each with its digest (most of :func:`split`'s time: a
    writer makes them while the server reads what the batch touches)."""
    return {
        key: Group(key[0], key[1], _digest(key[0], key[1], ms), ms) for key, ms in grouped.items()
    }


def partition(
    mutations: Sequence[Mutation],
) -> tuple[list[Mutation], dict[tuple[str, str], list[Mutation]]]:
    """The mutations outside any group, and each group's mutations by (owner, stamp)."""
    has_column, derives_from, column = EdgeKind.HAS_COLUMN, EdgeKind.DERIVES_FROM, NodeKind.COLUMN
    owned_by, by_source = EdgeKind.OWNED_BY, _GROUPED_BY_SOURCE
    owner: dict[tuple[str, str], str | None] = {}  # a column's dataset at a stamp (None: several)
    owners_at: set[tuple[str, str]] = set()  # datasets with columns at a stamp
    sources_at: set[tuple[str, str]] = set()  # jobs and runs with such edges at a stamp
    for m in mutations:
        if type(m) is UpsertEdge:
            if m.kind is has_column:
                key = (m.target, m.at)
                owner[key] = m.source if owner.get(key, m.source) == m.source else None
                owners_at.add((m.source, m.at))
            elif m.kind in by_source:
                sources_at.add((m.source, m.at))
    rest: list[Mutation] = []
    grouped: dict[tuple[str, str], list[Mutation]] = {}
    for m in mutations:
        group_owner: str | None = None
        kind = m.kind
        if isinstance(m, UpsertNode):
            if kind is column:
                group_owner = owner.get((m.id, m.at))
        elif kind is has_column:
            group_owner = m.source if owner.get((m.target, m.at)) == m.source else None
        elif kind is derives_from:
            group_owner = owner.get((m.source, m.at)) or (
                m.source if (m.source, m.at) in owners_at else None
            )
        elif kind in by_source or (
            kind is owned_by and ((m.source, m.at) in owners_at or (m.source, m.at) in sources_at)
        ):
            group_owner = m.source
        if group_owner is None:
            rest.append(m)
        elif (key := (group_owner, m.at)) in grouped:
            grouped[key].append(m)
        else:
            grouped[key] = [m]
    return rest, grouped


def _digest(owner: str, at: str, mutations: Iterable[Mutation]) -> str | None:
    """The group's content with its stamp taken out, as a digest: each mutation a row (its element,
    its properties with a time-valued one equal to ``at`` and ``first`` values equal to ``at`` as
    a placeholder, as sorted-key JSON), the rows sorted. The text is stored in the clocks, so it
    never changes: only how fast it is made (a re-run round makes thousands)."""
    rows = []
    dumps, sort_keys = orjson.dumps, orjson.OPT_SORT_KEYS
    try:
        for m in mutations:
            props, first = m.props, m.first  # (a Mapping: orjson writes only a dict)
            if props.get(TIME_VALUED, _MISSING) == at:
                props = {**props, TIME_VALUED: _PLACEHOLDER}
            elif type(props) is not dict:
                props = dict(props)
            if at in first.values():
                first = {k: (_PLACEHOLDER if v == at else v) for k, v in first.items()}
            elif type(first) is not dict:
                first = dict(first)
            # (orjson writes an enum as its value: the kind's text, as ``kind.value`` would)
            head = [m.id, m.kind] if isinstance(m, UpsertNode) else [m.source, m.kind, m.target]
            rows.append(dumps([head, props, first], option=sort_keys))
    except (TypeError, orjson.JSONEncodeError):
        return None
    rows.sort()
    digest = hashlib.blake2b(owner.encode(), digest_size=12)
    if rows:  # each row after a newline, as one update
        digest.update(b"\n" + b"\n".join(rows))
    return digest.hexdigest()


def parse(stored: str | None) -> Clocks:
    return orjson.loads(stored) if stored else {}


def dump(clocks: Clocks) -> str:
    return orjson.dumps(clocks, option=orjson.OPT_SORT_KEYS).decode()


def deferrable(group: Group, clocks: Clocks) -> bool:
    """Whether the group changes nothing but its clock: its content is the clock's, still wholly
    referred to, and it comes after every ``first`` stamp of that content (``since``)."""
    clock = clocks.get(group.digest) if group.digest else None
    return clock is not None and bool(clock[VALID]) and group.at > clock[SINCE]


def defer(group: Group, clocks: Clocks) -> bool:
    """Move the group's clock to its stamp; whether that changed the graph."""
    assert group.digest is not None, "only a deferrable group is deferred"
    clock = clocks[group.digest]
    if group.at > clock[AT]:
        clock[AT] = group.at
        return True
    return False


def resolve(
    props: dict[str, Any],
    stamps: dict[str, str],
    refs: Mapping[str, Sequence[str]],
    at_refs: Iterable[str],
    clocks: Clocks | None,
) -> None:
    """An element's logical stamps (and time-valued values) from its stored ones and its clocks."""
    if not clocks:
        return  # the owner is gone: the stored stamps are what was last written
    for key, digests in refs.items():
        best = stamps.get(key, "")
        for digest in digests:
            clock = clocks.get(digest)
            if clock is not None and clock[AT] > best:
                best = clock[AT]
        stamps[key] = best
    for key in at_refs:
        if key in stamps:
            props[key] = stamps[key]


def establishable(group: Group, clocks: Clocks) -> bool:
    """Whether references to the group's digest may be (re)made once its content was written
    element by element: new, still valid, or invalid with no reference that would move back."""
    if group.digest is None:
        return False
    clock = clocks.get(group.digest)
    return clock is None or bool(clock[VALID]) or group.at >= clock[AT]


def establish(group: Group, clocks: Clocks) -> None:
    clock = clocks.get(group.digest)  # type: ignore[arg-type]
    if clock is None or not clock[VALID]:
        clocks[group.digest] = [group.at, group.at, 1]  # type: ignore[index]
    else:
        clock[SINCE] = min(clock[SINCE], group.at)
        clock[AT] = max(clock[AT], group.at)


_MISSING = object()


def content_refs(
    mutation: Mutation, at: str, props: Mapping[str, Any], stamps: Mapping[str, str], same: Any
) -> tuple[list[str], list[str]] | None:
    """The properties a written mutation's content leaves referring to its clock, and those of
    them that are time-valued; None when the element holds other values (a newer writer's)."""
    keys: list[str] = []
    timed: list[str] = []
    for key, value in mutation.props.items():
        held = props.get(key, _MISSING)
        if key == TIME_VALUED and value == at:
            if held is _MISSING or held != stamps.get(key):
                return None
            timed.append(key)
        elif value is None:
            if held is not _MISSING:
                return None
        elif held is _MISSING or not same(value, held):
            return None
        keys.append(key)
    return keys, timed


def kept_refs(
    refs: dict[str, list[str]],
    at_refs: list[str],
    old: tuple[dict, dict] | None,
    new: tuple[dict, dict],
    same: Any,
) -> tuple[dict[str, list[str]], list[str], set[str]]:
    """An element's references after a write changed it: a property whose value changed drops
    them (a time-valued one keeps them while its value is its stamp). Returns the references kept,
    the time-valued keys kept, and the digests dropped (no longer wholly referred to)."""
    new_props, new_stamps = new
    old_props = old[0] if old else {}
    kept: dict[str, list[str]] = {}
    dropped: set[str] = set()
    timed = set(at_refs)
    for key, digests in refs.items():
        value = new_props.get(key, _MISSING)
        if key in timed:
            keep = value is not _MISSING and value == new_stamps.get(key)
        else:
            before = old_props.get(key, _MISSING)
            keep = (value is _MISSING and before is _MISSING) or (
                value is not _MISSING and before is not _MISSING and same(value, before)
            )
        if keep:
            kept[key] = digests
        else:
            dropped.update(digests)
    return kept, [key for key in at_refs if key in kept], dropped
