"""Request bodies as every HTTP endpoint reads them: within a size limit, refused with a status
and a reason (``RequestRejected``) that the endpoint turns into its JSON error. Shared by ingest
(``graph.serve.ingest``) and GraphQL (``graph.serve.app``), so neither borrows from the other."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request


class RequestRejected(Exception):
    def __init__(self, status: int, error: str, events: int = 1) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.events = events  # how many events it rejects, where known

    def __reduce__(
        self,
    ) -> tuple[
        Any, ...
    ]:  # raised in the translation worker (graph.serve.translator), re-raised here
        return RequestRejected, (self.status, self.error, self.events)


async def read_capped(request: Request, max_bytes: int) -> bytes:
    """The raw request body, refused with 413 as soon as it is over ``max_bytes``."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise RequestRejected(413, f"request body over {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise RequestRejected(413, f"request body over {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
