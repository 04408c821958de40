"""The pages lineagemesh serves to browsers (GraphiQL at /graphql, the explorer at /) load every
script, style sheet and module from the server itself, and each of those is served: what makes
them work on a machine with no internet. The browser itself is in test_explorer_browser.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from live_server import LiveServer

from graph.serve.assets import STATIC_DIR

REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']*)["']""")
IMPORT = re.compile(r"""(?:import|from)\s*["']([^"']+)["']""")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("assets")
    server = LiveServer(["--data-dir", str(root / "store")], root / "server.log").start(["--demo"])
    try:
        yield server
    finally:
        server.stop()


def local_references(html: str) -> list[str]:
    """The URLs a page loads, asserting each is a path on this server (or an inline data: URL)."""
    urls = [url for url in REFERENCE.findall(html) if url and not url.startswith("data:")]
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), (
            f"the page loads {url} from another host"
        )
    return urls


def check_served(server: LiveServer, urls: list[str]) -> None:
    for url in urls:
        response = httpx.get(server.url + url)
        assert response.status_code == 200, url
        if url.endswith(".js"):
            assert "javascript" in response.headers["content-type"], (
                url
            )  # module scripts need a JS type


def test_graphiql_page_loads_only_local_assets(server: LiveServer) -> None:
    page = httpx.get(f"{server.url}/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text
    urls = local_references(page.text)
    assert (
        "/static/vendor/graphiql/graphiql.min.js" in urls
        and "/static/vendor/react/react.production.min.js" in urls
    )
    check_served(server, urls)


def test_explorer_page_and_its_modules_load_only_local_assets(server: LiveServer) -> None:
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200 and "lineagemesh explorer" in page.text
    urls = [url for url in local_references(page.text) if url.startswith("/static/")]
    assert "/static/explorer/explorer.js" in urls  # the bundle built from src/*.ts
    modules = sorted((STATIC_DIR / "explorer").glob("*.js"))
    imported = []
    for module in modules:
        for target in IMPORT.findall(module.read_text()):
            assert target.startswith(("/", "./")), (
                f"{module.name} imports {target} from another host"
            )
            imported.append(target if target.startswith("/") else f"/static/explorer/{target[2:]}")
    assert "/static/vendor/cytoscape/cytoscape.esm.min.js" in imported
    check_served(server, urls + imported + [f"/static/explorer/{m.name}" for m in modules])
    # the minified bundle's source map, for the browser's developer tools, is served too
    source_map = httpx.get(f"{server.url}/static/explorer/explorer.js.map")
    assert source_map.status_code == 200
    assert "src/main.ts" in source_map.json()["sources"]


def test_vendored_libraries_carry_their_licences() -> None:
    vendor = STATIC_DIR / "vendor"
    folders = {
        path.parent for path in vendor.rglob("*") if path.is_file() and path.parent != vendor
    }
    assert folders, "nothing vendored: run scripts/vendor-assets"
    for folder in folders:
        licence = folder / "LICENSE"
        assert (
            licence.is_file() and "permission is hereby granted" in licence.read_text().lower()
        ), folder


def test_static_files_refuse_paths_outside_the_folder(server: LiveServer) -> None:
    assert httpx.get(f"{server.url}/static/../app.py").status_code == 404
    assert httpx.get(f"{server.url}/static/nothing-here.js").status_code == 404


def test_the_wheel_ships_the_pages() -> None:
    """Every file under static/ ships (the server reads them at run time): scikit-build-core puts
    all of the graph package in the wheel less what pyproject's wheel.exclude or .gitignore names."""
    import subprocess
    import tomllib

    repo = Path(__file__).resolve().parents[1]
    settings = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["scikit-build"]
    assert "graph" in settings["wheel"]["packages"] and "exclude" not in settings["wheel"]
    files = [str(path.relative_to(repo)) for path in STATIC_DIR.rglob("*") if path.is_file()]
    assert len(files) > 10 and any(name.endswith("explorer.html") for name in files)
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        input="\n".join(files),
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert (ignored.returncode, ignored.stdout) == (1, ""), ignored  # 1: none of them ignored
