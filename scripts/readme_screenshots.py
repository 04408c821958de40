#!/usr/bin/env python3
"""The README's and docs' screenshots of the explorer (docs/images/), taken in the headless Chromium
the browser tests drive, in a 1400x900 window: the demo's delivery_7_days opened (explorer.png) and
its customer_email column path (explorer-column-path.png) from ``serve --demo``; with --mesh, the
path of a central column on a generated mesh (explorer-column-path-10k.png: the column the bench
opens, scripts/bench_explorer.py).

Usage::

    scripts/readme_screenshots.py                 # the two demo ones, into docs/images
    scripts/readme_screenshots.py --mesh 10000    # and the 10k column path (loads the mesh: ~1 min)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests"))

from bench_explorer import big_views, load_mesh  # noqa: E402
from browser import chromium, wait  # noqa: E402
from devservers.lineagemesh import LineagemeshServer  # noqa: E402

DELIVERY = "dataset:food_delivery:public.delivery_7_days"
EMAIL = "datasetField:food_delivery:public.delivery_7_days:customer_email"


def shoot(driver: Chrome, url: str, fragment: dict[str, str], out: Path) -> None:
    """Opens the view a link names, waits for it and what follows it (panel, health), saves it."""
    driver.get("about:blank")
    driver.get(f"{url}/#{urlencode(fragment)}")
    wait(driver, "window.explorer && document.body.dataset.painted", "nothing drawn")
    time.sleep(2.5)
    driver.save_screenshot(str(out))
    print(f"{out}: {driver.find_element(By.ID, 'status').text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    parser.add_argument(
        "--mesh", type=int, help="also a column path on a mesh of this many datasets"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        work = Path(tmp)
        demo = LineagemeshServer(["--data-dir", str(work / "demo")], work / "demo.log")
        demo.start(["--demo"])
        try:
            with chromium(1400, 900) as driver:
                shoot(driver, demo.url, {"node": DELIVERY}, args.out / "explorer.png")
                shoot(
                    driver,
                    demo.url,
                    {"node": DELIVERY, "path": EMAIL},
                    args.out / "explorer-column-path.png",
                )
        finally:
            demo.stop()
        if args.mesh:
            load_mesh(args.mesh, args.seed, work / "mesh", work)
            mesh = LineagemeshServer(["--data-dir", str(work / "mesh")], work / "mesh.log")
            mesh.start(timeout=600)
            try:
                views = big_views(mesh.url, args.mesh, args.seed)
                path = next(view for name, view in views.items() if name.startswith("column path"))
                with chromium(1400, 900) as driver:
                    shoot(
                        driver,
                        mesh.url,
                        path,
                        args.out / f"explorer-column-path-{args.mesh // 1000}k.png",
                    )
            finally:
                mesh.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
