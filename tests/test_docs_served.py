"""``lineagemesh serve`` serves the manual at ``/docs``: a real server, asked over HTTP for a site it
has not built yet, builds it from ``docs/`` on the first request (mkdocs-material, offline) and
serves its pages, their search index and their inline scripts allowed by hash."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live_server import LiveServer

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    root = tmp_path_factory.mktemp("manual")
    site = root / "site"  # not built yet: the first request builds it
    server = LiveServer(
        ["--data-dir", str(root / "store")],
        root / "server.log",
        env={"LINEAGEMESH_DOCS_SITE": str(site)},
    ).start()
    try:
        yield server, site
    finally:
        server.stop()


def test_the_manual_is_built_on_first_need_and_served_at_docs(
    served: tuple[LiveServer, Path],
) -> None:
    server, site = served
    assert not site.exists()
    with httpx.Client(base_url=server.url, timeout=600) as client:
        moved = client.get("/docs")
        assert moved.status_code in (307, 308) and moved.headers["location"].endswith("/docs/")
        home = client.get("/docs/")
        assert home.status_code == 200, home.text
        assert home.headers["content-type"].startswith("text/html")
        assert "<title>lineagemesh</title>" in home.text
        assert (site / "index.html").is_file()
        cli = client.get("/docs/reference/cli/")
        assert cli.status_code == 200 and "--bootstrap-servers" in cli.text
        assert client.get("/docs/search/search_index.json").json()["docs"]
        # each inline script of a page runs: the page's policy names its hash
        policy = cli.headers["content-security-policy"]
        scripts = INLINE_SCRIPT.findall(cli.text)
        assert scripts
        for script in scripts:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert client.get("/docs/no-such-page/").status_code == 404
        # the explorer's own policy is unchanged by the manual's
        assert client.get("/").headers["content-security-policy"] != policy
