"""The explorer as a person uses it, in a real headless Chromium on the demo: readable at once,
stable as it grows (zoom and every drawn node stay put, the pan follows new nodes off the edge;
new nodes go beside the one expanded), labelled controls, a legend and tooltips, a Depth control,
a search that opens what was meant, a column's path across datasets, a history entry per view,
dark mode, and export.

Set LINEAGEMESH_SCREENSHOTS=DIR to keep the screenshots."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import food_delivery as fd
import httpx
import pytest
from browser import (
    click_node,
    cluster_id,
    drawn,
    expand,
    expand_cluster,
    open_explorer,
    painted,
    screenshot,
    wait,
    wait_painted,
)
from explorer_demo import FAN_INPUTS, FAN_JOB, demo_server
from live_server import LiveServer
from openlineage_events import complete
from selenium.webdriver import ActionChains, Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

READABLE_PX = 11


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with demo_server(tmp_path_factory.mktemp("views")) as running:
        yield running


def view(driver: Chrome) -> dict[str, Any]:
    """The zoom, the pan, and where each drawn node (badges aside) is, in model coordinates."""
    return driver.execute_script("""const cy = window.explorer.cy;
        return { zoom: cy.zoom(), pan: cy.pan(), positions: Object.fromEntries(cy.nodes().not('.stub')
          .map((n) => [n.id(), n.position()])) }""")


def boxes(driver: Chrome) -> dict[str, dict[str, float]]:
    """Each drawn top-level node's box (badges aside)."""
    return driver.execute_script("""return Object.fromEntries(window.explorer.cy.nodes().not('.stub')
        .filter((n) => !n.isChild()).map((n) => [n.id(), n.boundingBox({ includeLabels: false })]))""")


def label_px(driver: Chrome, node_id: str) -> float:
    """How tall the node's label is on screen, in CSS pixels."""
    text = driver.execute_script(
        "return window.explorer.cy.getElementById(arguments[0]).renderedStyle('font-size')", node_id
    )
    return float(text.removesuffix("px"))


def on_screen(driver: Chrome, node_id: str) -> bool:
    return driver.execute_script(
        """const cy = window.explorer.cy; const p = cy.getElementById(arguments[0]).renderedPosition();
        return p.x > 0 && p.y > 0 && p.x < cy.width() && p.y < cy.height()""",
        node_id,
    )


def overlapping(found: dict[str, dict[str, float]]) -> list[tuple[str, str]]:
    ids = sorted(found)
    return [
        (a, b)
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
        if found[a]["x1"] < found[b]["x2"]
        and found[b]["x1"] < found[a]["x2"]
        and found[a]["y1"] < found[b]["y2"]
        and found[b]["y1"] < found[a]["y2"]
    ]


def control(driver: Chrome, name: str):
    """The control whose accessible name (aria-label) is ``name``."""
    return driver.find_element(By.CSS_SELECTOR, f"[aria-label={json.dumps(name)}]")


