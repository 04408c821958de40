"""The skeleton of a middleware that watches HTTP requests go by without changing them.

The access log, the metrics and the heap settler each need to know when a request starts and
when it ends, with the status it answered. ``RequestObserver`` does the ASGI plumbing once: it
passes other scopes through, notes the status from ``http.response.start`` (500 when the app
failed before sending one) and calls ``finished`` even when the app raised.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestObserver:
    """Calls ``started(scope)`` before each HTTP request and ``finished(scope, status, token)``
    after it, ``token`` being what ``started`` returned."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def started(self, scope: Scope) -> Any:
        return None

    def finished(self, scope: Scope, status: int, token: Any) -> None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        token = self.started(scope)
        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self.finished(scope, status, token)
