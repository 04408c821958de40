"""A real headless Chromium (Debian's ``chromium`` + ``chromium-driver``, driven by selenium) that
records every network request a page makes, from the DevTools performance log."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

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
def chromium(width: int = 1400, height: int = 900) -> Iterator[webdriver.Chrome]:
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
    driver = webdriver.Chrome(options=options, service=Service(_binary("chromedriver")))
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


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
