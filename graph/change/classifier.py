"""The one rule book for what a schema or contract change means to the datasets downstream.

Every place that compares two versions of a dataset — the pull-request check (``lineagemesh
check``), schema history and its breaking-change notifications — classifies through this module
(and ``graph.change.contract_rules`` for a contract's SLOs and quality rules), so a change is
BREAKING in one exactly when it is BREAKING in the other. Pure and store-free: it takes two
descriptions and returns the changes, each with a severity and a sentence saying why.

The rules are those data contracts use for schema evolution:

- a removed, renamed or retyped (narrowed or unrelated type) column, a column made required, and
  removed enum values are BREAKING; a tightened SLO property or quality rule is BREAKING too;
- a widened type (``int`` → ``bigint``, ``float`` → ``double``, a longer ``varchar``, a decimal
  with room for every old value), a column made optional, an added required column, a loosened or
  dropped SLO or quality rule are WARNING: nothing stops working, but someone relies on it;
  a column made required where the older side does not know whether it was (``required`` None:
  the graph's columns no contract declares) is WARNING too, uncertain, as no change is known;
- an added nullable column and added enum values are NONE.

Columns are matched by field id where both sides have one (an Iceberg rename keeps its id), then
by name; without ids, a removed and an added column at the same position with the same type are
taken as a rename. Types compare by family after normalising spelling and case.

Example::

    >>> [c.kind for c in classify_schema("d", [FieldSpec("id", "int")], [FieldSpec("id", "bigint")])]
    [<ChangeType.COLUMN_RETYPED: 'COLUMN_RETYPED'>]
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from graph.core.vocabulary import CHANGE_SEVERITIES as SEVERITIES
from graph.core.vocabulary import ChangeSeverity as Severity


class ChangeType(str, Enum):
    """What changed. ``impact_kind`` says which impact walk (DROP/RENAME/TYPE_CHANGE/SEMANTIC) it needs."""

    DATASET_ADDED = "DATASET_ADDED"
    DATASET_REMOVED = "DATASET_REMOVED"
    DATASET_RENAMED = "DATASET_RENAMED"
    COLUMN_ADDED = "COLUMN_ADDED"
    COLUMN_REMOVED = "COLUMN_REMOVED"
    COLUMN_RENAMED = "COLUMN_RENAMED"
    COLUMN_RETYPED = "COLUMN_RETYPED"
    COLUMN_MADE_REQUIRED = "COLUMN_MADE_REQUIRED"
    COLUMN_MADE_OPTIONAL = "COLUMN_MADE_OPTIONAL"
    ENUM_VALUES_REMOVED = "ENUM_VALUES_REMOVED"
    ENUM_VALUES_ADDED = "ENUM_VALUES_ADDED"
    FRESHNESS_TIGHTENED = "FRESHNESS_TIGHTENED"
    FRESHNESS_LOOSENED = "FRESHNESS_LOOSENED"
    SLO_TIGHTENED = "SLO_TIGHTENED"
    SLO_LOOSENED = "SLO_LOOSENED"
    QUALITY_TIGHTENED = "QUALITY_TIGHTENED"
    QUALITY_LOOSENED = "QUALITY_LOOSENED"
    CONTRACT_UNENFORCED = "CONTRACT_UNENFORCED"
    MEANING_CHANGED = "MEANING_CHANGED"

    @property
    def impact_kind(self) -> str | None:
        """The ``ChangeKind`` name the impact query takes for this change, None for no walk."""
        return _IMPACT_KIND.get(self)


_IMPACT_KIND = {
    ChangeType.DATASET_REMOVED: "DROP",
    ChangeType.DATASET_RENAMED: "RENAME",
    ChangeType.COLUMN_REMOVED: "DROP",
    ChangeType.COLUMN_RENAMED: "RENAME",
    ChangeType.COLUMN_RETYPED: "TYPE_CHANGE",
    ChangeType.COLUMN_MADE_REQUIRED: "SEMANTIC",
    ChangeType.COLUMN_MADE_OPTIONAL: "SEMANTIC",
    ChangeType.ENUM_VALUES_REMOVED: "SEMANTIC",
    ChangeType.FRESHNESS_TIGHTENED: "SEMANTIC",
    ChangeType.FRESHNESS_LOOSENED: "SEMANTIC",
    ChangeType.SLO_TIGHTENED: "SEMANTIC",
    ChangeType.SLO_LOOSENED: "SEMANTIC",
    ChangeType.QUALITY_TIGHTENED: "SEMANTIC",
    ChangeType.QUALITY_LOOSENED: "SEMANTIC",
    ChangeType.CONTRACT_UNENFORCED: "SEMANTIC",
    ChangeType.MEANING_CHANGED: "SEMANTIC",
}


@dataclass(frozen=True)
class FieldSpec:
    """One column as a version of a schema declares it (nested columns as ``parent.child``).

    ``type`` None means unknown (no evidence of a retype); ``required`` None means nothing states
    whether it may be null (the graph's columns that no contract declares); ``enum`` None means no
    enum declared; ``position`` (1-based) only helps tell a rename from a drop when neither side
    has field ids.
    """

    name: str
    type: str | None = None
    required: bool | None = False
    field_id: int | None = None
    enum: tuple[str, ...] | None = None
    position: int | None = None


@dataclass(frozen=True)
class Change:
    """One classified change. ``old``/``new`` are the values compared (a type, a name, a number);
    ``term`` names the contract term changed (an SLO property such as ``availability``)."""

    kind: ChangeType
    dataset_id: str
    column: str | None
    old: str | None
    new: str | None
    severity: Severity
    reason: str
    term: str | None = None

    def describe(self) -> str:
        """A short label: ``drop amount``, ``retype amount: int -> varchar``."""
        subject = self.column if self.column is not None else self.dataset_id
        label = _LABELS[self.kind]
        if self.term is not None:  # tighten latency of c: 4d -> 1d
            label = f"{label.split()[0]} {self.term} of"
        if self.old is not None and self.new is not None:
            return f"{label} {subject}: {self.old} -> {self.new}"
        return f"{label} {subject}"


_LABELS = {
    ChangeType.DATASET_ADDED: "add dataset",
    ChangeType.DATASET_REMOVED: "drop dataset",
    ChangeType.DATASET_RENAMED: "rename dataset",
    ChangeType.COLUMN_ADDED: "add",
    ChangeType.COLUMN_REMOVED: "drop",
    ChangeType.COLUMN_RENAMED: "rename",
    ChangeType.COLUMN_RETYPED: "retype",
    ChangeType.COLUMN_MADE_REQUIRED: "make required",
    ChangeType.COLUMN_MADE_OPTIONAL: "make optional",
    ChangeType.ENUM_VALUES_REMOVED: "remove enum values of",
    ChangeType.ENUM_VALUES_ADDED: "add enum values to",
    ChangeType.FRESHNESS_TIGHTENED: "tighten freshness of",
    ChangeType.FRESHNESS_LOOSENED: "loosen freshness of",
    ChangeType.SLO_TIGHTENED: "tighten SLO",
    ChangeType.SLO_LOOSENED: "loosen SLO",
    ChangeType.QUALITY_TIGHTENED: "tighten quality rule",
    ChangeType.QUALITY_LOOSENED: "loosen quality rule",
    ChangeType.CONTRACT_UNENFORCED: "stop enforcing the contract of",
    ChangeType.MEANING_CHANGED: "change the meaning of",
}


def worst(severities: Sequence[Severity]) -> Severity:
    """The most severe of ``severities`` (NONE for none)."""
    return next((s for s in SEVERITIES if s in severities), "NONE")


# -- datasets ----------------------------------------------------------------------------------


def dataset_removed(dataset_id: str, reason: str = "the dataset is removed") -> Change:
    return Change(ChangeType.DATASET_REMOVED, dataset_id, None, None, None, "BREAKING", reason)


def dataset_renamed(dataset_id: str, new_id: str) -> Change:
    """Readers of the old name stop finding it: BREAKING."""
    return Change(
        ChangeType.DATASET_RENAMED,
        dataset_id,
        None,
        dataset_id,
        new_id,
        "BREAKING",
        f"readers of {dataset_id} no longer find it (now {new_id})",
    )


def dataset_added(dataset_id: str) -> Change:
    return Change(ChangeType.DATASET_ADDED, dataset_id, None, None, None, "NONE", "a new dataset")


#: The change a stated impact walk (``check NODE --change KIND``) names: of a column, of a dataset.
_STATED = {
    "DROP": (ChangeType.COLUMN_REMOVED, ChangeType.DATASET_REMOVED),
    "RENAME": (ChangeType.COLUMN_RENAMED, ChangeType.DATASET_RENAMED),
    "TYPE_CHANGE": (ChangeType.COLUMN_RETYPED, ChangeType.COLUMN_RETYPED),
    "SEMANTIC": (ChangeType.MEANING_CHANGED, ChangeType.MEANING_CHANGED),
}


def stated_change(kind: str, node_id: str, column: str | None) -> Change:
    """A change stated as the impact walk it needs (``kind`` a ``ChangeKind`` name) of a column
    (``column`` its name) or a whole dataset (None): BREAKING, a SEMANTIC one WARNING, as the
    walk's first hop."""
    change = _STATED[kind][column is None]
    severity: Severity = "WARNING" if kind == "SEMANTIC" else "BREAKING"
    return Change(change, node_id, column, None, None, severity, f"{kind.lower()} as stated")


def column_renamed(dataset_id: str, old: str, new: str) -> Change:
    """Readers of the old name stop finding it: BREAKING."""
    return Change(
        ChangeType.COLUMN_RENAMED,
        dataset_id,
        old,
        old,
        new,
        "BREAKING",
        f"readers of {old} no longer find it (now {new})",
    )


def column_retyped(dataset_id: str, column: str, old: str | None, new: str | None) -> Change:
    """A widening (every old value still fits) is WARNING; any other retype, or one from a type
    nobody knows, BREAKING."""
    severity: Severity
    if old is None or new is None:
        severity, reason = "BREAKING", "retyped, and the graph knows no old type to tell a widening"
    elif is_widening(old, new):
        severity, reason = "WARNING", "a widening: every old value still fits"
    else:
        severity, reason = "BREAKING", "not a widening: values or readers' casts may break"
    return Change(ChangeType.COLUMN_RETYPED, dataset_id, column, old, new, severity, reason)


# -- schemas -----------------------------------------------------------------------------------


def classify_schema(
    dataset_id: str, old: Sequence[FieldSpec], new: Sequence[FieldSpec]
) -> list[Change]:
    """The changes turning schema ``old`` into ``new``: old-column order first, additions last."""
    pairs, removed, added = _match(old, new)
    changes: list[Change] = []
    renamed: dict[str, FieldSpec] = {}
    for column in removed:
        twin = next(
            (
                a
                for a in added
                if column.field_id is None
                and a.field_id is None
                and a.position is not None
                and a.position == column.position
                and _same_type(a.type, column.type)
            ),
            None,
        )
        if twin is not None:
            added.remove(twin)
            renamed[column.name] = twin
    for before in old:
        after = pairs.get(before.name) or renamed.get(before.name)
        if after is None:
            changes.append(
                Change(
                    ChangeType.COLUMN_REMOVED,
                    dataset_id,
                    before.name,
                    None,
                    None,
                    "BREAKING",
                    f"readers of {before.name} lose it",
                )
            )
            continue
        changes.extend(_column_changes(dataset_id, before, after))
    changes.extend(_added(dataset_id, column) for column in added)
    return changes


def _match(
    old: Sequence[FieldSpec], new: Sequence[FieldSpec]
) -> tuple[dict[str, FieldSpec], list[FieldSpec], list[FieldSpec]]:
    """Old column name → its new column; the old columns without one; the new columns left."""
    pairs: dict[str, FieldSpec] = {}
    taken: set[int] = set()
    by_id = {f.field_id: i for i, f in enumerate(new) if f.field_id is not None}
    by_name = {f.name: i for i, f in enumerate(new)}
    removed: list[FieldSpec] = []
    for column in old:
        index = by_id.get(column.field_id) if column.field_id is not None else None
        if index is None:
            index = by_name.get(column.name)
            if (
                index is not None
                and new[index].field_id is not None
                and column.field_id is not None
            ):
                index = None  # same name, other id: a new column that took an old name
        if index is not None and index not in taken:
            pairs[column.name] = new[index]
            taken.add(index)
        else:
            removed.append(column)
    return pairs, removed, [f for i, f in enumerate(new) if i not in taken]


def _column_changes(dataset_id: str, before: FieldSpec, after: FieldSpec) -> list[Change]:
    changes: list[Change] = []
    if after.name != before.name:
        changes.append(column_renamed(dataset_id, before.name, after.name))
    if not _same_type(before.type, after.type):
        assert before.type is not None and after.type is not None
        changes.append(column_retyped(dataset_id, before.name, before.type, after.type))
    if after.required and before.required is None:  # only the new side says: not a known change
        changes.append(
            Change(
                ChangeType.COLUMN_MADE_REQUIRED,
                dataset_id,
                before.name,
                "unknown",
                "required",
                "WARNING",
                "uncertain: the graph does not know the column's nullability "
                "(if it was optional, writers that leave it empty now fail)",
            )
        )
    elif after.required and not before.required:
        changes.append(
            Change(
                ChangeType.COLUMN_MADE_REQUIRED,
                dataset_id,
                before.name,
                "optional",
                "required",
                "BREAKING",
                "writers that leave it empty now fail",
            )
        )
    elif before.required and after.required is False:
        changes.append(
            Change(
                ChangeType.COLUMN_MADE_OPTIONAL,
                dataset_id,
                before.name,
                "required",
                "optional",
                "WARNING",
                "readers may now see nulls",
            )
        )
    if before.enum is not None and after.enum is not None:
        gone = [v for v in before.enum if v not in set(after.enum)]
        new_values = [v for v in after.enum if v not in set(before.enum)]
        if gone:
            changes.append(
                Change(
                    ChangeType.ENUM_VALUES_REMOVED,
                    dataset_id,
                    before.name,
                    ", ".join(gone),
                    None,
                    "BREAKING",
                    f"values {', '.join(gone)} are no longer allowed",
                )
            )
        if new_values:
            changes.append(
                Change(
                    ChangeType.ENUM_VALUES_ADDED,
                    dataset_id,
                    before.name,
                    None,
                    ", ".join(new_values),
                    "NONE",
                    "new allowed values",
                )
            )
    elif before.enum is None and after.enum is not None:
        changes.append(
            Change(
                ChangeType.ENUM_VALUES_REMOVED,
                dataset_id,
                before.name,
                None,
                ", ".join(after.enum),
                "BREAKING",
                "values outside the new enum are no longer allowed",
            )
        )
    return changes


def _added(dataset_id: str, column: FieldSpec) -> Change:
    return Change(
        ChangeType.COLUMN_ADDED,
        dataset_id,
        column.name,
        None,
        column.type,
        "WARNING" if column.required else "NONE",
        "writers must now fill it" if column.required else "a new nullable column",
    )


# -- types -------------------------------------------------------------------------------------

_INTEGER_RANK = {"tinyint": 1, "smallint": 2, "int": 3, "bigint": 4, "hugeint": 5}
_FLOAT_RANK = {"float": 1, "double": 2}
_ALIASES = {
    "byte": "tinyint",
    "int1": "tinyint",
    "int2": "smallint",
    "short": "smallint",
    "integer": "int",
    "int4": "int",
    "int32": "int",
    "long": "bigint",
    "int8": "bigint",
    "int64": "bigint",
    "int128": "hugeint",
    "real": "float",
    "float4": "float",
    "float32": "float",
    "float8": "double",
    "float64": "double",
    "doubleprecision": "double",
    "number": "decimal",
    "numeric": "decimal",
    "dec": "decimal",
    "bignumeric": "decimal",
    "text": "string",
    "varchar": "string",
    "char": "string",
    "character": "string",
    "charactervarying": "string",
    "nvarchar": "string",
    "nchar": "string",
    "bpchar": "string",
    "bool": "boolean",
    "timestamp_ntz": "timestamp",
    "timestampwithouttimezone": "timestamp",
    "timestamptz": "timestamptz",
    "timestamp_tz": "timestamptz",
    "timestampwithtimezone": "timestamptz",
    "timestamp_ltz": "timestamptz",
    "datetime": "timestamp",
}
_TYPE = re.compile(r"^(?P<base>[a-z_0-9]+)(?:\((?P<args>[^()]*)\))?$")


def normalise_type(type_: str) -> tuple[str, tuple[int, ...]]:
    """A type's family name and numeric arguments: ``VARCHAR(20)`` → ``("string", (20,))``."""
    if isinstance(type_, str):  # (a mesh names few types: each is read once)
        return _normalised(type_)
    return _normalise(type_)


def _normalise(type_: str) -> tuple[str, tuple[int, ...]]:
    text = "".join(type_.split()).lower()
    match = _TYPE.match(text)
    if match is None:
        return text, ()
    base = _ALIASES.get(match["base"], match["base"])
    args: tuple[int, ...] = ()
    if match["args"]:
        try:
            args = tuple(int(a) for a in match["args"].split(",") if a)
        except ValueError:
            return text, ()
    if base == "string" and args == () and match["base"] in ("char", "character", "nchar"):
        args = (1,)  # CHAR without a length is CHAR(1)
    if base == "float" and args and args[0] > 24:
        base, args = "double", ()  # FLOAT(53) is a double in SQL
    return base, args


_normalised = functools.lru_cache(maxsize=4096)(_normalise)


def _same_type(a: str | None, b: str | None) -> bool:
    if a is None or b is None or a == b:
        return True  # an unknown type is no evidence of a change
    return normalise_type(a) == normalise_type(b)


def is_widening(old: str, new: str) -> bool:
    """True when every value of type ``old`` is also a value of type ``new``, unchanged."""
    (a, a_args), (b, b_args) = normalise_type(old), normalise_type(new)
    if a in _INTEGER_RANK and b in _INTEGER_RANK:
        return _INTEGER_RANK[b] >= _INTEGER_RANK[a]
    if a in _FLOAT_RANK and b in _FLOAT_RANK:
        return _FLOAT_RANK[b] >= _FLOAT_RANK[a]
    if a in ("tinyint", "smallint", "int") and b == "double":
        return True
    if a == "string" and b == "string":
        return not b_args or (bool(a_args) and b_args[0] >= a_args[0])
    if a == "decimal" and b == "decimal":
        if not a_args or not b_args:
            return a_args == b_args
        a_scale, b_scale = (a_args[1:] or (0,))[0], (b_args[1:] or (0,))[0]
        return b_scale >= a_scale and b_args[0] - b_scale >= a_args[0] - a_scale
    if a in _INTEGER_RANK and b == "decimal" and b_args:
        digits = {"tinyint": 3, "smallint": 5, "int": 10, "bigint": 19, "hugeint": 39}[a]
        return b_args[0] - (b_args[1:] or (0,))[0] >= digits
    if a == "date" and b in ("timestamp", "timestamptz"):
        return False  # a date read as a timestamp gains a time: readers comparing dates break
    return False
