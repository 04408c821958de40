"""Where a Kafka message the consumer passes over goes: the dead-letter topic, or a record.

A bad message must never stop its partition (issue 74: a 2 MiB event the dead-letter topic
refused with ``MSG_SIZE_TOO_LARGE`` killed the consumer on every restart). So a letter is written
whole when it fits; when the producer or the broker refuses it as too large, what fits is written
instead: the first ``TRUNCATED_BODY`` bytes, with the reason, the source and the original size in
headers. A message that no letter can carry (the topic refuses even that, or does not
acknowledge it within the wait), and every bad message when there is no dead-letter topic, is
recorded as *skipped* (topic, partition, offset, reason, its first ``FIRST_BYTES`` bytes) in the
event log's metadata (``kafka.skipped.TOPIC/PARTITION/OFFSET``) and counted; the consumer then
commits past it like any other message.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

log = logging.getLogger(__name__)

TRUNCATED_BODY = 64 * 1024  # bytes of a too-large message's body its letter keeps
FIRST_BYTES = 256  # bytes of a skipped message its record keeps
SKIPPED_PREFIX = "kafka.skipped."  # the event log's meta key of a skipped message's record
_TOO_LARGE = "MSG_SIZE_TOO_LARGE"


@dataclass(frozen=True)
class Skipped:
    """A message neither applied nor dead-lettered: what the store records of it."""

    topic: str
    partition: int
    offset: int
    reason: str
    first_bytes: bytes

    @property
    def source(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"

    def record(self) -> str:
        """The JSON the event log keeps (the first bytes base64: a message may not be text)."""
        return orjson.dumps(
            {
                "topic": self.topic,
                "partition": self.partition,
                "offset": self.offset,
                "reason": self.reason,
                "first_bytes": base64.b64encode(self.first_bytes).decode(),
                "skipped_at": time.time(),
            }
        ).decode()


@dataclass
class _Letter:
    message: Any
    reason: str
    truncated: bool = False
    error: str | None = None  # why the broker refused it (None: delivered, or not yet answered)
    delivered: bool = False


def _is_too_large(error: Any) -> bool:
    return _TOO_LARGE in str(error) or getattr(error, "name", lambda: "")() == _TOO_LARGE


class DeadLetters:
    """Letters for one poll's bad messages: :meth:`send` each, then :meth:`settle` once."""

    def __init__(
        self,
        producer: Any,
        topic: str | None,
        skip: Callable[[Skipped], None],
        wait_seconds: float = 30.0,
    ) -> None:
        self.producer = producer
        self.topic = topic
        self.skip = skip
        self.wait_seconds = wait_seconds
        self._letters: list[_Letter] = []

    def send(self, message: Any, reason: str) -> None:
        """Write ``message``'s letter (whole; cut to what fits when too large), or skip it."""
        if self.producer is None or self.topic is None:
            self._skip(message, reason)
            return
        letter = _Letter(message, reason)
        self._letters.append(letter)
        self._produce(letter)

    def settle(self) -> None:
        """Wait for the broker's answers; a letter refused as too large is sent again cut; one
        refused for good, or not acknowledged within the wait, is skipped (recorded)."""
        if not self._letters:
            return
        self.producer.flush(self.wait_seconds)
        retried = [
            letter
            for letter in self._letters
            if not letter.delivered
            and letter.error is not None
            and _is_too_large(letter.error)
            and not letter.truncated
        ]
        for letter in retried:
            letter.error = None
            letter.truncated = True
            self._produce(letter)
        if retried:
            self.producer.flush(self.wait_seconds)
        for letter in self._letters:
            if not letter.delivered:
                why = letter.error or f"not acknowledged within {self.wait_seconds:g} s"
                self._skip(
                    letter.message, f"{letter.reason}; dead-letter topic {self.topic!r}: {why}"
                )
        self._letters = []

    def _produce(self, letter: _Letter) -> None:
        """Hand ``letter`` to the producer; a client-side refusal as too large cuts it at once."""
        while True:
            m = letter.message
            value: bytes = m.value() or b""
            headers = [
                ("lineagemesh.error", letter.reason.encode()),
                ("lineagemesh.source", f"{m.topic()}/{m.partition()}/{m.offset()}".encode()),
            ]
            if letter.truncated:
                headers.append(("lineagemesh.truncated", str(len(value)).encode()))
                value = value[:TRUNCATED_BODY]

            def answered(error: Any, _: Any, letter: _Letter = letter) -> None:
                if error is None:
                    letter.delivered = True
                else:
                    letter.error = str(error)

            try:
                self.producer.produce(
                    self.topic, value=value, key=m.key(), headers=headers, on_delivery=answered
                )
            except BufferError as e:  # the producer's queue is full: let it drain, then again
                log.warning("kafka: dead-letter queue full (%s); waiting", e)
                self.producer.flush(self.wait_seconds)
                continue
            except Exception as e:  # noqa: BLE001 - KafkaException: the client refused the letter
                if _is_too_large(e) and not letter.truncated:
                    letter.truncated = True
                    continue
                letter.error = str(e)
            self.producer.poll(0)
            return

    def _skip(self, message: Any, reason: str) -> None:
        value: bytes = message.value() or b""
        self.skip(
            Skipped(
                message.topic(), message.partition(), message.offset(), reason, value[:FIRST_BYTES]
            )
        )
