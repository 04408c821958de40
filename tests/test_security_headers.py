"""Security and caching headers on every page, asset and answer (``graph.serve.headers``), and the
explorer and GraphiQL working under that Content-Security-Policy in a real headless Chromium:
nothing blocked (no ``securitypolicyviolation`` event, no console error)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from browser import wait
from live_server import LiveServer
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By

#: Records every CSP violation the page causes, from before its first script runs.
RECORD_VIOLATIONS = """window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("headers")
    server = LiveServer(["--data-dir", str(root / "store")], root / "server.log").start(["--demo"])
    try:
        yield server
    finally:
        server.stop()


def _policy(response: httpx.Response) -> dict[str, str]:
    directives = (d.strip() for d in response.headers["content-security-policy"].split(";"))
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in directives if d}


def _assert_secured(response: httpx.Response, cache: str) -> None:
    where = str(response.url)
    assert response.status_code == 200, where
    assert response.headers["x-content-type-options"] == "nosniff", where
    assert response.headers["x-frame-options"] == "DENY", where
    assert response.headers["referrer-policy"] == "no-referrer", where
    assert response.headers["cache-control"] == cache, where
    policy = _policy(response)
    assert policy["frame-ancestors"] == "'none'", where
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'", where
    assert "'unsafe-inline'" not in policy["script-src"], where
    assert "'unsafe-eval'" not in policy["script-src"], where


def test_every_page_asset_and_answer_carries_the_headers(server: LiveServer) -> None:
    html = {"Accept": "text/html"}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        explorer = client.get("/")
        _assert_secured(explorer, "no-store")
        assert explorer.headers["content-type"].startswith("text/html")
        graphiql = client.get("/graphql", headers=html)
        _assert_secured(graphiql, "no-store")
        assert graphiql.headers["content-type"].startswith("text/html")
        for path, kind in (
            ("/static/explorer/explorer.js", "text/javascript"),
            ("/static/explorer/explorer.css", "text/css"),
        ):
            own = client.get(path)
            _assert_secured(own, "no-cache")  # revalidated: the explorer changes with the server
            assert own.headers["content-type"].startswith(kind) and own.headers["etag"]
            assert (
                client.get(path, headers={"If-None-Match": own.headers["etag"]}).status_code == 304
            )
        vendored = client.get("/static/vendor/react/react.production.min.js")
        _assert_secured(vendored, "public, max-age=86400")
        assert vendored.headers["content-type"].startswith("text/javascript")
        for text_file in ("/static/vendor/README", "/static/vendor/react/LICENSE"):
            readme = client.get(text_file)
            _assert_secured(readme, "public, max-age=86400")
            assert readme.headers["content-type"] == "text/plain; charset=utf-8"
        for answer in (
            client.post("/graphql", json={"query": '{ search(text: "orders") { id } }'}),
            client.get("/api/v1/namespaces"),
            client.get("/healthz"),
            client.get("/metrics"),
        ):
            _assert_secured(answer, "no-store")
        refused = client.get("/api/v1/namespaces/%ff")
        assert refused.status_code == 400 and refused.headers["x-content-type-options"] == "nosniff"
        missing = client.get("/static/nothing.js")
        assert missing.status_code == 404 and missing.headers["x-content-type-options"] == "nosniff"


def _violations_and_errors(driver) -> tuple[list[str], list[str]]:
    violations = driver.execute_script("return window.__violations")
    errors = [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" or "Content Security Policy" in entry["message"]
    ]
    return violations, errors


def test_the_explorer_works_under_the_policy(server: LiveServer, browser: Chrome) -> None:
    driver = browser
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    driver.get(f"{server.url}/")
    wait(driver, "window.explorer && window.explorer.ready", "the explorer did not start")
    box = driver.find_element(By.ID, "search")
    box.send_keys("orders")
    wait(driver, "document.querySelector('#search-results li')", "no search hits")
    driver.find_element(By.CSS_SELECTOR, "#search-results li").click()
    wait(driver, "window.explorer.cy.nodes().length > 1", "no lineage drawn")
    assert _violations_and_errors(driver) == ([], [])


def test_graphiql_works_under_the_policy(server: LiveServer, browser: Chrome) -> None:
    query = '{ search(text: "orders", first: 3) { id kind name } }'
    driver = browser
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    driver.get(f"{server.url}/graphql?{urlencode({'q': query})}")
    wait(driver, "document.querySelector('.graphiql-execute-button')", "GraphiQL did not render")
    driver.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    wait(
        driver,
        """(() => { const r = document.querySelector('.result-window');
                    return r && r.innerText.includes('"search"'); })()""",
        "GraphiQL showed no answer",
    )
    assert _violations_and_errors(driver) == ([], [])
