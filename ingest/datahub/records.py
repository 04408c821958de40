"""A DataHub metadata file (what the ``file`` sink and ``datahub`` CLI write: a JSON array of
MCEs and MCPs) → one list of aspects per entity, each knowing the line it was written on.

An MCE (``proposedSnapshot``) carries several aspects under their Pegasus class names
(``com.linkedin.pegasus2avro.dataset.DatasetProperties``); an MCP carries one, as ``aspect.json``
(or, as older SDKs wrote, ``aspect.value``, a JSON string). Both are read into
``(urn, entityType, aspectName, value)``; what cannot be read is refused as ``file:line: reason``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ingest.json_text import loads_text

#: Snapshot class (its last name) → the entity type it describes.
_SNAPSHOT_TYPES = {
    "DatasetSnapshot": "dataset",
    "DataProductSnapshot": "dataProduct",
    "CorpUserSnapshot": "corpuser",
    "CorpGroupSnapshot": "corpGroup",
    "GlossaryTermSnapshot": "glossaryTerm",
    "DataJobSnapshot": "dataJob",
    "DataFlowSnapshot": "dataFlow",
    "ChartSnapshot": "chart",
    "DashboardSnapshot": "dashboard",
    "TagSnapshot": "tag",
}


class BadMetadataFile(ValueError):
    """A DataHub file that cannot be read: ``file:line: reason``."""


@dataclass(frozen=True, slots=True)
class Aspect:
    urn: str
    entity_type: str
    name: str  # datasetProperties, ownership, schemaMetadata, upstreamLineage, ...
    value: dict[str, Any]
    line: int
    source: str = ""  # the file, for error messages
    change: str = "UPSERT"


def read_records(text: str, source: str) -> list[Aspect]:
    """Every aspect of the file, in file order."""
    try:
        document = loads_text(text)
    except ValueError as e:
        raise BadMetadataFile(f"{source}:{_error_line(text)}: {e}") from None
    records = document if isinstance(document, list) else [document]
    lines = _record_lines(text) if isinstance(document, list) else [1]
    aspects: list[Aspect] = []
    for record, line in zip(records, lines, strict=True):
        where = f"{source}:{line}"
        if not isinstance(record, dict):
            raise BadMetadataFile(f"{where}: a record must be an object (an MCE or an MCP)")
        if "proposedSnapshot" in record:
            aspects.extend(_mce(record["proposedSnapshot"], where, line, source))
        elif "entityUrn" in record or "aspectName" in record:
            aspects.append(_mcp(record, where, line, source))
        else:
            raise BadMetadataFile(
                f"{where}: neither an MCE (proposedSnapshot) nor an MCP (entityUrn, aspectName)"
            )
    return aspects


def _error_line(text: str) -> int:
    """The line the standard library's parser stops at (1 when it reads the text)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        return e.lineno
    except (ValueError, RecursionError):
        pass
    return 1


def _record_lines(text: str) -> list[int]:
    """The line each element of the top-level JSON array starts on."""
    decoder = json.JSONDecoder()
    lines: list[int] = []
    index = text.index("[") + 1
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text) or text[index] == "]":
            return lines
        lines.append(text.count("\n", 0, index) + 1)
        _, index = decoder.raw_decode(text, index)


def _mce(snapshot: Any, where: str, line: int, source: str) -> list[Aspect]:
    if not isinstance(snapshot, dict) or len(snapshot) != 1:
        raise BadMetadataFile(f"{where}: proposedSnapshot must hold one snapshot")
    ((kind, body),) = snapshot.items()
    entity_type = _SNAPSHOT_TYPES.get(kind.rsplit(".", 1)[-1])
    if not isinstance(body, dict) or not isinstance(body.get("urn"), str):
        raise BadMetadataFile(f"{where}: {kind} has no urn")
    if entity_type is None:
        entity_type = body["urn"].split(":")[2] if body["urn"].count(":") >= 2 else "unknown"
    found = []
    for aspect in body.get("aspects") or []:
        if not isinstance(aspect, dict) or len(aspect) != 1:
            raise BadMetadataFile(f"{where}: each snapshot aspect must be {{class name: value}}")
        ((name, value),) = aspect.items()
        if not isinstance(value, dict):
            raise BadMetadataFile(f"{where}: aspect {name} is not an object")
        short = name.rsplit(".", 1)[-1]
        name = short[0].lower() + short[1:]
        found.append(Aspect(body["urn"], entity_type, name, value, line, source))
    return found


def _mcp(record: dict[str, Any], where: str, line: int, source: str) -> Aspect:
    urn, name = record.get("entityUrn"), record.get("aspectName")
    if not isinstance(urn, str) or not urn.startswith("urn:li:"):
        raise BadMetadataFile(f"{where}: entityUrn {urn!r} is not a DataHub urn")
    if not isinstance(name, str) or not name:
        raise BadMetadataFile(f"{where}: aspectName is required")
    aspect = record.get("aspect")
    value: Any = None
    if isinstance(aspect, dict) and "json" in aspect:
        value = aspect["json"]
    elif isinstance(aspect, dict) and isinstance(aspect.get("value"), str):
        try:
            value = loads_text(aspect["value"])
        except ValueError as e:
            raise BadMetadataFile(f"{where}: aspect.value is not JSON: {e}") from None
    if not isinstance(value, dict):
        raise BadMetadataFile(f"{where}: aspect must hold an object as json (or value)")
    entity_type = record.get("entityType") or urn.split(":")[2]
    change = record.get("changeType") or "UPSERT"
    return Aspect(urn, str(entity_type), name, value, line, source, str(change))
