"""Writes ``native/core/kinds.h`` from ``graph/core/model.py`` and ``graph/core/vocabulary.py``: the
core's node and edge kinds, id prefixes, the job and run I/O kinds, the facet key prefix and the
property keys the core reads by name (``PropertyKey``), the severities by rank and the column
properties a schema version keeps (``FIELD_KEYS``), stated once (in Python) and checked in as C++ so
that neither building the core (native/CMakeLists.txt) nor importing anything writes into the
source tree.

``tests/test_native_core.py`` fails while the checked-in header differs from what this writes.
It reads the modules' source (the model imports the core it describes, which may not be built)::

    python scripts/generate_kinds.py          # rewrite native/core/kinds.h
    python scripts/generate_kinds.py --check  # exit 1, with a diff, when it is stale
"""

from __future__ import annotations

import ast
import difflib
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "graph" / "core" / "model.py"
VOCABULARY = ROOT / "graph" / "core" / "vocabulary.py"
HEADER = ROOT / "native" / "core" / "kinds.h"
MAX_EDGE_KINDS = 16  # an adjacency entry keeps the kind in four bits (native/core/adjacency.h)


def _constant_name(member: str) -> str:
    """DATA_PRODUCT -> kDataProduct."""
    return "k" + "".join(word.capitalize() for word in member.split("_"))


_CPP_KEYWORDS = frozenset({"namespace", "class", "default", "delete", "new", "template", "this"})


def _member_name(member: str) -> str:
    """DATASET_ID -> dataset_id (a C++ keyword gains a trailing underscore: namespace_)."""
    name = member.lower()
    return name + "_" if name in _CPP_KEYWORDS else name


@dataclass(frozen=True)
class _Model:
    nodes: list[tuple[str, str]]  # (member, value), in declaration order
    edges: list[tuple[str, str]]  # in code order
    prefixes: dict[str, str]  # id prefix by node kind member
    io: dict[str, list[str]]  # JOB_IO, RUN_IO: edge kind members
    strings: dict[str, str]  # FACET_PREFIX
    property_keys: list[tuple[str, str]]  # PropertyKey: (member, key)


def _constants(statement: ast.ClassDef) -> list[tuple[str, str]]:
    return [
        (s.targets[0].id, str(s.value.value))
        for s in statement.body
        if isinstance(s, ast.Assign)
        and isinstance(s.targets[0], ast.Name)
        and isinstance(s.value, ast.Constant)
    ]


def _model_tables(source: str) -> _Model:
    """What the model states, read from its source."""
    enums: dict[str, list[tuple[str, str]]] = {}
    codes: list[str] = []
    prefixes: dict[str, str] = {}
    io: dict[str, list[str]] = {}
    strings: dict[str, str] = {}
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.ClassDef) and statement.name in (
            "NodeKind",
            "EdgeKind",
            "PropertyKey",
        ):
            enums[statement.name] = _constants(statement)
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            if statement.target.id == "EDGE_KIND_CODES" and isinstance(statement.value, ast.Tuple):
                codes = [e.attr for e in statement.value.elts if isinstance(e, ast.Attribute)]
            elif statement.target.id == "ID_PREFIX" and isinstance(statement.value, ast.Dict):
                prefixes = {
                    key.attr: str(value.value)
                    for key, value in zip(statement.value.keys, statement.value.values, strict=True)
                    if isinstance(key, ast.Attribute) and isinstance(value, ast.Constant)
                }
        elif isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            name = statement.targets[0].id
            if name in _IO_KINDS and isinstance(statement.value, ast.Tuple):
                io[name] = [e.attr for e in statement.value.elts if isinstance(e, ast.Attribute)]
            elif name in _STRINGS and isinstance(statement.value, ast.Constant):
                strings[name] = str(statement.value.value)
    nodes, edges = enums["NodeKind"], dict(enums["EdgeKind"])
    if sorted(codes) != sorted(edges) or len(set(codes)) != len(codes):
        raise SystemExit(f"{MODEL}: EDGE_KIND_CODES must list every EdgeKind once")
    if len(codes) > MAX_EDGE_KINDS:
        raise SystemExit(f"{MODEL}: at most {MAX_EDGE_KINDS} edge kinds fit the native adjacency")
    if sorted(prefixes) != sorted(member for member, _ in nodes):
        raise SystemExit(f"{MODEL}: ID_PREFIX must name a prefix for every NodeKind")
    if sorted(io) != sorted(_IO_KINDS) or not set().union(*io.values()) <= set(edges):
        raise SystemExit(f"{MODEL}: {', '.join(_IO_KINDS)} must each be a tuple of EdgeKinds")
    if sorted(strings) != sorted(_STRINGS):
        raise SystemExit(f"{MODEL}: {', '.join(_STRINGS)} must each be a str")
    return _Model(
        nodes,
        [(member, edges[member]) for member in codes],
        prefixes,
        io,
        strings,
        enums.get("PropertyKey", []),
    )


_IO_KINDS = {"JOB_IO": "kJobIo", "RUN_IO": "kRunIo"}  # model name -> C++ name
_STRINGS = {"FACET_PREFIX": "kFacetPrefix"}


@dataclass(frozen=True)
class _Vocabulary:
    severities: list[str]  # Severity's members, worst first
    field_keys: list[str]  # FIELD_KEYS


