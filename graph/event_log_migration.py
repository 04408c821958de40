"""Moving a raw event log an older lineagemesh kept on its own (``events.sqlite`` beside each
server) into the deployment's one log (``graph.event_log.open_event_log``): on open, once.

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

import orjson

from graph.event_log import (
    FILE_NAME,
    MUTATIONS,
    Block,
    EventLog,
    RawEventLog,
    StoredBlock,
    pack_events,
    subjects_of,
    unpack_events,
)
from graph.stores.journal import JournalInUse

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
