"""What real producers send that the OpenLineage spec forbids, accepted as Marquez accepts it.

Some producers send run ids that are not UUIDs (an Airflow ``dag_run`` id, a scheduler's job
number). Marquez takes them (``runToUuid``: a name-based UUID, ``UUID.nameUUIDFromBytes`` of the
id's UTF-8 bytes), so pipelines that work with Marquez work here too, and the same producer run
id always lands on the same run. The id as sent is kept on the run (``externalRunId``).

Only what cannot hurt the graph is relaxed: a run id must still be a non-empty string of at most
``MAX_RUN_ID_CHARS`` characters; everything else about the event is validated as strictly as ever.
Each relaxation has a reason, counted by the server (``lineagemesh_ingest_lenient_total``).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any, NamedTuple

RUN_ID_NOT_UUID = "run_id_not_uuid"
PARENT_RUN_ID_NOT_UUID = "parent_run_id_not_uuid"
REASONS = (RUN_ID_NOT_UUID, PARENT_RUN_ID_NOT_UUID)

#: The longest run id accepted as it is sent (it is kept as a property of the run).
MAX_RUN_ID_CHARS = 1024

# The hyphenated form's 32 hex digits: what nearly every producer sends, told apart without
# building a UUID (a tenth of the time); anything else is left to ``uuid.UUID`` to judge.
_PLAIN_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


class Relaxed(NamedTuple):
    """An event as validation sees it, and what was relaxed to make it so (reasons, in order)."""

    event: Any
    reasons: tuple[str, ...] = ()
    external_run_id: str | None = None  # the producer's own run id, when it was not a UUID


def name_based_uuid(name: str) -> str:
    """Marquez's ``runToUuid`` of a non-UUID id: the version-3 UUID of its UTF-8 bytes, no namespace."""
    return str(
        uuid.UUID(bytes=hashlib.md5(name.encode("utf-8", "surrogatepass")).digest(), version=3)
    )


def is_uuid(value: str) -> bool:
    """The spec's ``format: uuid``: the hyphenated 8-4-4-4-12 hex form."""
    if _PLAIN_UUID.fullmatch(value):
        return True
    if len(value) != 36 or any(value[i] != "-" for i in (8, 13, 18, 23)):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _object(value: Any) -> dict[str, Any]:
    """A JSON object as it is, anything else as an empty one."""
    return value if isinstance(value, dict) else {}


def _relaxable(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_RUN_ID_CHARS
        and value.strip() != ""
        and not is_uuid(value)
    )


def relax(event: Any) -> Relaxed:
    """The event with non-UUID run ids (its own, its parent's) replaced by their name-based UUIDs.

    The event passed in is never changed: a relaxed one is a copy along the changed paths.
    Anything not relaxable (a blank or over-long id, a number) is left for validation to refuse.
    """
    run = event.get("run") if isinstance(event, dict) else None
    if not isinstance(run, dict):
        return Relaxed(event)
    reasons: list[str] = []
    external = None
    new_run = run
    if _relaxable(run.get("runId")):
        external = run["runId"]
        new_run = {**run, "runId": name_based_uuid(external)}
        reasons.append(RUN_ID_NOT_UUID)
    facets = _object(run.get("facets"))
    parent = _object(facets.get("parent"))
    parent_run = parent.get("run")
    if isinstance(parent_run, dict) and _relaxable(parent_run.get("runId")):
        parent_run = {**parent_run, "runId": name_based_uuid(parent_run["runId"])}
        new_run = {**new_run, "facets": {**facets, "parent": {**parent, "run": parent_run}}}
        reasons.append(PARENT_RUN_ID_NOT_UUID)
    if not reasons:
        return Relaxed(event)
    return Relaxed({**event, "run": new_run}, tuple(reasons), external)
