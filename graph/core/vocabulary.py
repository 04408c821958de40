"""The words a change's meaning is told in, stated once for Python and the native core.

The severity of an impact (and its rank in a native answer), the impact walk a change needs, what a
classified change's severity caps a report at, and the column properties a schema version keeps.
``scripts/generate_kinds.py`` writes the core's side (``native/core/kinds.h``) from this file's
source, beside the kinds of ``graph.core.model``; a test fails while the header is stale. Imports
nothing, so a client that reads these words (the ``--server`` check) loads no store and no core.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal, get_args


class Severity(str, Enum):
    """How badly an impact walk finds a node affected, worst first."""

    BREAKING = "BREAKING"
    WARNING = "WARNING"
    INFO = "INFO"


#: Each severity's rank in a native impact answer's ``severity`` column (kinds.h's ``Severity``):
#: the least severe ranks 0, each worse one a rank higher. Worst first, as reports list them.
SEVERITY_RANKS = {severity.value: len(Severity) - 1 - i for i, severity in enumerate(Severity)}


class ChangeKind(str, Enum):
    """The impact walk a change needs: a SEMANTIC change is one severity lower throughout."""

    DROP = "DROP"
    RENAME = "RENAME"
    TYPE_CHANGE = "TYPE_CHANGE"
    SEMANTIC = "SEMANTIC"


#: A classified change's severity (``graph.change.classifier``); NONE: nothing stops working and
#: nobody relies on what changed.
ChangeSeverity = Literal["BREAKING", "WARNING", "NONE"]
CHANGE_SEVERITIES: tuple[ChangeSeverity, ...] = get_args(ChangeSeverity)  # worst first

#: The impact severity a change of each severity caps what it reaches at (NONE: as low as INFO).
CHANGE_CAPS: dict[ChangeSeverity, str] = {
    "BREAKING": Severity.BREAKING.value,
    "WARNING": Severity.WARNING.value,
    "NONE": Severity.INFO.value,
}

#: Column properties a schema version keeps (the rest are the column's, not the schema's); the
#: native observation reader reads them by these names, in this order (kinds.h's ``kFieldKeys``).
FIELD_KEYS = ("type", "description", "required", "fieldId", "ordinal", "enum")
