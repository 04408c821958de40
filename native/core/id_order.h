// The nodes of one kind in the order of their ids, for the reads that page through a kind by id
// (a dataset's schema versions, newest first by their ids; the schema changes; the catalog's
// pages). Without it each page sorted every node of the kind: schema history asks for one
// dataset's newest version per dataset a batch observes, so a first load of the 20k mesh spent a
// quarter of its CPU in those sorts (O(nodes) each).
//
// Kept only for the kinds read that way, and brought up to date by the read that finds it behind
// the writes (the graph's nodes are only ever added, ``nodes_of_kind`` in insertion order): the
// nodes added since are sorted and merged in, under the writer's lock (a reader that finds the
// order behind throws NeedsExclusive, native/core/locking.h). A small sorted ``recent`` part
// takes the merges of one batch's nodes, so a batch costs its own size, not the kind's; it is
// folded into the main part once it holds an eighth of it.
#pragma once

#include <string_view>
#include <vector>

#include "common.h"

namespace lm {

class Graph;

class IdOrder {
 public:
  // Whether it holds every one of the ``count`` nodes the kind has.
  bool current(size_t count) const { return covered_ == count; }
  // Take in the nodes of ``all`` (the kind's nodes, in the graph's order) added since: with the
  // graph alone (a writer's lock).
  void catch_up(const Graph& g, const std::vector<NodeIdx>& all);
  // Up to ``first`` nodes in id order, only those whose ids sort after ``after`` when ``paged``.
  // Safe beside other readers while it is current.
  std::vector<NodeIdx> page(const Graph& g, bool paged, std::string_view after, size_t first) const;
  // The first node by id whose id starts with ``prefix`` (kNone: none): the first id after the
  // prefix, if any starts with it (it is longer).
  NodeIdx first_under(const Graph& g, std::string_view prefix) const;
  size_t heap_bytes() const { return (sorted_.capacity() + recent_.capacity()) * sizeof(NodeIdx); }

 private:
  std::vector<NodeIdx> sorted_, recent_;
  size_t covered_ = 0;  // nodes of the kind taken in (a prefix of ``all``)
};

}  // namespace lm
