// One field of a lineage answer's nodes or edges, or of an impact answer's affected nodes, as the
// bindings read it into a Python list (graph._native.Lineage.node_column, edge_column,
// Impact.affected_column): which field is what, here; making the values, there.
#pragma once

#include <string_view>
#include <vector>

#include "impact.h"
#include "lineage.h"

namespace lm {

// A column: one value a row, all of one type.
struct Column {
  enum Type : uint8_t {
    kNoField,     // no field of that name
    kInts,        // numbers
    kBools,       // numbers, 0 or 1
    kNodeKinds,   // numbers: node kind codes
    kEdgeKinds,   // numbers: edge kind codes
    kIds,         // ids, each once in the column (a node's own)
    kRepeatedIds, // ids a column repeats (an edge's ends)
    kValues,      // values: a node property's (nullptr: none, or set to None)
    kProps,       // numbers: the edge whose properties a row shows (kNone: none)
    kIdPaths,     // ids: row i's are ids[ends[i]] up to ids[ends[i + 1]], repeated along rows
  };
  Type type = kNoField;
  std::vector<int64_t> numbers;
  std::vector<StrId> ids;
  std::vector<const uint8_t*> values;
  std::vector<size_t> ends;  // kIdPaths: rows + 1 bounds
};

// A node field of ``nodes``: id, kind, a property (namespace, name, dataset), or deleted / declared
// (render_json.h's shown_deleted, shown_declared, as ``view`` judges them).
Column node_column(const Graph& g, const std::vector<NodeIdx>& nodes, std::string_view field, const View* view);

// source, target (ids), kind, or props of a lineage answer's edges.
Column edge_column(const Graph& g, const LineageAnswer& answer, std::string_view field);

// A field of the affected nodes ``rows`` names (indexes into answer.affected, each in range, else an
// Error kIndex; nullptr: every one): a node field (node_column's), distance, path (ids from the
// changed node), via (the id before it on its path), severity (its rank: 2 BREAKING, 1 WARNING, 0
// INFO), certain, or id (the id it was reached as).
Column affected_column(const Graph& g, const ImpactReportAnswer& answer, const std::vector<int64_t>* rows,
                       std::string_view field, const View* view);

}  // namespace lm
