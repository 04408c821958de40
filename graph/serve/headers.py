"""The security and caching headers of every HTTP answer: pages, static files and API answers.

The pages (the explorer at ``/``, GraphiQL at ``/graphql``) load only what this server serves
(``graph.serve.assets``), so their Content-Security-Policy allows scripts, styles, fonts, images and
connections from this origin alone: an injected ``<script>`` or a script from another host does not
run, and what a page may send its data to is this server. The inline scripts the pages carry are
allowed by their hashes, taken from the pages as they ship (no ``'unsafe-inline'`` for scripts).
Styles may be inline (GraphiQL and cytoscape set them at run time); no page may be framed by
another site (``frame-ancestors 'none'``, ``X-Frame-Options: DENY``), no content type is sniffed
(``nosniff``), and no page's address is sent to another host (``Referrer-Policy``).

Caching: the vendored libraries (``/static/vendor/``) change only with a release, so browsers keep
them a day; the explorer's own files are revalidated on every load (their ETag answers 304 when
unchanged); pages and API answers, which hold graph data or a token's view of it, are never stored.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.serve.assets import STATIC_DIR, STATIC_PATH

VENDOR_PATH = f"{STATIC_PATH}/vendor/"
VENDOR_CACHE = "public, max-age=86400"
OWN_ASSET_CACHE = "no-cache"  # may be kept, but revalidated (ETag) before each use
NO_STORE = "no-store"

_INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE
)


def inline_script_hashes(pages: Iterable[Path]) -> list[str]:
    """The CSP source expressions (``'sha256-...'``) of the inline scripts of ``pages``."""
    hashes = set()
    for path in pages:
        for script in _INLINE_SCRIPT.findall(path.read_text(encoding="utf-8")):
            digest = hashlib.sha256(script.encode("utf-8")).digest()
            hashes.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(hashes)


def content_security_policy(pages: Iterable[Path]) -> str:
    """The policy of every answer: this origin only, the pages' inline scripts by hash."""
    scripts = " ".join(["'self'", *inline_script_hashes(pages)])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self' blob:",  # the page reading back a download it made (CSV, SVG, PNG)
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def cache_control(path: str) -> str:
    """How long a browser may keep the answer to ``path``."""
    if path.startswith(VENDOR_PATH):
        return VENDOR_CACHE
    if path.startswith(f"{STATIC_PATH}/"):
        return OWN_ASSET_CACHE
    return NO_STORE


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP answer (an answer's own
    ``Cache-Control`` and Content-Security-Policy are kept), and ``text/plain; charset=utf-8`` to static files a type is not
    known for (the vendored README and LICENSE files, which would go out as
    ``application/octet-stream`` or unlabelled)."""

    def __init__(self, app: ASGIApp, pages: Iterable[Path] | None = None) -> None:
        self.app = app
        self.policy = content_security_policy(
            sorted(STATIC_DIR.glob("*.html")) if pages is None else pages
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:  # the manual's pages state their own
                    headers["Content-Security-Policy"] = self.policy
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                if "cache-control" not in headers:
                    headers["Cache-Control"] = cache_control(path)
                if path.startswith(f"{STATIC_PATH}/") and _untyped(headers.get("content-type")):
                    headers["Content-Type"] = "text/plain; charset=utf-8"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _untyped(content_type: str | None) -> bool:
    """Whether a static file went out without a type of its own (a file without an extension)."""
    return content_type is None or content_type.split(";")[0].strip() in (
        "application/octet-stream",
        "text/plain",
    )
