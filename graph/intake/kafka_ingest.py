"""OpenLineage pulled from Kafka (``lineagemesh ingest kafka``, ``serve --bootstrap-servers ...``),
through the one ingest service.

The client is confluent-kafka (librdkafka): on this machine it consumed mesh events with ~3.5x less
CPU a message than aiokafka (``scripts/bench_kafka.py``, docs/benchmarks.md), and it is the client
openlineage-python's own ``kafka`` transport produces with. Each poll's messages (up to ``batch_events``) are
translated together and committed through the service (raw block durable, then the mutations),
and only then are their offsets committed: at least once. A consumer killed between the apply and
the offset commit gets the same messages again, which ingest, an idempotent merge, does not mind.

Messages pass the guards HTTP events pass, in the same ingest service: the size bound, the schema,
and the clock-skew bound (``--max-clock-skew``: an event dated further ahead of this clock is
invalid). A consumer bound to a principal (``--kafka-principal NAME``, a principal of the tokens
file) writes with its rights: an event writing a domain it may not write is refused as HTTP
answers 403, and its bytes count against its quota (``graph.intake.quotas``). Without a principal the
consumer writes with the store's own rights, as an admin: whoever may produce to the topic may
write every domain.

A bad message (empty, over ``max_message_bytes``, not JSON, not a valid event, forbidden to the
principal, over its quota, or one whose apply fails: ``failed``) never blocks its partition: it is
logged with topic/partition/offset, counted by reason, written to the dead-letter topic when there
is one (before its offset is committed, the reason in a header; cut to what fits when the topic
refuses it as too large), or else recorded as skipped in the store and counted
(``graph.intake.kafka_dead_letters``), and passed over. A store that is unreachable
holds the poll's messages back: the batch is retried (without committing) until it goes in or the
consumer is stopped. Stopping finishes the batch in hand, commits it, and leaves the group. A
commit the broker refuses (the partitions went to another consumer in a rebalance) is logged, not
fatal: the new owner gets the batch again.

The consumer is supervised (:meth:`KafkaIngest.supervise`): an error that escapes it is logged,
counted (``lineagemesh_kafka_consumer_restarts_total``) and the consumer started again after a
backoff (1 s, doubling to ``RESTART_MAX``); never a silently dead thread. :meth:`KafkaIngest.trouble`
is what ``/healthz`` reports as ``degraded``: the consumer down, or its lag not moving for
``STALLED_AFTER`` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graph.core.auth import AuthConfig, Principal, Role
from graph.core.extras import require
from graph.intake.ingest_service import IngestService, TranslatedEvent, forbidden
from graph.intake.kafka_dead_letters import SKIPPED_PREFIX, DeadLetters, Skipped
from graph.intake.quotas import QuotaExceeded
from graph.stores import StoreUnavailable

if TYPE_CHECKING:  # imported where first needed: a command that reads no topic need not
    from prometheus_client import CollectorRegistry

log = logging.getLogger(__name__)
_CONSUMING = (
    "consuming Kafka (--bootstrap-servers)"  # what needs the kafka extra (graph.core.extras)
)

LAG_EVERY = 5.0  # seconds between lag measurements (a round trip to the broker per partition)
RETRY_PAUSE = 1.0  # seconds between attempts while the store is unreachable
RESTART_FIRST = 1.0  # seconds before a failed consumer is started again, doubling ...
RESTART_MAX = 60.0  # ... up to this
STALLED_AFTER = 60.0  # seconds of lag that does not move before /healthz says degraded


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap_servers: str
    topics: tuple[str, ...]
    group: str
    properties: dict[str, str] = field(
        default_factory=dict
    )  # passed to librdkafka as given (SASL, SSL, ...)
    dead_letter_topic: str | None = None
    max_message_bytes: int = 8 * 2**20
    batch_events: int = 500
    poll_seconds: float = 0.5
    principal: str | None = None  # the tokens file's principal whose rights messages have

    def consumer_config(self) -> dict[str, Any]:
        return {
            "bootstrap.servers": self.bootstrap_servers,
            "group.id": self.group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": False,
            **self.properties,
        }

    def producer_config(self) -> dict[str, Any]:
        passed = {
            k: v
            for k, v in self.properties.items()
            if not k.startswith(("group.", "auto.", "enable.auto"))
        }
        return {"bootstrap.servers": self.bootstrap_servers, **passed}

    def check(self) -> None:
        """Raise ValueError naming what librdkafka refuses in the settings (an unknown or malformed
        property), before anything is consumed: a client made and closed, without connecting."""
        kafka = require("confluent_kafka", _CONSUMING)
        Consumer, KafkaException, Producer = kafka.Consumer, kafka.KafkaException, kafka.Producer

        try:
            Consumer(self.consumer_config()).close()
            if self.dead_letter_topic:
                Producer(self.producer_config()).flush(0)
        except KafkaException as e:
            raise ValueError(
                e.args[0].str() if e.args and hasattr(e.args[0], "str") else str(e)
            ) from None


class KafkaMetrics:
    """What the consumer counts, in a Prometheus registry (the server's, under ``serve``)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        from prometheus_client import Counter, Gauge

        self.accepted = Counter(
            "lineagemesh_kafka_events_accepted",
            "OpenLineage events applied from Kafka.",
            registry=registry,
        )
        self.bad = Counter(
            "lineagemesh_kafka_messages_bad",
            "Kafka messages passed over, by reason class.",
            ["reason"],
            registry=registry,
        )
        self.skipped = Counter(
            "lineagemesh_kafka_messages_skipped",
            "Kafka messages neither applied nor dead-lettered: recorded in the store, passed over.",
            registry=registry,
        )
        self.restarts = Counter(
            "lineagemesh_kafka_consumer_restarts",
            "Times the consumer failed and was started again.",
            registry=registry,
        )
        self.lag = Gauge(
            "lineagemesh_kafka_consumer_lag",
            "Messages of a partition not yet consumed (high watermark - position).",
            ["topic", "partition"],
            registry=registry,
        )
        for reason in BAD_REASONS:
            self.bad.labels(reason)


BAD_REASONS = ("empty", "too_large", "invalid", "forbidden", "over_quota", "failed")


def bound_principal(auth: AuthConfig, name: str) -> Principal:
    """The principal ``name`` of the tokens in ``auth``, which must be a writer (or an admin);
    ValueError saying what is wrong otherwise."""
    found = {token.principal for token in auth.tokens if token.principal.name == name}
    if not found:
        known = sorted({token.principal.name for token in auth.tokens})
        raise ValueError(
            f"no principal {name!r} in the tokens (--auth-file or LINEAGEMESH_TOKENS)"
            + (f"; known: {', '.join(known)}" if known else ": none are configured")
        )
    if len(found) > 1:
        raise ValueError(f"principal {name!r} has tokens with different roles or domains")
    (principal,) = found
    if not principal.can(Role.WRITER):
        raise ValueError(f"principal {name!r} is a {principal.role.value}: it may not write")
    return principal


@dataclass
class _Bad:
    message: Any
    reason_class: str
    reason: str


class KafkaIngest:
    """One consumer of ``settings.topics`` feeding ``service``; :meth:`run` until :meth:`stop`."""

    def __init__(
        self,
        service: IngestService,
        settings: KafkaSettings,
        metrics: KafkaMetrics | None = None,
        principal: Principal | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self.principal = principal  # whose rights and quota messages have (None: the store's)
        if metrics is None:
            from prometheus_client import CollectorRegistry

            metrics = KafkaMetrics(CollectorRegistry())
        self.metrics = metrics
        self._stop = threading.Event()
        self.applied_events = 0
        self.bad_messages = 0
        self.skipped_messages = 0
        self.restarts = 0
        self._down: str | None = None  # why the consumer is not running, while it is not
        self._moved_at = time.monotonic()  # when the lag was last seen 0 or moving
        self._positions: dict[tuple[str, int], int] = {}
        self._lag = 0

    def stop(self) -> None:
        self._stop.set()

    def supervise(
        self, until_idle: float | None = None, on_batch: Callable[[int], None] = lambda events: None
    ) -> None:
        """:meth:`run`, started again after a backoff whenever an error escapes it, until
        :meth:`stop` (or idle, as :meth:`run`)."""
        pause = RESTART_FIRST
        while not self._stop.is_set():
            try:
                self.run(until_idle, on_batch)
                return
            except Exception as e:  # whatever it was, the consumer must come back
                self._down = f"the Kafka consumer failed ({type(e).__name__}: {e}); restarting"
                self.restarts += 1
                self.metrics.restarts.inc()
                log.exception("kafka: consumer failed; starting it again in %g s", pause)
                if self._stop.wait(pause):
                    return
                pause = min(pause * 2, RESTART_MAX)

    def trouble(self) -> str | None:
        """Why Kafka ingest is not keeping up (``/healthz`` says ``degraded``), or None."""
        if self._down is not None:
            return self._down
        still = time.monotonic() - self._moved_at
        if still > STALLED_AFTER:
            return (
                f"the Kafka consumer's lag ({self._lag} messages) has not moved for {still:.0f} s"
            )
        return None

    def run(
        self, until_idle: float | None = None, on_batch: Callable[[int], None] = lambda events: None
    ) -> None:
        """Consume until :meth:`stop` (or, with ``until_idle``, until no message came for that
        many seconds: the command's ``--until-idle``)."""
        kafka = require("confluent_kafka", _CONSUMING)
        Consumer, KafkaException, Producer = kafka.Consumer, kafka.KafkaException, kafka.Producer

        self._moved_at = time.monotonic()
        consumer = Consumer(self.settings.consumer_config(), logger=log)
        dead_letters = (
            Producer(self.settings.producer_config(), logger=log)
            if self.settings.dead_letter_topic
            else None
        )
        assigned = (
            threading.Event()
        )  # idleness counts from the group's first assignment, not from joining
        consumer.subscribe(
            list(self.settings.topics), on_assign=lambda consumer, partitions: assigned.set()
        )
        idle_since = time.monotonic()
        lag_at = 0.0
        try:
            while not self._stop.is_set():
                messages = consumer.consume(self.settings.batch_events, self.settings.poll_seconds)
                self._down = None  # running again
                if time.monotonic() - lag_at >= LAG_EVERY:
                    self._measure_lag(consumer)
                    lag_at = time.monotonic()
                if not messages:
                    if not assigned.is_set():
                        idle_since = time.monotonic()
                    elif until_idle is not None and time.monotonic() - idle_since >= until_idle:
                        return
                    continue
                idle_since = time.monotonic()
                if self._take(messages, dead_letters):
                    try:
                        consumer.commit(offsets=_next_offsets(messages), asynchronous=False)
                    except KafkaException as e:  # a rebalance took the partitions: their next owner gets the batch again
                        log.warning(
                            "kafka: offsets not committed (%s); the events will come again, which is harmless",
                            e,
                        )
                    on_batch(len(messages))
        finally:
            if dead_letters is not None:
                dead_letters.flush(10)
            consumer.close()  # leaves the group; offsets were committed batch by batch

    def _take(self, messages: list[Any], dead_letters: Any) -> bool:
        """Apply a poll's messages durably (retrying while the store is unreachable) and dispose
        of the bad ones; False when stopped before they went in (their offsets stay uncommitted)."""
        letters = DeadLetters(dead_letters, self.settings.dead_letter_topic, self._skip)
        good: list[bytes] = []
        good_messages: list[Any] = []
        bad: list[_Bad] = []
        for message in messages:
            error = message.error()
            if error is not None:
                log.warning("kafka: %s", error)
                continue
            value = message.value()
            if not value:
                bad.append(_Bad(message, "empty", "an empty message"))
            elif len(value) > self.settings.max_message_bytes:
                bad.append(
                    _Bad(
                        message,
                        "too_large",
                        f"{len(value)} bytes, over {self.settings.max_message_bytes}",
                    )
                )
            else:
                good.append(value)
                good_messages.append(message)
        applied = self._apply_each(good)
        if applied is None:
            return False
        accepted, refused = applied
        bad += [
            _Bad(good_messages[i], reason_class, reason)
            for i, (reason_class, reason) in refused.items()
        ]
        self.applied_events += accepted
        self.metrics.accepted.inc(accepted)
        for item in sorted(
            bad, key=lambda b: (b.message.topic(), b.message.partition(), b.message.offset())
        ):
            self._pass_over(item, letters)  # in the partition's order, as they came
        letters.settle()
        return True

    def _apply_each(self, values: list[bytes]) -> tuple[int, dict[int, tuple[str, str]]] | None:
        """:meth:`_apply`, retried while the store is unreachable (None: stopped first). When it
        fails otherwise, the messages are applied one by one, and the one that fails is refused
        as ``failed``: no message can stop the consumer."""
        while True:
            try:
                return self._apply(values)
            except StoreUnavailable as e:
                log.warning(
                    "kafka: store unavailable, retrying the batch of %d messages: %s",
                    len(values),
                    e,
                )
                if self._stop.wait(RETRY_PAUSE):
                    return None
            except Exception as e:  # a message the service cannot take
                if len(values) == 1:
                    log.exception("kafka: a message could not be applied")
                    return 0, {0: ("failed", f"not applied: {type(e).__name__}: {e}")}
                break
        accepted, refused = 0, {}
        for i, value in enumerate(values):
            one = self._apply_each([value])
            if one is None:
                return None
            accepted += one[0]
            if one[1]:
                refused[i] = one[1][0]
        return accepted, refused

    def _apply(self, values: list[bytes]) -> tuple[int, dict[int, tuple[str, str]]]:
        """Translate, authorize and commit ``values`` through the service; how many went in, and
        the refused ones by index: (reason class, reason). Raises StoreUnavailable, to be retried."""
        if self.principal is None:  # the store's own rights: one batch, as fast as it goes
            translation = self.service.translate(values)
            if translation.accepted:
                self.service.commit(translation.payload, translation.block)
            return translation.accepted, {
                i: ("invalid", reason) for i, reason in translation.refused.items()
            }
        refused: dict[int, tuple[str, str]] = {}
        valid: dict[int, TranslatedEvent] = {}
        for i, item in enumerate(self.service.translate_each(values)):
            if isinstance(item, str):
                refused[i] = ("invalid", item)
            else:
                valid[i] = item
        decisions = self.service.authorize(self.principal, list(valid.values()))
        allowed = []
        for (i, event), decision in zip(valid.items(), decisions):
            if decision.refused:
                refused[i] = ("forbidden", forbidden(self.principal, decision.refused))
            else:
                allowed.append((i, event, decision))
        try:
            self.service.commit_events(
                [event for _, event, _ in allowed], [d for _, _, d in allowed], self.principal
            )
            return len(allowed), refused
        except QuotaExceeded:  # as many as the quota takes, in order; the rest are passed over
            pass
        accepted = 0
        for i, event, decision in allowed:
            try:
                self.service.commit_events([event], [decision], self.principal)
                accepted += 1
            except QuotaExceeded as e:
                refused[i] = ("over_quota", str(e))
        return accepted, refused

    def _pass_over(self, item: _Bad, letters: DeadLetters) -> None:
        m = item.message
        log.warning(
            "kafka: bad message at %s/%d/%d (%s): %s",
            m.topic(),
            m.partition(),
            m.offset(),
            item.reason_class,
            item.reason,
        )
        self.bad_messages += 1
        self.metrics.bad.labels(item.reason_class).inc()
        letters.send(m, item.reason)

    def _skip(self, skipped: Skipped) -> None:
        """Record a message that no letter carries in the store's event log, and count it."""
        log.error("kafka: message at %s skipped: %s", skipped.source, skipped.reason)
        self.skipped_messages += 1
        self.metrics.skipped.inc()
        if self.service.log is not None:
            self.service.log.set_meta(SKIPPED_PREFIX + skipped.source, skipped.record())

    def _measure_lag(self, consumer: Any) -> None:
        try:
            assigned = consumer.assignment()
            positions = consumer.position(assigned) if assigned else []
            total = 0
            now: dict[tuple[str, int], int] = {}
            for tp in positions:
                low, high = consumer.get_watermark_offsets(tp, timeout=2.0, cached=False)
                at = tp.offset if tp.offset >= 0 else low
                now[(tp.topic, tp.partition)] = at
                total += max(0, high - at)
                self.metrics.lag.labels(tp.topic, str(tp.partition)).set(max(0, high - at))
            if total == 0 or now != self._positions:
                self._moved_at = time.monotonic()
            self._positions, self._lag = now, total
        except Exception as e:  # noqa: BLE001 - lag is advisory: a broker hiccup must not stop consuming
            log.debug("kafka: lag not measured: %s", e)


def _next_offsets(messages: list[Any]) -> list[Any]:
    """The offsets to commit after ``messages``: one past the last message of each partition."""
    TopicPartition = require("confluent_kafka", _CONSUMING).TopicPartition

    last: dict[tuple[str, int], int] = {}
    for m in messages:
        if m.error() is None:
            key = (m.topic(), m.partition())
            last[key] = max(last.get(key, -1), m.offset())
    return [
        TopicPartition(topic, partition, offset + 1) for (topic, partition), offset in last.items()
    ]
