"""The explorer's "As of" control, its paths between two nodes and its clusters, in a real headless
Chromium: the graph as it was at a moment (a dataset written, then dropped, is not drawn dropped
between the two), kept in the URL, Back and Forward between moments; "Path to…" a node picked in
the search marks every path between the two, or says there is none within the depth; a hub's
many neighbours drawn as a few clusters by domain (else namespace) that draw a page at a time
and list the rest to search within.

Set LINEAGEMESH_SCREENSHOTS=DIR to keep the screenshots."""

from __future__ import annotations

import json
from collections.abc import Iterator

import food_delivery as fd
import httpx
import pytest
from browser import (
    cluster_id,
    draw_hidden,
    drawn,
    drawn_edges,
    expand_cluster,
    open_explorer,
    painted,
    screenshot,
    wait,
    wait_painted,
)
from explorer_demo import demo_server
from live_server import LiveServer
from openlineage_events import complete
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

RETIRED = "dataset:fanout:retired"  # written 2026-01-05 06:00, dropped 2026-01-06 06:00
RETIRE = "job:fanout:retire"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with demo_server(tmp_path_factory.mktemp("time")) as running:
        yield running


def control(driver: Chrome, name: str):
    return driver.find_element(By.CSS_SELECTOR, f"[aria-label={json.dumps(name)}]")


def banner(driver: Chrome) -> str | None:
    element = driver.find_element(By.ID, "as-of-banner")
    return element.text if element.is_displayed() else None


def choose_moment(driver: Chrome, moment: str, drawn_as: str | None) -> None:
    """Types a moment into the "As of" box as a person does ("YYYY-MM-DD hh:mm:ss", local time),
    then Enter; waits until the graph is drawn as of ``drawn_as``."""
    picker = control(driver, "As of")
    driver.execute_script("arguments[0].focus(); arguments[0].select()", picker)
    picker.send_keys(moment, Keys.ENTER)
    if drawn_as:
        wait(driver, f"document.body.dataset.shown === {json.dumps(drawn_as)}", "not redrawn")


def tab_stops(driver: Chrome) -> list[str]:
    """The toolbar's Tab stops in order, from its first control to where Tab leaves it."""
    driver.execute_script("document.getElementById('zoom-in').focus()")
    stops = []
    while driver.execute_script(
        "return document.getElementById('toolbar').contains(document.activeElement)"
    ):
        stops.append(driver.execute_script("return document.activeElement.id"))
        driver.switch_to.active_element.send_keys(Keys.TAB)
        assert len(stops) < 30, stops
    return stops


