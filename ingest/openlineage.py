"""OpenLineage events → graph mutations. A pure translation: no store, no I/O.

The translation itself is the native core's (``native/core/openlineage.h``, over the event's JSON as ``native/core/openlineage_event.h`` reads and checks it), writing through the same
builder as every ingester, in the wire form the journal keeps: ~40 mutations an event, made in a
few microseconds instead of ~120.

Facets with a meaning in the graph become structure (columns, column lineage, aliases, owners,
descriptions, lifecycle, parent runs; quality checks through ``ingest.openlineage_quality``); every other facet, standard or custom, is kept verbatim as
a ``facet:<name>`` property so nothing a producer sent is lost. Runs accumulate across events:
each event only adds what it observed, stamped with its eventTime, so START/COMPLETE pairs that
split inputs and outputs, duplicates and out-of-order arrival all converge to one graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

import orjson

from graph import _native
from graph.core.model import RULE_SOURCE, NodeKind, run_id
from graph.core.mutations import Mutation, UpsertNode, concat_encoded, decode, encode, stamp
from ingest.domain_rules import NO_RULES, DomainRules
from ingest.json_text import NotJSON, parse_json
from ingest.lenient import Relaxed, relax
from ingest.openlineage_catalog import prefer_catalog_tables
from ingest.openlineage_quality import translate_quality
from ingest.openlineage_schema import MAX_DEPTH, InvalidEvent, event_schemas, validate


@lru_cache(maxsize=64)
def translator(rules: DomainRules = NO_RULES) -> _native.Translator:
    """The native translation under these rules: they travel with the object, never through
    module state, so two services of one process with different rules never meet. Dataset
    namespaces are spelled as every ingester spells them (the core's rule behind
    ``ingest.naming.normal_namespace``: s3a://b is s3://b, a catalog URI has one form), so an event
    and a crawl or contract naming one table meet on one node. It checks events against the
    schemas ``validate`` uses (``event_schemas``). One per distinct rules (frozen)."""
    return _native.Translator(
        rules.as_data() if rules.rules else None, RULE_SOURCE, event_schemas(), MAX_DEPTH
    )


#: The longest node id (UTF-8 bytes) an event may produce: ids are keys on every store, and
#: Neo4j cannot index a string property over about 8 KB.
MAX_ID_BYTES = _native.LONGEST_ID

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Translated(NamedTuple):
    """One event's mutations in the wire form, and what was relaxed to accept it (``ingest.lenient``)."""

    encoded: bytes
    lenient: tuple[str, ...] = ()


class Translations(NamedTuple):
    """Events translated together (:func:`translate_batch`): the valid ones' mutations as one
    batch, and what the raw event log keeps of each."""

    payload: bytes
    #: Why each event left out is refused, by index: InvalidEvent, or NotJSON for bytes that are
    #: not a JSON document this system takes.
    refused: dict[int, ValueError]
    raws: list[bytes]  # each event's JSON: as sent, or as orjson writes an event given parsed
    #: The eventTime of each event the core read, Unix seconds (``graph.eventlog.event_log.event_time``);
    #: NaN for the others.
    seconds: list[float]
    subjects: list[
        str
    ]  # the ids the events the core read name (``graph.eventlog.event_log.subjects_of``)
    settled: dict[int, Any]  # the events the Python path accepted, as parsed, by index
    lenient: dict[int, tuple[str, ...]]  # what was relaxed to accept an event, by index


def translate_batch(
    items: Sequence[bytes | Any], rules: DomainRules = NO_RULES, not_after: datetime | None = None
) -> Translations:
    """Validate and translate many events, each its JSON bytes (or an event already parsed),
    into one batch: one string table, equal props once, so a bulk load journals and plans less
    (~a third fewer bytes than a batch an event).

    The core reads, checks and translates each event whole where it can vouch for it, and
    refuses one the schema refuses, worded as ``validate`` words it
    (``native/core/openlineage_event.h``); any other takes the Python path (``_settle``:
    ``ingest.json_text``, ``ingest.lenient``, ``validate``, the clock skew, the catalog and quality
    facets), whose verdict and error stand, and whose settled event the core then translates in
    its place, as orjson writes it. ``not_after``: the latest eventTime accepted
    (``ingest.clock_skew``)."""
    raws = [item if isinstance(item, bytes) else _json_of(item) for item in items]
    python = _PythonPath(items, raws, not_after)
    not_after_us = None if not_after is None else (not_after - _EPOCH) // _MICROSECOND
    wire, problems, seconds, subjects = translator(rules).translate(
        [raw if isinstance(raw, bytes) else b"" for raw in raws], not_after_us, python.settle
    )
    for index, what, detail, path in problems:
        python.refused[index] = (
            _overlong(detail) if what == "overlong" else InvalidEvent(detail, path=path)
        )
        for kept in (python.extras, python.settled, python.lenient):
            kept.pop(index, None)
    payload = concat_encoded([wire, *(python.extras[i] for i in sorted(python.extras))])
    aliases = rules.catalog_aliases(decode(payload)) if rules.catalogs else []  # engines' catalogs
    return Translations(
        concat_encoded([payload, encode(aliases)]) if aliases else payload,
        dict(sorted(python.refused.items())),
        [raw if isinstance(raw, bytes) else b"" for raw in raws],
        seconds,
        subjects,
        python.settled,
        python.lenient,
    )


class _PythonPath:
    """The events the core does not vouch for, settled as ever: parsed (``ingest.json_text``),
    relaxed (``ingest.lenient``), validated, dated, their catalog tables preferred (the
    ``catalog`` facet's among them) and their quality facets translated here."""

    def __init__(
        self,
        items: Sequence[bytes | Any],
        raws: list[bytes | InvalidEvent],
        not_after: datetime | None,
    ) -> None:
        self.items, self.raws, self.not_after = items, raws, not_after
        self.refused: dict[int, ValueError] = {}
        self.settled: dict[int, Any] = {}
        self.lenient: dict[int, tuple[str, ...]] = {}
        self.extras: dict[int, bytes] = {}

    def settle(self, index: int) -> tuple[bytes, str, str] | None:
        """The event at ``index`` as the core should translate it (its JSON, kind and stamp), or
        None when it is refused (why is kept)."""
        item = self.items[index]
        try:
            event = parse_json(item) if isinstance(item, bytes) else item
            relaxed, kind, at = _checked(event, self.not_after)
            extra = _external_run_id(relaxed, at) + translate_quality(relaxed.event, at)
        except (InvalidEvent, NotJSON) as e:
            self.refused[index] = e
            return None
        given = self.raws[index]
        json = (
            given
            if relaxed.event is event and not isinstance(item, bytes)
            else _json_of(relaxed.event)
        )
        if not isinstance(json, bytes):  # an object no store can hold, from a caller in Python
            self.refused[index] = json
            return None
        self.settled[index] = event
        if extra:
            self.extras[index] = extra
        if relaxed.reasons:
            self.lenient[index] = relaxed.reasons
        return json, kind, at


_MICROSECOND = timedelta(microseconds=1)


def _json_of(event: Any) -> bytes | InvalidEvent:
    """An event given parsed, as JSON (orjson's, as the raw log keeps it), or why it has none."""
    try:
        return orjson.dumps(event)
    except TypeError as e:
        if "64-bit" in str(e):
            return InvalidEvent("an integer beyond 64 bits cannot be stored")
        return InvalidEvent(f"a value that is not JSON cannot be stored: {e}")


def translate_encoded(
    event: Any, rules: DomainRules = NO_RULES, not_after: datetime | None = None
) -> bytes:
    """Validate one OpenLineage event (parsed, or its JSON bytes) and return the mutations that
    record it, encoded (``graph.core.mutations.encode``'s wire form), as a store applies and journals them.

    ``rules`` assign domains to the event's datasets (see ``ingest.domain_rules``). Raises
    ``InvalidEvent`` (naming the failing field) for anything that is not a valid OpenLineage
    2-0-2 RunEvent, DatasetEvent or JobEvent (after ``ingest.lenient`` relaxed what Marquez accepts),
    or that is dated after ``not_after`` (``ingest.clock_skew``).
    """
    return translate_noting(event, rules, not_after).encoded


def refusal(batch: Translations, index: int = 0) -> InvalidEvent:
    """Why the event at ``index`` was refused, as InvalidEvent, taken out of ``batch``: raised
    while the batch still held it, the error's traceback would keep the frame holding the batch
    (the event's bytes, its parsed objects) alive in a cycle until a full garbage collection (a
    server's RSS grew ~18 MB a refused 9 MB body, ``tests/test_hostile_events.py``)."""
    why = batch.refused.pop(index)
    return why if isinstance(why, InvalidEvent) else InvalidEvent(f"not valid JSON: {why}")


def translate_noting(
    event: Any, rules: DomainRules = NO_RULES, not_after: datetime | None = None
) -> Translated:
    """:func:`translate_encoded`, and the reasons the event needed relaxing (for the server's metrics)."""
    batch = translate_batch([event], rules, not_after)
    if batch.refused:
        raise refusal(batch)
    return Translated(batch.payload, batch.lenient.get(0, ()))


def translate_many(
    events: list[Any], rules: DomainRules = NO_RULES, not_after: datetime | None = None
) -> tuple[bytes, dict[int, InvalidEvent]]:
    """:func:`translate_batch` of parsed events: the batch, and why each event left out of it (by
    its index in ``events``) is invalid."""
    batch = translate_batch(events, rules, not_after)
    return batch.payload, {
        i: e if isinstance(e, InvalidEvent) else InvalidEvent(str(e))
        for i, e in batch.refused.items()
    }


def _external_run_id(relaxed: Relaxed, at: str) -> bytes:
    """The producer's own run id kept on the run it was relaxed into (a batch of its own)."""
    if relaxed.external_run_id is None:
        return b""
    node = run_id(relaxed.event["run"]["runId"])
    return encode([UpsertNode(node, NodeKind.RUN, at, {"externalRunId": relaxed.external_run_id})])


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


def translate(event: Any, rules: DomainRules = NO_RULES) -> list[Mutation]:
    """:func:`translate_encoded`, as ``graph.core.mutations`` objects."""
    return decode(translate_encoded(event, rules))