def _vocabulary_tables(source: str) -> _Vocabulary:
    """What the vocabulary states, read from its source."""
    severities: list[str] = []
    field_keys: list[str] = []
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.ClassDef) and statement.name == "Severity":
            severities = [member for member, _ in _constants(statement)]
        elif (
            isinstance(statement, ast.Assign)
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id == "FIELD_KEYS"
            and isinstance(statement.value, ast.Tuple)
        ):
            field_keys = [str(e.value) for e in statement.value.elts if isinstance(e, ast.Constant)]
    if not severities or not field_keys:
        raise SystemExit(f"{VOCABULARY}: Severity and FIELD_KEYS (a tuple of str) must be stated")
    return _Vocabulary(severities, field_keys)


def kinds_header(model_source: str, vocabulary_source: str) -> str:
    """The text of kinds.h for the sources of the model and the vocabulary."""
    model = _model_tables(model_source)
    vocabulary = _vocabulary_tables(vocabulary_source)
    nodes, edges, prefixes = model.nodes, model.edges, model.prefixes

    def listed(items: list[str]) -> str:
        return ", ".join(items)

    node_names = listed([_constant_name(m) for m, _ in nodes])
    edge_names = listed([_constant_name(m) for m, _ in edges])
    io = "\n".join(
        f"inline constexpr uint8_t {_IO_KINDS[name]}Kinds[] = {{{listed([_constant_name(m) for m in kinds])}}};\n"
        f"inline constexpr uint32_t {_IO_KINDS[name]} = "
        f"{' | '.join(f'kind_bit({_constant_name(m)})' for m in kinds)};"
        for name, kinds in sorted(model.io.items())
    )
    strings = "\n".join(
        f'inline constexpr std::string_view {_STRINGS[name]} = "{value}";'
        for name, value in sorted(model.strings.items())
    )
    ranks = ", ".join(
        f"{_constant_name(member)} = {len(vocabulary.severities) - 1 - i}"
        for i, member in reversed(list(enumerate(vocabulary.severities)))
    )
    keys = " \\\n".join(
        f'  X({_member_name(member)}, "{key}")' for member, key in model.property_keys
    )
    return f"""// Generated by scripts/generate_kinds.py from graph/core/model.py and graph/core/vocabulary.py:
// edit those, then run it. Node and edge kinds as small integers (their codes, as graph.core.model
// states them), id prefixes, the I/O kinds of jobs and runs, the facet key prefix, the property keys
// the core reads, the severities by rank and the column properties a schema version keeps.
#pragma once

#include <cstdint>
#include <string_view>

namespace lm {{

enum NodeKindCode : uint8_t {{ {node_names}, kNodeKinds }};

enum EdgeKindCode : uint8_t {{ {edge_names}, kEdgeKinds }};

inline constexpr const char* kNodeKindNames[kNodeKinds] = {{{listed([f'"{v}"' for _, v in nodes])}}};

inline constexpr const char* kEdgeKindNames[kEdgeKinds] = {{{listed([f'"{v}"' for _, v in edges])}}};

inline constexpr std::string_view kIdPrefixes[kNodeKinds] = {{{listed([f'"{prefixes[m]}"' for m, _ in nodes])}}};

// An edge kind as a bit of a set of kinds.
constexpr uint32_t kind_bit(uint8_t kind) {{ return uint32_t(1) << kind; }}

// JOB_IO (a job's lineage, restated by its newest completed run) and RUN_IO: their kinds, and
// the same as a set.
{io}

{strings}  // property keys holding raw OpenLineage facets

// The property keys the core reads by name (PropertyKey): X(member, "key") each, for Keys.
#define LM_PROPERTY_KEYS(X) \\
{keys}

// The same keys as text, for tables of keys and reads by name: key_text::created_at is "createdAt".
namespace key_text {{
#define LM_KEY_TEXT(member, text) inline constexpr std::string_view member = text;
LM_PROPERTY_KEYS(LM_KEY_TEXT)
#undef LM_KEY_TEXT
}}  // namespace key_text

// An impact answer's severity by rank (graph.core.vocabulary.SEVERITY_RANKS).
enum Severity : uint8_t {{ {ranks} }};

// The column properties a schema version keeps, in order (graph.core.vocabulary.FIELD_KEYS).
inline constexpr std::string_view kFieldKeys[] = {{{listed([f'"{k}"' for k in vocabulary.field_keys])}}};

// The kind an id's prefix implies, or kNodeKinds.
inline uint8_t placeholder_kind(std::string_view id) {{
  std::string_view prefix = id.substr(0, id.find(':'));
  if (prefix.size() == id.size()) return kNodeKinds;
  for (uint8_t kind = 0; kind < kNodeKinds; kind++)
    if (kIdPrefixes[kind] == prefix) return kind;
  return kNodeKinds;
}}

}}  // namespace lm
"""


def main(argv: list[str]) -> int:
    if argv not in ([], ["--check"]):
        print("usage: generate_kinds.py [--check]", file=sys.stderr)
        return 2
    wanted = kinds_header(MODEL.read_text(), VOCABULARY.read_text())
    current = HEADER.read_text() if HEADER.exists() else ""
    if current == wanted:
        return 0
    if argv == ["--check"]:
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            wanted.splitlines(keepends=True),
            str(HEADER.relative_to(ROOT)),
            "as graph/core/model.py and graph/core/vocabulary.py state it",
        )
        sys.stdout.writelines(diff)
        print(f"{HEADER.relative_to(ROOT)} is stale: run python scripts/generate_kinds.py")
        return 1
    HEADER.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
