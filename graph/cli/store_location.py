"""Where the graph is: the --data-dir / --store / Neo4j flags every command that reads the graph
takes, and the opener of the store they name. Light to import (the store itself is imported when
opened), so a command that asks a server starts fast."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from graph.stores import Store


@dataclasses.dataclass(frozen=True)
class StoreOpener:
    """The store the location flags name; calling it opens that store (raising what the store raises:
    ``JournalError``, ``StoreUnavailable``, ``OSError``), so each command reports it its own way."""

    uri: str | None
    data_dir: Path | None
    user: str | None
    password: str | None
    database: str

    @property
    def named(self) -> bool:
        """Whether the flags name a store, rather than leaving the default embedded one."""
        return bool(self.uri or self.data_dir)

    def __call__(self, reads_only: bool = False) -> Store:
        """``reads_only``: the command never writes (the embedded store then checks less on open)."""
        from graph.core.heap import REMOTE, tune_gc
        from graph.stores import open_store, open_store_to_read

        store = (open_store_to_read if reads_only else open_store)(
            self.uri,
            data_dir=str(self.data_dir) if self.data_dir else None,
            user=self.user,
            password=self.password,
            database=self.database,
        )
        if store.remote:
            tune_gc(REMOTE)  # the graph is elsewhere (graph.core.heap)
        return store


def graph_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """--data-dir / --store / Neo4j credentials; the command gets ``open_graph``, a ``StoreOpener``
    (so a command may also work without a store)."""

    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="LINEAGEMESH_DATA_DIR",
        help="Directory of the embedded store (default ~/.lineagemesh).",
    )
    @click.option(
        "--store",
        "store_uri",
        envvar="LINEAGEMESH_STORE",
        metavar="URI",
        help="Store URI: bolt://host:7687 or neo4j://... for Neo4j; default the embedded store.",
    )
    @click.option(
        "--neo4j-user",
        envvar="LINEAGEMESH_NEO4J_USER",
        help="Neo4j user (env LINEAGEMESH_NEO4J_USER).",
    )
    @click.option(
        "--neo4j-password",
        envvar="LINEAGEMESH_NEO4J_PASSWORD",
        help="Neo4j password (env LINEAGEMESH_NEO4J_PASSWORD).",
    )
    @click.option(
        "--neo4j-database",
        envvar="LINEAGEMESH_NEO4J_DATABASE",
        default="neo4j",
        show_default=True,
        help="Neo4j database name.",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        data_dir: Path | None,
        store_uri: str | None,
        neo4j_user: str | None,
        neo4j_password: str | None,
        neo4j_database: str,
        **kwargs: Any,
    ) -> Any:
        if data_dir and store_uri:
            raise click.UsageError("give either --data-dir or --store, not both")
        opener = StoreOpener(store_uri, data_dir, neo4j_user, neo4j_password, neo4j_database)
        return command(*args, open_graph=opener, **kwargs)

    return wrapper
