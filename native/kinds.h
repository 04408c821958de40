// Node and edge kinds as small integers (``graph.model.NodeKind`` / ``EdgeKind`` by value).
//
// Edge kind codes order each node's adjacency (graph/native/adjacency.h): kinds that keep growing
// for as long as pipelines run (a run's CONSUMED/PRODUCED, a job's runs) come last, so adding one
// appends instead of moving the entries after it.
#pragma once

#include "common.h"

namespace lm {

enum NodeKindCode : uint8_t {
  kDomain, kDataProduct, kDataset, kColumn, kJob, kRun, kOwner, kConsumer, kContract, kNodeKinds
};

enum EdgeKindCode : uint8_t {
  kAliasOf, kHasColumn, kDerivesFrom, kOwnedBy, kBelongsTo, kExposes, kHasContract, kGoverns, kConsumes,
  kReads, kWrites, kChildOf, kOf, kConsumed, kProduced, kEdgeKinds
};

inline constexpr const char* kNodeKindNames[kNodeKinds] = {
    "Domain", "DataProduct", "Dataset", "Column", "Job", "Run", "Owner", "Consumer", "Contract"};

inline constexpr const char* kEdgeKindNames[kEdgeKinds] = {
    "ALIAS_OF", "HAS_COLUMN", "DERIVES_FROM", "OWNED_BY", "BELONGS_TO", "EXPOSES", "HAS_CONTRACT", "GOVERNS",
    "CONSUMES", "READS", "WRITES", "CHILD_OF", "OF", "CONSUMED", "PRODUCED"};

// The kind an id's prefix implies, or kNodeKinds.
inline uint8_t placeholder_kind(std::string_view id) {
  size_t colon = id.find(':');
  if (colon == std::string_view::npos) return kNodeKinds;
  std::string_view prefix = id.substr(0, colon);
  if (prefix == "dataset") return kDataset;
  if (prefix == "datasetField") return kColumn;
  if (prefix == "job") return kJob;
  if (prefix == "run") return kRun;
  if (prefix == "domain") return kDomain;
  if (prefix == "dataProduct") return kDataProduct;
  if (prefix == "owner") return kOwner;
  if (prefix == "consumer") return kConsumer;
  if (prefix == "contract") return kContract;
  return kNodeKinds;
}

}  // namespace lm
