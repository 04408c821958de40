"""OpenLineage over HTTP: ``POST /api/v1/lineage`` (one event) and ``/api/v1/lineage/batch``.

The contract every OpenLineage producer knows: 201 once the event is durable; 400 with
``{"error": "..."}`` naming the failing field; 413 over the size limit; 503 while the store is
unreachable (clients retry). A rejected event leaves the graph exactly as it was.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from graph.mutations import Mutation
from graph.stores import Store, StoreUnavailable
from ingest.domain_rules import NO_RULES, DomainRules
from ingest.openlineage import translate
from ingest.openlineage_schema import InvalidEvent


@dataclass(frozen=True)
class IngestLimits:
    max_body_bytes: int = 16 * 1024 * 1024  # after decompression too
    max_batch_events: int = 10_000


@dataclass(frozen=True)
class IngestConfig:
    limits: IngestLimits = IngestLimits()
    rules: DomainRules = NO_RULES


class RequestRejected(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


def _error(status: int, error: str) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)


async def _read_body(request: Request, limits: IngestLimits) -> bytes:
    """The request body, gunzipped when sent with ``Content-Encoding: gzip``, within the size limit."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise RequestRejected(413, f"request body over {limits.max_body_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limits.max_body_bytes:
            raise RequestRejected(413, f"request body over {limits.max_body_bytes} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise RequestRejected(415, f"unsupported Content-Encoding {encoding!r}; use gzip or none")
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(body, limits.max_body_bytes + 1)
    except zlib.error as e:
        raise RequestRejected(400, f"body is not valid gzip: {e}") from None
    if len(body) > limits.max_body_bytes or inflater.unconsumed_tail:
        raise RequestRejected(413, f"decompressed body over {limits.max_body_bytes} bytes")
    if not inflater.eof:
        raise RequestRejected(400, "body is not valid gzip: truncated stream")
    return body


def _parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise RequestRejected(400, f"body is not valid JSON: {e}") from None


def _translate_one(body: bytes, rules: DomainRules) -> list[Mutation]:
    try:
        return translate(_parse_json(body), rules)
    except InvalidEvent as e:
        raise RequestRejected(400, str(e)) from None


async def ingest_one(request: Request, store: Store, config: IngestConfig) -> Response:
    try:
        body = await _read_body(request, config.limits)
        mutations = await run_in_threadpool(_translate_one, body, config.rules)
        await run_in_threadpool(store.apply, mutations)
    except RequestRejected as e:
        return _error(e.status, e.error)
    except StoreUnavailable as e:
        return JSONResponse({"error": f"store unavailable, retry later: {e}"}, status_code=503, headers={"Retry-After": "1"})
    return JSONResponse({"status": "created"}, status_code=201)


def _translate_batch(body: bytes, config: IngestConfig) -> tuple[list[Mutation], list[dict[str, Any]]]:
    events = _parse_json(body)
    if not isinstance(events, list):
        raise RequestRejected(400, "$: a batch must be a JSON array of events")
    if len(events) > config.limits.max_batch_events:
        raise RequestRejected(413, f"batch of {len(events)} events is over the limit of {config.limits.max_batch_events}")
    mutations: list[Mutation] = []
    results: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        try:
            mutations.extend(translate(event, config.rules))
            results.append({"index": index, "status": 201})
        except InvalidEvent as e:
            results.append({"index": index, "status": 400, "error": str(e)})
    return mutations, results


async def ingest_batch(request: Request, store: Store, config: IngestConfig) -> Response:
    """Each event is validated on its own; all valid ones are applied together and durably."""
    try:
        body = await _read_body(request, config.limits)
        mutations, results = await run_in_threadpool(_translate_batch, body, config)
        if mutations:
            await run_in_threadpool(store.apply, mutations)
    except RequestRejected as e:
        return _error(e.status, e.error)
    except StoreUnavailable as e:
        return JSONResponse({"error": f"store unavailable, retry later: {e}"}, status_code=503, headers={"Retry-After": "1"})
    accepted = sum(1 for r in results if r["status"] == 201)
    return JSONResponse({"accepted": accepted, "rejected": len(results) - accepted, "results": results}, status_code=200)
