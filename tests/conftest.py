"""Shared fixtures: real stores (embedded and a real Neo4j server), a real Kafka broker, the corpora,
a live HTTP server.

Every test that takes ``store`` or ``open_test_store`` runs once per store: that is the
conformance suite. Neo4j is started once per session from the cached Community jars
(``scripts/neo4j-server``) unless ``LINEAGEMESH_TEST_NEO4J`` names a running server; Kafka
likewise (``scripts/kafka-server``, ``LINEAGEMESH_TEST_KAFKA``), for the tests that ask for it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO / "tests" / "corpora"  # vendored, with their licences (tests/corpora/README.md)
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests"))

from devservers import USER_CACHE  # noqa: E402, F401  # caches a fresh clone of the same sources reuses
from devservers.neo4j import wipe as _wipe_neo4j  # noqa: E402
from file_times import pytest_runtest_logreport, pytest_sessionfinish  # noqa: E402, F401

from graph.stores import Store, open_store  # noqa: E402

STORES = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]

#: The test files that take minutes of a core (sanitizers, servers killed and restarted, a build of
#: their own), longest first, by `scripts/test --durations` with the compiler and mypy caches warm
#: (the wheel and mypy take seconds then; ten and one minutes cold). They are handed to the workers
#: first (``scripts/test`` runs pytest-xdist with ``--no-loadscope-reorder``): handed out last, one of
#: them ran alone for minutes at the end of the suite while the other cores idled.
LONGEST_FIRST = (
    "test_memory_safety.py",
    "test_kafka_ingest.py",
    "test_native_core.py",
    "test_neo4j_import.py",
    "test_ws_admission.py",
    "test_wheel_install.py",
    "test_neo4j_server.py",
    "test_namespace_rule.py",
    "test_code_style.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files above first, then the others by their number of tests, most first (xdist's own
    order for whole files); a file's tests stay in their order."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    per_file: dict[Path, int] = {}
    for item in items:
        per_file[item.path] = per_file.get(item.path, 0) + 1
    items.sort(key=lambda item: (rank.get(item.path.name, len(rank)), -per_file[item.path]))


#: Where ``scripts/test``'s parallel run (``-m "not serial"``) writes the ids of the ``serial`` tests
#: it left out, one a line, so that the serial run collects only their files: collecting all of them
#: again took ~20 s of one core while the other idled (a sub-pytest a test starts inherits the
#: variable, but deselects nothing by that mark, so writes nothing).
SERIAL_TESTS = os.environ.get("LINEAGEMESH_SERIAL_TESTS")


def pytest_deselected(items: list[pytest.Item]) -> None:
    if not SERIAL_TESTS or not items or items[0].config.getoption("markexpr") != "not serial":
        return
    serial = [item.nodeid for item in items if item.get_closest_marker("serial") is not None]
    if serial:
        with open(SERIAL_TESTS, "a") as out:  # each worker writes them all: one write each
            out.write("".join(f"{nodeid}\n" for nodeid in serial))


def corpus(*parts: str) -> Path:
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"test corpus missing: {path} (vendored under tests/corpora)")
    return path


@pytest.fixture(scope="session")
def food_delivery_events() -> list[dict[str, Any]]:
    """The Marquez food_delivery seed: 26 RunEvents, START + COMPLETE per run."""
    return json.loads(corpus("marquez-food-delivery", "metadata.json").read_text())


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real Neo4j server for the whole session (or the one LINEAGEMESH_TEST_NEO4J names)."""
    external = os.environ.get("LINEAGEMESH_TEST_NEO4J")
    if external:
        yield type("External", (), {"uri": external})()
        return
    from devservers import neo4j as neo4j_launcher

    server = neo4j_launcher.start(data_dir=tmp_path_factory.mktemp("neo4j"))
    try:
        yield server
    finally:
        neo4j_launcher.stop(server)


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real Apache Kafka broker (KRaft) for the whole session (or the one LINEAGEMESH_TEST_KAFKA names)."""
    external = os.environ.get("LINEAGEMESH_TEST_KAFKA")
    if external:
        yield type("External", (), {"bootstrap_servers": external})()
        return
    from devservers import kafka as kafka_launcher

    server = kafka_launcher.start(data_dir=tmp_path_factory.mktemp("kafka"))
    try:
        yield server
    finally:
        kafka_launcher.stop(server.data_dir)


@pytest.fixture(scope="session")
def iceberg_rest_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real Iceberg REST catalog (``scripts/devservers/iceberg_rest.py``) for the whole session,
    as Neo4j and Kafka are: a JVM started once per worker, not once per test module."""
    missing = [tool for tool in ("java", "javac", "mvn") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"Iceberg REST server needs {', '.join(missing)}")
    from devservers import iceberg_rest

    server = iceberg_rest.start(warehouse=tmp_path_factory.mktemp("iceberg") / "warehouse")
    try:
        yield server
    finally:
        iceberg_rest.stop(server)
    assert not server.is_alive()


