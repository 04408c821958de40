// The mirror of a store this process does not hold (native/core/mirror_source.h), asked of a Graph
// standing for the store (GraphStore, a MirrorStore answering from it): what each read asks, what
// it installs, and walks over the mirror answering as walks over the store's own graph do.
#include <gtest/gtest.h>

#include "fixture.h"
#include "lineage.h"
#include "mirror_source.h"

namespace lm {
namespace {

using namespace fixture;

// A store answering from a Graph: every read logged, nodes installed with empty records (their
// kinds and drops only), edges with their marks, each node met given a handle.
class GraphStore : public MirrorStore {
 public:
  explicit GraphStore(Graph& g) : g_(g) {}
  std::vector<std::string> log;
  bool started = false, dropped = false;

  NodeIdx in_store(MirrorSource& m, NodeIdx n) const { return g_.find_node(m.g.pool.view(m.g.node_id[n])); }
  NodeIdx install(MirrorSource& m, NodeIdx s, HeldAs held) {
    NodeIdx n = m.named(g_.pool.view(g_.node_id[s]));
    if (m.wants(n, held)) m.fill(n, g_.node_kind[s], m.g.records.freeze(Draft(), false), held);
    if (m.handle(n) == 0) m.set_handle(n, s + 1);
    return n;
  }
  // The edges of ``kinds`` at store node ``s`` one way, installed, their far ends (store nodes) out.
  void edges_at(MirrorSource& m, NodeIdx s, uint32_t kinds, bool out, HeldAs far_held, std::vector<NodeIdx>& far) {
    for (EdgeIdx e = 0; e < g_.edge_count(); e++) {
      if (!(kinds & kind_bit(g_.edge_kind[e])) || (out ? g_.edge_src[e] : g_.edge_dst[e]) != s) continue;
      NodeIdx end = out ? g_.edge_dst[e] : g_.edge_src[e];
      NodeIdx a = install(m, g_.edge_src[e], out ? kNamed : far_held), b = install(m, g_.edge_dst[e], out ? far_held : kNamed);
      m.mark(m.edge(a, g_.edge_kind[e], b), g_.unrestated(e));
      far.push_back(end);
    }
  }
  void nodes(MirrorSource& m, const std::vector<NodeIdx>& ids, bool lean) override {
    log.push_back("nodes " + std::to_string(ids.size()) + (lean ? " lean" : ""));
    for (NodeIdx n : ids)
      if (NodeIdx s = in_store(m, n); s != kNone) install(m, s, lean ? kSummary : kWhole);
  }
  void level(MirrorSource& m, const EdgesRead& read) {
    std::vector<NodeIdx> far, ahead, mirrored;
    for (NodeIdx n : read.need)
      if (NodeIdx s = in_store(m, n); s != kNone) edges_at(m, s, read.kinds, read.out, read.far(), far);
    for (NodeIdx s : far) {
      if (read.ahead) edges_at(m, s, kind_bit(kAliasOf), true, kNamed, ahead);
      if (read.ahead_in) edges_at(m, s, read.ahead_in, false, read.far(), ahead);
      mirrored.push_back(m.named(g_.pool.view(g_.node_id[s])));
    }
    m.far_held(read, mirrored);
  }
  void neighbourhood(MirrorSource& m, const EdgesRead& read) override {
    log.push_back("neighbourhood " + std::to_string(read.need.size()));
    level(m, read);
  }
  void neighbourhoods(MirrorSource& m, const std::vector<EdgesRead>& reads) override {
    log.push_back("neighbourhoods " + std::to_string(reads.size()));
    for (const EdgesRead& read : reads) level(m, read);
  }
  void facts(MirrorSource& m, const FactsAsk& ask, const std::vector<EdgesRead>& plain,
             const std::vector<EdgesRead>& found) override {
    log.push_back("facts " + std::to_string(ask.table.size()) + " " + std::to_string(found.size()) + " " +
                  std::to_string(plain.size()));
    for (size_t i = 0; i < found.size(); i++) {
      std::vector<NodeIdx> far;
      for (uint32_t place : ask.found[i]) {
        NodeIdx s = in_store(m, ask.table[place]);
        for (EdgeIdx e = 0; e < g_.edge_count(); e++) {
          if (!(found[i].kinds & kind_bit(g_.edge_kind[e])) || (found[i].out ? g_.edge_src[e] : g_.edge_dst[e]) != s)
            continue;
          NodeIdx end = m.named(g_.pool.view(g_.node_id[found[i].out ? g_.edge_dst[e] : g_.edge_src[e]]));
          if (m.found_wanted(end)) m.found_end(end, g_.node_kind[found[i].out ? g_.edge_dst[e] : g_.edge_src[e]], nullptr);
          m.found_edge(found[i], ask.table[place], end, g_.edge_kind[e], g_.unrestated(e), far);
        }
      }
      m.far_held(found[i], far);
    }
    for (uint32_t place : ask.jobs) m.run(ask.table[place], kNone);
    for (const EdgesRead& read : plain) level(m, read);
  }
  void around(MirrorSource& m, const std::vector<NodeIdx>& nodes, uint32_t kinds, uint32_t records) override {
    log.push_back("around " + std::to_string(nodes.size()));
    std::vector<NodeIdx> far;
    for (NodeIdx n : nodes)
      if (NodeIdx s = in_store(m, n); s != kNone)
        for (bool out : {false, true}) edges_at(m, s, kinds, out, kWhole, far);
  }
  void newest_ahead(MirrorSource&, const NewestAsk& ask) override {
    log.push_back("newest ahead " + std::to_string(ask.asked.size()));
    started = true;
  }
  void newest(MirrorSource& m, const NewestAsk& ask, bool collect, std::unordered_map<NodeIdx, NodeIdx>& ends) override {
    log.push_back(std::string(collect ? "newest collected " : "newest ") + std::to_string(ask.asked.size()));
    dropped = started && !collect;
    started = false;
    for (NodeIdx n : ask.asked) {
      std::vector<NodeIdx> far;
      NodeIdx s = in_store(m, n), best = kNone;
      for (EdgeIdx e = 0; e < g_.edge_count(); e++)
        if (g_.edge_kind[e] == ask.kind && (ask.out ? g_.edge_src[e] : g_.edge_dst[e]) == s)
          best = std::max(best == kNone ? 0 : best, ask.out ? g_.edge_dst[e] : g_.edge_src[e]);
      if (best != kNone) ends[n] = install(m, best, kWhole);
    }
  }

