"""The explorer's small things a person meets first, in a real headless Chromium on the demo: the
landing page's legend without an empty Domains heading and an export that says nothing is drawn;
a disabled Now that looks disabled; the graph's focus ring drawn inside it (not clipped); a
tooltip that goes with the badge clicked; an SVG export with a failing dataset's red ground and
labels in lines; a column's panel listing its path; counts in words ("1 dataset"); a cluster's
label in lines, its namespace whole; a lineage at
depth all asked of the server trimmed for drawing (``maxNodes``), not shipped whole.

Set LINEAGEMESH_SCREENSHOTS=DIR to keep the screenshots."""

from __future__ import annotations

import json
from collections.abc import Iterator

import food_delivery as fd
import httpx
import pytest
from browser import (
    drawn,
    open_explorer,
    painted,
    screenshot,
    wait,
    wait_painted,
)
from explorer_demo import demo_server
from live_server import LiveServer
from openlineage_events import complete, with_schema
from selenium.webdriver import ActionChains, Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from test_explorer_views import blob


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with demo_server(tmp_path_factory.mktemp("controls")) as running:
        lonely = complete(  # a dataset of one column and no lineage
            "lonely", [], [with_schema("solo", "single", [{"name": "only", "type": "INT"}])]
        )
        httpx.post(f"{running.url}/api/v1/lineage", json=lonely, timeout=30).raise_for_status()
        yield running


def control(driver: Chrome, name: str):
    return driver.find_element(By.CSS_SELECTOR, f"[aria-label={json.dumps(name)}]")


