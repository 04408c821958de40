// The impact walk (graph.read.impact): what a change to a dataset or a column reaches, how badly, and
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

// Whether column lineage whose ``transformations`` property is this value (nullptr: none) carries
// the value itself (DIRECT) rather than only shaping rows (INDIRECT: a filter, a join): it states
// no list or an empty one (pre-1-2-0 producers), or one of its entries is typed DIRECT (any case),
// states no type, or is no dict. ``direct``, if given, hears the index of each such entry. The one
// statement of the rule: graph.read.governance asks it through graph._native.direct_transformations.
bool is_direct_hop(const uint8_t* transformations, const StringPool& pool, StrId type_key,
                   std::vector<uint32_t>* direct = nullptr);

// Severity (kInfo, kWarning, kBreaking, by rank): kinds.h, from graph.core.vocabulary.

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
  std::vector<std::pair<StrId, Reach>> reached;  // the changed nodes first
  size_t changed = 1;                             // ... how many
  bool truncated = false;
  std::vector<StrId> held;  // ids made for the walk (not all are nodes'): the answer's holder lets them go
};

// ``depth`` < 0: unbounded. ``top``: the severity of the first hop (kWarning for a SEMANTIC change).
// Several ``starts``: one walk from all of them at once, each node reached as by the best of their
// walks (what read_impacts_ahead reads).
ImpactAnswer impact(View& view, const std::vector<NodeIdx>& starts, int depth, uint8_t top, Budget budget);
inline ImpactAnswer impact(View& view, NodeIdx start, int depth, uint8_t top, Budget budget) {
  return impact(view, std::vector<NodeIdx>{start}, depth, top, budget);
}

// Whom a change concerns (graph.read.impact._report): the affected nodes the view shows, each dataset
// of an affected column as badly as its worst column, and the products publishing, domains of,
// owners of and contracts broken by what is affected.
struct ImpactReportAnswer {
  struct Affected {
    StrId id;
    NodeIdx node;
    int distance;
    int32_t path;
    uint8_t severity;
    bool certain;
  };
  NodeIdx changed;                // the changed node as the walk started from it (canonical, where it has one)
  std::vector<Affected> affected;  // by (distance, id)
  std::vector<StrId> products, domains, owners, contracts;  // ids, by id (domains and owners: as named)
  // One of those by its name: "products", "domains", "owners" or "contracts" (nullptr: no such list).
  const std::vector<StrId>* concerned(std::string_view which) const {
    return which == "products"  ? &products
           : which == "domains" ? &domains
           : which == "owners"  ? &owners
           : which == "contracts" ? &contracts
                                  : nullptr;
  }
  std::vector<ImpactAnswer::Step> steps;
  bool truncated = false;
  std::vector<StrId> held;  // as ImpactAnswer::held
};

// ``semantic``: the change keeps the schema (no contract breaks).
ImpactReportAnswer impact_report(View& view, NodeIdx start, int depth, bool semantic, Budget budget);

// What the impact reports of changes to each of ``starts`` will read, read ahead for all of them
// at once: over a remote store (Neo4j) the walk and the report of one change from them all,
// answer dropped, so that each change's own report then finds what it reads held by the view, a
// level of all of them a round trip where each read its own (a batch's breaking changes,
// graph.notify.notifications.BatchWalks). Reads nothing from the embedded graph, which holds it all.
void read_impacts_ahead(View& view, const std::vector<NodeIdx>& starts, Budget budget);

// Each dataset's domain: a declared BELONGS_TO wins over a rule's; among equals the most recently
// seen, then the smallest id, so every store answers the same (graph.read.mesh.dataset_domains).
FlatMap<StrId, StrId> dataset_domains(View& view, const std::vector<StrId>& datasets);

}  // namespace lm
