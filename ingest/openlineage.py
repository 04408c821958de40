"""OpenLineage events → graph mutations. A pure translation: no store, no I/O.

The translation itself is the native core's (``native/bindings/openlineage.h``), writing through the same
builder as every ingester, in the wire form the journal keeps: ~40 mutations an event, made in a
few microseconds instead of ~120.

Facets with a meaning in the graph become structure (columns, column lineage, aliases, owners,
descriptions, lifecycle, parent runs; quality checks through ``ingest.openlineage_quality``); every other facet, standard or custom, is kept verbatim as
a ``facet:<name>`` property so nothing a producer sent is lost. Runs accumulate across events:
each event only adds what it observed, stamped with its eventTime, so START/COMPLETE pairs that
split inputs and outputs, duplicates and out-of-order arrival all converge to one graph.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from graph import _native
from graph.model import RULE_SOURCE, NodeKind, run_id
from graph.mutations import Mutation, UpsertNode, concat_encoded, decode, encode, stamp
from ingest.domain_rules import NO_RULES, DomainRules
from ingest.lenient import Relaxed, relax
from ingest.openlineage_catalog import prefer_catalog_tables, translate_catalog_facets
from ingest.openlineage_quality import translate_quality
from ingest.openlineage_schema import InvalidEvent, validate


@lru_cache(maxsize=64)
def translator(rules: DomainRules = NO_RULES) -> _native.Translator:
    """The native translation under these rules: they travel with the object, never through
    module state, so two services of one process with different rules never meet. Dataset
    namespaces are spelled as every ingester spells them (the core's rule behind
    ``ingest.naming.normal_namespace``: s3a://b is s3://b, a catalog URI has one form), so an event
    and a crawl or contract naming one table meet on one node. One per distinct rules (frozen)."""
    return _native.Translator(rules.as_data() if rules.rules else None, RULE_SOURCE)


#: The longest node id (UTF-8 bytes) an event may produce: ids are keys on every store, and
#: Neo4j cannot index a string property over about 8 KB.
MAX_ID_BYTES = _native.LONGEST_ID


class Translated(NamedTuple):
    """One event's mutations in the wire form, and what was relaxed to accept it (``ingest.lenient``)."""

    encoded: bytes
    lenient: tuple[str, ...] = ()


def translate_encoded(
    event: dict[str, Any], rules: DomainRules = NO_RULES, not_after: datetime | None = None
) -> bytes:
    """Validate one OpenLineage event and return the mutations that record it, encoded
    (``graph.mutations.encode``'s wire form), as a store applies and journals them.

    ``rules`` assign domains to the event's datasets (see ``ingest.domain_rules``). Raises
    ``InvalidEvent`` (naming the failing field) for anything that is not a valid OpenLineage
    2-0-2 RunEvent, DatasetEvent or JobEvent (after ``ingest.lenient`` relaxed what Marquez accepts),
    or that is dated after ``not_after`` (``ingest.clock_skew``).
    """
    return translate_noting(event, rules, not_after).encoded


def translate_noting(
    event: dict[str, Any], rules: DomainRules = NO_RULES, not_after: datetime | None = None
) -> Translated:
    """:func:`translate_encoded`, and the reasons the event needed relaxing (for the server's metrics)."""
    relaxed, kind, at = _checked(event, not_after)
    try:
        wire, overlong, over_limit = translator(rules).translate(relaxed.event, kind, at)
    except (
        TypeError
    ) as e:  # a value no store can hold (an integer beyond 64 bits, from a caller in Python)
        raise InvalidEvent(str(e)) from None
    if overlong is not None:
        raise _overlong(overlong)
    if over_limit is not None:  # too much work for one event: the message names the field
        raise InvalidEvent(over_limit, path="")
    extra = (
        _external_run_id(relaxed, at)
        + translate_quality(relaxed.event, at)
        + translate_catalog_facets(relaxed.event, at)
    )
    return Translated(wire + extra, relaxed.reasons)


def _external_run_id(relaxed: Relaxed, at: str) -> bytes:
    """The producer's own run id kept on the run it was relaxed into (a batch of its own)."""
    if relaxed.external_run_id is None:
        return b""
    node = run_id(relaxed.event["run"]["runId"])
    return encode([UpsertNode(node, NodeKind.RUN, at, {"externalRunId": relaxed.external_run_id})])


def translate_many(
    events: list[Any], rules: DomainRules = NO_RULES, not_after: datetime | None = None
) -> tuple[bytes, dict[int, InvalidEvent]]:
    """:func:`translate_encoded` of many events into one batch: one string table, equal props
    once, so a bulk load journals and plans less (~a third fewer bytes than a batch an event).
    Returns the batch, and why each event left out of it (by its index in ``events``) is invalid."""
    refused: dict[int, InvalidEvent] = {}
    valid: list[int] = []
    items: list[tuple[Any, str, str]] = []
    extras: dict[int, bytes] = {}
    for i, event in enumerate(events):
        try:
            relaxed, kind, at = _checked(event, not_after)
            extra = (
                _external_run_id(relaxed, at)
                + translate_quality(relaxed.event, at)
                + translate_catalog_facets(relaxed.event, at)
            )
        except InvalidEvent as e:
            refused[i] = e
            continue
        if extra:
            extras[len(valid)] = extra
        valid.append(i)
        items.append((relaxed.event, kind, at))
    wire, problems = translator(rules).translate_many(items)
    for index, what, detail in problems:
        if what == "overlong":
            refused[valid[index]] = _overlong(detail)
        else:  # "limit" names its field; "type" (an integer beyond 64 bits) does not know it
            refused[valid[index]] = InvalidEvent(detail, path="" if what == "limit" else "$")
        extras.pop(index, None)
    return concat_encoded([wire, *extras.values()]), refused


def _checked(event: Any, not_after: datetime | None) -> tuple[Relaxed, str, str]:
    """A valid event (as relaxed), its kind and stamp; raises InvalidEvent."""
    relaxed = relax(event)
    kind, moment = validate(relaxed.event)
    relaxed = relaxed._replace(event=prefer_catalog_tables(relaxed.event))
    if not_after is not None and moment > not_after:
        raise InvalidEvent(
            f"{event['eventTime']!r} is ahead of the server clock by more than the allowed clock skew "
            f"(latest accepted now: {stamp(not_after)})",
            "$.eventTime",
        )
    return relaxed, kind, stamp(moment)


def _overlong(node_id: str) -> InvalidEvent:
    """``node_id``: the over-long id's first bytes (the translation stops before building more)."""
    return InvalidEvent(
        f"a namespace, name or field makes the id {node_id[:60]!r}... over the limit of {MAX_ID_BYTES} bytes"
    )


def translate(event: dict[str, Any], rules: DomainRules = NO_RULES) -> list[Mutation]:
    """:func:`translate_encoded`, as ``graph.mutations`` objects."""
    return decode(translate_encoded(event, rules))
