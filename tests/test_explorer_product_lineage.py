"""The explorer's product lineage, in a real headless Chromium on the demo: a product's page opens
a graph of data products as nodes, each link between two products a box naming its ports (the
upstream's output ports, the downstream's input ports), its contract and whether it is declared,
observed or both, as GraphQL's upstreamProducts and downstreamProducts say; drawn readably (no two
boxes overlap, labels whole and at least 11 px tall) and reproduced by its permalink.

Set LINEAGEMESH_SCREENSHOTS=DIR to keep the screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser import keep, open_explorer, wait
from explorer_demo import demo_server
from live_server import LiveServer
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from test_explorer_views import overlapping

PRODUCT = "dataProduct:orders:order_insights"
READABLE_PX = 11
LINKS = """query($d: String!, $n: String!) { dataProduct(domain: $d, name: $n) {
  upstreamProducts { upstreamPorts downstreamPorts contracts declared observed product { id name } }
  downstreamProducts { upstreamPorts downstreamPorts contracts declared observed product { id name } } } }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with demo_server(tmp_path_factory.mktemp("product-lineage")) as running:
        yield running


def links_of(server: LiveServer, product: str) -> dict[str, Any]:
    _, domain, name = product.split(":", 2)
    answer = httpx.post(
        f"{server.url}/graphql",
        json={"query": LINKS, "variables": {"d": domain, "n": name}},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()["data"]["dataProduct"]


def drawing(driver: Chrome) -> dict[str, dict[str, Any]]:
    """Each drawn node: its label, classes, box and on-screen font size."""
    return driver.execute_script("""return Object.fromEntries(window.explorer.cy.nodes().map((n) => [n.id(),
        { label: n.data('label'), classes: n.classes(), box: n.boundingBox({ includeLabels: false }),
          px: parseFloat(n.renderedStyle('font-size')) }]))""")


def flat(label: str) -> str:
    return label.replace("\n", "")


def test_a_products_page_opens_its_product_lineage_with_ports_on_the_links(
    server: LiveServer, browser: Chrome, tmp_path: Path
) -> None:
    open_explorer(browser, server)
    browser.find_element(By.ID, "search").send_keys("order_insights")
    hit = f"#search-results li[data-id='{PRODUCT}']"
    wait(browser, f'document.querySelector("{hit}")', "no search hit for the product")
    browser.find_element(By.CSS_SELECTOR, hit).click()
    wait(browser, "document.getElementById('action-product-lineage')", "no Product lineage button")
    painted = browser.execute_script("return Number(document.body.dataset.painted || 0)")
    browser.find_element(By.ID, "action-product-lineage").click()
    wait(
        browser,
        f"Number(document.body.dataset.painted || 0) > {painted}",
        "no product lineage drawn",
    )
    assert "mode=products" in browser.current_url

    expected = links_of(server, PRODUCT)
    assert expected["upstreamProducts"] and expected["downstreamProducts"]  # the demo's are linked
    # products only: the consumer a contract declares (consumer:delivery_reader) is not one
    assert all(
        link["product"]["id"].startswith("dataProduct:")
        for side in ("upstreamProducts", "downstreamProducts")
        for link in expected[side]
    )
    nodes = drawing(browser)
    products = {i for i, n in nodes.items() if "DATA_PRODUCT" in n["classes"]}
    assert PRODUCT in products and "focus" in nodes[PRODUCT]["classes"]
    for side, (up, down) in (
        ("upstreamProducts", ("{other}", PRODUCT)),
        ("downstreamProducts", (PRODUCT, "{other}")),
    ):
        for link in expected[side]:
            other = link["product"]["id"]
            assert other in products, f"{other} is not drawn"
            box = f"ports|{up.format(other=other)}|{down.format(other=other)}"
            assert box in nodes, f"no link {box}"
            label = flat(nodes[box]["label"])
            for port in link["upstreamPorts"] + link["downstreamPorts"]:
                assert port in label, f"{box}: port {port} not on the link ({label!r})"
            for contract in link["contracts"]:
                assert contract.removeprefix("contract:") in label
            how = (
                "declared and observed"
                if link["declared"] and link["observed"]
                else "declared only"
                if link["declared"]
                else "observed only"
            )
            assert nodes[box]["label"].endswith(how)
            assert ("declared-only" in nodes[box]["classes"]) == (how == "declared only")
    # readable: nothing overlaps, every label whole and readable on screen
    assert overlapping({i: n["box"] for i, n in nodes.items()}) == []
    for node_id, node in nodes.items():
        assert "…" not in node["label"], f"{node_id}'s label cut: {node['label']!r}"
        assert node["px"] >= READABLE_PX, f"{node_id}'s label {node['px']} px"
    status = browser.find_element(By.ID, "status").text
    assert status.startswith(f"product lineage of order_insights: {len(products)} products")
    path = tmp_path / "explorer-product-lineage.png"
    browser.save_screenshot(str(path))
    keep(path)

    # a tap on another product opens its page, which opens its own product lineage
    other = expected["downstreamProducts"][0]["product"]
    browser.execute_script(
        "window.explorer.cy.getElementById(arguments[0]).emit('tap')", other["id"]
    )
    wait(
        browser,
        f"document.querySelector('#panel h2').textContent === {other['name']!r}"
        " && document.getElementById('product-versions')",
        "the tapped product's page did not open",
    )

    # the permalink reproduces the view
    url = browser.current_url
    browser.get("about:blank")
    browser.get(url)
    wait(browser, "document.body.dataset.painted", "the permalink drew nothing")
    wait(browser, "document.getElementById('product-versions')", "no product page beside")
    assert browser.find_element(By.CSS_SELECTOR, "#panel h2").text == "order_insights"
    again = drawing(browser)
    assert set(again) == set(nodes)
    assert {i: n["label"] for i, n in again.items()} == {i: n["label"] for i, n in nodes.items()}
