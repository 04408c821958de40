#include "id_order.h"

#include <algorithm>
#include <iterator>

#include "graph.h"

namespace lm {

namespace {

struct ById {
  const Graph& g;
  std::string_view id(NodeIdx n) const { return g.pool.view(g.node_id[n]); }
  bool operator()(NodeIdx a, NodeIdx b) const { return id(a) < id(b); }
};

std::vector<NodeIdx> merged(const std::vector<NodeIdx>& a, const std::vector<NodeIdx>& b, const ById& less) {
  std::vector<NodeIdx> out;
  out.reserve(a.size() + b.size());
  std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out), less);
  return out;
}

}  // namespace

void IdOrder::catch_up(const Graph& g, const std::vector<NodeIdx>& all) {
  if (covered_ >= all.size()) return;
  ById less{g};
  std::vector<NodeIdx> fresh(all.begin() + long(covered_), all.end());
  std::sort(fresh.begin(), fresh.end(), less);
  recent_ = recent_.empty() ? std::move(fresh) : merged(recent_, fresh, less);
  if (recent_.size() * 8 >= sorted_.size()) {
    sorted_ = sorted_.empty() ? std::move(recent_) : merged(sorted_, recent_, less);
    recent_ = {};
  }
  covered_ = all.size();
}

std::vector<NodeIdx> IdOrder::page(const Graph& g, bool paged, std::string_view after, size_t first) const {
  ById by{g};
  auto start = [&](const std::vector<NodeIdx>& part) {
    if (!paged) return part.begin();
    return std::upper_bound(part.begin(), part.end(), after,
                            [&](std::string_view text, NodeIdx n) { return text < by.id(n); });
  };
  auto a = start(sorted_), b = start(recent_);
  std::vector<NodeIdx> out;
  out.reserve(std::min(first, size_t(sorted_.end() - a) + size_t(recent_.end() - b)));
  while (out.size() < first && (a != sorted_.end() || b != recent_.end())) {
    if (b == recent_.end() || (a != sorted_.end() && by(*a, *b))) {
      out.push_back(*a++);
    } else {
      out.push_back(*b++);
    }
  }
  return out;
}

NodeIdx IdOrder::first_under(const Graph& g, std::string_view prefix) const {
  std::vector<NodeIdx> first = page(g, true, prefix, 1);
  if (first.empty() || g.pool.view(g.node_id[first[0]]).substr(0, prefix.size()) != prefix) return kNone;
  return first[0];
}

}  // namespace lm
