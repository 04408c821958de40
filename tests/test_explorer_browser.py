"""The explorer at / in a real headless Chromium on the food_delivery demo: search draws a lineage
graph, "+" nodes expand it one hop and one side at a time, a big fan-out is a cluster that pages,
columns come on demand, impact mode shows the `impact` answer, the view lives in the URL, a
`read: token` server gets a Bearer token, and no request leaves the server.

Set LINEAGEMESH_SCREENSHOTS=DIR to keep the screenshots (docs/explorer.png is made this way)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import food_delivery as fd
import httpx
import pytest
from browser import (
    Requests,
    click_node,
    cluster_id,
    draw_hidden,
    drawn,
    drawn_edges,
    expand,
    expand_cluster,
    open_explorer,
    painted,
    screenshot,
    search_and_pick,
    wait,
    wait_painted,
)
from explorer_demo import FAN_INPUTS, FAN_JOB, demo_server
from live_server import LiveServer
from openlineage_events import complete
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By

READER = "reader-token-0123456789abcdef"
# what opening delivery_7_days draws upstream: two dataset hops (the writers of the second hop's datasets are a third)
FIRST_PAINT_UPSTREAM = fd.DELIVERY_7_DAYS_UPSTREAM_NODES - {
    fd.job(name) for name in ("etl_categories", "etl_menu_items", "etl_menus", "etl_orders")
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with demo_server(tmp_path_factory.mktemp("explorer")) as running:
        yield running


def open_on_delivery_7_days(browser: Chrome, server: LiveServer) -> Requests:
    """The explorer opened, delivery_7_days found by a search and picked; the requests it sends."""
    requests = open_explorer(browser, server)
    search_and_pick(browser, "delivery_7_days", fd.ds("delivery_7_days"))
    return requests


def reading_order(driver: Chrome) -> list[str]:
    """The drawn nodes as one reads the drawing: lane by lane (a lane ends where a gap wider than
    two rows opens below it), each lane left to right."""
    boxes = driver.execute_script("""return window.explorer.cy.nodes().not('.stub')
        .filter((n) => !n.isChild()).map((n) => [n.id(), n.boundingBox({ includeLabels: false })])""")
    lanes: list[list[tuple[str, dict[str, float]]]] = []
    bottom = None
    for node, box in sorted(boxes, key=lambda item: item[1]["y1"]):
        if bottom is None or box["y1"] - bottom > 60:
            lanes.append([])
        lanes[-1].append((node, box))
        bottom = box["y2"] if bottom is None else max(bottom, box["y2"])
    return [node for lane in lanes for node, _ in sorted(lane, key=lambda item: item[1]["x1"])]


def test_search_draws_the_lineage_left_to_right_by_kind_and_domain(
    server: LiveServer, browser: Chrome, tmp_path: Path
) -> None:
    requests = open_on_delivery_7_days(browser, server)
    nodes = drawn(browser)
    lineage = {id for id, n in nodes.items() if n["kind"] in ("DATASET", "JOB")}
    # two dataset hops each side
    assert lineage >= FIRST_PAINT_UPSTREAM and not lineage & (
        fd.DELIVERY_7_DAYS_UPSTREAM_NODES - FIRST_PAINT_UPSTREAM
    )
    assert {
        fd.job("delivery_times_7_days"),
        fd.ds("top_delivery_times"),
        fd.ds("discounts"),
    } <= lineage
    assert (
        nodes[fd.ds("delivery_7_days")]["shape"] == "round-rectangle"
        and nodes[fd.job("etl_delivery_7_days")]["shape"] == "ellipse"
    )
    assert "focus" in nodes[fd.ds("delivery_7_days")]["classes"]
    # upstream left, downstream right, in reading order: the window is narrower than the nine
    # ranks, so they are wrapped into lanes one under the other
    order = reading_order(browser)
    assert (
        order.index(fd.ds("customers"))
        < order.index(fd.ds("delivery_7_days"))
        < order.index(fd.ds("top_delivery_times"))
    )
    domains = {n["domain"]: n["colour"] for n in nodes.values() if n["kind"] == "DATASET"}
    assert (
        nodes[fd.ds("orders_7_days")]["domain"] == "orders"
        and nodes[fd.ds("delivery_7_days")]["domain"] == "delivery"
    )
    assert len({domains["orders"], domains["delivery"], domains["customers"]}) > 1
    assert (
        nodes[fd.ds("orders_7_days")]["colour"] == nodes[fd.ds("order_status")]["colour"]
    )  # one domain, one colour
    assert "node=dataset%3Afood_delivery%3Apublic.delivery_7_days" in browser.current_url
    # the side panel, filled by its own request once the node is focused
    assert wait(
        browser,
        "document.getElementById('detail-domain')?.textContent === 'delivery'",
        "the side panel names the focused dataset's domain",
    )
    assert screenshot(browser, tmp_path, "explorer.png") > 20_000
    assert requests.elsewhere(server.url) == []


def test_plus_expands_one_hop_on_one_side(server: LiveServer, browser: Chrome) -> None:
    open_explorer(browser, server, f"#node={fd.ds('top_delivery_times')}")
    before = drawn(browser)
    assert fd.ds("orders") not in before  # three dataset hops upstream: not in the first paint
    frontier = fd.ds("orders_7_days")
    assert frontier in before and f"stub|up|{frontier}" in before
    expand(browser, frontier, "up")
    after = drawn(browser)
    assert (
        fd.job("etl_orders_7_days") in after
    )  # one hop: the job writing it, not yet that job's inputs
    assert fd.ds("orders") not in after and f"stub|up|{frontier}" not in after
    expand(browser, fd.job("etl_orders_7_days"), "up")
    final = set(drawn(browser))
    assert {fd.ds("orders"), fd.ds("menus"), fd.ds("menu_items"), fd.ds("categories")} <= final
    assert "x=up%3A" in browser.current_url  # the expansions are in the link
    # the link reproduces the view
    url = browser.current_url
    browser.get("about:blank")
    browser.get(url)
    wait(
        browser,
        "window.explorer && window.explorer.ready && document.body.dataset.painted",
        "the link did not redraw",
    )
    assert set(drawn(browser)) == final


def test_a_big_fan_out_is_a_cluster_that_pages(server: LiveServer, browser: Chrome) -> None:
    open_explorer(browser, server, f"#node={FAN_JOB}")
    nodes = drawn(browser)
    stub = f"stub|up|{FAN_JOB}"
    cluster = cluster_id(FAN_JOB, "up", "DATASET", "namespace", "fanout")
    assert nodes[cluster]["label"] == f"◀ {FAN_INPUTS} datasets in namespace fanout"
    assert stub not in nodes
    assert not any(id.startswith("dataset:fanout:source_") for id in nodes)
    expand_cluster(browser, cluster)
    assert drawn(browser)[cluster]["label"] == f"◀ {FAN_INPUTS - 50} datasets in namespace fanout"
    # the rest is listed beside, filtered by name; one picked is drawn on its own
    assert len(browser.find_elements(By.CSS_SELECTOR, "#hidden-list li")) == FAN_INPUTS - 50
    draw_hidden(browser, "source_119")
    assert (
        "dataset:fanout:source_119" in drawn(browser)
        and drawn(browser)[cluster]["label"] == f"◀ {FAN_INPUTS - 51} datasets in namespace fanout"
    )
    # the next page leaves 19, too few for a cluster: a badge draws them
    expand_cluster(browser, cluster)
    nodes = drawn(browser)
    assert cluster not in nodes and nodes[stub]["label"] == f"◀ +{FAN_INPUTS - 101}"
    expand(browser, FAN_JOB, "up")
    nodes = drawn(browser)
    assert stub not in nodes
    shown = sorted(id for id in nodes if id.startswith("dataset:fanout:source_"))
    assert shown == [f"dataset:fanout:source_{i:03d}" for i in range(FAN_INPUTS)]


def test_a_dropped_dataset_is_marked(server: LiveServer, browser: Chrome) -> None:
    open_explorer(browser, server, "#node=dataset:fanout:retired")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    retired = drawn(browser)["dataset:fanout:retired"]
    assert "deleted" in retired["classes"] and retired["label"].endswith("(dropped)")


def test_columns_on_demand_with_column_lineage(server: LiveServer, browser: Chrome) -> None:
    open_explorer(browser, server, f"#node={fd.ds('delivery_7_days')}")
    for dataset in (fd.ds("delivery_7_days"), fd.ds("customers")):
        click_node(browser, dataset)
        wait(browser, "document.getElementById('action-columns')", "no columns button")
        before = painted(browser)
        browser.find_element(By.ID, "action-columns").click()
        wait_painted(browser, before)
    nodes = drawn(browser)
    email = fd.col("delivery_7_days", "customer_email")
    assert nodes[email]["parent"] == fd.ds("delivery_7_days") and nodes[email]["kind"] == "COLUMN"
    assert (fd.col("customers", "email"), email, "column") in drawn_edges(browser)
    assert "cols=" in browser.current_url


def test_impact_mode_shows_the_impact_answer(
    server: LiveServer, browser: Chrome, tmp_path: Path
) -> None:
    requests = open_on_delivery_7_days(browser, server)
    assert browser.find_element(By.ID, "depth").is_displayed()
    before = painted(browser)
    browser.find_element(By.ID, "mode-impact").click()
    wait_painted(browser, before)
    # Depth and Columns shape lineage only
    for control in ("depth", "columns-toggle"):
        assert not browser.find_element(By.ID, control).is_displayed(), control
    expected = server.graphql(
        """query($id: String!) { impact(nodeId: $id, change: DROP) {
        affected { id severity } owners { name } breaking } }""",
        id=fd.ds("delivery_7_days"),
    )["impact"]
    assert expected["affected"] and expected["owners"]
    nodes = drawn(browser)
    assert "changed" in nodes[fd.ds("delivery_7_days")]["classes"]
    for affected in expected["affected"]:
        if affected["id"] in nodes:  # columns of the report are listed, datasets and jobs drawn
            assert affected["severity"] in nodes[affected["id"]]["classes"]
    assert {
        a["id"] for a in expected["affected"] if not a["id"].startswith("datasetField:")
    } <= set(nodes)
    rows = browser.find_elements(By.CSS_SELECTOR, "#impact-affected tbody tr")
    assert len(rows) == len(expected["affected"])
    owners = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#impact-owners li")]
    assert sorted(o.split(" (")[0] for o in owners) == sorted(o["name"] for o in expected["owners"])
    assert ("BREAKING" in browser.find_element(By.ID, "impact-summary").text) == expected[
        "breaking"
    ]
    assert "mode=impact" in browser.current_url and "change=DROP" in browser.current_url
    assert screenshot(browser, tmp_path, "explorer-impact.png") > 10_000
    # another change kind: the same answer as the query for it
    before = painted(browser)
    browser.execute_script(
        "const s = document.getElementById('change-kind'); s.value = 'SEMANTIC'; s.dispatchEvent(new Event('change'))"
    )
    wait_painted(browser, before)
    semantic = server.graphql(
        """query($id: String!) { impact(nodeId: $id, change: SEMANTIC) { affected { id } } }""",
        id=fd.ds("delivery_7_days"),
    )["impact"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#impact-affected tbody tr")) == len(
        semantic["affected"]
    )
    assert "change=SEMANTIC" in browser.current_url
    assert requests.elsewhere(server.url) == []
    # a column's impact: each column drawn on its own is named with its dataset, as is the subject
    open_explorer(browser, server, f"#node={fd.col('customers', 'email')}&mode=impact&change=DROP")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    columns = browser.execute_script(
        "return window.explorer.cy.nodes('.COLUMN').map((n) => [n.data('label'), n.data('node')])"
    )
    assert len(columns) > 1
    assert all(label.replace("\n", "") == f"{c['dataset']}.{c['name']}" for label, c in columns)
    assert "public.delivery_7_days.customer_email" in {
        label.replace("\n", "") for label, _ in columns
    }
    title = browser.find_element(By.CSS_SELECTOR, "#panel h2").text
    assert title == "Impact: DROP public.customers.email"


def test_a_token_server_gets_the_token_as_bearer(tmp_path: Path, browser: Chrome) -> None:
    tokens = {
        "read": "token",
        "tokens": [{"principal": "viewer", "token": READER, "roles": ["reader"]}],
    }
    server = LiveServer(
        ["--data-dir", str(tmp_path / "store")],
        tmp_path / "server.log",
        env={"LINEAGEMESH_TOKENS": json.dumps(tokens)},
    ).start(["--demo"])
    try:
        assert (
            httpx.post(f"{server.url}/graphql", json={"query": "{ stats { kind } }"}).status_code
            == 401
        )
        driver = browser
        requests = open_explorer(driver, server, f"#node={fd.ds('delivery_7_days')}", ready=False)
        wait(
            driver,
            "document.getElementById('token-dialog').open",
            "the page did not ask for a token",
        )
        driver.find_element(By.ID, "token").send_keys("wrong-token-0123456789")
        driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
        wait(
            driver,
            "document.getElementById('token-dialog').open && "
            "document.querySelector('#token-dialog p').textContent.includes('refused')",
            "a wrong token was not refused",
        )
        driver.find_element(By.ID, "token").send_keys(READER)
        driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
        wait(driver, "document.body.dataset.painted", "nothing drawn with the token")
        assert set(drawn(driver)) >= FIRST_PAINT_UPSTREAM
        sent = [entry for entry in requests.collect() if entry["url"].endswith("/graphql")]
        assert any(entry["headers"].get("authorization") == f"Bearer {READER}" for entry in sent)
        assert requests.elsewhere(server.url) == []
    finally:
        server.stop()


def wide_events(breadth: int) -> list[dict[str, Any]]:
    """wide.root → a job → `breadth` datasets, each read by a job writing `breadth` more: a downstream
    radius of breadth² + 2·breadth + 2 nodes within two dataset hops."""

    def run(job: str, inputs: list[str], outputs: list[str]) -> dict[str, Any]:
        return complete(
            job,
            [{"namespace": "wide", "name": n} for n in inputs],
            [{"namespace": "wide", "name": n} for n in outputs],
            job_namespace="wide",
        )

    middle = [f"mid_{i:03d}" for i in range(breadth)]
    return [run("split", ["root"], middle)] + [
        run(f"spread_{i:03d}", [name], [f"leaf_{i:03d}_{j:03d}" for j in range(breadth)])
        for i, name in enumerate(middle)
    ]


def test_a_ten_thousand_node_radius_paints_a_few_hundred(tmp_path: Path, browser: Chrome) -> None:
    """The first paint of a 10k-node downstream radius draws what fits, the rest in clusters;
    the time to first paint is printed (the figure in docs/benchmarks.md), not asserted."""
    breadth = 100
    server = LiveServer(["--data-dir", str(tmp_path / "store")], tmp_path / "server.log").start()
    try:
        httpx.post(
            f"{server.url}/api/v1/lineage/batch", json=wide_events(breadth), timeout=120
        ).raise_for_status()
        driver = browser
        open_explorer(driver, server, "#node=dataset:wide:root")
        wait(driver, "document.body.dataset.painted", "nothing drawn")
        first_paint_ms = driver.execute_script("return window.explorer.firstPaintMs")
        known = driver.execute_script("return window.explorer.model.nodes.size")
        nodes = drawn(driver)
        assert known >= breadth * breadth and len(nodes) <= 300
        cluster = cluster_id("job:wide:split", "down", "DATASET", "namespace", "wide")
        assert nodes[cluster]["label"] == f"{breadth} datasets in namespace wide ▶"
        expand_cluster(driver, cluster)
        nodes = drawn(driver)
        assert len([id for id in nodes if id.startswith("dataset:wide:mid_")]) == 50
        assert nodes[cluster]["label"] == f"{breadth - 50} datasets in namespace wide ▶"
        assert nodes["stub|down|dataset:wide:mid_000"]["label"] == "+1 ▶"
        print(
            f"\n10k-node radius ({known} nodes known): first paint {first_paint_ms:.0f} ms after navigation, {len(nodes)} drawn"
        )
    finally:
        server.stop()


def live_event(job: str, source: str, target: str) -> dict[str, Any]:
    return complete(
        job,
        [{"namespace": "live", "name": source}],
        [{"namespace": "live", "name": target}],
        job_namespace="live",
    )


def test_an_open_lineage_redraws_when_ingested_events_change_it(
    server: LiveServer, browser: Chrome
) -> None:
    """The page subscribes to lineageChanged (a websocket to its own server) and redraws on a push."""
    httpx.post(
        f"{server.url}/api/v1/lineage", json=live_event("writer", "staged", "report"), timeout=30
    ).raise_for_status()
    requests = open_explorer(browser, server, "#node=dataset:live:report")
    assert {"job:live:writer", "dataset:live:staged"} <= set(drawn(browser))
    assert "job:live:feed" not in drawn(browser)
    wait(
        browser,
        "window.explorer.liveUpdates === undefined",
        "the page redrew before anything changed",
    )
    httpx.post(
        f"{server.url}/api/v1/lineage", json=live_event("feed", "landing", "staged"), timeout=30
    ).raise_for_status()
    wait(
        browser,
        "window.explorer.cy.getElementById('job:live:feed').length > 0",
        "the new upstream job was not drawn live",
    )
    assert {"job:live:feed", "dataset:live:landing"} <= set(drawn(browser))
    assert browser.execute_script("return window.explorer.liveUpdates") >= 1
    assert requests.elsewhere(server.url) == []
