"""OpenLineage events → graph mutations. A pure translation: no store, no I/O.

The translation itself is the native core's (``native/openlineage.h``), writing through the same
builder as every ingester, in the wire form the journal keeps: ~40 mutations an event, made in a
few microseconds instead of ~120.

Facets with a meaning in the graph become structure (columns, column lineage, aliases, owners,
descriptions, lifecycle, parent runs); every other facet, standard or custom, is kept verbatim as
a ``facet:<name>`` property so nothing a producer sent is lost. Runs accumulate across events:
each event only adds what it observed, stamped with its eventTime, so START/COMPLETE pairs that
split inputs and outputs, duplicates and out-of-order arrival all converge to one graph.
"""

from __future__ import annotations

from typing import Any

from graph import _native
from graph.model import RULE_SOURCE
from graph.mutations import Mutation, decode, stamp
from ingest.domain_rules import NO_RULES, DomainRules
from ingest.openlineage_schema import InvalidEvent, parse_time, validate

#: The longest node id (UTF-8 bytes) an event may produce: ids are keys on every store, and
#: Neo4j cannot index a string property over about 8 KB.
MAX_ID_BYTES = _native.LONGEST_ID


def translate_encoded(event: dict[str, Any], rules: DomainRules = NO_RULES) -> bytes:
    """Validate one OpenLineage event and return the mutations that record it, encoded
    (``graph.mutations.encode``'s wire form), as a store applies and journals them.

    ``rules`` assign domains to the event's datasets (see ``ingest.domain_rules``). Raises
    ``InvalidEvent`` (naming the failing field) for anything that is not a valid OpenLineage
    2-0-2 RunEvent, DatasetEvent or JobEvent.
    """
    kind = validate(event)
    at = stamp(parse_time(event["eventTime"], "$.eventTime"))
    try:
        wire, overlong = _native.translate_openlineage(event, kind, at, rules if rules.rules else None, RULE_SOURCE)
    except TypeError as e:  # a value no store can hold (an integer beyond 64 bits, from a caller in Python)
        raise InvalidEvent(str(e)) from None
    if overlong is not None:
        size = len(overlong.encode("utf-8", "surrogatepass"))
        raise InvalidEvent(
            f"a namespace, name or field makes the id {overlong[:60]!r}... {size} bytes long, over the limit of {MAX_ID_BYTES}"
        )
    return wire


def translate(event: dict[str, Any], rules: DomainRules = NO_RULES) -> list[Mutation]:
    """:func:`translate_encoded`, as ``graph.mutations`` objects."""
    return decode(translate_encoded(event, rules))
