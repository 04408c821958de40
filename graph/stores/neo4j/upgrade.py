"""A Neo4j graph brought to the current format (``cypher.graph._FORMAT``) when a store first opens it.

Each step is idempotent, so two processes upgrading at once, or an upgrade cut short and run
again, leave the same graph; writers meanwhile judge what they write themselves. What each format
changed: docs/stores.md and ``cypher``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

import neo4j
import orjson

from graph.stores.id_format import ID_FORMAT, current_id
from graph.stores.neo4j.codec import _summary_of
from graph.stores.neo4j.cypher.graph import (
    _DATASETS_PAGE,
    _FORMAT,
    _JOBS_PAGE,
    _PARTS_PAGE,
    _RENAME,
    _RENAME_JOB_IDS_ON_EDGES,
    _SUMMARIES_PAGE,
    _WRITE_FORMAT,
    _WRITE_SUMMARIES,
)
from graph.stores.neo4j.judging import judge_batch
from graph.stores.neo4j.parameters import unprinted
from graph.stores.requests import SUMMARY

log = logging.getLogger("graph.stores.neo4j")  # the store's one logger

#: Writes the kept fields of some datasets in a transaction (``Neo4jStore._keep_fields``).
KeepFields = Callable[[neo4j.ManagedTransaction, Collection[str]], object]


def upgrade(
    session: neo4j.Session, uri: str, found: int, keep_fields: KeepFields, page: int = 2_000
) -> None:
    """From format ``found``: judge every job's currency (format 1), a page of jobs per
    transaction, rename old ids (format 2), keep every dataset's fields (format 4, as JSON text
    since format 5), then record the format."""
    if found < 1:
        after = ""
        while jobs := session.run(_JOBS_PAGE, after=after, first=page).value():
            if not after:  # a new, empty database only gets its format recorded
                log.info(
                    "upgrading the graph in %s to format 1: judging every job's inputs and outputs",
                    uri,
                )
            session.execute_write(judge_batch, set(jobs), (), {}, ())
            after = jobs[-1]
    if found < 2:
        rename_ids(session, uri, page)
    if found < 5:
        after = ""
        while datasets := session.run(_DATASETS_PAGE, after=after, first=page).value():
            session.execute_write(keep_fields, datasets)
            after = datasets[-1]
    if found < 7:
        write_summaries(session, uri, page)
    session.run(_WRITE_FORMAT, format=_FORMAT).consume()


def write_summaries(session: neo4j.Session, uri: str, page: int) -> None:
    """Format 7: every node of ours keeps its SUMMARY properties as one value (``codec.
    _summary_of``), made of what it holds, a page of nodes per transaction. A node that has one
    keeps it: a writer wrote it from what it wrote (maybe after this read the node), and an
    upgrade cut short and run again goes on where the first stopped."""
    after, written = "", 0
    keys = list(SUMMARY)
    while rows := session.run(_SUMMARIES_PAGE, after=after, first=page, keys=keys).values():
        summaries = []
        for _, element_id, values, json_keys in rows:
            props = {key: value for key, value in zip(keys, values) if value is not None}
            for key in json_keys or ():
                if key in props:
                    props[key] = orjson.loads(props[key])
            summaries.append([element_id, _summary_of(props)])
        session.run(_WRITE_SUMMARIES, unprinted(rows=summaries)).consume()
        written += len(rows)
        after = rows[-1][0]
    if written:
        log.info("upgraded the graph in %s to format 7: %d nodes keep their summary", uri, written)


def rename_ids(session: neo4j.Session, uri: str, page: int) -> None:
    """Format 2: rename the ids an older rule made (``graph.stores.id_format``), a page of
    renames per transaction, with the ids other elements hold of them. A node already renamed is
    made the same id again."""
    renamed: list[list[str]] = []
    for kind, query in _PARTS_PAGE.items():
        after = ""
        while rows := session.run(query, after=after, first=page).values():
            for old, parts in rows:
                new = current_id(kind, parts)
                if new is not None and new != old:
                    renamed.append([old, new])
            after = rows[-1][0]
    for at in range(0, len(renamed), page):
        rows = renamed[at : at + page]
        session.run(_RENAME, unprinted(rows=rows)).consume()
        session.run(
            _RENAME_JOB_IDS_ON_EDGES, unprinted(rows=rows, old=[old for old, _ in rows])
        ).consume()
    if renamed:
        log.warning(
            "the graph in %s: %d ids renamed to id format %d (e.g. %r -> %r)",
            uri,
            len(renamed),
            ID_FORMAT,
            *renamed[0],
        )