 private:
  Graph& g_;
};


class Mirror : public ::testing::Test {
 protected:
  Mirror() : store(stored), source(mirror, store, true, true, true, true) { aliased_orders_mesh(stored); }
  Graph stored, mirror;
  GraphStore store;
  MirrorSource source;
};

TEST_F(Mirror, WalksOverTheMirrorAnswerAsOverTheStoresGraph) {
  for (auto [up, down] : {std::pair{true, false}, std::pair{false, true}, std::pair{true, true}}) {
    Graph m;
    GraphStore st(stored);
    MirrorSource src(m, st, true, false, true, true);
    View remote(src, false, 0);
    Viewing local(stored);
    NodeIdx start = src.find("dataset:pg:staging.orders");
    ASSERT_NE(start, kNone);
    LineageAnswer a = dataset_lineage(remote, start, up, down, 10, unlimited());
    LineageAnswer b = dataset_lineage(local.view, stored.find_node("dataset:pg:staging.orders"), up, down, 10, unlimited());
    EXPECT_EQ(ids(m, a.nodes), ids(stored, b.nodes));
    EXPECT_EQ(edges(m, a), edges(stored, b));
    EXPECT_FALSE(st.log.empty());
  }
}

TEST_F(Mirror, ANodeTheStoreLacksIsAskedOnce) {
  EXPECT_EQ(source.find("dataset:pg:nowhere"), kNone);
  EXPECT_TRUE(source.holds_whole("dataset:pg:nowhere"));
  EXPECT_EQ(source.find("dataset:pg:nowhere"), kNone);
  EXPECT_EQ(store.log, Strings{"nodes 1"});
  NodeIdx n = source.find("dataset:pg:raw.orders");
  ASSERT_NE(n, kNone);
  EXPECT_TRUE(source.exists(n));
  EXPECT_TRUE(source.holds_whole("dataset:pg:raw.orders"));
  EXPECT_FALSE(source.holds_whole("dataset:pg:unmet"));
  source.wholes({n});
  source.summaries({n});
  EXPECT_EQ(store.log.size(), 2u);  // (held whole: not read again)
  std::vector<NodeIdx> found;
  source.find_all({mirror.pool.intern("dataset:pg:mart.revenue"), mirror.pool.find("dataset:pg:nowhere")}, found, true);
  EXPECT_NE(found[0], kNone);
  EXPECT_EQ(found[1], kNone);
  EXPECT_EQ(store.log.back(), "nodes 1 lean");
}

TEST_F(Mirror, ALevelReadOnceIsHeld) {
  NodeIdx n = source.node(mirror.pool.intern("dataset:pg:staging.orders"));
  source.edges({n}, kind_bit(kReads), false, false, true, kind_bit(kAliasOf), true);
  source.edges({n}, kind_bit(kReads), false, false, true, kind_bit(kAliasOf), true);
  source.edges({n, kNone}, kind_bit(kReads), false, true, false, 0, false);  // (with records: read again)
  EXPECT_EQ(store.log, (Strings{"neighbourhood 1", "neighbourhood 1"}));
  NodeIdx agg = mirror.find_node("job:etl:agg");
  ASSERT_NE(agg, kNone);
  EXPECT_NE(mirror.find_edge(agg, kReads, n), kNone);
  EXPECT_NE(source.handle(agg), 0u);
  source.named(std::vector<NodeIdx>{agg});
  source.lean({agg});
  source.found({agg});
  EXPECT_EQ(source.held(agg), kSummary);  // (as the read with records read its far ends)
  EXPECT_EQ(store.log.size(), 2u);
}

TEST_F(Mirror, ABatchReadsTheFoundReadsAndRunsWithTheFacts) {
  NodeIdx n = source.find("dataset:pg:mart.revenue"), job = source.find("job:etl:agg");
  EdgeRead found{{n}, kind_bit(kWrites), false, false, true, false, true, true};
  EdgeRead plain{{n}, kind_bit(kReads), false};
  source.edges_batch({found, plain}, FactsRead{{job}, {}, {}});
  EXPECT_EQ(store.log.back(), "facts 2 1 1");
  EXPECT_EQ(source.held(job), kWhole);
  NodeIdx agg = mirror.find_node("job:etl:agg");
  EXPECT_NE(mirror.find_edge(agg, kWrites, n), kNone);
  std::vector<NodeIdx> runs(1);
  EXPECT_TRUE(source.newest({job}, kOf, false, "createdAt", runs, true));
  EXPECT_EQ(runs[0], kNone);  // (the run the facts read: none)
  source.edges_batch({plain}, FactsRead{});
  EXPECT_EQ(store.log.back(), "facts 2 1 1");  // (held)
  source.edges_batch({EdgeRead{{n}, kind_bit(kOwnedBy), true}}, FactsRead{});
  EXPECT_EQ(store.log.back(), "neighbourhoods 1");
}

TEST_F(Mirror, ANewestReadStartedAheadIsCollectedOrDropped) {
  NodeIdx job = source.find("job:etl:agg");
  std::vector<NodeIdx> ends(1);
  source.newest_soon({job}, kWrites, true, "createdAt");
  source.newest_soon({job}, kWrites, true, "createdAt");  // (one at a time)
  source.newest({job}, kWrites, true, "createdAt", ends, false);
  EXPECT_EQ(store.log, (Strings{"nodes 1", "newest ahead 1", "newest collected 1"}));
  EXPECT_EQ(ends[0], mirror.find_node("dataset:pg:mart.revenue"));
  source.newest_soon({job}, kWrites, true, "createdAt");
  source.newest({job}, kReads, true, "createdAt", ends, false);
  EXPECT_TRUE(store.dropped);
  EXPECT_EQ(store.log.back(), "newest 1");
}

TEST_F(Mirror, AroundReadsOnceAndOwnersKeepTheirRecords) {
  NodeIdx n = source.find("dataset:pg:mart.revenue");
  source.around({n, n, kNone}, kind_bit(kWrites) | kind_bit(kReads), kind_bit(kReads));
  source.around({n}, kind_bit(kWrites), 0);
  EXPECT_EQ(store.log, (Strings{"nodes 1", "around 1"}));
  NodeIdx owner = source.named(std::string_view("owner:team"));
  Record* record = mirror.records.freeze(Draft(), true);
  source.owned({n}, {{owner, record}});
  source.owned({n}, {{owner, record}});  // (replaced by the same record)
  EXPECT_NE(mirror.find_edge(n, kOwnedBy, owner), kNone);
  mirror.records.release(record);
  EdgeIdx e = mirror.find_edge(mirror.find_node("job:etl:report"), kReads, n);
  ASSERT_NE(e, kNone);
  source.mark(e, true);
  EXPECT_TRUE(mirror.unrestated(e));
  EdgeIdx alias = source.edge(n, kAliasOf, owner);
  source.mark(alias, true);  // (only job edges are marked)
  EXPECT_FALSE(mirror.unrestated(alias));
}

// The extras a test gives: "dbt" as the first, none for the others.
class OneExtra : public SummaryValues {
 public:
  bool value(size_t i, StringSink& sink, Bytes& out) override {
    if (i != 0) return false;
    sink.value("dbt", out);
    return true;
  }
};

TEST(SummaryRecord, KeepsTheSummarysPropertiesAskedAndTheExtras) {
  Graph g;
  SummaryForm form{{"owner", "tier"}, {"name", "columns"}, false};
  OneExtra extras;
  Record* r = summary_record(g, R"({"name": "orders", "dropped": null, "namespace": "pg", "columns": [1]})", form, extras);
  EXPECT_EQ(record_text(g, r), "name@=\"orders\";columns@=[1];owner@=\"dbt\";");
  g.records.release(r);
  form.all = true;
  r = summary_record(g, R"({"name": "orders", "namespace": "pg"})", form, extras);
  EXPECT_EQ(record_text(g, r), "name@=\"orders\";namespace@=\"pg\";owner@=\"dbt\";");
  g.records.release(r);
  EXPECT_THROW(summary_record(g, "[1]", form, extras), Error);
}

}  // namespace
}  // namespace lm
