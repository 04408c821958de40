"""The optional libraries (the package's extras) and the one error that names the extra to install.

A laptop serving the embedded store needs none of Neo4j's driver, librdkafka or pyiceberg/pyarrow,
so they are extras of the package (``pip install 'lineagemesh[neo4j]'``, ``[kafka]``,
``[iceberg]``). The modules at the boundary (the store opener, the Kafka consumer, the Iceberg
crawl) import them through :func:`require`, so what a missing one stops says what to install
instead of a bare ``ModuleNotFoundError``. The CLI prints the message and exits 2. No HTTP request
can need one: the store and the Kafka consumer are chosen when the server starts, so a missing
extra stops ``serve`` before it listens.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# top-level module → (the extra that installs it, what it is to a user)
EXTRAS: dict[str, tuple[str, str]] = {
    "neo4j": ("neo4j", "the Neo4j driver"),
    "confluent_kafka": ("kafka", "the Kafka client (confluent-kafka)"),
    "pyiceberg": ("iceberg", "pyiceberg"),
    "pyarrow": ("iceberg", "pyarrow"),
}


class MissingExtra(ImportError):
    """What was asked for needs an optional library that is not installed."""

    def __init__(self, needed_by: str, module: str) -> None:
        self.extra, self.library = EXTRAS[module]
        super().__init__(
            f"{needed_by} needs {self.library}: pip install 'lineagemesh[{self.extra}]'",
            name=module,
        )


def require(module: str, needed_by: str) -> ModuleType:
    """``module`` (dotted, from one of :data:`EXTRAS`) imported, or :class:`MissingExtra` naming
    what ``needed_by`` (an option or command as the user wrote it) needs installed."""
    top = module.partition(".")[0]
    if top not in EXTRAS:
        raise ValueError(f"{top} is not an optional library of lineagemesh")
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name is None or e.name.partition(".")[0] != top:
            raise  # the library is there and lacks one of its own dependencies: its error says which
        raise MissingExtra(needed_by, top) from None