def test_as_of_draws_the_graph_as_it_was_and_the_url_keeps_it(
    server: LiveServer, browser: Chrome, tmp_path
) -> None:
    open_explorer(browser, server, f"#node={RETIRED}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    assert "deleted" in drawn(browser)[RETIRED]["classes"]  # dropped, now
    assert banner(browser) is None and not control(browser, "Now").is_enabled()
    # between the write and the drop (the browser's time zone is UTC here)
    choose_moment(browser, "2026-01-05 12:00:00", "2026-01-05T12:00:00Z")
    assert browser.execute_script("return window.explorer.state.asOf") == "2026-01-05T12:00:00Z"
    assert banner(browser) == "Lineage as of 2026-01-05 12:00 UTC"
    nodes = drawn(browser)
    assert "deleted" not in nodes[RETIRED]["classes"] and RETIRE in nodes
    # each badge counts what it hides as of then: none a bare "+" that may draw nothing
    assert [n["label"] for n in nodes.values() if n["label"] in ("◀ +", "+ ▶")] == []
    assert "at=2026-01-05T12%3A00%3A00Z" in browser.current_url
    wait(browser, "document.getElementById('details-now')", "the details do not say when")
    assert "these details are as they stand now" in browser.find_element(By.ID, "details-now").text
    screenshot(browser, tmp_path, "explorer-as-of.png")
    # after the drop: dropped again
    choose_moment(browser, "2026-01-06 12:00:00", "2026-01-06T12:00:00Z")
    assert "deleted" in drawn(browser)[RETIRED]["classes"]
    # Back: the moment before; Forward: the one after
    before = painted(browser)
    browser.back()
    wait_painted(browser, before)
    assert banner(browser) == "Lineage as of 2026-01-05 12:00 UTC"
    assert "deleted" not in drawn(browser)[RETIRED]["classes"]
    assert control(browser, "As of").get_attribute("value") == "2026-01-05 12:00:00"
    # a shared link opens the same moment
    shared = browser.current_url
    open_explorer(browser, server, shared[shared.index("#") :])
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    assert banner(browser) == "Lineage as of 2026-01-05 12:00 UTC"
    assert "deleted" not in drawn(browser)[RETIRED]["classes"]
    # Now: today's graph, the banner gone
    before = painted(browser)
    control(browser, "Now").click()
    wait_painted(browser, before)
    assert banner(browser) is None and "at=" not in browser.current_url
    assert "deleted" in drawn(browser)[RETIRED]["classes"]
    # before it was ever written, it was not there
    choose_moment(browser, "2026-01-04 12:00:00", None)
    wait(browser, "document.getElementById('status').textContent.includes('error')", "no error")
    assert f"no node with id '{RETIRED}'" in browser.find_element(By.ID, "status").text


def test_as_of_is_one_tab_stop_with_now_a_right_arrow_away(
    server: LiveServer, browser: Chrome
) -> None:
    open_explorer(browser, server, f"#node={RETIRED}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    toolbar = [
        "zoom-in",
        "zoom-out",
        "fit",
        "depth",
        "columns-toggle",
        "as-of",
        "export-svg",
        "export-png",
    ]
    assert tab_stops(browser) == toolbar  # now: Now is disabled
    picker = control(browser, "As of")
    assert picker.get_attribute("aria-describedby") == "as-of-hint"
    assert "YYYY-MM-DD" in str(
        browser.find_element(By.ID, "as-of-hint").get_attribute("textContent")
    )
    # a moment that is none: marked, nothing redrawn
    choose_moment(browser, "2026-02-30 12:00", None)
    assert picker.get_attribute("aria-invalid") == "true"
    assert browser.execute_script("return window.explorer.state.asOf") is None
    choose_moment(browser, "2026-01-05 12:00", "2026-01-05T12:00:00Z")
    assert picker.get_attribute("aria-invalid") != "true"
    assert tab_stops(browser) == toolbar  # a past moment: Now enabled, still no stop of its own
    # the right arrow at the box's end reaches Now, the left arrow returns; Enter on Now: now again
    browser.execute_script("arguments[0].focus()", picker)
    picker.send_keys(Keys.END, Keys.ARROW_RIGHT)
    assert browser.switch_to.active_element.get_attribute("id") == "as-of-now"
    browser.switch_to.active_element.send_keys(Keys.ARROW_LEFT)
    assert browser.switch_to.active_element.get_attribute("id") == "as-of"
    picker.send_keys(Keys.ARROW_RIGHT)
    before = painted(browser)
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_painted(browser, before)
    assert banner(browser) is None and picker.get_attribute("value") == ""
    assert browser.switch_to.active_element.get_attribute("id") == "as-of"  # focus kept
    # Escape in the box returns to now too
    choose_moment(browser, "2026-01-05 12:00", "2026-01-05T12:00:00Z")
    before = painted(browser)
    picker.send_keys(Keys.ESCAPE)
    wait_painted(browser, before)
    assert banner(browser) is None


def pick_path_end(driver: Chrome, text: str, node_id: str) -> None:
    """In the search box "Path to…" focused, types ``text`` and picks ``node_id`` from the list."""
    box = control(driver, "Search")
    assert box.get_attribute("placeholder").startswith("Path from ")
    before = painted(driver)
    box.send_keys(text)
    hit = f"#search-results li[data-id={json.dumps(node_id)}]"
    wait(driver, f"document.querySelector({json.dumps(hit)})", f"no hit {node_id}")
    driver.find_element(By.CSS_SELECTOR, hit).click()
    wait_painted(driver, before)


def test_path_to_marks_every_path_between_two_nodes(
    server: LiveServer, browser: Chrome, tmp_path
) -> None:
    customers, popular = fd.ds("customers"), fd.ds("popular_orders_day_of_week")
    open_explorer(browser, server, f"#node={customers}&depth=1")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    assert fd.ds("top_delivery_times") not in drawn(browser)  # two hops away: not drawn at depth 1
    browser.find_element(By.ID, "action-path-to").click()
    pick_path_end(browser, "popular_orders", popular)
    nodes = drawn(browser)
    on_path = {
        customers,
        fd.job("orders_popular_day_of_week"),
        popular,
        fd.job("etl_delivery_7_days"),
        fd.ds("delivery_7_days"),
        fd.job("delivery_times_7_days"),
        fd.ds("top_delivery_times"),
    }
    assert {id for id, n in nodes.items() if "route" in n["classes"]} == on_path
    assert "route-end" in nodes[popular]["classes"]
    route_edges = {(s, t) for s, t, classes in drawn_edges(browser) if "route" in classes.split()}
    assert (fd.ds("delivery_7_days"), fd.job("delivery_times_7_days")) in route_edges
    assert (customers, fd.job("orders_popular_day_of_week")) in route_edges
    assert all(s in on_path and t in on_path for s, t in route_edges)
    text = browser.find_element(By.ID, "route").text
    assert (
        "Path from food_delivery public.customers to food_delivery public.popular_orders_day_of_week"
        in text
    )
    assert "7 nodes (4 datasets)" in text
    assert f"to={popular.replace(':', '%3A')}" in browser.current_url
    screenshot(browser, tmp_path, "explorer-path-to.png")
    # the link reproduces it
    shared = browser.current_url
    open_explorer(browser, server, shared[shared.index("#") :])
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    assert "route" in drawn(browser)[fd.ds("top_delivery_times")]["classes"]
    # no path: said plainly (the panel's actions come with its details, after the paint)
    wait(browser, "document.getElementById('action-path-to')", "no Path to… action")
    browser.find_element(By.ID, "action-path-to").click()
    pick_path_end(browser, "fanned_in", "dataset:fanout:fanned_in")
    route = browser.find_element(By.ID, "route")
    assert route.is_displayed()
    assert route.text.startswith(
        "No path between food_delivery public.customers and fanout fanned_in: they are not connected."
    )
    assert not [n for n in drawn(browser).values() if "route" in n["classes"]]
    # Back: the path again; clearing it
    before = painted(browser)
    browser.back()
    wait_painted(browser, before)
    assert "route" in drawn(browser)[fd.ds("top_delivery_times")]["classes"]
    before = painted(browser)
    control(browser, "Clear path").click()
    wait_painted(browser, before)
    assert not browser.find_element(By.ID, "route").is_displayed()
    assert "to=" not in browser.current_url


HUB = "job:shop:hub"
SALES, MISC = 60, 30  # the hub reads 60 datasets of domain sales and 30 of no domain


def hub_event() -> dict:
    names = [f"sales_{i:03d}" for i in range(SALES)] + [f"misc_{i:03d}" for i in range(MISC)]
    return complete(
        "hub",
        [{"namespace": "shop", "name": n} for n in names],
        [{"namespace": "shop", "name": "report"}],
        job_namespace="shop",
    )


@pytest.fixture(scope="module")
def hub_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("hub")
    rules = root / "rules.yaml"
    rules.write_text('rules:\n  - domain: sales\n    name: "sales_*"\n')
    server = LiveServer(["--data-dir", str(root / "store")], root / "server.log").start(
        ["--domain-rules", str(rules)]
    )
    try:
        httpx.post(f"{server.url}/api/v1/lineage", json=hub_event(), timeout=30).raise_for_status()
        yield server
    finally:
        server.stop()


def test_a_hub_draws_its_neighbours_as_clusters_by_domain(
    hub_server: LiveServer, browser: Chrome, tmp_path
) -> None:
    open_explorer(browser, hub_server, f"#node={HUB}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    sales = cluster_id(HUB, "up", "DATASET", "domain", "sales")
    misc = cluster_id(HUB, "up", "DATASET", "namespace", "shop")
    nodes = drawn(browser)
    assert nodes[sales]["label"] == f"◀ {SALES} datasets in domain sales"
    assert nodes[misc]["label"] == f"◀ {MISC} datasets in namespace shop"
    for cluster in (sales, misc):  # whole, however many lines: never cut ("namespace sh…")
        assert "…" not in nodes[cluster]["label"] and len(nodes[cluster]["lines"]) <= 2
    assert not [id for id in nodes if id.startswith("dataset:shop:sales_")]
    assert (sales, HUB, "cluster") in drawn_edges(browser)
    screenshot(browser, tmp_path, "explorer-clusters.png")
    # a cluster draws a page of its members, beside the hub, and lists the rest to search within
    expand_cluster(browser, sales)
    nodes = drawn(browser)
    members = sorted(id for id in nodes if id.startswith("dataset:shop:sales_"))
    assert members == [f"dataset:shop:sales_{i:03d}" for i in range(50)]
    assert nodes[sales]["label"] == f"◀ {SALES - 50} datasets in domain sales"
    assert nodes[members[0]]["colour"] == nodes[sales]["colour"]  # the domain's colour
    listed = browser.find_elements(By.CSS_SELECTOR, "#hidden-list li")
    assert len(listed) == SALES - 50
    draw_hidden(browser, "sales_057")
    nodes = drawn(browser)
    assert "dataset:shop:sales_057" in nodes
    assert nodes[sales]["label"] == f"◀ {SALES - 51} datasets in domain sales"
    # the link redraws the same
    shared = browser.current_url
    open_explorer(browser, hub_server, shared[shared.index("#") :])
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    again = drawn(browser)
    assert again[sales]["label"] == nodes[sales]["label"] and "dataset:shop:sales_057" in again
    print(
        f"\nhub of {SALES + MISC}: first paint with clusters "
        f"{browser.execute_script('return window.explorer.firstPaintMs'):.0f} ms after navigation"
    )