@pytest.fixture(scope="module")
def rest_server(iceberg_rest_server: Any) -> Any:
    """The session's Iceberg REST catalog, empty for each test module that takes it: a crawl sees
    only what the module's own tests wrote."""
    catalog = pytest.importorskip("pyiceberg.catalog")
    purge_catalog(
        catalog.load_catalog(
            "lake",
            type="rest",
            uri=iceberg_rest_server.uri,
            warehouse=iceberg_rest_server.warehouse_uri,
        )
    )
    return iceberg_rest_server


def purge_catalog(catalog: Any) -> None:
    """Empty an Iceberg catalog: its views, tables and namespaces, children before parents."""

    def walk(parent: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = []
        for ns in catalog.list_namespaces(parent) if parent else catalog.list_namespaces():
            found.extend(walk(tuple(ns)))
            found.append(tuple(ns))
        return found

    for ns in walk(()):
        for view in catalog.list_views(ns):
            catalog.drop_view(view)
        for table in catalog.list_tables(ns):
            catalog.purge_table(table)
        catalog.drop_namespace(ns)


@pytest.fixture(scope="session")
def browsers() -> Iterator[Any]:
    """The worker's one headless Chromium (``tests/browser.py``), started when a test first asks."""
    from browser import Browsers

    running = Browsers()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def browser(browsers: Any) -> Any:
    """A real headless Chromium for one test: the worker's, on a new tab with nothing of the tests
    before it (``Browsers.fresh``)."""
    return browsers.fresh()


@pytest.fixture
def neo4j_and_reference(neo4j_server: Any, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """An empty Neo4j store and an empty embedded store beside it: the same mutations applied to
    both must give the same graph (the embedded store is the reference)."""
    from graph.stores.embedded.store import EmbeddedStore
    from graph.stores.neo4j import Neo4jStore

    _wipe_neo4j(neo4j_server.uri)
    store, reference = Neo4jStore(neo4j_server.uri), EmbeddedStore(tmp_path / "reference")
    yield store, reference
    store.close()
    reference.close()


@pytest.fixture(params=STORES)
def store_args(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    """The store under test as CLI options (``--data-dir DIR`` or ``--store bolt://...``), empty.

    Every store-taking fixture below derives from this one, so a test that uses several of them
    sees one and the same store.
    """
    if request.param == "embedded":
        return ["--data-dir", str(tmp_path / "store")]
    server = request.getfixturevalue("neo4j_server")
    _wipe_neo4j(server.uri)
    # The raw event log of a Neo4j deployment is a directory of its own (graph.eventlog.event_log): this test's.
    request.getfixturevalue("monkeypatch").setenv(
        "LINEAGEMESH_EVENT_LOG", str(tmp_path / "event-log")
    )
    return ["--store", server.uri]


@pytest.fixture
def server_store_args(store_args: list[str]) -> list[str]:
    return store_args


@pytest.fixture
def open_test_store(store_args: list[str]) -> Iterator[Callable[[], Store]]:
    """Opens the store under test; calling it again reopens the same data (a restart)."""
    opened: list[Store] = []
    flag, location = store_args

    def opener() -> Store:
        opened.append(open_store(location) if flag == "--store" else open_store(data_dir=location))
        return opened[-1]

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def store(open_test_store: Callable[[], Store]) -> Store:
    return open_test_store()


@pytest.fixture(params=[False, True], ids=["own-reads", "primitives"])
def read_modes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs a test twice on each store: with views reading as the store offers (the native graph,
    the store's own ``neighbourhood``), and through the store's primitives alone, as they read a
    store with neither capability (``graph.stores.neighbourhood``). Answers must not differ."""
    if request.param:  # (the embedded store's views always read its native graph in place)
        import graph.stores
        from graph.stores.neo4j.store import Neo4jStore

        monkeypatch.setattr(graph.stores, "reads_neighbourhoods", lambda store: False)
        monkeypatch.setattr(Neo4jStore, "walk_ahead", None)  # no read-ahead: a level per read


@pytest.fixture
def live_server(server_store_args: list[str], tmp_path: Path) -> Iterator[Any]:
    """A running ``lineagemesh serve`` on a free 127.0.0.1 port, on the store under test."""
    from live_server import LiveServer

    server = LiveServer(server_store_args, tmp_path / "server.log").start()
    try:
        yield server
    finally:
        server.stop()
