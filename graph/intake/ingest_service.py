"""The one way events enter the graph: validate → authorise → keep the raw event → apply → acknowledge.

Every ingest path goes through here: ``POST /api/v1/lineage`` and its batch endpoint
(``graph.serve.ingest``), event files (``graph.intake.bulk_load``), the catalog, contract, dbt and
quality ingesters (their mutations, ``apply_mutations``; sent to a server, ``commit_documents``)
and the Kafka consumer. The paths differ only in
how events arrive and how the answer is given.

Validating and translating is pure (``translate_events``, ``translate_one``): it may run in a
worker process, which then also packs the accepted events' raw block, so the applying process
only writes. Authorising reads the store (which domains the events write). :meth:`IngestService.commit`
makes the raw events durable in the event log (``graph.eventlog.event_log``) in the store's transaction of
the mutations they made: when it returns, the events may be acknowledged.

The guards every path shares are here, written once: the latest eventTime accepted
(``max_clock_skew``, ``ingest.clock_skew``) for events that arrive now (HTTP, Kafka), and the
per-principal byte quota (``graph.intake.quotas``) charged by :meth:`IngestService.commit_events` for
every path that has a principal. :meth:`IngestService.disk_probe` checks whether the disk the raw
events and the embedded store live on takes writes (``/healthz``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from graph.change.schema_history import SchemaHistory
from graph.change.schema_observations import DOCUMENT, OPENLINEAGE
from graph.core.mutations import Mutation, concat_encoded, decode, encode
from graph.core.principal import Principal
from graph.eventlog.event_log import (
    MUTATIONS,
    Block,
    RawEventLog,
    event_time,
    pack_events,
    pack_mutations,
    subjects_of,
)
from graph.intake.authorization import Authorization, authorize_each
from graph.intake.disk_health import WriteProbe
from graph.intake.event_files import NotJSON, parse_json
from graph.intake.quotas import Quotas
from graph.notify.outbox import connect_outbox
from graph.stores import Store, StoreUnavailable
from ingest.clock_skew import DEFAULT_MAX_CLOCK_SKEW, latest_accepted
from ingest.domain_rules import NO_RULES, DomainRules
from ingest.openlineage import Translations, refusal, translate_batch
from ingest.openlineage_schema import InvalidEvent

log = logging.getLogger(__name__)

AGE_OUT_EVERY = 3600.0  # seconds between retention passes while serving


class TranslatedEvent(NamedTuple):
    """A valid event: its mutations in the wire form (``ingest.openlineage.translate_encoded``),
    which a store applies and journals as they are, its JSON as sent, and the ids it names."""

    encoded: bytes
    raw: bytes
    subjects: frozenset[str]
    lenient: tuple[str, ...] = ()  # what ingest.lenient relaxed to accept it
    moment: float = float(
        "nan"
    )  # its eventTime, Unix seconds (``graph.eventlog.event_log.event_time``)

    def mutations(self) -> list[Mutation]:
        """As ``graph.core.mutations`` objects (for deciding which domains the event writes)."""
        return decode(self.encoded)


def parse_event(raw: bytes) -> Any:
    """One event's JSON; raises InvalidEvent saying why it is not JSON."""
    try:
        return parse_json(raw)
    except NotJSON as e:
        raise InvalidEvent(f"not valid JSON: {e}") from None


def translate_one(
    event: Any,
    raw: bytes | None = None,
    rules: DomainRules = NO_RULES,
    not_after: datetime | None = None,
) -> TranslatedEvent:
    """Validate and translate one event: ``raw`` its JSON as sent (then read from it), else the
    parsed ``event`` (when it came inside a larger document; kept as orjson writes it);
    ``not_after``: the latest eventTime accepted (``ingest.clock_skew``). Raises InvalidEvent."""
    batch = translate_batch([raw if raw is not None else event], rules, not_after)
    if 0 in batch.refused:
        raise refusal(batch)
    subjects, moments = _kept_facts(batch, [0])
    return TranslatedEvent(
        batch.payload, batch.raws[0], frozenset(subjects), batch.lenient.get(0, ()), moments[0]
    )


