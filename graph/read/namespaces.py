"""The namespaces of a store, kept between requests: what Marquez's ``/namespaces`` lists (and,
from the same scan, its ``/sources`` and ``/tags``: ``graph.read.catalog.listing``).

Namespaces are not nodes (``graph.read.catalog``): listing them reads every dataset and job, 0.4-1 s on
a graph of 255k nodes. Done per request, any reader could keep the server scanning at will. So
the list is an index, built by one scan in a thread of its own and answered from memory. It is
built again only when the graph changed (``graph.read.change_feed``: every apply of this process) or
``max_age_seconds`` passed (writes by another process to a shared Neo4j); a request that finds it
older than the graph it arrived at waits for the one rebuild in flight (shared by every request
arriving meanwhile, so at most one scan runs at a time whatever the request rate), for no longer
than its own time budget. Answers are never older than the request. One namespace by name is
taken from the index while it is current, else read from its own nodes (``graph.read.catalog``), which
costs less than waiting for a rebuild.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from graph.read import catalog
from graph.read.catalog import Listing, Namespace
from graph.read.change_feed import ChangeFeed
from graph.read.view import GraphView
from graph.stores import Store, StoreUnavailable

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 30.0


class NotReady(Exception):
    """The index was not rebuilt within the time the caller could wait."""


class NamespaceIndex:
    """Every namespace of ``store`` by name, as of its last build."""

    def __init__(
        self,
        store: Store,
        changes: ChangeFeed | None = None,
        max_age_seconds: float = MAX_AGE_SECONDS,
        on_build: Callable[[], object] | None = None,
    ) -> None:
        self.store = store
        self.changes = changes
        self.max_age_seconds = max_age_seconds
        self.on_build = on_build  # told after each scan (a metric)
        self._lock = threading.Lock()
        self._by_name: dict[str, Namespace] = {}
        self._listed = Listing([], [], [])
        self._built_at = 0.0
        self._generation = -1  # of the graph the last build read (-1: none yet)
        self._failure: StoreUnavailable | None = None
        self._building: threading.Event | None = None

    def namespaces(self, wait_seconds: float) -> list[Namespace]:
        """Every namespace, by name, as of this call or later; raises NotReady when a rebuild
        takes longer than ``wait_seconds``, StoreUnavailable when it failed."""
        return self.listing(wait_seconds).namespaces

    def listing(self, wait_seconds: float) -> Listing:
        """Namespaces, dataset sources and tags from the same scan, as ``namespaces`` waits."""
        self._fresh(wait_seconds)
        return self._listed

    def known(self, name: str) -> Namespace | None:
        """The namespace of that name if the index is current and holds it; None otherwise (the
        caller reads it from its own nodes, which costs less than waiting for a rebuild)."""
        with self._lock:
            current = self._generation >= self._generation_now() and (
                time.monotonic() - self._built_at <= self.max_age_seconds
            )
            return self._by_name.get(name) if current else None

    def _generation_now(self) -> int:
        return self.changes.generation if self.changes is not None else 0

    def _fresh(self, wait_seconds: float) -> None:
        wanted = self._generation_now()
        deadline = time.monotonic() + wait_seconds
        while True:
            with self._lock:
                if self._generation >= wanted and (
                    time.monotonic() - self._built_at <= self.max_age_seconds
                ):
                    return
                if self._building is None:
                    self._failure = None
                    self._building = threading.Event()
                    threading.Thread(
                        target=self._build, args=(self._building,), name="lineagemesh-namespaces"
                    ).start()
                building = self._building
            if not building.wait(max(deadline - time.monotonic(), 0.0)):
                raise NotReady(
                    f"the namespace index is being rebuilt (it took over {wait_seconds:g} s)"
                )
            with self._lock:
                if self._failure is not None:
                    raise self._failure

    def _build(self, done: threading.Event) -> None:
        """One scan (in its own thread: a request that stops waiting does not stop it)."""
        try:
            generation = self._generation_now()  # read first: a change during the scan rebuilds
            listed = catalog.listing(GraphView(self.store))
            with self._lock:
                self._listed = listed
                self._by_name = {ns.name: ns for ns in listed.namespaces}
                self._built_at = time.monotonic()
                self._generation = generation
            if self.on_build is not None:
                self.on_build()
        except StoreUnavailable as e:
            log.warning("namespace index not rebuilt: %s", e)
            with self._lock:
                self._failure = e
        finally:
            with self._lock:
                self._building = None
            done.set()
