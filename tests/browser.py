"""A real headless Chromium (Debian's ``chromium`` + ``chromium-driver``, driven by selenium) that
records every network request a page makes, from the DevTools performance log."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from live_server import LiveServer
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver import ActionChains, Chrome
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WINDOW = (1400, 900)  # the window's size, unless a test asks for another
WAIT_SECONDS = 60  # generous: the machine is shared; a test waits for a state, never on the clock


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        f"{' or '.join(names)} not installed: scripts/bootstrap test installs Debian's chromium and chromium-driver"
    )


@contextmanager
def chromium(width: int = WINDOW[0], height: int = WINDOW[1]) -> Iterator[webdriver.Chrome]:
    """A headless Chromium whose performance log holds the DevTools network events."""
    options = webdriver.ChromeOptions()
    options.binary_location = _binary("chromium", "chromium-browser")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # Chromium leaves its singleton socket's directory in the temp dir when it quits: a scratch
    # one of its own, removed after it, keeps a run of the suite from leaving ~30 behind in /tmp.
    scratch = tempfile.mkdtemp(prefix="lineagemesh-chromium-")
    service = Service(_binary("chromedriver"), env={**os.environ, "TMPDIR": scratch})
    try:
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(WAIT_SECONDS)
        try:
            yield driver
        finally:
            driver.quit()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class Browsers:
    """One Chromium for a whole run of tests (a worker's), each test on a tab of its own: starting
    one costs seconds of the machine's two cores, and a test suite opens dozens.

    A new tab leaves nothing of the test before it: its page, its sessionStorage and the per-page
    DevTools settings (emulated media, scripts added to new documents) went with its tab; the
    origins it visited lose their storage, cookies and the HTTP cache are cleared, the logs read."""

    def __init__(self) -> None:
        self._open: contextlib.ExitStack | None = None
        self._driver: webdriver.Chrome | None = None

    def fresh(self) -> webdriver.Chrome:
        """The browser on a new blank tab, the old tabs closed (a browser that died is started anew)."""
        if self._driver is not None:
            try:
                return _fresh_tab(self._driver)
            except WebDriverException:
                self.close()
        self._open = contextlib.ExitStack()
        self._driver = self._open.enter_context(chromium())
        return self._driver

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
        self._open = self._driver = None


def _fresh_tab(driver: webdriver.Chrome) -> webdriver.Chrome:
    old = driver.window_handles
    for handle in old:
        driver.switch_to.window(handle)
        origin = driver.execute_script("return location.origin")
        if origin and origin != "null":
            driver.execute_cdp_cmd(
                "Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"}
            )
    driver.switch_to.new_window("tab")
    tab = driver.current_window_handle
    for handle in old:
        driver.switch_to.window(handle)
        driver.close()
    driver.switch_to.window(tab)
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.set_window_size(*WINDOW)
    for log in ("performance", "browser"):
        driver.get_log(log)
    return driver


def wait(driver: webdriver.Chrome, script: str, message: str) -> Any:
    """Waits until the JavaScript expression ``script`` is truthy in the page; returns its value."""
    return WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: d.execute_script(f"return {script}"), message
    )


class Requests:
    """Every request the page made (URL and headers), read from the performance log as it grows."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver
        self.entries: list[dict] = []

    @property
    def urls(self) -> list[str]:
        return [entry["url"] for entry in self.collect()]

    def collect(self) -> list[dict]:
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message["params"]
            if message["method"] == "Network.requestWillBeSent":
                headers = {k.lower(): v for k, v in params["request"].get("headers", {}).items()}
                self.entries.append({"url": params["request"]["url"], "headers": headers})
            elif message["method"] == "Network.webSocketCreated":
                self.entries.append({"url": params["url"], "headers": {}})
        return self.entries

    def elsewhere(self, server_url: str) -> list[str]:
        """The requests that went to any host but the server (inline data: and blob: URLs aside)."""
        own = urlsplit(server_url).netloc
        return [
            url
            for url in self.urls
            if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != own
        ]


def non_background_pixels(png: Path, background: tuple[int, int, int] = (255, 255, 255)) -> int:
    """How many pixels of a screenshot differ from the background colour: how much was drawn."""
    from PIL import Image

    with Image.open(png) as image:
        histogram = image.convert("RGB").getcolors(maxcolors=1 << 24) or []
    return sum(count for count, colour in histogram if colour != background)


# ---- the explorer at /: what it draws, and a person's clicks on it --------------------------------


def keep(path: Path) -> None:
    """Copies a screenshot to $LINEAGEMESH_SCREENSHOTS, when set."""
    where = os.environ.get("LINEAGEMESH_SCREENSHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(where) / path.name)


def painted(driver: Chrome) -> int:
    return int(driver.execute_script("return Number(document.body.dataset.painted || 0)"))


def wait_painted(driver: Chrome, after: int) -> None:
    wait(
        driver,
        f"Number(document.body.dataset.painted || 0) > {after}",
        "the explorer did not redraw",
    )


def drawn(driver: Chrome) -> dict[str, dict[str, Any]]:
    """What cytoscape draws: each node by id with its classes, kind, domain, colour and label (its
    text whole; ``lines``: as broken into the lines drawn)."""
    nodes = driver.execute_script("""return window.explorer.cy.nodes().map((n) => ({ id: n.id(), classes: n.classes(),
        kind: n.data('kind') || null, domain: n.data('domain') || null, colour: n.data('colour') || null,
        label: n.data('label'), shape: n.style('shape'), parent: n.data('parent') || null }))""")
    for node in nodes:
        node["lines"] = str(node["label"] or "").split("\n")
        node["label"] = "".join(node["lines"]) if node["label"] is not None else None
    return {node["id"]: node for node in nodes}


def drawn_edges(driver: Chrome) -> set[tuple[str, str, str]]:
    edges = driver.execute_script(
        "return window.explorer.cy.edges().map((e) => [e.source().id(), e.target().id(), e.classes().join(' ')])"
    )
    return {tuple(edge) for edge in edges}


def open_explorer(
    driver: Chrome, server: LiveServer, fragment: str = "", ready: bool = True
) -> Requests:
    requests = Requests(driver)
    if driver.current_url.startswith(server.url):
        driver.get("about:blank")  # a new page load: another fragment alone would not reload it
    driver.get(f"{server.url}/{fragment}")
    if ready:
        wait(driver, "window.explorer && window.explorer.ready", "the explorer did not start")
    return requests


def search_and_pick(driver: Chrome, text: str, node_id: str) -> None:
    before = painted(driver)
    box = driver.find_element(By.ID, "search")
    box.clear()
    box.send_keys(text)
    wait(
        driver,
        f"document.querySelector('#search-results li[data-id={json.dumps(node_id)}]')",
        f"no search hit {node_id}",
    )
    driver.find_element(
        By.CSS_SELECTOR, f"#search-results li[data-id={json.dumps(node_id)}]"
    ).click()
    wait_painted(driver, before)


def click_node(driver: Chrome, node_id: str) -> None:
    """A real mouse click on a node where cytoscape drew it (panned into view first, as a person
    would, when the node is off screen)."""
    graph = driver.find_element(By.ID, "graph")
    x, y = driver.execute_script(
        """const cy = window.explorer.cy; const node = cy.getElementById(arguments[0]);
        let p = node.renderedPosition();
        if (p.x < 20 || p.y < 20 || p.x > cy.width() - 20 || p.y > cy.height() - 20) {
          cy.center(node); p = node.renderedPosition(); }
        return [p.x, p.y]""",
        node_id,
    )
    size = graph.size
    ActionChains(driver).move_to_element_with_offset(
        graph, int(x - size["width"] / 2), int(y - size["height"] / 2)
    ).click().perform()


def expand(driver: Chrome, node_id: str, side: str) -> None:
    before = painted(driver)
    click_node(driver, f"stub|{side}|{node_id}")
    wait_painted(driver, before)


def cluster_id(node_id: str, side: str, kind: str, by: str, name: str) -> str:
    """The id of the cluster node of ``node_id``'s neighbours of ``kind`` in domain or namespace
    (``by``) ``name`` on one side ("up" or "down")."""
    return f"cluster|{side}|{kind}|{by}|{name}|{node_id}"


def expand_cluster(driver: Chrome, cluster: str) -> None:
    """Clicks a cluster node: the next page of its members is drawn."""
    before = painted(driver)
    click_node(driver, cluster)
    wait_painted(driver, before)


def draw_hidden(driver: Chrome, name: str) -> None:
    """Filter the list of a side's nodes not drawn by ``name``, which must leave that one node,
    and draw it."""
    driver.find_element(By.ID, "hidden-filter").send_keys(name)
    picked = driver.find_elements(By.CSS_SELECTOR, "#hidden-list a")
    assert [a.text for a in picked] == [name]
    before = painted(driver)
    picked[0].click()
    wait_painted(driver, before)


def screenshot(driver: Chrome, tmp_path: Path, name: str) -> int:
    """Saves the graph pane as a PNG and counts its drawn (non-white) pixels."""
    path = tmp_path / name
    driver.find_element(By.ID, "graph").screenshot(str(path))
    keep(path)
    return non_background_pixels(path)
