// What graph._native.Graph reads directly (native/core/graph_reads.h): the nodes of ids, edges by
// kind and direction, the unrestated READS/WRITES edges of jobs, a kind's nodes by position, its id
// order kept current.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fixture.h"
#include "graph_reads.h"
#include "locking.h"
#include "view.h"

namespace lm {
namespace {

// "node -KIND-> far" (or "far -KIND-> node" entering it) for each edge found, in its order.
fixture::Strings shown(const Graph& g, const std::vector<NodeIdx>& nodes, const std::vector<NodeEdge>& edges, bool out) {
  fixture::Strings lines;
  for (const NodeEdge& e : edges) {
    std::string near_end = fixture::text(g, nodes[e.at]), far_end = fixture::text(g, e.far);
    EXPECT_EQ(g.edge_kind[e.edge], e.kind);
    lines.push_back((out ? near_end : far_end) + " -" + kEdgeKindNames[e.kind] + "-> " + (out ? far_end : near_end));
  }
  return lines;
}

TEST(GraphReads, TheNodesOfTheIdsThatExistWithTheirPositions) {
  Graph g;
  fixture::aliased_orders_mesh(g);
  FoundNodes found = found_nodes(g, {"job:etl:agg", "job:etl:none", "dataset:pg:raw.orders", "job:etl:agg"});
  EXPECT_EQ(found.at, (std::vector<size_t>{0, 2, 3}));
  EXPECT_EQ(found.nodes, (std::vector<NodeIdx>{g.find_node("job:etl:agg"), g.find_node("dataset:pg:raw.orders"),
                                                g.find_node("job:etl:agg")}));
  EXPECT_TRUE(found_nodes(g, {}).nodes.empty());
}

TEST(GraphReads, CountsByKindLeaveOutTheKindsNotHeld) {
  Graph g;
  EXPECT_TRUE(kind_counts(g).empty());
  fixture::aliased_orders_mesh(g);
  fixture::Strings shown, expected;
  for (KindCount c : kind_counts(g))
    shown.push_back(std::string(c.edge ? kEdgeKindNames[c.kind] : kNodeKindNames[c.kind]) + "=" + std::to_string(c.count));
  for (uint8_t k = 0; k < kNodeKinds; k++)
    if (!g.nodes_of_kind[k].empty()) expected.push_back(std::string(kNodeKindNames[k]) + "=" + std::to_string(g.nodes_of_kind[k].size()));
  for (uint8_t k = 0; k < kEdgeKinds; k++)
    if (g.edges_of_kind[k] != 0) expected.push_back(std::string(kEdgeKindNames[k]) + "=" + std::to_string(g.edges_of_kind[k]));
  EXPECT_EQ(shown, expected);
  EXPECT_NE(std::find(shown.begin(), shown.end(), "Job=4"), shown.end());  // ingest, clean, agg, report
  EXPECT_NE(std::find(shown.begin(), shown.end(), "WRITES=4"), shown.end());
  EXPECT_EQ(std::find(shown.begin(), shown.end(), "CHECKS=0"), shown.end());
}

TEST(GraphReads, EdgesKindByKindThenNodeByNode) {
  Graph g;
  fixture::aliased_orders_mesh(g);
  std::vector<NodeIdx> jobs = {g.find_node("job:etl:agg"), g.find_node("job:etl:clean")};
  std::vector<NodeEdge> out = edges_of(g, jobs, {kWrites, kReads, kWrites}, true);
  EXPECT_EQ(shown(g, jobs, out, true),
            (fixture::Strings{"job:etl:agg -WRITES-> dataset:pg:mart.revenue", "job:etl:clean -WRITES-> dataset:pg:staging.orders",
                              "job:etl:agg -READS-> dataset:pg:staging.orders", "job:etl:agg -READS-> dataset:pg:raw.customers",
                              "job:etl:clean -READS-> dataset:pg:raw.orders", "job:etl:agg -WRITES-> dataset:pg:mart.revenue",
                              "job:etl:clean -WRITES-> dataset:pg:staging.orders"}));
  std::vector<NodeIdx> revenue = {g.find_node("dataset:pg:mart.revenue")};
  EXPECT_EQ(shown(g, revenue, edges_of(g, revenue, {kWrites, kReads}, false), false),
            (fixture::Strings{"job:etl:agg -WRITES-> dataset:pg:mart.revenue", "job:etl:report -READS-> dataset:pg:mart.revenue"}));
  EXPECT_TRUE(edges_of(g, revenue, {kAliasOf}, true).empty());
  EXPECT_TRUE(edges_of(g, {}, {kReads}, true).empty());
}

TEST(GraphReads, UnrestatedEdgesJobByJob) {
  Graph g;
  fixture::aliased_orders_mesh(g);
  std::vector<NodeIdx> jobs = {g.find_node("job:etl:clean"), g.find_node("job:etl:agg")};
  EXPECT_TRUE(unrestated_of(g, jobs).empty());
  NodeIdx agg = jobs[1], clean = jobs[0];
  g.set_unrestated(g.find_edge(agg, kReads, g.find_node("dataset:pg:raw.customers")), true);
  g.set_unrestated(g.find_edge(agg, kWrites, g.find_node("dataset:pg:mart.revenue")), true);
  g.set_unrestated(g.find_edge(clean, kWrites, g.find_node("dataset:pg:staging.orders")), true);
  EXPECT_EQ(shown(g, jobs, unrestated_of(g, jobs), true),
            (fixture::Strings{"job:etl:clean -WRITES-> dataset:pg:staging.orders", "job:etl:agg -READS-> dataset:pg:raw.customers",
                              "job:etl:agg -WRITES-> dataset:pg:mart.revenue"}));
}

TEST(GraphReads, NodesOfAKindByPositionAndById) {
  Graph g;
  fixture::aliased_orders_mesh(g);
  const std::vector<NodeIdx>& datasets = g.nodes_of_kind[kDataset];
  ASSERT_EQ(datasets.size(), 6u);
  EXPECT_EQ(nodes_of_kind_at(g, kDataset, 0, 100), datasets);
  EXPECT_EQ(nodes_of_kind_at(g, kDataset, 2, 3), std::vector<NodeIdx>(datasets.begin() + 2, datasets.begin() + 5));
  EXPECT_EQ(nodes_of_kind_at(g, kDataset, -4, 2), std::vector<NodeIdx>(datasets.begin(), datasets.begin() + 2));
  EXPECT_TRUE(nodes_of_kind_at(g, kDataset, 6, 2).empty());
  EXPECT_TRUE(nodes_of_kind_at(g, kDataset, 1, -1).empty());
  EXPECT_TRUE(nodes_of_kind_at(g, kOwner, 0, 5).empty());

  EXPECT_THROW(current_order(g, kDataset, false), NeedsExclusive);  // behind the writes: a writer catches it up
  const IdOrder& order = current_order(g, kDataset, true);
  EXPECT_EQ(&current_order(g, kDataset, false), &order);  // current now: a reader may read it
  EXPECT_EQ(fixture::ids(g, order.page(g, false, "", 2)), (fixture::Strings{"dataset:pg:mart.revenue", "dataset:pg:raw.customers"}));
}

TEST(GraphReads, TheFirstNodeUnderEachPrefixWithItsValue) {
  Graph g;
  Builder b(fixture::kT1);
  MapWriter named = b.map(), unnamed = b.map(), none = b.map();
  named.set_str("name", "orders");
  none.set_null("name");
  b.node("dataset:pg:a.orders", kDataset, named);
  b.node("dataset:pg:a.raw", kDataset, unnamed);
  b.node("dataset:pg:b.none", kDataset, none);
  fixture::commit(g, b.wire.finish());
  const IdOrder& order = current_order(g, kDataset, true);
  std::vector<FirstHeld> firsts = firsts_held(g, order, {"dataset:pg:a.", "dataset:pg:b.", "dataset:pg:c.", "dataset:pg:a.r"}, "name");
  ASSERT_EQ(firsts.size(), 4u);
  EXPECT_EQ(firsts[0].node, g.find_node("dataset:pg:a.orders"));
  ASSERT_NE(firsts[0].value, nullptr);
  EXPECT_EQ(*firsts[0].value, kStr);
  EXPECT_EQ(firsts[1].node, g.find_node("dataset:pg:b.none"));
  EXPECT_EQ(firsts[1].value, nullptr);  // set to None: no value
  EXPECT_EQ(firsts[2].node, kNone);
  EXPECT_EQ(firsts[2].value, nullptr);
  EXPECT_EQ(firsts[3].node, g.find_node("dataset:pg:a.raw"));
  EXPECT_EQ(firsts[3].value, nullptr);  // no such key
  EXPECT_EQ(firsts_held(g, order, {"dataset:pg:a."}, "never-a-key")[0].value, nullptr);
}

TEST(GraphReads, StatsNameTheGraphsSizes) {
  Graph g;
  fixture::aliased_orders_mesh(g);
  std::vector<std::pair<const char*, size_t>> stats = graph_stats(g);
  ASSERT_EQ(stats.size(), 6u);
  EXPECT_STREQ(stats[0].first, "nodes");
  EXPECT_EQ(stats[0].second, g.node_count());
  EXPECT_STREQ(stats[1].first, "edges");
  EXPECT_EQ(stats[1].second, g.edge_count());
  EXPECT_STREQ(stats[5].first, "index_bytes");
  EXPECT_EQ(stats[5].second, g.heap_bytes());
  EXPECT_STREQ(stats[2].first, "strings");
  EXPECT_GT(stats[2].second, 0u);
}

TEST(GraphReads, AViewsNamedEdgesAreItsCurrentEdgesTheirTablesNamesRead) {
  Graph g;
  fixture::aliased_orders_mesh(g);
  fixture::Viewing v(g);
  std::vector<NodeIdx> jobs = {g.find_node("job:etl:ingest"), g.find_node("job:etl:agg")};
  std::vector<EdgeRef> found, plain;
  v.view.named_edges(jobs, kJobIo, true, found, true);
  v.view.edges(jobs, kJobIo, true, plain, true);
  fixture::Strings lines;
  for (const EdgeRef& e : found)
    lines.push_back(fixture::text(g, e.source) + " -" + kEdgeKindNames[e.kind] + "-> " + fixture::text(g, e.target));
  EXPECT_EQ(lines, (fixture::Strings{"job:etl:agg -READS-> dataset:pg:staging.orders", "job:etl:agg -READS-> dataset:pg:raw.customers",
                                     "job:etl:ingest -WRITES-> dataset:s3:bucket/orders", "job:etl:agg -WRITES-> dataset:pg:mart.revenue"}));
  EXPECT_EQ(found.size(), plain.size());
}

TEST(GraphReads, IdsFoundInAViewEachWithItsNode) {
  Graph g;
  fixture::aliased_orders_mesh(g);
  fixture::Viewing v(g);
  size_t strings = g.pool.live();
  FoundIds found(v.view, {"job:etl:agg", "dataset:pg:nowhere", "dataset:pg:raw.orders", "job:etl:agg"});
  EXPECT_EQ(g.pool.live(), strings);  // the embedded graph's view interns nothing
  EXPECT_EQ(found.strs[1], kNone);
  EXPECT_EQ(fixture::strs(g, found.known), (fixture::Strings{"job:etl:agg", "dataset:pg:raw.orders", "job:etl:agg"}));
  ASSERT_EQ(found.nodes.size(), 4u);
  EXPECT_EQ(found.nodes[0], g.find_node("job:etl:agg"));
  EXPECT_EQ(found.nodes[1], kNone);
  EXPECT_EQ(found.nodes[3], found.nodes[0]);
  std::vector<NodeIdx> in_order = {found.nodes[0], found.nodes[2], found.nodes[0]};
  EXPECT_EQ(found.existing(false), in_order);
  std::vector<NodeIdx> each_once = {std::min(found.nodes[0], found.nodes[2]), std::max(found.nodes[0], found.nodes[2])};
  EXPECT_EQ(found.existing(), each_once);
}

}  // namespace
}  // namespace lm
