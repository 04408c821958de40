#!/usr/bin/env python3
"""The explorer in a real headless Chromium (the one the browser tests drive) on a generated mesh
plus a 10k-node downstream radius: the time to first paint of that radius, and the time of an
expansion and of an "N more" page once 300 nodes are drawn (and the longest main-thread task
they had); then the views a person opens on a big
mesh (a hub and a spine dataset at depth all, the column path of a spine dataset's column, the
impact of dropping a hub's column), each its paint time and the longest main-thread task the page
had while opening it (PerformanceObserver ``longtask``). Prints the figures; asserts nothing.

Usage::

    scripts/bench_explorer.py --datasets 10000            # a few minutes on a small machine
    scripts/bench_explorer.py --datasets 100000 --runs 5  # the 100k bench mesh

The mesh comes from scripts/generate_mesh.py (deterministic per --seed), loaded with
``python -m graph ingest openlineage`` into an embedded store; the server is the one the tests
start (scripts/devservers). Times are measured in the page (performance.now()): from navigation
start to the first painted frame, and from the click to the redrawn frame.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests"))

from browser import chromium, wait  # noqa: E402
from devservers.lineagemesh import LineagemeshServer, ingest_events  # noqa: E402
from generate_mesh import domain_rules, generate, mesh_shape  # noqa: E402

BREADTH = 100  # wide.root → a job → 100 datasets, each → a job → 100 more: a 10,202-node radius


def wide_events(breadth: int) -> list[dict[str, Any]]:
    def run(job: str, inputs: list[str], outputs: list[str]) -> dict[str, Any]:
        return {
            "eventType": "COMPLETE",
            "eventTime": "2026-01-05T06:00:00Z",
            "run": {"runId": str(uuid.uuid4())},
            "job": {"namespace": "wide", "name": job},
            "producer": "https://example.com/bench",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "inputs": [{"namespace": "wide", "name": n} for n in inputs],
            "outputs": [{"namespace": "wide", "name": n} for n in outputs],
        }

    middle = [f"mid_{i:03d}" for i in range(breadth)]
    return [run("split", ["root"], middle)] + [
        run(f"spread_{i:03d}", [name], [f"leaf_{i:03d}_{j:03d}" for j in range(breadth)])
        for i, name in enumerate(middle)
    ]


def load_mesh(datasets: int, seed: int, data_dir: Path, work: Path) -> None:
    import json

    events, rules = work / "mesh.ndjson", work / "domains.json"
    with events.open("w") as out:
        for event in generate(datasets, seed=seed):
            out.write(json.dumps(event) + "\n")
    rules.write_text(json.dumps(domain_rules(datasets)))
    ingest_events(events, data_dir, rules)


def click_badge(driver: Any, node: str, side: str = "down") -> float:
    """Taps the badge of ``node``'s hidden neighbours on one side as a click does (a "+N" badge,
    or the first cluster node of a fan-out bigger than the explorer pages); the ms until the
    redrawn frame. Fails (no such badge) rather than wait for a frame that will not come."""
    return driver.execute_async_script(
        """const [node, side, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
        const cy = window.explorer.cy;
        const badge = cy.nodes().filter((n) => {
          const of = n.data('stub') || n.data('cluster');
          return of && of.id === node && of.side === side;
        })[0];
        if (!badge) { done(-1); return; }
        const before = Number(document.body.dataset.painted || 0);
        const t0 = performance.now();
        const watch = new MutationObserver(() => {
          if (Number(document.body.dataset.painted || 0) > before) { watch.disconnect(); done(window.explorer.paintedAt - t0); }
        });
        watch.observe(document.body, { attributes: true, attributeFilter: ['data-painted'] });
        badge.emit('tap');""",
        node,
        side,
    )


def click(driver: Any, node: str, side: str = "down") -> float:
    taken = click_badge(driver, node, side)
    if taken < 0:
        raise RuntimeError(f"no {side} badge on {node}")
    return float(taken)


def phases(driver: Any) -> dict[str, float]:
    """The page's own split of its last view change (ms by phase: query, facts, elements, update,
    layout, stack and view for a new view, place, frame); empty from an explorer that does not
    time itself."""
    return dict(driver.execute_script("return window.explorer.timings || {}"))


def measure(server_url: str) -> dict[str, float]:
    with chromium() as driver:
        driver.set_script_timeout(60)  # a frame that never comes fails the run, bounded
        driver.get(f"{server_url}/#node=dataset:wide:root")
        wait(driver, "window.explorer && document.body.dataset.painted", "nothing drawn")
        first = driver.execute_script("return window.explorer.firstPaintMs")
        known = driver.execute_script("return window.explorer.model.nodes.size")
        real = "return window.explorer.cy.nodes().not('.stub, .cluster').length"
        expand_ms = [click(driver, "job:wide:split")]  # a page of the 100 mids
        i = 0
        while driver.execute_script(real) < 300:
            expand_ms.append(click(driver, f"dataset:wide:mid_{i:03d}"))  # its job
            expand_ms.append(click(driver, f"job:wide:spread_{i:03d}"))  # a page of its leaves
            i += 1
        drawn = driver.execute_script(real)
        driver.execute_script(LONG_TASKS)  # the longest task of the expansion and pages below
        at_300 = [click(driver, f"dataset:wide:mid_{i:03d}")]  # one hop
        pages = []
        for _ in range(2):  # a page of its 100 leaves, then the next page
            at_300.append(click(driver, f"job:wide:spread_{i:03d}"))
            pages.append(phases(driver))
        time.sleep(1)  # what the page still does after the last frame counts
        longest = driver.execute_script("return window.longest")
    slowest = max(zip(at_300[1:], pages), key=lambda page: page[0])[1]  # the page reported
    return {
        "longest_task_ms": longest,
        "first_paint_ms": first,
        "known": known,
        "drawn": drawn,
        "expand_ms": at_300[0],
        "more_page_ms": max(at_300[1:]),
        **{f"page_{phase}": ms for phase, ms in slowest.items()},
    }


LONG_TASKS = """window.longest = 0;
new PerformanceObserver((list) => {
  for (const task of list.getEntries()) window.longest = Math.max(window.longest, task.duration);
}).observe({ type: 'longtask' });"""


def dataset_id(name: str) -> str:
    """A generated dataset's node id (namespace warehouse://{domain})."""
    return f"dataset:warehouse://{name.split('.')[0]}:{name}"