def _kept_facts(batch: Translations, kept: Sequence[int]) -> tuple[set[str], list[float]]:
    """The ids the ``kept`` events of a batch name, and their eventTimes (Unix seconds): as the
    core read them, or from the events the Python path parsed."""
    subjects = set(batch.subjects)
    moments = []
    for i in kept:
        event = batch.settled.get(i)
        if event is None:
            moments.append(batch.seconds[i])
        else:
            subjects |= subjects_of(event)
            moments.append(event_time(event.get("eventTime")))
    return subjects, moments


@dataclass
class Translation:
    """Events translated together: the valid ones' mutations as one batch, their raw block (when
    kept), and why each one left out is refused (by its index)."""

    events: int
    payload: bytes
    block: Block | None
    refused: dict[int, str] = field(default_factory=dict)

    @property
    def accepted(self) -> int:
        return self.events - len(self.refused)


def translate_events(
    items: Sequence[bytes | Any],
    rules: DomainRules = NO_RULES,
    keep_raw: bool = True,
    not_after: datetime | None = None,
) -> Translation:
    """Validate and translate many events (each its JSON bytes, or parsed) into one batch
    (``ingest.openlineage.translate_batch``: one string table), and pack the valid ones' raw
    block. Pure: runs in a worker process or here."""
    batch = translate_batch(items, rules, not_after)
    block = None
    if keep_raw:
        kept = [i for i in range(len(items)) if i not in batch.refused]
        subjects, moments = _kept_facts(batch, kept)
        block = pack_events([batch.raws[i] for i in kept], subjects, moments)
    return Translation(
        len(items), batch.payload, block, {i: str(e) for i, e in batch.refused.items()}
    )


def forbidden(principal: Principal, domains: list[str]) -> str:
    named = ", ".join(repr(d) for d in domains)
    return f"principal {principal.name!r} may not write domain{'s' if len(domains) > 1 else ''} {named}"


#: The most mutations a document's apply hands the store at once. The store plans a batch whole,
#: at ~19 bytes for each byte of its wire form: a 116 MB Soda result's 876k mutations as one batch
#: (62 MiB) took 1.2 GB beside the graph while applied, its peak RSS 1.83 GB. What one batch
#: would apply, the batches apply in order (an edge to a node of a later batch holds its place).
DOCUMENT_BATCH = 50_000