def test_the_landing_page_has_no_empty_legend_and_exports_a_note(
    server: LiveServer, browser: Chrome
) -> None:
    open_explorer(browser, server)
    assert browser.find_element(By.ID, "legend").is_displayed()
    assert not browser.find_element(By.ID, "legend-domains-title").is_displayed()
    control(browser, "Export SVG").click()
    svg = blob(browser, "export-link").decode()
    assert svg.startswith("<svg") and "nothing drawn" in svg and "Infinity" not in svg
    # a view with domains has the heading; one without has none
    open_explorer(browser, server, f"#node={fd.ds('delivery_7_days')}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    assert browser.find_element(By.ID, "legend-domains-title").is_displayed()
    open_explorer(browser, server, "#node=dataset:solo:single")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    assert not browser.find_element(By.ID, "legend-domains-title").is_displayed()


def test_now_looks_disabled_and_the_focus_ring_is_inside_the_graph(
    server: LiveServer, browser: Chrome, tmp_path
) -> None:
    open_explorer(browser, server, f"#node={fd.ds('delivery_7_days')}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    now = control(browser, "Now")
    assert not now.is_enabled()
    assert float(now.value_of_css_property("opacity")) < 0.6
    assert now.value_of_css_property("cursor") == "not-allowed"
    assert float(control(browser, "Fit").value_of_css_property("opacity")) == 1
    canvas = browser.find_element(By.ID, "graph-canvas")
    # Tab from the header's last link: the graph is next
    browser.execute_script("document.querySelector('header a[href=\"/graphql\"]').focus()")
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.execute_script("return document.activeElement.id") == "graph-canvas"
    assert browser.execute_script("return arguments[0].matches(':focus-visible')", canvas)
    ring = browser.execute_script(
        """const s = getComputedStyle(arguments[0]);
        return [s.outlineStyle, parseFloat(s.outlineWidth), parseFloat(s.outlineOffset)]""",
        canvas,
    )
    # drawn inside the canvas: #graph clips what lies outside it
    assert ring[0] == "solid" and ring[1] > 0 and ring[2] + ring[1] <= 0
    screenshot(browser, tmp_path, "explorer-focus-ring.png")


def test_a_tooltip_goes_with_the_badge_clicked(server: LiveServer, browser: Chrome) -> None:
    open_explorer(browser, server, f"#node={fd.ds('top_delivery_times')}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    badge = f"stub|up|{fd.ds('orders_7_days')}"
    canvas = browser.find_element(By.ID, "graph-canvas")
    x, y = browser.execute_script(
        """const cy = window.explorer.cy; const b = cy.getElementById(arguments[0]);
        cy.center(b); const p = b.renderedPosition(); return [p.x, p.y]""",
        badge,
    )
    size = canvas.size
    ActionChains(browser).move_to_element_with_offset(
        canvas, int(x - size["width"] / 2), int(y - size["height"] / 2)
    ).perform()
    wait(browser, "!document.getElementById('tooltip').hidden", "no tooltip on the badge")
    assert "upstream of" in browser.find_element(By.ID, "tooltip").text
    before = painted(browser)
    ActionChains(browser).click().perform()
    wait_painted(browser, before)
    assert badge not in drawn(browser)
    assert not browser.find_element(By.ID, "tooltip").is_displayed()


def test_svg_export_keeps_health_grounds_and_labels_in_lines(
    server: LiveServer, browser: Chrome
) -> None:
    open_explorer(browser, server, "#node=dataset:quality:checked")
    wait(browser, "window.explorer.cy.nodes('.health-FAILING').length", "no failing dataset")
    control(browser, "Export SVG").click()
    svg = blob(browser, "export-link").decode()
    assert 'fill-opacity="0.55"' in svg  # the red ground under quality.checked
    assert ">checked</tspan>" in svg  # each label's lines as tspans


def test_a_columns_panel_lists_its_path_and_counts_read_as_words(
    server: LiveServer, browser: Chrome
) -> None:
    email = fd.col("delivery_7_days", "customer_email")
    open_explorer(browser, server, f"#node={fd.ds('delivery_7_days')}&path={email}")
    wait(browser, "document.querySelector('#path-up li')", "the column's panel lists no path")
    title = browser.find_element(By.CSS_SELECTOR, "#panel h2").text  # the column with its dataset
    assert title.replace("\n", "") == "public.delivery_7_days.customer_email", title
    up = browser.find_elements(By.CSS_SELECTOR, "#path-up li")
    down = browser.find_elements(By.CSS_SELECTOR, "#path-down li")
    assert len(up) == 1 and up[0].text.startswith("public.customers email · ")
    assert {li.text.split(" ")[0] for li in down} == {
        "public.top_delivery_times",
        "public.discounts",
    }
    side = browser.find_element(By.CSS_SELECTOR, "#panel h4")  # under the panel's h3, not over it
    assert side.text.startswith("Upstream (1 dataset)")
    assert float(side.value_of_css_property("font-size").removesuffix("px")) <= 13
    link = browser.find_element(By.CSS_SELECTOR, "#path-up a")
    assert link.get_attribute("data-node") == fd.ds("customers")
    before = painted(browser)
    link.click()
    wait_painted(browser, before)
    assert browser.execute_script("return window.explorer.state.node") == fd.ds("customers")
    # one dataset, one column: in words
    lonely = "datasetField:solo:single:only"
    open_explorer(browser, server, f"#node=dataset:solo:single&path={lonely}")
    wait(browser, "window.explorer.state.path", "no column path")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    status = browser.find_element(By.ID, "status").text
    assert "column path of only: 1 dataset and 1 column, 1 dataset drawn" in status
    open_explorer(browser, server, "#node=dataset:solo:single")
    wait(browser, "document.querySelector('#panel h3')", "no details")
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#panel h3")]
    assert "Schema (1 column)" in headings


def lineage_asked(driver: Chrome) -> list[dict]:
    """The variables of each ``lineage`` query the page sent since the performance log was read."""
    asked = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.requestWillBeSent":
            continue
        body = message["params"]["request"].get("postData") or ""
        if body.startswith("{") and "lineage(nodeId" in (sent := json.loads(body))["query"]:
            asked.append(sent["variables"])
    return asked


def test_a_lineage_at_depth_all_is_asked_trimmed_for_drawing(
    server: LiveServer, browser: Chrome
) -> None:
    open_explorer(browser, server, f"#node={fd.ds('orders')}&depth=all")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    walks = lineage_asked(browser)
    assert {w["direction"] for w in walks} == {"UPSTREAM", "DOWNSTREAM"}
    assert all(w["depth"] is None and w["maxNodes"] == 2000 for w in walks)
    assert fd.job("etl_orders") in drawn(browser)  # the demo is smaller: drawn as before
    # a depth is its own bound: the walk is not trimmed
    open_explorer(browser, server, f"#node={fd.ds('orders')}&depth=3")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    walks = lineage_asked(browser)
    assert walks and all(w["depth"] == 3 and w["maxNodes"] is None for w in walks)


LONG = "postgres://warehouse-primary.internal:5432"  # a namespace longer than a cluster's line


def test_a_clusters_label_keeps_its_namespace_whole(
    server: LiveServer, browser: Chrome, tmp_path
) -> None:
    event = complete(
        "gather",
        [{"namespace": LONG, "name": f"public.source_{i:02d}"} for i in range(30)],
        [{"namespace": "gathered", "name": "all"}],
        job_namespace="gathered",
    )
    httpx.post(f"{server.url}/api/v1/lineage", json=event, timeout=30).raise_for_status()
    open_explorer(browser, server, "#node=job:gathered:gather")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    (cluster,) = [n for n in drawn(browser).values() if n["kind"] == "CLUSTER"]
    assert cluster["label"] == f"◀ 30 datasets in namespace {LONG}"
    # what it holds on a line, the namespace whole below, broken where its parts meet
    first, *rest = cluster["lines"]
    assert first == "◀ 30 datasets in namespace " and "".join(rest) == LONG
    assert len(rest) <= 2 and all(line.endswith((":", "/", ".")) for line in rest[:-1]), rest
    screenshot(browser, tmp_path, "explorer-cluster-label.png")
