"""OpenLineage over HTTP: ``POST /api/v1/lineage`` (one event) and ``/api/v1/lineage/batch``.

The contract every OpenLineage producer knows: 201 once the event is durable; 400 with
``{"error": "..."}`` naming the failing field; 403 naming the domains a writer may not write
(``graph.intake.authorization``); 413 over the size limit; 429 with ``Retry-After`` past the principal's
byte quota (``graph.intake.quotas``); 503 while the store is unreachable (clients retry). A rejected event leaves the graph exactly as it was. Who is asking (the ``Principal``) is
settled before, by ``graph.core.auth``; what becomes of an accepted event is ``graph.intake.ingest_service``'s.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from graph.core.auth import Principal
from graph.intake.authorization import Authorization
from graph.intake.ingest_service import IngestService, TranslatedEvent, forbidden, translate_one
from graph.intake.quotas import Quota, QuotaExceeded
from graph.serve.http_bodies import RequestRejected, read_capped
from graph.serve.limits import IngestLimits
from graph.stores import StoreUnavailable
from ingest.clock_skew import DEFAULT_MAX_CLOCK_SKEW, latest_accepted
from ingest.domain_rules import NO_RULES, DomainRules
from ingest.json_text import NotJSON, UnusableValue, parse_json
from ingest.openlineage_schema import InvalidEvent


@dataclass(frozen=True)
class IngestConfig:
    limits: IngestLimits = IngestLimits()
    rules: DomainRules = NO_RULES
    max_clock_skew: timedelta = (
        DEFAULT_MAX_CLOCK_SKEW  # how far ahead of this clock an eventTime may be
    )
    principal_quota: Quota | None = None  # bytes of events per principal per period (429 beyond)


# Why events are rejected, by class: the label of the rejected-events metric.
REASONS = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    413: "too_large",
    415: "unsupported_encoding",
    429: "over_quota",
    503: "unavailable",
}


@dataclass
class IngestOutcome:
    """The answer to one ingest request, and what became of its events."""

    response: Response
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)  # reason class -> events
    not_applied: Counter[str] = field(
        default_factory=Counter
    )  # what of accepted events was not applied as sent
    lenient: Counter[str] = field(
        default_factory=Counter
    )  # ingest.lenient reason -> accepted events relaxed so

    @property
    def events(self) -> int:
        return self.accepted + sum(self.rejected.values())


def rejection(
    status: int, error: str, events: int = 1, retry_after: str | None = None, **extra: Any
) -> IngestOutcome:
    if status == 503:
        retry_after = retry_after or "1"
    response = JSONResponse(
        {"error": error, **extra},
        status_code=status,
        headers={"Retry-After": retry_after} if retry_after else None,
    )
    return IngestOutcome(response, rejected=Counter({REASONS.get(status, str(status)): events}))


def over_quota(error: QuotaExceeded, events: int) -> IngestOutcome:
    """429: the principal's byte quota (``graph.intake.quotas``) would be exceeded; nothing was applied."""
    return rejection(
        429,
        str(error),
        events,
        error.retry_after_header,
        quota={
            "bytes": error.quota.max_bytes,
            "periodSeconds": error.quota.period_seconds,
            "used": error.used,
            "requested": error.wanted,
        },
    )


def _require_json(request: Request) -> None:
    """Events come as ``application/json`` (gzipped with ``Content-Encoding: gzip``, as the
    OpenLineage clients send them). Anything else is refused before it is read: a web page can make
    a browser POST ``text/plain`` or a typeless body to a local server without asking it first,
    but not ``application/json``."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise RequestRejected(
            415,
            f"Content-Type {media_type or '(none)'!r} is not accepted: send application/json "
            "(gzipped with Content-Encoding: gzip, or plain)",
        )


async def read_body(request: Request, limits: IngestLimits) -> bytes:
    """The request body, gunzipped when sent with ``Content-Encoding: gzip``, within the size limit."""
    _require_json(request)
    body = await read_capped(request, limits.max_body_bytes)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise RequestRejected(415, f"unsupported Content-Encoding {encoding!r}; use gzip or none")
    return _gunzip(body, limits.max_body_bytes)


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    """Every member of a gzip stream (concatenated members are one stream, as gzip itself reads
    them), refused with 413 once over ``max_bytes``."""
    pieces: list[bytes] = []
    size = 0
    rest = body
    while True:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            piece = inflater.decompress(rest, max_bytes + 1 - size)
        except zlib.error as e:
            raise RequestRejected(400, f"body is not valid gzip: {e}") from None
        size += len(piece)
        if size > max_bytes or inflater.unconsumed_tail:
            raise RequestRejected(413, f"decompressed body over {max_bytes} bytes")
        if not inflater.eof:
            raise RequestRejected(400, "body is not valid gzip: truncated stream")
        pieces.append(piece)
        rest = inflater.unused_data
        if not rest:
            return b"".join(pieces)


def parse_body(body: bytes) -> Any:
    try:
        return parse_json(body)
    except UnusableValue as e:
        raise RequestRejected(400, str(e)) from None
    except NotJSON as e:
        raise RequestRejected(
            400, f"body is not valid JSON: {str(e).removeprefix('not valid JSON: ')}"
        ) from None


def _translate_one(body: bytes, config: IngestConfig) -> TranslatedEvent:
    try:
        return translate_one(
            parse_body(body), body, config.rules, latest_accepted(config.max_clock_skew)
        )
    except InvalidEvent as e:
        raise RequestRejected(400, str(e)) from None


def _count_not_applied(decisions: list[Authorization], not_applied: Counter[str]) -> None:
    """What of the events a writer's scope reduced is not applied as sent (``graph.intake.authorization``)."""
    for decision in decisions:
        if decision.mutations is not None:
            not_applied.update(
                {"observation": decision.observed, "alias": decision.ignored_aliases}
            )