def test_the_first_view_is_readable_with_labelled_controls_legend_and_tooltips(
    server: LiveServer, browser: Chrome, tmp_path
) -> None:
    open_explorer(browser, server, f"#node={fd.ds('delivery_7_days')}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    focus = fd.ds("delivery_7_days")
    assert label_px(browser, focus) >= READABLE_PX and on_screen(browser, focus)
    for name in ("orders_7_days", "customers", "top_delivery_times"):
        assert label_px(browser, fd.ds(name)) >= READABLE_PX
    assert overlapping(boxes(browser)) == []
    # the controls, by their accessible names
    zoom = view(browser)["zoom"]
    control(browser, "Zoom in").click()
    assert view(browser)["zoom"] == pytest.approx(zoom * 1.25)
    control(browser, "Zoom out").click()
    control(browser, "Zoom out").click()
    assert view(browser)["zoom"] == pytest.approx(zoom * 0.8)
    control(browser, "Fit").click()
    assert all(on_screen(browser, id) for id in boxes(browser))
    depth = Select(control(browser, "Depth"))
    assert [o.text for o in depth.options] == [str(n) for n in range(1, 11)] + ["all"]
    assert depth.first_selected_option.text == "2"
    # the legend names the domains drawn, in their colours: the three by rule, and those the
    # demo's data products put the other datasets in
    legend = browser.find_elements(By.CSS_SELECTOR, "#legend-domains li")
    assert [li.text for li in legend] == [
        "customers",
        "delivery",
        "marketing",
        "orders",
        "restaurants",
    ]
    colours = {
        li.text: li.find_element(By.CSS_SELECTOR, ".swatch").value_of_css_property(
            "background-color"
        )
        for li in legend
    }
    assert len(set(colours.values())) == len(legend)  # a colour each
    # a tooltip with the full name
    x, y = browser.execute_script(
        "const p = window.explorer.cy.getElementById(arguments[0]).renderedPosition(); return [p.x, p.y]",
        fd.ds("customers"),
    )
    canvas = browser.find_element(By.ID, "graph-canvas")
    size = canvas.size
    ActionChains(browser).move_to_element_with_offset(
        canvas, int(x - size["width"] / 2), int(y - size["height"] / 2)
    ).perform()
    wait(browser, "!document.getElementById('tooltip').hidden", "no tooltip")
    tip = browser.find_element(By.ID, "tooltip").text
    assert "food_delivery public.customers" in tip and "domain customers" in tip
    screenshot(browser, tmp_path, "explorer-readable.png")


def test_an_expansion_off_the_edge_pans_the_new_nodes_into_view(
    server: LiveServer, browser: Chrome
) -> None:
    open_explorer(browser, server, f"#node={fd.ds('top_delivery_times')}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    frontier = fd.ds("orders_7_days")
    browser.execute_script(  # the frontier at the canvas's left edge: its upstream would be off it
        """const cy = window.explorer.cy; const p = cy.getElementById(arguments[0]).renderedPosition();
        cy.panBy({ x: 110 - p.x, y: 0 })""",
        frontier,
    )
    before = view(browser)
    expand(browser, frontier, "up")
    after = view(browser)
    assert on_screen(browser, fd.job("etl_orders_7_days")) and on_screen(browser, frontier)
    assert after["zoom"] == pytest.approx(before["zoom"]) and after["pan"] != before["pan"]
    for id, position in before["positions"].items():  # the drawing itself stays put
        assert after["positions"][id] == pytest.approx(position), id


def test_an_expansion_keeps_zoom_and_positions_and_puts_new_nodes_beside(
    server: LiveServer, browser: Chrome
) -> None:
    open_explorer(browser, server, f"#node={fd.ds('top_delivery_times')}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    control(browser, "Zoom in").click()
    control(browser, "Zoom in").click()
    frontier = fd.ds("orders_7_days")
    browser.execute_script(  # panned to where the frontier is, as a person would
        "window.explorer.cy.center(window.explorer.cy.getElementById(arguments[0]))", frontier
    )
    before = view(browser)
    expand(browser, frontier, "up")
    after = view(browser)
    # the zoom kept; the pan moves only as far as brings the new node into view
    assert after["zoom"] == pytest.approx(before["zoom"])
    assert on_screen(browser, fd.job("etl_orders_7_days")) and on_screen(browser, frontier)
    for id, position in before["positions"].items():
        assert after["positions"][id] == pytest.approx(position), id
    job = fd.job("etl_orders_7_days")
    beside = after["positions"][job]
    anchor = after["positions"][frontier]
    assert beside["x"] < anchor["x"] and abs(beside["y"] - anchor["y"]) < 100  # left: upstream
    # its own badge sits on its upstream side
    badge = drawn(browser)[f"stub|up|{job}"]
    assert badge["label"] == "◀ +4"
    # four more upstream of the job: beside it, overlapping nothing
    before = after
    expand(browser, job, "up")
    after = view(browser)
    for id, position in before["positions"].items():
        assert after["positions"][id] == pytest.approx(position), id
    new = [fd.ds(n) for n in ("orders", "menus", "menu_items", "categories")]
    assert all(after["positions"][n]["x"] < after["positions"][job]["x"] for n in new)
    assert overlapping(boxes(browser)) == []
    # a page of a cluster too
    open_explorer(browser, server, f"#node={FAN_JOB}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    before = view(browser)
    expand_cluster(browser, cluster_id(FAN_JOB, "up", "DATASET", "namespace", "fanout"))
    after = view(browser)
    assert after["zoom"] == pytest.approx(before["zoom"])
    for id, position in before["positions"].items():
        assert after["positions"][id] == pytest.approx(position), id
    sources = [id for id in after["positions"] if id.startswith("dataset:fanout:source_")]
    assert len(sources) == 50 < FAN_INPUTS
    assert all(after["positions"][s]["x"] < after["positions"][FAN_JOB]["x"] for s in sources)
    assert overlapping(boxes(browser)) == []


def misplaced_badges(driver: Chrome) -> list[str]:
    """The "+N" badges not straddling their node's border at its corner: the left one upstream, the
    right one downstream; the top border, or the bottom one of a dataset drawn with its columns."""
    return driver.execute_script("""const cy = window.explorer.cy;
        return cy.nodes('.stub').filter((badge) => {
          const { id, side } = badge.data('stub');
          const node = cy.getElementById(id);
          const box = node.boundingBox({ includeLabels: false, includeOverlays: false });
          const { x, y } = badge.position();
          const corner = side === 'up' ? x > box.x1 && x < box.x1 + box.w / 3 : x < box.x2 && x > box.x2 - box.w / 3;
          const border = node.isParent() ? box.y2 : box.y1;
          return !(corner && Math.abs(y - border) < 5);
        }).map((badge) => badge.id())""")


def test_badges_stay_on_their_nodes_as_pages_and_expansions_add_nodes(
    server: LiveServer, browser: Chrome
) -> None:
    # a page places only what it adds: every badge, old and new, must still be on its node
    open_explorer(browser, server, f"#node={fd.ds('top_delivery_times')}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    assert misplaced_badges(browser) == []
    expand(browser, fd.ds("orders_7_days"), "up")
    job = fd.job("etl_orders_7_days")
    assert f"stub|up|{job}" in drawn(browser)  # a badge new on a node new
    assert misplaced_badges(browser) == []
    expand(browser, job, "up")
    assert misplaced_badges(browser) == []
    open_explorer(browser, server, f"#node={FAN_JOB}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    expand_cluster(browser, cluster_id(FAN_JOB, "up", "DATASET", "namespace", "fanout"))
    expand_cluster(browser, cluster_id(FAN_JOB, "up", "DATASET", "namespace", "fanout"))
    nodes = drawn(browser)
    assert f"stub|up|{FAN_JOB}" in nodes  # the cluster became a badge on a node drawn before
    assert misplaced_badges(browser) == []


def test_the_depth_control_draws_more_or_fewer_hops(server: LiveServer, browser: Chrome) -> None:
    open_explorer(browser, server, f"#node={fd.ds('top_delivery_times')}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    assert fd.ds("orders") not in drawn(browser)  # three dataset hops upstream
    for depth, present, absent in (
        ("all", {fd.ds("orders"), fd.job("etl_orders")}, set()),
        (
            "1",
            {fd.job("delivery_times_7_days"), fd.ds("delivery_7_days")},
            {fd.ds("orders_7_days")},
        ),
    ):
        before = painted(browser)
        Select(control(browser, "Depth")).select_by_visible_text(depth)
        wait_painted(browser, before)
        nodes = set(drawn(browser))
        assert present <= nodes and not absent & nodes, depth
        assert f"depth={depth}" in browser.current_url


def type_search(driver: Chrome, text: str) -> Any:
    box = control(driver, "Search")
    box.clear()
    box.send_keys(text)
    wait(
        driver,
        f"document.getElementById('search').value === {json.dumps(text)} && "
        "document.querySelector('#search-results li[role=option]') && "
        "document.getElementById('search').getAttribute('aria-expanded') === 'true'",
        f"no hits for {text}",
    )
    return box


def opened(driver: Chrome) -> str:
    return driver.execute_script("return window.explorer.state.node")


#: What the keyboard tests type in the search box, and the dataset each opens.
SEARCHES = (("delivery_7_days", fd.ds("delivery_7_days")), ("orders", fd.ds("orders")))


def open_by_search(driver: Chrome, text: str) -> str:
    """Type ``text`` in the search box and press Enter: the node the explorer then opened."""
    before = painted(driver)
    type_search(driver, text).send_keys(Keys.ENTER)
    wait_painted(driver, before)
    return opened(driver)


def test_search_opens_the_dataset_meant_from_the_keyboard(
    server: LiveServer, browser: Chrome
) -> None:
    open_explorer(browser, server)
    for text, meant in SEARCHES:
        assert open_by_search(browser, text) == meant
        assert "focus" in drawn(browser)[meant]["classes"]
    # a combobox: the arrow keys move through the hits, Escape closes, Enter opens the one chosen
    box = type_search(browser, "customer_email")
    assert box.get_attribute("role") == "combobox"
    hits = browser.find_elements(By.CSS_SELECTOR, "#search-results li[role=option]")
    texts = [hit.text for hit in hits]
    assert len(texts) == len(set(texts)) == 3  # each column hit names its dataset
    assert all("COLUMN" in t.upper() and "in public." in t and "food_delivery" in t for t in texts)
    assert "3 of 3 matches" in browser.find_element(By.ID, "search-total").text
    box.send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    assert box.get_attribute("aria-activedescendant") == "search-hit-1"
    assert hits[1].get_attribute("aria-selected") == "true"
    chosen = hits[1].get_attribute("data-id")
    box.send_keys(Keys.ESCAPE)
    assert box.get_attribute("aria-expanded") == "false"
    assert not browser.find_element(By.ID, "search-results").is_displayed()
    box.send_keys(Keys.ARROW_DOWN)
    wait(browser, "document.getElementById('search').getAttribute('aria-expanded') === 'true'", "")
    box.send_keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    before = painted(browser)
    box.send_keys(Keys.ENTER)
    wait_painted(browser, before)
    assert browser.execute_script("return window.explorer.state.path") == chosen
    # a filter by kind
    browser.find_element(By.CSS_SELECTOR, "#search-filters summary").click()
    Select(control(browser, "Kind")).select_by_visible_text("column")
    type_search(browser, "orders")
    kinds = {
        li.get_attribute("data-kind")
        for li in browser.find_elements(By.CSS_SELECTOR, "#search-results li[role=option]")
    }
    assert kinds == {"COLUMN"}


def test_search_takes_a_qualified_name_or_an_id_and_lands_on_that_node(
    server: LiveServer, browser: Chrome
) -> None:
    open_explorer(browser, server)
    email = fd.col("customers", "email")
    for text in ("customers.email", "food_delivery:public.customers.email", email):
        before = painted(browser)
        type_search(browser, text).send_keys(Keys.ENTER)
        wait_painted(browser, before)
        assert browser.execute_script("return window.explorer.state.path") == email, text
        assert opened(browser) == fd.ds("customers"), text
    for text, meant in (
        ("food_delivery:public.orders", fd.ds("orders")),
        (fd.ds("delivery_7_days"), fd.ds("delivery_7_days")),
        (fd.job("etl_orders_7_days"), fd.job("etl_orders_7_days")),
    ):
        assert open_by_search(browser, text) == meant, text
        assert "focus" in drawn(browser)[meant]["classes"]


def test_a_column_draws_its_path_across_datasets(
    server: LiveServer, browser: Chrome, tmp_path
) -> None:
    open_explorer(browser, server)
    email = fd.col("delivery_7_days", "customer_email")
    before = painted(browser)
    type_search(browser, "customer_email")
    browser.find_element(
        By.CSS_SELECTOR, f"#search-results li[data-id={json.dumps(email)}]"
    ).click()
    wait_painted(browser, before)
    nodes = drawn(browser)
    upstream = fd.col("customers", "email")
    downstream = fd.col("top_delivery_times", "customer_email")
    # the path's datasets, each with only its columns on the path, the rest one "+N columns"
    path = {email, upstream, downstream, fd.col("discounts", "customer_email")}
    assert {id for id, n in nodes.items() if n["kind"] == "COLUMN"} == path
    assert {id for id, n in nodes.items() if n["kind"] == "DATASET"} == {
        fd.ds(name) for name in ("customers", "delivery_7_days", "top_delivery_times", "discounts")
    }
    for column in path:
        assert "path" in nodes[column]["classes"], column
    assert nodes[upstream]["parent"] == fd.ds("customers")
    children = browser.execute_script(
        """return window.explorer.cy.getElementById(arguments[0]).children()
        .sort((a, b) => a.position('y') - b.position('y')).map((c) => c.data('label'))""",
        fd.ds("delivery_7_days"),
    )
    assert children[0] == "customer_email" and len(children) == 2
    assert children[1].startswith("+") and children[1].endswith(" columns")
    # the path's edges, emphasised, and no other column edge
    column_edges = {
        tuple(edge)
        for edge in browser.execute_script(
            "return window.explorer.cy.edges('.column').map((e) => [e.source().id(), e.target().id(), e.hasClass('path')])"
        )
    }
    assert (upstream, email, True) in column_edges and (email, downstream, True) in column_edges
    assert all(on_path for _, _, on_path in column_edges)
    assert overlapping(boxes(browser)) == []
    assert "path=" in browser.current_url
    assert (
        "column path of customer_email: 4 datasets and 4 columns"
        in browser.find_element(By.ID, "status").text
    )
    # the column's panel: its dataset as a link, and its type
    wait(browser, "document.getElementById('detail-type')", "the column's panel shows no type")
    dataset = browser.find_element(By.CSS_SELECTOR, "#detail-dataset a")
    assert dataset.get_attribute("data-node") == fd.ds("delivery_7_days")
    assert dataset.text == "public.delivery_7_days"
    assert browser.find_element(By.ID, "detail-type").text == "VARCHAR"
    screenshot(browser, tmp_path, "explorer-column-path.png")
    # its permalink reopens the column path, not the dataset
    link = browser.current_url
    open_explorer(browser, server, link[link.index("#") :])
    wait(browser, "window.explorer.state.path", "the permalink opened no column path")
    assert {id for id, n in drawn(browser).items() if n["kind"] == "COLUMN"} == path
    # "+N columns" draws the dataset's other columns, in schema order, top to bottom
    before = painted(browser)
    click_node(browser, f"more|{fd.ds('delivery_7_days')}")
    wait_painted(browser, before)
    order = browser.execute_script(
        """return window.explorer.cy.getElementById(arguments[0]).children()
        .sort((a, b) => a.position('y') - b.position('y')).map((c) => c.data('label'))""",
        fd.ds("delivery_7_days"),
    )
    assert order[:5] == [
        "order_id",
        "order_placed_on",
        "order_dispatched_on",
        "order_delivered_on",
        "customer_email",
    ]
    assert len(order) == int(children[1].split()[0][1:]) + 1
    # the global columns toggle draws every drawn dataset's columns
    before = painted(browser)
    control(browser, "Columns").click()
    wait_painted(browser, before)
    assert drawn(browser)[fd.col("customers", "id")]["parent"] == fd.ds("customers")


def test_back_returns_to_the_previous_view(server: LiveServer, browser: Chrome) -> None:
    open_explorer(browser, server)
    for text, meant in SEARCHES:
        assert open_by_search(browser, text) == meant
    before = painted(browser)
    browser.back()
    wait_painted(browser, before)
    assert opened(browser) == fd.ds("delivery_7_days")
    assert "focus" in drawn(browser)[fd.ds("delivery_7_days")]["classes"]
    before = painted(browser)
    browser.forward()
    wait_painted(browser, before)
    assert opened(browser) == fd.ds("orders")


def test_dark_mode_follows_the_browser(server: LiveServer, browser: Chrome, tmp_path) -> None:
    driver = browser
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    open_explorer(driver, server, f"#node={fd.ds('delivery_7_days')}")
    wait(driver, "document.body.dataset.painted", "nothing drawn")
    background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    label = driver.execute_script(
        "return window.explorer.cy.getElementById(arguments[0]).style('color')",
        fd.ds("delivery_7_days"),
    )
    assert luminance(background) < 0.2 and luminance(label) > 0.6
    screenshot(driver, tmp_path, "explorer-dark.png")


def luminance(css: str) -> float:
    """The lightness of a CSS rgb() colour, 0 (black) to 1 (white)."""
    parts = css[css.index("(") + 1 : css.index(")")].split(",")
    r, g, b = (float(p) / 255 for p in parts[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_export_svg_and_png(server: LiveServer, browser: Chrome) -> None:
    open_explorer(browser, server, f"#node={fd.ds('delivery_7_days')}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    for name, kind in (("Export SVG", "svg"), ("Export PNG", "png")):
        control(browser, name).click()
        link = browser.find_element(By.ID, "export-link")
        assert link.get_attribute("download") == f"lineage-public.delivery_7_days.{kind}"
        data = blob(browser, "export-link")
        if kind == "svg":
            text = data.decode()
            assert text.startswith("<svg") and "public.delivery_7_days" in text
            assert "etl_delivery_7_days" in text and "<line" in text
        else:
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def blob(driver: Chrome, link_id: str) -> bytes:
    """The bytes a download link (a blob: URL made by the page) holds."""
    return bytes(
        driver.execute_async_script(
            """const done = arguments[arguments.length - 1];
            fetch(document.getElementById(arguments[0]).href).then((r) => r.arrayBuffer())
              .then((b) => done(Array.from(new Uint8Array(b))))""",
            link_id,
        )
    )


def test_panels_show_run_history_readable_facets_and_a_sortable_impact_table(
    server: LiveServer, browser: Chrome
) -> None:
    open_explorer(browser, server, f"#node={fd.job('etl_orders_7_days')}")
    wait(browser, "document.querySelector('#runs tbody tr')", "no run history")
    state, started, took = (
        td.text for td in browser.find_elements(By.CSS_SELECTOR, "#runs tbody tr td")[:3]
    )
    assert state == "COMPLETE" and started.startswith("2026-01-05") and took.endswith(("s", "min"))
    # facets as fields, a failing quality assertion flagged, the JSON on demand
    open_explorer(browser, server, "#node=dataset:quality:checked")
    wait(browser, "document.querySelector('details.facet')", "no facets")
    facet = browser.find_element(By.CSS_SELECTOR, "details.facet[data-facet=dataQualityAssertions]")
    assert "1 failing" in facet.find_element(By.TAG_NAME, "summary").text
    assert "unique" in facet.find_element(By.CSS_SELECTOR, "li.failing").text
    raw = browser.find_element(By.CSS_SELECTOR, "details.facet-json")
    assert (
        raw.get_attribute("open") is None
        and not raw.find_element(By.TAG_NAME, "pre").is_displayed()
    )
    raw.find_element(By.TAG_NAME, "summary").click()
    assert json.loads(raw.find_element(By.TAG_NAME, "pre").text)["dataQualityAssertions"]
    # the impact table: sorted by a header, filtered, downloaded as CSV
    open_explorer(browser, server, f"#node={fd.ds('delivery_7_days')}&mode=impact&change=DROP")
    wait(browser, "document.querySelector('#impact-affected tbody tr')", "no impact table")

    def rows() -> list[list[str]]:
        return [
            [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in browser.find_elements(By.CSS_SELECTOR, "#impact-affected tbody tr")
        ]

    everything = rows()
    name = browser.find_element(By.CSS_SELECTOR, "#impact-affected th[data-sort=name]")
    name.click()
    ascending = [row[1] for row in rows()]
    assert (
        ascending == sorted(ascending, key=str.lower)
        and name.get_attribute("aria-sort") == "ascending"
    )
    name.click()
    assert [row[1] for row in rows()] == ascending[::-1]
    browser.find_element(By.ID, "impact-filter").send_keys("discount")
    filtered = rows()
    assert 0 < len(filtered) < len(everything)
    assert all("discount" in " ".join(row).lower() for row in filtered)
    browser.find_element(By.ID, "impact-csv").click()
    lines = blob(browser, "impact-csv-link").decode().splitlines()
    assert lines[0] == "severity,id,kind,namespace,dataset,name,distance,certain,via"
    assert len(lines) == 1 + len(filtered) and all("discount" in line for line in lines[1:])


def test_the_graph_works_from_the_keyboard(server: LiveServer, browser: Chrome) -> None:
    open_explorer(browser, server, f"#node={fd.ds('top_delivery_times')}")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    graph = control(
        browser,
        "Lineage graph: arrow keys move between nodes, Enter opens one, "
        "[ and ] draw what is hidden up- and downstream",
    )
    browser.execute_script("arguments[0].focus()", graph)  # as Tab would
    graph.send_keys(Keys.ARROW_LEFT)  # the first key selects the node opened
    selected = lambda: browser.execute_script("return window.explorer.selected")  # noqa: E731
    assert selected() == fd.ds("top_delivery_times")
    graph.send_keys(Keys.ARROW_LEFT)
    assert selected() == fd.job("delivery_times_7_days")  # its writer, upstream
    graph.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    assert selected() == fd.job("etl_delivery_7_days")
    assert "selected:" in browser.find_element(By.ID, "status").text
    # walk to orders_7_days, whose upstream is hidden, and draw it with "["
    browser.execute_script(
        "const cy = window.explorer.cy; cy.nodes().unselect(); cy.getElementById(arguments[0]).select()",
        fd.ds("orders_7_days"),
    )
    before = painted(browser)
    graph.send_keys("[")
    wait_painted(browser, before)
    assert fd.job("etl_orders_7_days") in drawn(browser)
    graph.send_keys(Keys.ENTER)
    wait(
        browser,
        "document.querySelector('#panel h2') && document.querySelector('#panel h2').textContent === 'public.orders_7_days'",
        "Enter did not open the node's details",
    )


def uncovered(driver: Chrome) -> dict[str, Any]:
    """The opening view as a person sees it: the drawn nodes (badges aside) not wholly inside the
    canvas or lying under the toolbar, the legend or the minimap, and the smallest label drawn."""
    return driver.execute_script("""const cy = window.explorer.cy;
        const canvas = cy.container().getBoundingClientRect();
        const covers = ['toolbar', 'legend', 'minimap'].map((id) => document.getElementById(id))
          .filter((e) => e && !e.hidden && e.offsetParent !== null).map((e) => e.getBoundingClientRect());
        const nodes = cy.nodes().not('.stub');
        const hidden = nodes.filter((n) => !n.isChild()).filter((n) => {
          const b = n.renderedBoundingBox({ includeLabels: false, includeOverlays: false, includeUnderlays: false });
          const [x1, y1, x2, y2] = [b.x1 + canvas.left, b.y1 + canvas.top, b.x2 + canvas.left, b.y2 + canvas.top];
          const inside = x1 >= canvas.left && y1 >= canvas.top && x2 <= canvas.right && y2 <= canvas.bottom;
          return !inside || covers.some((r) => x1 < r.right && r.left < x2 && y1 < r.bottom && r.top < y2);
        }).map((n) => n.id());
        const smallest = Math.min(...nodes.map((n) => parseFloat(n.renderedStyle('font-size'))));
        return { hidden, smallest, drawn: nodes.length }""")


@pytest.mark.parametrize("size", [(1400, 900), (1920, 1080)])
def test_every_view_opens_whole_on_screen_and_readable(
    server: LiveServer, browser: Chrome, size: tuple[int, int], tmp_path
) -> None:
    email = fd.col("delivery_7_days", "customer_email")
    views = {
        "lineage": f"#node={fd.ds('delivery_7_days')}",
        "column path": f"#node={fd.ds('delivery_7_days')}&path={email}",
        "impact": f"#node={fd.col('customers', 'email')}&mode=impact&change=DROP",
        "depth all": f"#node={fd.ds('orders')}&depth=all",
    }
    browser.set_window_size(*size)
    try:
        for name, fragment in views.items():
            open_explorer(browser, server, fragment)
            wait(browser, "document.body.dataset.painted", f"{name}: nothing drawn")
            browser.execute_script(
                "return new Promise((done) => requestAnimationFrame(() => done()))"
            )
            seen = uncovered(browser)
            assert seen["drawn"] > 1, name
            assert seen["hidden"] == [], f"{name} at {size}: off screen or under a control"
            assert seen["smallest"] >= READABLE_PX, (
                f"{name} at {size}: labels {seen['smallest']} px"
            )
            assert screenshot(browser, tmp_path, f"{name.replace(' ', '-')}-{size[0]}.png") > 0
    finally:
        browser.set_window_size(1400, 900)


TALL = 18  # datasets written from tall.hub: a rank twice as tall as the window holds readably


def test_an_impact_with_a_tall_rank_opens_wrapped_into_columns_with_whole_names(
    server: LiveServer, browser: Chrome, tmp_path
) -> None:
    names = [f"tall.product_of_quotes.table_quotes_{i:02d}" for i in range(TALL)]
    event = complete(
        "spread",
        [{"namespace": "tall", "name": "hub"}],
        [{"namespace": "tall", "name": name} for name in names],
        job_namespace="tall",
    )
    httpx.post(f"{server.url}/api/v1/lineage", json=event, timeout=30).raise_for_status()
    open_explorer(browser, server, "#node=dataset:tall:hub&mode=impact&change=DROP")
    wait(browser, "document.body.dataset.painted", "nothing drawn")
    # every affected dataset drawn, whole on screen and readable: the tall rank in columns
    seen = uncovered(browser)
    assert seen["drawn"] == TALL + 2 and seen["hidden"] == []
    assert seen["smallest"] >= READABLE_PX
    nodes = drawn(browser)
    columns = {round(view(browser)["positions"][f"dataset:tall:{n}"]["x"]) for n in names}
    assert len(columns) >= 2
    assert overlapping(boxes(browser)) == []
    # each name whole, broken where its parts meet, not cut
    for name in names:
        lines = nodes[f"dataset:tall:{name}"]["lines"]
        assert "".join(lines) == name and len(lines) == 2, lines
        assert lines[0].endswith("."), lines
    assert screenshot(browser, tmp_path, "impact-tall-rank.png") > 0
