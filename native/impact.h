// The impact walk (graph.impact): what a change to a dataset or a column reaches, how badly, and
// one shortest explaining path to each.
//
// From a changed column the walk follows column lineage downstream; a hop that carries the value
// (DIRECT) keeps the severity, any other (INDIRECT: a filter, a join...) lowers it. Where a
// dataset downstream has no column lineage at all, dataset lineage stands in and what it finds is
// not certain. From a changed dataset, the jobs reading it and what they write break; everything
// further downstream goes stale. Budgets make the answer partial (``truncated``), never an error.
#pragma once

#include "lineage.h"

namespace lm {

enum Severity : uint8_t { kInfo = 0, kWarning = 1, kBreaking = 2 };  // by rank

struct Reach {
  int distance;
  int32_t path;  // the last step of its path (ImpactAnswer::steps)
  uint8_t severity;
  bool certain;
};

struct ImpactAnswer {
  struct Step {
    StrId id;
    int32_t parent;  // -1 for the changed node
  };
  std::vector<Step> steps;  // paths share their beginnings
  std::vector<std::pair<StrId, Reach>> reached;  // the changed node first
  bool truncated = false;
};

// ``depth`` < 0: unbounded. ``top``: the severity of the first hop (kWarning for a SEMANTIC change).
ImpactAnswer impact(View& view, NodeIdx start, int depth, uint8_t top, Budget budget);

}  // namespace lm
