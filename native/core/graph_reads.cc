#include "graph_reads.h"

#include <algorithm>

namespace lm {

FoundNodes found_nodes(const Graph& g, const std::vector<std::string_view>& ids) {
  FoundNodes found;
  for (size_t at = 0; at < ids.size(); at++) {
    NodeIdx node = g.find_node(ids[at]);
    if (node == kNone) continue;
    found.at.push_back(at);
    found.nodes.push_back(node);
  }
  return found;
}

std::vector<KindCount> kind_counts(const Graph& g) {
  std::vector<KindCount> out;
  for (uint8_t k = 0; k < kNodeKinds; k++)
    if (!g.nodes_of_kind[k].empty()) out.push_back({false, k, g.nodes_of_kind[k].size()});
  for (uint8_t k = 0; k < kEdgeKinds; k++)
    if (g.edges_of_kind[k] != 0) out.push_back({true, k, g.edges_of_kind[k]});
  return out;
}

std::vector<NodeEdge> edges_of(const Graph& g, const std::vector<NodeIdx>& nodes, const std::vector<uint8_t>& kinds,
                               bool out) {
  std::vector<NodeEdge> found;
  for (uint8_t kind : kinds) {
    for (size_t at = 0; at < nodes.size(); at++) {
      auto [b, e] = (out ? g.node_out[nodes[at]] : g.node_in[nodes[at]]).of_kind(kind);
      for (const uint64_t* it = b; it < e; it++) found.push_back({at, entry_neighbour(*it), kind, entry_edge(*it)});
    }
  }
  return found;
}

std::vector<NodeEdge> unrestated_of(const Graph& g, const std::vector<NodeIdx>& jobs) {
  std::vector<NodeEdge> found;
  for (size_t at = 0; at < jobs.size(); at++) {
    for (uint8_t kind : kJobIoKinds) {
      auto [b, e] = g.node_out[jobs[at]].of_kind(kind);
      for (const uint64_t* it = b; it < e; it++)
        if (g.unrestated(entry_edge(*it))) found.push_back({at, entry_neighbour(*it), kind, entry_edge(*it)});
    }
  }
  return found;
}

std::vector<NodeIdx> nodes_of_kind_at(const Graph& g, uint8_t kind, long long start, long long count) {
  const std::vector<NodeIdx>& all = g.nodes_of_kind[kind];
  size_t begin = std::min(all.size(), size_t(std::max(start, 0LL)));
  size_t end = std::min(all.size(), begin + size_t(std::max(count, 0LL)));
  return std::vector<NodeIdx>(all.begin() + long(begin), all.begin() + long(end));
}

std::vector<std::pair<const char*, size_t>> graph_stats(const Graph& g) {
  return {{"nodes", g.node_count()},
          {"edges", g.edge_count()},
          {"strings", g.pool.live()},
          {"string_references", g.pool.references_fingerprint()},
          {"shared_records", g.records.shared_count()},
          {"index_bytes", g.heap_bytes()}};
}

std::vector<FirstHeld> firsts_held(const Graph& g, const IdOrder& order, const std::vector<std::string_view>& prefixes,
                                   std::string_view key) {
  StrId key_id = g.pool.find(key);  // kNone: no record holds it
  std::vector<FirstHeld> out;
  for (std::string_view prefix : prefixes) {
    NodeIdx first = order.first_under(g, prefix);
    const uint8_t* value = first == kNone || key_id == kNone ? nullptr : g.node_value(first, key_id);
    out.push_back({first, value != nullptr && *value == kAbsent ? nullptr : value});
  }
  return out;
}

const IdOrder& current_order(Graph& g, uint8_t kind, bool alone) {
  IdOrder& order = g.id_order[kind];
  if (!order.current(g.nodes_of_kind[kind].size())) {
    if (!alone) throw NeedsExclusive{};  // read again with the graph alone
    order.catch_up(g, g.nodes_of_kind[kind]);
  }
  return order;
}

}  // namespace lm
