"""GraphiQL at /graphql in a real headless Chromium: it renders, runs a query, and the page load asks
no host but the server (its React and GraphiQL are served by lineagemesh, not a CDN)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from browser import Requests, non_background_pixels, wait
from live_server import LiveServer
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By

from graph.serve.assets import STATIC_DIR


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("graphiql")
    server = LiveServer(["--data-dir", str(root / "store")], root / "server.log").start(["--demo"])
    try:
        yield server
    finally:
        server.stop()


def test_graphiql_renders_and_runs_a_query_asking_no_other_host(
    server: LiveServer, tmp_path: Path, browser: Chrome
) -> None:
    query = '{ searchConnection(text: "etl_orders", first: 3) { nodes { id kind name } } }'
    driver = browser
    requests = Requests(driver)
    driver.get(f"{server.url}/graphql?{urlencode({'q': query})}")
    wait(driver, "document.querySelector('.graphiql-execute-button')", "GraphiQL did not render")
    assert "Loading" not in driver.find_element(By.ID, "graphiql").text
    driver.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    answer = wait(
        driver,
        """(() => { const r = document.querySelector('.result-window');
                                      return r && r.innerText.includes('"searchConnection"') && r.innerText; })()""",
        "GraphiQL showed no answer",
    )
    assert "etl_orders" in answer and '"errors"' not in answer  # a hit of the demo, from the server
    driver.save_screenshot(str(tmp_path / "graphiql.png"))
    assert requests.elsewhere(server.url) == []
    assert any(url.endswith("/static/vendor/graphiql/graphiql.min.js") for url in requests.urls)
    assert any(url.endswith("/graphql") for url in requests.urls)  # the query went to this server
    assert (
        non_background_pixels(tmp_path / "graphiql.png") > 50_000
    )  # GraphiQL's editors and panes are drawn


def test_the_default_query_runs_and_asks_no_deprecated_field(server: LiveServer) -> None:
    """What a newcomer sees first in the editor runs on the demo, and teaches no deprecated field."""
    script = (STATIC_DIR / "graphiql" / "graphiql-page.js").read_text()
    example = re.search(r"const EXAMPLE = `(.*?)`;", script, re.S)
    assert example
    query = example.group(1)
    answer = server.graphql(query)  # raises on any error
    assert answer["searchConnection"]["nodes"][0]["id"] == "dataset:food_delivery:public.orders"
    types = server.graphql(
        """{ __schema { types { name fields(includeDeprecated: true) { name isDeprecated } } } }"""
    )["__schema"]["types"]
    deprecated = {
        field["name"] for type_ in types for field in type_["fields"] or [] if field["isDeprecated"]
    }
    asked = set(re.findall(r"\b([A-Za-z_]+)\b\s*[({]", query)) | set(
        re.findall(r"\b([A-Za-z_]+)\b", re.sub(r"#.*", "", query))
    )
    assert not asked & deprecated, asked & deprecated
