// Dataset and column lineage (graph.read.lineage): breadth-first walks, a level at a time, over a View.
//
// Each level is one read per edge kind, so a remote store answers a level in one round trip.
// Answers are sorted (every store returns the very same one) and bounded: ``depth`` limits hops,
// ``max_nodes`` size and ``deadline`` time, and hitting one with more graph beyond sets
// ``truncated`` instead of failing.
//
// Edges follow the data: dataset -> job (READS), job -> dataset (WRITES), input column -> output
// column (DERIVES_FROM). Aliases (symlinks, renames) collapse into their canonical dataset.
#pragma once

#include <algorithm>
#include <chrono>

#include "aliases.h"

namespace lm {

enum class Way { kUpstream, kDownstream };

struct Budget {
  size_t max_nodes;
  std::chrono::steady_clock::time_point deadline;
  bool over_time() const { return std::chrono::steady_clock::now() > deadline; }
  // ``max_nodes`` (none, below 0) and ``seconds`` from now, as a caller states them.
  static Budget within(int64_t max_nodes, double seconds) {
    auto span = std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
    return Budget{size_t(std::max<int64_t>(max_nodes, 0)), std::chrono::steady_clock::now() + span};
  }
};

struct LineageAnswer {
  struct Edge {
    NodeIdx source, target;
    uint8_t kind;
    EdgeIdx props;  // the stored edge whose properties it shows (kNone: none)
  };
  std::vector<NodeIdx> nodes;  // by id
  std::vector<Edge> edges;     // by (source id, target id, kind)
  bool truncated = false;
};

// Datasets and jobs upstream and/or downstream of a dataset or job. ``depth`` counts dataset hops
// (dataset -> job -> dataset is one); from a job, its own inputs or outputs are the first hop.
LineageAnswer dataset_lineage(View& view, NodeIdx start, bool upstream, bool downstream, int depth, Budget budget);

// Columns a column is derived from and/or feeds. ``depth`` counts column hops. Dataset-wide
// (INDIRECT) dependencies appear as edges between a column and a dataset: downstream the walk
// stops at such a dataset; upstream its inputs count for every column of it.
LineageAnswer column_lineage(View& view, NodeIdx start, bool upstream, bool downstream, int depth, Budget budget);

// The direct neighbours of each of ``starts`` one way: the first hop of dataset_lineage (a
// dataset's jobs, a job's datasets) or column_lineage (a column's columns) from each, so one hop
// here is one hop of those walks. Every edge of the answer has a start at its upstream end
// (``downstream``) or at its downstream end (upstream); starts of other kinds have none.
LineageAnswer neighbours(View& view, const std::vector<NodeIdx>& starts, bool downstream, Budget budget);

}  // namespace lm
