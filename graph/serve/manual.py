"""The manual at ``/docs``: the mkdocs site made from ``docs/`` (``mkdocs.yml``), served by the
server itself, so an install on a machine without internet has its manual.

The site is the directory ``LINEAGEMESH_DOCS_SITE`` names; else the one the wheel carries
(``graph/serve/manual_site``, built by ``scripts/build-wheel``); else ``site/`` of the checkout the
package runs from (an editable install, as ``scripts/bootstrap`` makes). When it holds no built
site, the first request builds it (``mkdocs build`` of the checkout, offline: the theme fetches no
fonts) and waits for it; every later one is served from it. Without mkdocs-material (the ``docs``
extra) or without the checkout's ``docs/``, ``/docs`` answers 404 saying so, never a blank page.
Its pages carry inline scripts: their own Content-Security-Policy allows those by hash, as the
explorer's does (``graph.serve.headers``).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from starlette.responses import JSONResponse
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from graph.serve.headers import content_security_policy

DOCS_PATH = "/docs"
CHECKOUT = Path(__file__).resolve().parents[2]  # holds mkdocs.yml and docs/ when run from source
PACKAGED = Path(__file__).resolve().with_name("manual_site")  # in a wheel (scripts/build-wheel)
BUILD_SECONDS = 600


class ManualUnavailable(Exception):
    """The site is not built and cannot be built here; the message says why and what to do."""


def site_directory() -> Path:
    """Where the built site is, or is to be built."""
    configured = os.environ.get("LINEAGEMESH_DOCS_SITE")
    if configured:
        return Path(configured)
    return PACKAGED if (PACKAGED / "index.html").is_file() else CHECKOUT / "site"


def build_site(site: Path, project: Path = CHECKOUT) -> None:
    """``mkdocs build`` of ``project`` into ``site``; raises ManualUnavailable when it cannot."""
    if not (project / "mkdocs.yml").is_file() or not (project / "docs").is_dir():
        raise ManualUnavailable(
            f"the manual is not built ({site} holds no site) and this install has no docs/ to "
            "build it from: build it in a checkout with `mkdocs build` and set LINEAGEMESH_DOCS_SITE"
        )
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        raise ManualUnavailable(
            "the manual is not built and mkdocs-material is not installed to build it: "
            "pip install 'lineagemesh[docs]'"
        )
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=BUILD_SECONDS,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    if built.returncode != 0 or not (site / "index.html").is_file():
        raise ManualUnavailable(f"building the manual failed: {built.stderr.strip()[-2000:]}")


class Manual:
    """This manual (the mkdocs site of ``docs/``), built on the first request if need be."""

    def __init__(self, site: Path | None = None) -> None:
        self.site = site or site_directory()
        self._files: StaticFiles | None = None
        self._policy = ""
        self._lock = asyncio.Lock()

    async def _ready(self) -> StaticFiles:
        async with self._lock:
            if self._files is None:
                if not (self.site / "index.html").is_file():
                    await asyncio.to_thread(build_site, self.site)
                self._policy = content_security_policy(self.site.rglob("*.html"))
                self._files = StaticFiles(directory=self.site, html=True)
            return self._files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        try:
            files = await self._ready()
        except ManualUnavailable as e:
            await JSONResponse({"error": str(e)}, status_code=404)(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"content-security-policy", self._policy.encode()),
                ]
            await send(message)

        await files(scope, receive, send_with_policy)
