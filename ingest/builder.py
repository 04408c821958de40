"""The vocabulary every ingester writes in: datasets, columns, owners, domains, products, aliases.

Each ingester (OpenLineage, Iceberg, contracts, dbt) translates its source into calls on one
``GraphBuilder``, so the same fact is recorded the same way whichever source states it — which is
what lets a catalog crawl and a pipeline's events meet on one node.

The builder is the native core's (``native/core/builder.h``): the OpenLineage translation, native too,
writes through it, and the Python translations subclass it. It writes a document's mutations in
the wire form as it goes (``encoded()``, what the journal keeps); ``mutations`` reads them back
as ``graph.core.mutations`` objects. Every mutation carries the builder's stamp (``at``); edges
remember when they were first and last seen; what a document already stated is not stated again.
"""

from __future__ import annotations

from graph import _native
from graph.core import mutations as _configures_the_core  # noqa: F401  (the classes the builder reads and makes)

GraphBuilder = _native.Builder
