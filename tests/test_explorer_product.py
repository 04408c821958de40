"""The explorer's product view, in a real headless Chromium on the demo: a data product found by
search opens its page, with its owner, domain, ports and the contract behind one, SLO health over
30 days, freshness, consumers declared against observed, the products around it and its
descriptor's versions (a second descriptor sent to the running server is the newest).

Set LINEAGEMESH_SCREENSHOTS=DIR to keep the screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser import keep, open_explorer, wait
from explorer_demo import demo_server
from live_server import LiveServer
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By

from ingest.demo import demo_documents

PRODUCT = "dataProduct:orders:order_insights"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with demo_server(tmp_path_factory.mktemp("product")) as running:
        [text] = [
            t for name, t in demo_documents("products") if name.endswith("order_insights.yaml")
        ]
        newer = text.replace("version: 3.1.0", "version: 3.2.0").replace(
            "freshness: 6h", "freshness: 4h"
        )
        answer = httpx.post(
            f"{running.url}/api/v1/ingest/products",
            json={"products": [{"name": "order_insights.yaml", "text": newer}]},
            timeout=60,
        )
        answer.raise_for_status()
        yield running


def test_a_product_found_by_search_opens_its_page(
    server: LiveServer, browser: Chrome, tmp_path: Path
) -> None:
    open_explorer(browser, server)
    box = browser.find_element(By.ID, "search")
    box.send_keys("order_insights")
    hit = f"#search-results li[data-id='{PRODUCT}']"
    wait(browser, f'document.querySelector("{hit}")', "no search hit for the product")
    browser.find_element(By.CSS_SELECTOR, hit).click()
    wait(browser, "document.getElementById('product-versions')", "the product page did not open")
    panel = browser.find_element(By.ID, "panel").text
    facts = browser.find_element(By.ID, "product-facts").text
    assert "orders" in facts and "3.2.0" in facts and "active" in facts
    assert "team-orders" in panel
    ports = browser.find_element(By.ID, "product-ports").text
    for port in ("orders_7_days", "order_status", "menus"):
        assert port in ports
    assert "contract orders-7-days-v1" in ports
    assert browser.find_element(By.ID, "product-slo").text.startswith("freshness ")
    assert "(SLO 4 h)" in browser.find_element(By.ID, "product-freshness").text  # the descriptor's
    consumers = browser.find_element(By.ID, "product-consumers").text
    assert "declared" in consumers and "observed, undeclared" in consumers
    assert "restaurant_catalog (restaurants; declared" in panel  # upstream, by its input ports
    assert "delivery_performance" in panel  # downstream
    versions = browser.find_element(By.ID, "product-versions").text.splitlines()
    assert versions == ["3.2.0 slo, version · SLO 4 h", versions[1]]
    assert versions[1].startswith("3.1.0 ") and versions[1].endswith(" · SLO 6 h")
    assert "FAILING" in browser.find_element(By.ID, "product-health").text  # its 4 h SLO missed
    path = tmp_path / "explorer-product.png"
    browser.save_screenshot(str(path))
    keep(path)
    browser.execute_script("document.getElementById('product-consumers').scrollIntoView()")
    path = tmp_path / "explorer-product-consumers.png"
    browser.save_screenshot(str(path))
    keep(path)
