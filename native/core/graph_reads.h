// What graph._native.Graph reads of the embedded store's graph directly, without a View: the nodes
// of some ids, the edges of some nodes by kind and direction, the counts by kind, the first nodes
// under id prefixes, the unrestated READS/WRITES edges of jobs, a kind's nodes by
// position, and a kind's id order brought up to date.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "graph.h"

namespace lm {

// The nodes of named ids that exist, each with its id's position among them (``at``).
struct FoundNodes {
  std::vector<size_t> at;
  std::vector<NodeIdx> nodes;
};
FoundNodes found_nodes(const Graph& g, const std::vector<std::string_view>& ids);

// One edge of a node among several: the node's position among them, the node at its other end, its
// kind and the edge.
struct NodeEdge {
  size_t at;
  NodeIdx far;
  uint8_t kind;
  EdgeIdx edge;
};

// The edges of ``kinds`` leaving (``out``) or entering ``nodes``: kind by kind, in the order given,
// and node by node within a kind.
std::vector<NodeEdge> edges_of(const Graph& g, const std::vector<NodeIdx>& nodes, const std::vector<uint8_t>& kinds,
                               bool out);

// The READS/WRITES edges of ``jobs`` their newest completed run did not restate (native/core/
// currency.h; judged already), job by job.
std::vector<NodeEdge> unrestated_of(const Graph& g, const std::vector<NodeIdx>& jobs);

// How many nodes of each node kind and edges of each edge kind the graph holds, node kinds first,
// each in its code's order; the kinds it holds none of left out.
struct KindCount {
  bool edge;
  uint8_t kind;
  size_t count;
};
std::vector<KindCount> kind_counts(const Graph& g);

// The kind's nodes ``start`` .. ``start + count`` in the graph's own order (not by id), as many of
// them as there are (a negative start or count: none): each page costs its own size.
std::vector<NodeIdx> nodes_of_kind_at(const Graph& g, uint8_t kind, long long start, long long count);

// The graph's sizes by name: nodes, edges, strings, string_references (the references held to the
// pool's strings as one number, equal for graphs holding equal records), shared_records and
// index_bytes (the native index's heap).
std::vector<std::pair<const char*, size_t>> graph_stats(const Graph& g);

// Per prefix, the first node of ``order`` whose id starts with it (kNone: none) and that node's value
// at ``key`` (nullptr: it holds none, or None).
struct FirstHeld {
  NodeIdx node;
  const uint8_t* value;
};
std::vector<FirstHeld> firsts_held(const Graph& g, const IdOrder& order, const std::vector<std::string_view>& prefixes,
                                   std::string_view key);

// The kind's id order (id_order.h), brought up to date, which needs the graph alone (``alone``: the
// caller has it; else NeedsExclusive, native/core/locking.h).
const IdOrder& current_order(Graph& g, uint8_t kind, bool alone);

}  // namespace lm