@dataclass
class IngestService:
    """Authorises and commits translated events into ``store``, keeping them in ``log`` (None:
    no raw log is kept, for a caller that has none, as a library user may)."""

    store: Store
    log: RawEventLog | None = None
    rules: DomainRules = NO_RULES
    keep_seconds: float | None = None  # retention of raw events (None: forever)
    on_change: Callable[[], None] | None = (
        None  # told after an apply changed the graph (``graph.read.change_feed``)
    )
    on_written: Callable[[int], None] | None = (
        None  # told how many nodes and edges each apply changed
    )
    max_clock_skew: timedelta | None = (
        DEFAULT_MAX_CLOCK_SKEW  # events arriving now dated further ahead are invalid
    )
    quotas: Quotas = field(default_factory=Quotas)  # bytes per principal per period
    #: Versions and breaking changes of the schemas a batch observes, applied with it
    #: (``graph.change.schema_history``); made for ``store`` when not given.
    history: SchemaHistory | None = None
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _probe: WriteProbe | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.history is None:
            self.history = SchemaHistory(self.store)
            connect_outbox(self.history)  # every breaking change has its notification

    @property
    def keeps_raw(self) -> bool:
        return self.log is not None

    def not_after(self) -> datetime | None:
        """The latest eventTime accepted from an event arriving now (``ingest.clock_skew``)."""
        return latest_accepted(self.max_clock_skew)

    def translate(self, items: Sequence[bytes | Any]) -> Translation:
        """Events arriving now, translated together (``translate_events``) under the service's
        rules and clock-skew bound."""
        return translate_events(items, self.rules, self.keeps_raw, self.not_after())

    def translate_each(self, items: Sequence[bytes]) -> list[TranslatedEvent | str]:
        """Events arriving now, each translated on its own (to be authorized one by one), or the
        reason it is invalid."""
        not_after = self.not_after()
        translated: list[TranslatedEvent | str] = []
        for raw in items:
            try:
                translated.append(translate_one(parse_event(raw), raw, self.rules, not_after))
            except InvalidEvent as e:
                translated.append(str(e))
        return translated

    def authorize(
        self, principal: Principal, events: Sequence[TranslatedEvent]
    ) -> list[Authorization]:
        """For each event, the domains it touches that ``principal`` may not write, or what of it to
        apply (``graph.intake.authorization.authorize_each``)."""
        if principal.writes_everywhere:
            return [Authorization([]) for _ in events]
        return authorize_each(
            [event.mutations() for event in events], self.store, principal.name, principal.may_write
        )

    def commit_events(
        self,
        events: Sequence[TranslatedEvent],
        decisions: Sequence[Authorization] | None = None,
        principal: Principal | None = None,
    ) -> int:
        """Keep and apply accepted events (as ``decisions`` from :meth:`authorize` allow); returns
        the node/edge changes once all is durable. The events' bytes are first charged to
        ``principal``'s quota (QuotaExceeded, nothing applied, beyond it; given back if the store
        fails). An event a writer's scope reduced (its observations of other domains' datasets)
        is kept as the mutations applied, not as sent: a reindex has no principal to reduce it again."""
        if not events:
            return 0
        if principal is None:
            return self._commit_events(events, decisions)
        size = sum(len(event.raw) for event in events)
        return self._charged(
            principal, size, lambda: self._commit_events(events, decisions, principal.name)
        )

    def _charged(self, principal: Principal, size: int, commit: Callable[[], int]) -> int:
        """``commit()`` with ``size`` bytes charged to ``principal``'s quota first (QuotaExceeded,
        nothing done, beyond it), given back if the store fails."""
        self.quotas.charge(principal.name, size)
        try:
            return commit()
        except StoreUnavailable:
            self.quotas.refund(principal.name, size)
            raise

    def _commit_events(
        self,
        events: Sequence[TranslatedEvent],
        decisions: Sequence[Authorization] | None,
        writer: str | None = None,
    ) -> int:
        reduced = (
            [None if d.mutations is None else encode(d.mutations) for d in decisions]
            if decisions
            else [None] * len(events)
        )
        whole = [event for event, instead in zip(events, reduced) if instead is None]
        payload = concat_encoded(
            [
                event.encoded if instead is None else instead
                for event, instead in zip(events, reduced)
            ]
        )
        blocks: list[Block] = []
        if self.log is not None:
            if whole:
                subjects: set[str] = set()
                for event in whole:
                    subjects |= event.subjects
                blocks.append(
                    pack_events(
                        [event.raw for event in whole],
                        subjects,
                        [event.moment for event in whole],
                    )
                )
            kept_as_applied = [instead for instead in reduced if instead is not None]
            if kept_as_applied:
                blocks.append(pack_mutations(concat_encoded(kept_as_applied), len(kept_as_applied)))
        return self._apply(payload, riding=blocks, writer=writer)

    def commit(
        self,
        payload: bytes,
        block: Block | None,
        source: str | None = OPENLINEAGE,
        observed: bytes | None = None,
    ) -> int:
        """The raw block and the mutations it made, durable together: the store writes the block
        in the transaction of the mutations (``RawEventLog.riding``), so a failure keeps neither
        and the client's retry sends both again. ``observed``: the batch's schema observations
        as read where it was translated (``graph.change.schema_observations.observed_index``). Raises
        StoreUnavailable as the store does."""
        return self._apply(payload, source, [block], observed)

    def _apply(
        self,
        payload: bytes,
        source: str | None = OPENLINEAGE,
        riding: Sequence[Block | None] = (),
        observed: bytes | None = None,
        writer: str | None = None,
    ) -> int:
        """Apply a batch, with the raw blocks it came from (``riding``) and the schema history it
        makes in the same transaction (the history kept in the log too, so a reindex keeps it:
        replaying the log applies it as it was, not detected again)."""
        assert self.history is not None
        if self.log is None:
            changes, _ = (
                self.history.apply(payload, source, None, observed, writer) if payload else (0, b"")
            )
        else:
            with self.log.riding(riding) as riders:

                def keep(history: bytes) -> None:
                    riders.append(pack_mutations(history))

                changes, _ = (
                    self.history.apply(payload, source, keep, observed, writer)
                    if payload
                    else (0, b"")
                )
        if changes:
            if self.on_written is not None:
                self.on_written(changes)
            if self.on_change is not None:
                self.on_change()
        return changes

    def disk_probe(self) -> WriteProbe:
        """What checks whether the disk of the raw event log (and of the embedded store) takes
        writes (``graph.intake.disk_health``): what a read (``Store.ping``) does not see."""
        if self._probe is None:
            directories = (
                {self.log.path.parent}
                if self.log is not None and isinstance(self.log.path, Path)
                else set()
            )
            data_dir = getattr(self.store, "data_dir", None)
            if isinstance(data_dir, Path):
                directories.add(data_dir)
            self._probe = WriteProbe(directories)
        return self._probe

    def apply_mutations(self, mutations: Sequence[Mutation], documents: int = 0) -> int:
        """The mutations of an ingester whose translation reads more than a document (a catalog
        crawl, a dbt manifest beside the graph, contracts): kept as mutations, then applied, with
        the aliases the rules' engine catalogs give what they name (``DomainRules.catalog_aliases``).
        Applied ``DOCUMENT_BATCH`` at a time, in order (see there); a store failing part way
        keeps the batches before (StoreUnavailable, as a bulk load's)."""
        if not mutations:
            return 0
        every = [*mutations, *self.rules.catalog_aliases(mutations)]
        changes = 0
        for start in range(0, len(every), DOCUMENT_BATCH):
            payload = encode(every[start : start + DOCUMENT_BATCH])
            counted = documents if start == 0 else 0
            block = pack_mutations(payload, counted) if self.log is not None else None
            changes += self.commit(payload, block, DOCUMENT)
        return changes

    def authorize_mutations(
        self, principal: Principal, mutations: Sequence[Mutation]
    ) -> Authorization:
        """What of a document's mutations ``principal`` may apply: refused (the domains it would
        write and may not), or them (reduced as an event's would be, ``authorize_each``)."""
        if principal.writes_everywhere:
            return Authorization([])
        return authorize_each([mutations], self.store, principal.name, principal.may_write)[0]

    def commit_documents(
        self, mutations: Sequence[Mutation], documents: int, principal: Principal, size: int
    ) -> int:
        """:meth:`apply_mutations` for documents a principal sent (``graph.serve.documents``):
        their ``size`` bytes charged to its quota first (QuotaExceeded, nothing applied, beyond
        it; given back if the store fails), as :meth:`commit_events` charges events."""
        return self._charged(principal, size, lambda: self.apply_mutations(mutations, documents))

    def replay(self, since: int = 0, on_block: Any = None) -> int:
        """Apply every block of the log after seq ``since`` with the current translators (the
        OpenLineage ones translated again, mutation blocks as kept); ``on_block(seq, events)``
        hears each. Returns the last seq applied. Nothing is appended to the log."""
        assert self.log is not None
        last = since
        for stored in self.log.blocks(after=since):
            if stored.kind == MUTATIONS:
                self.store.apply_encoded(stored.mutations())
            else:
                translation = translate_events(stored.event_bytes(), self.rules, keep_raw=False)
                if translation.payload:
                    self.store.apply_encoded(translation.payload)
            last = stored.seq
            if on_block is not None:
                on_block(stored.seq, stored.events)
        return last

    def age_out(self, now: float | None = None) -> int:
        """Retention: the raw events received more than ``keep_seconds`` ago leave the log; what
        they made stays, in the graph and (as mutations) in the log. Returns how many aged out."""
        if self.log is None or self.keep_seconds is None:
            return 0
        cutoff = (time.time() if now is None else now) - self.keep_seconds
        return self.log.age_out(
            cutoff, lambda raws: translate_events(raws, self.rules, keep_raw=False).payload
        )

    def age_out_periodically(self, every_seconds: float = AGE_OUT_EVERY) -> None:
        """Retention while serving: :meth:`age_out` in a daemon thread, until :meth:`close`."""
        if self.log is None or self.keep_seconds is None:
            return

        def run() -> None:
            while not self._stop.wait(every_seconds):
                try:
                    aged = self.age_out()
                except StoreUnavailable as e:
                    log.warning("raw events not aged out this time: %s", e)
                    continue
                if aged:
                    log.info("%d raw events aged out", aged)

        threading.Thread(target=run, name="lineagemesh-retention", daemon=True).start()

    def close(self) -> None:
        """Stop retention and release the log (the store is the caller's)."""
        self._stop.set()
        if self.log is not None:
            self.log.close()
