"""Opening the deployment's one raw event log where its store keeps it (``open_event_log``), and
moving a log an older lineagemesh kept on its own (``events.sqlite`` beside each server) into it:
on open, once. (Apart from ``graph.eventlog.event_log``, which knows no store, so neither imports the other
back.)

The old file is read block by block, oldest first, and each page of blocks is appended to the
new log in one transaction together with how far the copy has got (a meta key named after the
old file's own id, which the copy writes into it first). An interrupted copy resumes after the
last page it committed; a finished one renames the file ``events.sqlite.migrated`` (kept, never
deleted: the operator removes it once satisfied). A block keeps the time it was received, so
retention ages it out when it would have. OpenLineage events the new log keeps already (two old
logs of one deployment holding the same event) are dropped by the log's own byte-identity check.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from graph.eventlog.event_log import (
    FILE_NAME,
    MUTATIONS,
    NEO4J_DEFAULT,
    Block,
    EventLog,
    RawEventLog,
    StoredBlock,
    pack_events,
    subjects_of,
    unpack_events,
)
from graph.stores.journal import JournalInUse

if TYPE_CHECKING:
    from graph.stores import Store

log = logging.getLogger("lineagemesh.events")

MIGRATED_SUFFIX = ".migrated"
_OLD_ID = "log_id"  # the old file's meta key naming it, so its copy's progress is its own
_PAGE = 64  # blocks per transaction


def migrate(directory: Path, into: RawEventLog) -> int:
    """Copy ``directory``'s ``events.sqlite`` into ``into`` (nothing when there is none); returns
    how many blocks were copied now."""
    path = directory / FILE_NAME
    if not path.exists():
        return 0
    copied = 0
    try:
        old = EventLog(directory, existing=True)
    except JournalInUse as e:  # another server of the deployment is moving it now
        log.warning("raw event log %s not migrated by this process: %s", path, e)
        return 0
    except FileNotFoundError:  # another server has just moved it
        return 0
    with old:
        name = old.get_meta(_OLD_ID)
        if name is None:
            name = uuid.uuid4().hex
            old.set_meta(_OLD_ID, name)
        key = f"migrated_{name}"
        done = int(into.get_meta(key) or 0)
        page: list[Block] = []
        last = done
        for stored in old.blocks(after=done):
            page.append(_as_block(stored))
            last = stored.seq
            if len(page) == _PAGE:
                into.append_all(page, (key, str(last)))
                copied, page = copied + len(page), []
        if page:
            into.append_all(page, (key, str(last)))
            copied += len(page)
        old.retire(path.with_name(FILE_NAME + MIGRATED_SUFFIX))
    log.info(
        "raw event log %s: %d blocks migrated into %s; the old file is kept as %s%s",
        path,
        copied,
        into.path,
        FILE_NAME,
        MIGRATED_SUFFIX,
    )
    return copied


def _as_block(stored: StoredBlock) -> Block:
    """A stored block as the new log appends it, received when it was."""
    if stored.kind == MUTATIONS:
        return Block(MUTATIONS, stored.events, stored.payload, received_at=stored.received_at)
    raws = unpack_events(stored.payload)
    subjects: set[str] = set()
    for raw in raws:
        try:
            subjects |= subjects_of(orjson.loads(raw))
        except ValueError:
            continue
    return replace(pack_events(raws, subjects), received_at=stored.received_at)


def event_log_dir(store: Store, given: Path | None = None) -> Path:
    """Where an older lineagemesh kept ``store``'s raw event log on its own (``events.sqlite``):
    ``given``, else the embedded store's data dir, else (Neo4j) ``~/.lineagemesh/event-log``."""
    if given is not None:
        return given
    from graph.stores.embedded.store import EmbeddedStore

    return store.data_dir if isinstance(store, EmbeddedStore) else NEO4J_DEFAULT.expanduser()


def open_event_log(store: Store, given: Path | None = None) -> RawEventLog:
    """The deployment's one log, where ``store`` keeps it, wired into its writes; a log an older
    lineagemesh kept in ``given`` (else the default place) is migrated into it first (once)."""
    from graph.stores.embedded.store import EmbeddedStore

    log: RawEventLog
    if isinstance(store, EmbeddedStore):
        log = EventLog.in_journal(store.journal)
    else:
        from graph.stores.neo4j import Neo4jStore
        from graph.stores.neo4j.event_blocks import Neo4jEventLog

        if not isinstance(store, Neo4jStore):
            return EventLog(event_log_dir(store, given))
        log = Neo4jEventLog(store)
    try:
        migrate(event_log_dir(store, given), log)
    except BaseException:
        log.close()
        raise
    store.raw_blocks = log
    return log