def first_column(server_url: str, name: str) -> str:
    """The id of a generated dataset's first column (its ``id``)."""
    answer = httpx.post(
        f"{server_url}/graphql",
        json={
            "query": "query($ns: String!, $n: String!) { dataset(namespace: $ns, name: $n) { columns { id } } }",
            "variables": {"ns": f"warehouse://{name.split('.')[0]}", "n": name},
        },
        timeout=60,
    ).json()
    return str(answer["data"]["dataset"]["columns"][0]["id"])


def big_views(server_url: str, datasets: int, seed: int) -> dict[str, dict[str, str]]:
    """The views opened on a big mesh, as the URL fragments that name them."""
    shape = mesh_shape(datasets, seed)
    hub, spine = shape.hubs[0], shape.spine[len(shape.spine) // 2]
    column, hub_column = first_column(server_url, spine), first_column(server_url, hub)
    return {
        f"hub {hub} at depth all": {"node": dataset_id(hub), "depth": "all"},
        f"spine {spine} at depth all": {"node": dataset_id(spine), "depth": "all"},
        f"column path of {spine}.{column.rsplit(':', 1)[-1]}": {
            "node": dataset_id(spine),
            "path": column,
        },
        f"impact of dropping {hub}.{hub_column.rsplit(':', 1)[-1]}": {
            "node": hub_column,
            "mode": "impact",
            "change": "DROP",
        },
    }


def open_view(driver: Any, server_url: str, fragment: dict[str, str]) -> tuple[float, float]:
    """Opens a view from the landing page as a link does; (ms to its painted frame, the longest
    main-thread task in ms from the click to a second after that frame)."""
    from urllib.parse import urlencode

    driver.get(f"{server_url}/")
    wait(driver, "window.explorer && window.explorer.ready", "the explorer did not start")
    driver.execute_script(LONG_TASKS)
    t0 = driver.execute_script("return performance.now()")
    driver.execute_script("location.hash = arguments[0]", urlencode(fragment))
    wait(driver, "Number(document.body.dataset.painted || 0) > 0", "nothing drawn")
    painted = driver.execute_script("return window.explorer.paintedAt") - t0
    time.sleep(1)  # what the page still does after the frame (health, the panel) counts
    return float(painted), float(driver.execute_script("return window.longest"))


def measure_views(
    server_url: str, views: dict[str, dict[str, str]]
) -> dict[str, tuple[float, float]]:
    with chromium() as driver:
        driver.set_script_timeout(60)
        driver.set_window_size(1400, 900)
        return {name: open_view(driver, server_url, fragment) for name, fragment in views.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=10000, help="mesh size (default 10000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="page loads measured (default 3)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="an embedded store holding the mesh already (kept; the wide radius is posted to it "
        "again: re-runs, the same lineage): a 100k mesh takes ~20 min to load on a busy 2-core host",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-explorer-") as tmp:
        work = Path(tmp)
        store = args.data_dir or work / "store"
        if args.data_dir is None:
            print(f"loading a {args.datasets}-dataset mesh…", file=sys.stderr)
            load_mesh(args.datasets, args.seed, store, work)
        server = LineagemeshServer(["--data-dir", str(store)], work / "server.log")
        server.start(timeout=600)
        try:
            httpx.post(
                f"{server.url}/api/v1/lineage/batch", json=wide_events(BREADTH), timeout=300
            ).raise_for_status()
            results = [measure(server.url) for _ in range(args.runs)]
            views = big_views(server.url, args.datasets, args.seed)
            opened = [measure_views(server.url, views) for _ in range(args.runs)]
        finally:
            server.stop()

    def cell(key: str) -> str:
        values = [r[key] for r in results]
        return f"median {statistics.median(values):.0f} ms (max {max(values):.0f})"

    print(
        f"explorer on a {args.datasets}-dataset mesh + a {results[0]['known']}-node radius, {args.runs} runs"
    )
    print(f"  first paint of the radius:            {cell('first_paint_ms')}")
    print(f"  an expansion with {results[0]['drawn']} nodes drawn:    {cell('expand_ms')}")
    print(f'  an "N more" page with {results[0]["drawn"]}+ drawn:     {cell("more_page_ms")}')
    print(f"  the longest task of those:            {cell('longest_task_ms')}")
    split = [
        key for key in results[0] if key.startswith("page_") and all(key in r for r in results)
    ]
    if split:
        medians = ", ".join(
            f"{key.removeprefix('page_')} {statistics.median(r[key] for r in results):.0f}"
            for key in split
        )
        print(f"    its phases, median ms: {medians}")
    print("views at 1400x900: paint, and the longest main-thread task (median of runs, max)")
    for name in views:
        paint = [run[name][0] for run in opened]
        longest = [run[name][1] for run in opened]
        print(
            f"  {name}: paint {statistics.median(paint):.0f} ms (max {max(paint):.0f}), "
            f"longest task {statistics.median(longest):.0f} ms (max {max(longest):.0f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