async def ingest_one(
    request: Request, service: IngestService, config: IngestConfig, principal: Principal
) -> IngestOutcome:
    not_applied: Counter[str] = Counter()
    try:
        body = await read_body(request, config.limits)
        event = await run_in_threadpool(_translate_one, body, config)
        (decision,) = await run_in_threadpool(service.authorize, principal, [event])
        if decision.refused:
            return rejection(403, forbidden(principal, decision.refused), domains=decision.refused)
        await run_in_threadpool(service.commit_events, [event], [decision], principal)
        _count_not_applied([decision], not_applied)
    except RequestRejected as e:
        # The rejection came through the thread pool's futures, whose reference cycles keep it
        # alive until a full garbage collection (seldom, on a server holding a big graph), and
        # with it every frame of its traceback, the body and the event among their locals.
        e.__traceback__ = e.__context__ = None
        return rejection(e.status, e.error)
    except QuotaExceeded as e:
        return over_quota(e, 1)
    except StoreUnavailable as e:
        return rejection(503, f"store unavailable, retry later: {e}")
    return IngestOutcome(
        JSONResponse({"status": "created"}, status_code=201),
        accepted=1,
        not_applied=not_applied,
        lenient=Counter(event.lenient),
    )


Translated = list[TranslatedEvent | str]
"""Each event of a batch, translated, or the reason it is invalid."""


def translate_batch(body: bytes, config: IngestConfig) -> Translated:
    """Each event's mutations, or the reason it is invalid; a pure function (``graph.serve.translator``
    may run it in another process)."""
    events = parse_body(body)
    if not isinstance(events, list):
        raise RequestRejected(400, "$: a batch must be a JSON array of events")
    if len(events) > config.limits.max_batch_events:
        raise RequestRejected(
            413,
            f"batch of {len(events)} events is over the limit of {config.limits.max_batch_events}",
            events=len(events),
        )
    translated: Translated = []
    not_after = latest_accepted(config.max_clock_skew)
    for event in events:
        try:
            translated.append(translate_one(event, None, config.rules, not_after))
        except InvalidEvent as e:
            translated.append(str(e))
    return translated


async def ingest_batch(
    request: Request,
    service: IngestService,
    config: IngestConfig,
    principal: Principal,
    translate_body: Callable[[bytes], Awaitable[Translated]],
) -> IngestOutcome:
    """Each event is validated (and authorized) on its own; all valid ones are applied together and
    durably. ``translate_body`` runs ``translate_batch`` with ``config`` (``graph.serve.translator``)."""
    translated: Translated = []
    try:
        body = await read_body(request, config.limits)
        translated = await translate_body(body)
        valid = {i: m for i, m in enumerate(translated) if not isinstance(m, str)}
        decisions = dict(
            zip(valid, await run_in_threadpool(service.authorize, principal, list(valid.values())))
        )
    except RequestRejected as e:
        e.__traceback__ = e.__context__ = (
            None  # as in ingest_one: the body must not outlive the answer
        )
        return rejection(e.status, e.error, e.events)
    except StoreUnavailable as e:  # while looking up the domains of the datasets
        return rejection(503, f"store unavailable, retry later: {e}", len(translated) or 1)
    results: list[dict[str, Any]] = []
    accepted_events: list[TranslatedEvent] = []
    accepted_decisions: list[Authorization] = []
    lenient: Counter[str] = Counter()
    for index, item in enumerate(translated):
        if isinstance(item, str):
            results.append({"index": index, "status": 400, "error": item})
        elif refused := decisions[index].refused:
            results.append(
                {
                    "index": index,
                    "status": 403,
                    "error": forbidden(principal, refused),
                    "domains": refused,
                }
            )
        else:
            accepted_events.append(item)
            accepted_decisions.append(decisions[index])
            lenient.update(item.lenient)
            results.append({"index": index, "status": 201})
    rejected = Counter(REASONS[r["status"]] for r in results if r["status"] != 201)
    accepted = len(results) - sum(rejected.values())
    not_applied: Counter[str] = Counter()
    if accepted_events:
        try:
            await run_in_threadpool(
                service.commit_events, accepted_events, accepted_decisions, principal
            )
        except QuotaExceeded as e:  # the whole request: nothing of it applied
            outcome = over_quota(e, accepted)
            outcome.rejected.update(rejected)
            return outcome
        except StoreUnavailable as e:
            outcome = rejection(503, f"store unavailable, retry later: {e}", accepted)
            outcome.rejected.update(rejected)
            return outcome
        _count_not_applied(accepted_decisions, not_applied)
    answer = {"accepted": accepted, "rejected": len(results) - accepted, "results": results}
    # A status per event: orjson renders it in a tenth of the standard library's time (what JSONResponse uses).
    response = Response(orjson.dumps(answer), status_code=200, media_type="application/json")
    return IngestOutcome(
        response, accepted=accepted, rejected=rejected, not_applied=not_applied, lenient=lenient
    )
