"""The process heap around a big resident graph: the cyclic garbage collector's policy.

The embedded graph is millions of long-lived container objects. CPython's cyclic GC re-walks all
of them on a full collection: ~0.7 s per million tracked objects on a 2-core VM, charged as a pause
to whichever request happened to allocate at that moment (the p99 of large queries), and the cost
grows with the graph. Two remedies, both process-wide and so decided by whoever owns the process
(the CLI, the server, the benchmark), never by the store:

* :func:`tune_gc` raises the thresholds, so collections of the young generations are rare;
* :func:`settle_heap` moves everything alive into the permanent generation (``gc.freeze``), so no
  later collection walks it. Frozen objects are never collected, so cyclic garbage they later
  turn into would leak: settle only where nothing else is in flight.
"""

from __future__ import annotations

import gc

HOLDING = 1_000_000
"""Young-generation threshold for a process whose new objects mostly live on: one holding the
graph (the embedded store) or translating a batch at a time (the HTTP ingest worker)."""
REMOTE = 100_000
"""... for a process serving a graph held elsewhere (Neo4j), whose requests leave cyclic garbage."""


def tune_gc(young: int = HOLDING) -> None:
    """GC thresholds for this process; ``young`` is :data:`HOLDING` or :data:`REMOTE`.

    A young-generation collection walks every container object allocated since the last one and
    still alive: during ingest that is the batch's new records and whatever it has in flight,
    ~0.35 µs each. Measured on the 10k mesh over HTTP (embedded store): at 700 (CPython's default)
    bulk ingest is 1.6x slower than at 100k; at 100k 25 collections cost 0.9 s of a 6.5 s load; at
    1M two cost 0.25 s (+10 % events/s). A 1M-object collection pauses ~120-270 ms, but over the
    embedded store only ingest gets there: a query frees its objects when it answers, and a
    10k-node answer holds ~60k at its peak (lineage or impact, measured).

    Over Neo4j it is the other way round: the driver's sessions leave cyclic garbage (during an
    HTTP load of the 10k mesh one collection freed ~470k such objects, and ~400k more were left at
    its end), so at 1M it piles up until one collection of ~0.5 s lands on a single request: the
    lone 0.8-1.5 s outliers of the bench's Neo4j query cells. At 100k each is ~10x smaller.
    """
    gc.set_threshold(young, 50, 100)


def settle_heap() -> None:
    """Collect what is garbage now, then freeze the rest out of every later collection."""
    gc.collect()
    gc.freeze()
