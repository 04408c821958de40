"""The explorer shows what the graph knows of a dataset's health and schema history, in a real
headless Chromium on the demo: a dataset failing a check and the one it feeds are marked on the
graph; the panel gives the status and its reasons as sentences (the failing upstream dataset a
link, its path drawn on demand), the checks with
their results (failures first), and the schema versions with the breaking change that made the
newest one.

Set LINEAGEMESH_SCREENSHOTS=DIR to keep the screenshots."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from browser import click_node, drawn, open_explorer, painted, screenshot, wait, wait_painted
from explorer_demo import demo_server
from live_server import LiveServer
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By

CHECKED = "dataset:quality:checked"
REPORT = "dataset:quality:report"
EVOLVING = "dataset:quality:evolving"
PRODUCER = "https://example.com/tests"


def schema_event(when: str, columns: list[str]) -> dict[str, Any]:
    """quality.writer writes quality.evolving with these columns."""
    return {
        "eventType": "COMPLETE",
        "eventTime": when,
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "quality", "name": "writer"},
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "outputs": [
            {
                "namespace": "quality",
                "name": "evolving",
                "facets": {
                    "schema": {
                        "_producer": PRODUCER,
                        "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
                        "fields": [{"name": c, "type": "VARCHAR"} for c in columns],
                    }
                },
            }
        ],
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with demo_server(tmp_path_factory.mktemp("quality")) as running:
        for event in (
            schema_event("2026-01-05T06:00:00Z", ["id", "email", "name"]),
            schema_event("2026-01-06T06:00:00Z", ["id", "name"]),  # email dropped: breaking
        ):
            httpx.post(f"{running.url}/api/v1/lineage", json=event, timeout=30).raise_for_status()
        yield running


def test_failing_and_at_risk_datasets_are_marked_and_explained(
    server: LiveServer, browser: Chrome, tmp_path
) -> None:
    open_explorer(browser, server, f"#node={REPORT}")
    wait(
        browser,
        f"window.explorer.cy.getElementById({CHECKED!r}).hasClass('health-FAILING')",
        "the failing dataset is not marked",
    )
    nodes = drawn(browser)
    assert "health-AT_RISK" in nodes[REPORT]["classes"]
    assert not any("health-" in c for c in nodes["job:quality:check_orders"]["classes"])
    # the marks are drawn (an underlay round the node), and the legend says what they mean
    underlay = browser.execute_script(
        "return window.explorer.cy.getElementById(arguments[0]).style('underlay-opacity')", CHECKED
    )
    assert float(underlay) > 0
    legend = (
        browser.find_element(By.ID, "legend").get_attribute("textContent") or ""
    )  # folded or not
    assert "failing a check" in legend and "at risk" in legend
    assert screenshot(browser, tmp_path, "health.png") > 0
    # the panel: AT RISK, because quality.checked upstream fails its unique check on email
    click_node(browser, REPORT)
    wait(browser, "document.querySelector('#health-status .health')", "no health in the panel")
    assert browser.find_element(By.CSS_SELECTOR, "#health-status .health").text == "AT RISK"
    reasons = browser.find_element(By.ID, "health-reasons")
    # a sentence naming the check, its column and where it is, the dataset a link: no ids, no arrows
    sentence = reasons.find_element(By.TAG_NAME, "li").text
    assert sentence.startswith("Failing check unique"), sentence
    assert "on column email of checked, 1 hop upstream: failed" in sentence, sentence
    assert "dataset:" not in sentence and "->" not in sentence
    assert reasons.find_element(By.CSS_SELECTOR, f"a[data-node='{CHECKED}']")
    # the path on demand: the Path to… view from here to the failing dataset
    before = painted(browser)
    reasons.find_element(By.CSS_SELECTOR, f"button[data-route='{CHECKED}']").click()
    wait_painted(browser, before)
    assert browser.find_element(By.ID, "route-text").text.startswith("Path from quality checked to")
    assert "route" in drawn(browser)[CHECKED]["classes"]
    wait(browser, "document.querySelector('#health-reasons a')", "the panel did not come back")
    reasons = browser.find_element(By.ID, "health-reasons")
    # a link to the failing dataset opens it: FAILING, its checks with the failure first
    reasons.find_element(By.CSS_SELECTOR, f"a[data-node='{CHECKED}']").click()
    wait(
        browser,
        "document.querySelector('#health-status .health')?.textContent === 'FAILING'",
        "the failing dataset's panel did not open",
    )
    heading = browser.find_element(By.XPATH, "//h3[starts-with(., 'Checks')]").text
    assert heading == "Checks (1 failing of 2)"
    first = [
        td.text
        for td in browser.find_elements(By.CSS_SELECTOR, "#assertions tbody tr")[0].find_elements(
            By.TAG_NAME, "td"
        )
    ]
    assert first[1:3] == ["email", "FAIL"], first


def test_the_panel_lists_versions_with_their_breaking_changes(
    server: LiveServer, browser: Chrome
) -> None:
    open_explorer(browser, server, f"#node={EVOLVING}")
    click_node(browser, EVOLVING)
    wait(browser, "document.querySelector('#versions li.version')", "no versions in the panel")
    versions = browser.find_elements(By.CSS_SELECTOR, "#versions li.version")
    assert len(versions) == 2
    newest, oldest = versions
    assert newest.text.startswith("2026-01-06") and "2 columns" in newest.text
    breaking = newest.find_element(By.CSS_SELECTOR, ".sev-BREAKING")
    assert breaking.text == "BREAKING"
    assert "email" in newest.text
    assert "the first version seen" in oldest.text and "3 columns" in oldest.text
    assert (
        "1 breaking change"
        in browser.find_element(By.XPATH, "//h3[starts-with(., 'Versions')]").text
    )
