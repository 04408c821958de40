"""Requests a browser makes on behalf of some other site are refused.

A developer's browser can reach a server without tokens from any page it opens: the page may POST
to it (a cross-site write, and such a server writes as admin for anyone), or rebind its own DNS
name to 127.0.0.1 and read the answers as same-origin (DNS rebinding). Two checks close both:

- without tokens (local mode, ``--insecure-no-auth``), a request that changes anything (any
  method but GET, HEAD, OPTIONS; and every websocket, which a browser opens for any page)
  carrying an ``Origin`` other than the server's own
  (scheme-default ports understood; ``null`` is never the server's) is refused with 403. Clients
  that are no browser send no ``Origin`` and are not affected. With tokens a page has none to
  send, and a proxy that rewrites ``Host`` keeps working;
- in local mode the ``Host`` a request names must be a loopback name (``localhost``,
  ``*.localhost``, ``127.0.0.0/8``, ``[::1]``) or one given with ``--allowed-host``: a rebound
  name is refused with 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from graph.core.auth import is_loopback

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_and_port(authority: str) -> tuple[str, int | None]:
    """``host[:port]`` (``[v6]:port`` too) split, the host lower-cased; port None when absent or not a number."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        host, _, rest = authority.partition("]")
        host, port = host + "]", rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = authority.partition(":")
    return host.rstrip("."), int(port) if port.isdigit() else None


def is_loopback_name(host: str) -> bool:
    """Whether a Host name can only mean this machine."""
    return host == "localhost" or host.endswith(".localhost") or is_loopback(host)


class RequestOrigin:
    """ASGI middleware refusing cross-origin changes (``check_origin``), and foreign Host names in
    local mode."""

    def __init__(
        self, app: ASGIApp, local_mode: bool, check_origin: bool, allowed_hosts: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.local_mode = local_mode
        self.check_origin = check_origin
        self.allowed_hosts = frozenset(_host_and_port(h)[0] for h in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self.refusal(scope["method"], Headers(scope=scope))
            if refusal is not None:
                await JSONResponse({"error": refusal}, status_code=403)(scope, receive, send)
                return
        elif scope["type"] == "websocket":  # browsers let any page open one: checked as a change is
            refusal = self.refusal("WEBSOCKET", Headers(scope=scope))
            if refusal is not None:
                await WebSocketClose(code=1008, reason=refusal[:120])(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, method: str, headers: Headers) -> str | None:
        """Why a request is refused, or None."""
        authority = headers.get("host", "")
        host, port = _host_and_port(authority)
        if (
            self.local_mode
            and authority
            and not (is_loopback_name(host) or host in self.allowed_hosts)
        ):
            return (
                f"Host {host!r} is not served in local mode: only loopback names are "
                "(add others with --allowed-host, or configure tokens)"
            )
        origin = headers.get("origin")
        if not self.check_origin or method.upper() in SAFE_METHODS or origin is None:
            return None
        if not self._same_origin(origin, host, port):
            return f"cross-origin request from {origin!r} refused: only this server's own pages may send it"
        return None

    @staticmethod
    def _same_origin(origin: str, host: str, port: int | None) -> bool:
        parts = urlsplit(origin.strip())
        if parts.scheme not in DEFAULT_PORTS or not parts.netloc:
            return False  # "null" (sandboxed frames, file: pages) and anything odd
        origin_host, origin_port = _host_and_port(parts.netloc)
        default = DEFAULT_PORTS[parts.scheme]
        return origin_host == host and (origin_port or default) == (port or default)
