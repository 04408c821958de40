// Dataset and column lineage (native/core/lineage.h) and what the view counts as current
// (native/core/view.h, currency.h), on small meshes whose walks are known by hand.
#include <gtest/gtest.h>

#include "fixture.h"
#include "lineage.h"

namespace lm {
namespace {

using namespace fixture;  // the meshes, times and readers every test here shares

LineageAnswer datasets(Graph& g, const std::string& start, bool up, bool down, int depth, size_t max_nodes = 1000000) {
  fixture::Viewing v(g);
  NodeIdx n = g.find_node(start);
  EXPECT_NE(n, kNone) << start;
  return dataset_lineage(v.view, n, up, down, depth, unlimited(max_nodes));
}

LineageAnswer columns(Graph& g, const std::string& start, bool up, bool down, int depth) {
  fixture::Viewing v(g);
  NodeIdx n = g.find_node(start);
  EXPECT_NE(n, kNone) << start;
  return column_lineage(v.view, n, up, down, depth, unlimited());
}

// A test on a fresh graph ``mesh`` builds.
template <void (*mesh)(Graph&)>
class OnMesh : public ::testing::Test {
 protected:
  void SetUp() override { mesh(g); }
  Graph g;
};

// An answer is these nodes (ids) and these edges ("source -KIND-> target").
void expect_walk(const Graph& g, const LineageAnswer& a, const Strings& nodes, const Strings& edge_lines) {
  EXPECT_EQ(ids(g, a.nodes), nodes);
  EXPECT_EQ(edges(g, a), edge_lines);
}

using DatasetLineage = OnMesh<aliased_orders_mesh>;  // the dataset walks, on the orders mesh

TEST_F(DatasetLineage, DownstreamOneHopIsTheReadersAndWhatTheyWriteAndSaysThereIsMore) {
  LineageAnswer a = datasets(g, "dataset:pg:staging.orders", false, true, 1);
  expect_walk(g, a, {"dataset:pg:mart.revenue", "dataset:pg:staging.orders", "job:etl:agg"},
              {"dataset:pg:staging.orders -READS-> job:etl:agg",
               "job:etl:agg -WRITES-> dataset:pg:mart.revenue"});
  EXPECT_TRUE(a.truncated);  // report reads mart.revenue, one hop further
}

TEST_F(DatasetLineage, TheWholeWayDownIsNotTruncated) {
  LineageAnswer a = datasets(g, "dataset:pg:staging.orders", false, true, 5);
  EXPECT_EQ(ids(g, a.nodes), (Strings{"dataset:pg:mart.revenue", "dataset:pg:report.daily", "dataset:pg:staging.orders",
                                      "job:etl:agg", "job:etl:report"}));
  EXPECT_EQ(edges(g, a).size(), 4u);
  EXPECT_FALSE(a.truncated);
}

TEST_F(DatasetLineage, UpstreamCrossesAnAliasIntoItsCanonicalDataset) {
  LineageAnswer a = datasets(g, "dataset:pg:staging.orders", true, false, 3);
  EXPECT_EQ(ids(g, a.nodes), (Strings{"dataset:pg:raw.orders", "dataset:pg:staging.orders", "job:etl:clean",
                                      "job:etl:ingest"}));
  // ingest wrote the storage path; the answer names the table it is an alias of
  EXPECT_EQ(edges(g, a), (Strings{"dataset:pg:raw.orders -READS-> job:etl:clean",
                                  "job:etl:clean -WRITES-> dataset:pg:staging.orders",
                                  "job:etl:ingest -WRITES-> dataset:pg:raw.orders"}));
  EXPECT_FALSE(a.truncated);
  // asked by the alias, the walk starts from the table itself
  LineageAnswer by_alias = datasets(g, "dataset:s3:bucket/orders", false, true, 1);
  EXPECT_EQ(ids(g, by_alias.nodes), (Strings{"dataset:pg:raw.orders", "dataset:pg:staging.orders", "job:etl:clean"}));
}

TEST_F(DatasetLineage, FromAJobItsOwnInputsAndOutputsAreTheFirstHop) {
  LineageAnswer a = datasets(g, "job:etl:agg", true, true, 1);
  expect_walk(g, a, {"dataset:pg:mart.revenue", "dataset:pg:raw.customers", "dataset:pg:staging.orders",
              "job:etl:agg"},
              {"dataset:pg:raw.customers -READS-> job:etl:agg",
               "dataset:pg:staging.orders -READS-> job:etl:agg",
               "job:etl:agg -WRITES-> dataset:pg:mart.revenue"});
  EXPECT_TRUE(a.truncated);  // clean upstream, report downstream
  LineageAnswer two = datasets(g, "job:etl:agg", true, true, 2);
  EXPECT_EQ(ids(g, two.nodes), (Strings{"dataset:pg:mart.revenue", "dataset:pg:raw.customers", "dataset:pg:raw.orders",
                                        "dataset:pg:report.daily", "dataset:pg:staging.orders", "job:etl:agg",
                                        "job:etl:clean", "job:etl:report"}));
}

TEST_F(DatasetLineage, DepthZeroIsTheStartAloneAndKnowsThereIsMore) {
  LineageAnswer a = datasets(g, "dataset:pg:mart.revenue", true, true, 0);
  EXPECT_EQ(ids(g, a.nodes), (Strings{"dataset:pg:mart.revenue"}));
  EXPECT_TRUE(a.edges.empty());
  EXPECT_TRUE(a.truncated);
  LineageAnswer end = datasets(g, "dataset:pg:report.daily", false, true, 0);
  EXPECT_FALSE(end.truncated);
}

TEST_F(DatasetLineage, AFullBudgetKeepsTheLeastIdsAndSaysSo) {
  LineageAnswer a = datasets(g, "job:etl:agg", true, false, 3, 2);
  EXPECT_EQ(ids(g, a.nodes), (Strings{"dataset:pg:raw.customers", "job:etl:agg"}));
  EXPECT_TRUE(a.truncated);
  fixture::Viewing v(g);
  Budget past_deadline{100, std::chrono::steady_clock::now() - std::chrono::seconds(1)};
  LineageAnswer late = dataset_lineage(v.view, g.find_node("job:etl:agg"), true, true, 3, past_deadline);
  EXPECT_TRUE(late.truncated);
}

TEST(Neighbours, OneHopFromEachStartOfEachKind) {
  Graph g;
  aliased_orders_mesh(g);
  fixture::Viewing v(g);
  std::vector<NodeIdx> starts = {g.find_node("dataset:pg:staging.orders"), g.find_node("job:etl:clean")};
  LineageAnswer down = neighbours(v.view, starts, true, unlimited());
  EXPECT_EQ(edges(g, down), (Strings{"dataset:pg:staging.orders -READS-> job:etl:agg",
                                     "job:etl:clean -WRITES-> dataset:pg:staging.orders"}));
  LineageAnswer up = neighbours(v.view, starts, false, unlimited());
  EXPECT_EQ(edges(g, up), (Strings{"dataset:pg:raw.orders -READS-> job:etl:clean",
                                   "job:etl:clean -WRITES-> dataset:pg:staging.orders"}));
  EXPECT_FALSE(up.truncated);
}

// -- what is current ------------------------------------------------------------------------------

// A run of ``job`` that completed at ``ended``, having consumed and produced the given datasets.
void complete_run(Graph& g, const std::string& at, const std::string& job, const std::string& run,
                  const Strings& consumed, const Strings& produced) {
  Builder b(at);
  MapWriter props = b.map();
  props.set_str("runId", run).set_str("state", "COMPLETE").set_str("endedAt", at).set_str("createdAt", at);
  std::string run_id = "run:" + run;
  b.node(run_id, kRun, props);
  b.edge(run_id, kOf, job);
  for (const std::string& d : consumed) {
    b.edge(run_id, kConsumed, d);
    b.edge(job, kReads, d);
  }
  for (const std::string& d : produced) {
    b.edge(run_id, kProduced, d);
    b.edge(job, kWrites, d);
  }
  MapWriter latest = b.map();
  latest.set_str("latestCompletedRun", run_id);
  b.node(job, kJob, latest);
  commit(g, b.wire.finish());
}

TEST(Currency, AnInputTheNewestCompletedRunNoLongerReadIsNotLineage) {
  Graph g;
  complete_run(g, kT1, "job:etl:j", "r1", {"dataset:pg:a", "dataset:pg:old"}, {"dataset:pg:out"});
  EXPECT_EQ(ids(g, datasets(g, "job:etl:j", true, false, 1).nodes),
            (Strings{"dataset:pg:a", "dataset:pg:old", "job:etl:j"}));
  complete_run(g, kT2, "job:etl:j", "r2", {"dataset:pg:a"}, {"dataset:pg:out"});
  EXPECT_EQ(ids(g, datasets(g, "job:etl:j", true, false, 1).nodes), (Strings{"dataset:pg:a", "job:etl:j"}));
  EXPECT_EQ(ids(g, datasets(g, "dataset:pg:old", false, true, 1).nodes), (Strings{"dataset:pg:old"}));
  // as of a moment between the runs, the first one decided, and pg:old was read then
  fixture::Viewing then(g, "2026-01-05T12:00:00.000000Z");
  LineageAnswer past = dataset_lineage(then.view, g.find_node("job:etl:j"), true, false, 1, unlimited());
  EXPECT_EQ(ids(g, past.nodes), (Strings{"dataset:pg:a", "dataset:pg:old", "job:etl:j"}));
  // before anything was seen the job shows no lineage at all (its edges were first seen later)
  fixture::Viewing before(g, "2026-01-01T00:00:00.000000Z");
  LineageAnswer none = dataset_lineage(before.view, g.find_node("job:etl:j"), true, true, 1, unlimited());
  EXPECT_EQ(ids(g, none.nodes), (Strings{"job:etl:j"}));
  EXPECT_EQ(before.view.deciding_run_then(g.find_node("job:etl:j")), kNone);
  EXPECT_EQ(then.view.deciding_run_then(g.find_node("job:etl:j")), g.find_node("run:r1"));
}

TEST(Currency, ADroppedDatasetLeavesNoLineageButItsDropper) {
  Graph g;
  aliased_orders_mesh(g);
  Builder drop(kT2);
  MapWriter gone = drop.map();
  gone.set_bool("deleted", true);
  drop.node("dataset:pg:mart.revenue", kDataset, gone);
  drop.edge("job:etl:dropper", kWrites, "dataset:pg:mart.revenue");
  commit(g, drop.wire.finish());
  EXPECT_TRUE(g.dropped(g.find_node("dataset:pg:mart.revenue")));
  LineageAnswer a = datasets(g, "dataset:pg:mart.revenue", true, true, 2);
  EXPECT_EQ(ids(g, a.nodes), (Strings{"dataset:pg:mart.revenue", "job:etl:dropper"}));
  // before the drop it was an ordinary table
  fixture::Viewing before(g, "2026-01-05T12:00:00.000000Z");
  EXPECT_FALSE(before.view.deleted(g.find_node("dataset:pg:mart.revenue")));
  LineageAnswer past = dataset_lineage(before.view, g.find_node("dataset:pg:mart.revenue"), true, true, 1, unlimited());
  EXPECT_EQ(ids(g, past.nodes), (Strings{"dataset:pg:mart.revenue", "dataset:pg:raw.customers", "dataset:pg:report.daily",
                                         "dataset:pg:staging.orders", "job:etl:agg", "job:etl:report"}));
}

// One table under two names, the metastore's (canonical) and its warehouse path (an alias of it),
// read by a job under each; then a DROP and a CREATE a day apart, each stated under one of the
// names, in every order: the table ends as the later statement says, whichever name is asked, in
// the walks as in deleted() and lifecycle_of().
constexpr const char* kHive = "dataset:hive://m:9083:default.t1";
constexpr const char* kPath = "dataset:hdfs://m/wh:default.t1";

void state_lifecycle(Graph& g, const char* at, const char* id, bool drop) {
  Builder b(at);
  MapWriter props = b.map();
  props.set_bool("deleted", drop);
  props.set_str("lifecycleState", drop ? "DROP" : "CREATE");
  b.node(id, kDataset, props);
  commit(g, b.wire.finish());
}

TEST(Currency, ATableUnderTwoNamesEndsAsItsLatestLifecycleStatementUnderEitherSays) {
  struct Case {
    const char* first;
    bool first_drop;
    const char* second;
  };
  for (const Case& c : {Case{kPath, true, kHive}, Case{kHive, true, kPath}, Case{kPath, false, kHive},
                        Case{kHive, false, kPath}}) {
    SCOPED_TRACE(std::string(c.first_drop ? "DROP under " : "CREATE under ") + c.first + ", then the other under " +
                 c.second);
    Graph g;
    Builder b(kT1);
    b.alias("hdfs://m/wh", "default.t1", kHive, "symlink");
    b.edge("job:etl:by_path", kReads, kPath);
    b.edge("job:etl:by_table", kReads, kHive);
    commit(g, b.wire.finish());
    state_lifecycle(g, kT1, c.first, c.first_drop);
    state_lifecycle(g, kT2, c.second, !c.first_drop);
    bool dropped = !c.first_drop;
    fixture::Viewing now(g);
    for (const char* name : {kHive, kPath}) {
      EXPECT_EQ(now.view.deleted(g.find_node(name)), dropped) << name;
      EXPECT_EQ(text(g, now.view.lifecycle_of(g.find_node(name))), c.second) << name;
      // the walk from either name is the table's: its readers under both names while it stands
      LineageAnswer down = datasets(g, name, false, true, 1);
      EXPECT_EQ(ids(g, down.nodes), dropped ? Strings{kHive}
                                            : (Strings{kHive, "job:etl:by_path", "job:etl:by_table"}))
          << name;
    }
    // between the two statements, the first one stands
    fixture::Viewing then(g, "2026-01-05T12:00:00.000000Z");
    for (const char* name : {kHive, kPath}) EXPECT_EQ(then.view.deleted(g.find_node(name)), c.first_drop) << name;
    // a job is no dataset: it is its own lifecycle's name
    EXPECT_EQ(now.view.lifecycle_of(g.find_node("job:etl:by_path")), g.find_node("job:etl:by_path"));
  }
}

TEST(Currency, ATablesNamesStatingTheirLifecycleAtOneStampEndDropped) {
  Graph g;
  Builder b(kT1);
  b.alias("hdfs://m/wh", "default.t1", kHive, "symlink");
  commit(g, b.wire.finish());
  state_lifecycle(g, kT2, kHive, false);
  state_lifecycle(g, kT2, kPath, true);
  fixture::Viewing now(g);
  EXPECT_TRUE(now.view.deleted(g.find_node(kHive)));
  EXPECT_EQ(text(g, now.view.lifecycle_of(g.find_node(kHive))), kPath);
}

TEST(Currency, NewestPicksTheGreatestByKeyThenId) {
  Graph g;
  complete_run(g, kT1, "job:etl:j", "r1", {"dataset:pg:a"}, {});
  complete_run(g, kT3, "job:etl:j", "r3", {"dataset:pg:a"}, {});
  complete_run(g, kT2, "job:etl:j", "r2", {"dataset:pg:a"}, {});
  fixture::Viewing v(g);
  std::vector<NodeIdx> found;
  v.view.newest({g.find_node("job:etl:j"), g.find_node("dataset:pg:a")}, kOf, false, "createdAt", found);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(fixture::text(g, found[0]), "run:r3");
  EXPECT_EQ(found[1], kNone);
}

// -- columns --------------------------------------------------------------------------------------

// Column lineage into pg:out from pg:in: out.total <- in.amount (DIRECT), out.total <- in.fx
// (INDIRECT), out.n <- in (dataset-wide), and one further hop pg:final.x <- out.total.
void column_mesh(Graph& g) {
  Builder b(kT1);
  for (auto [d, f] : std::vector<std::pair<const char*, const char*>>{
           {"in", "amount"}, {"in", "fx"}, {"out", "total"}, {"out", "n"}, {"final", "x"}})
    b.column("pg", d, f, nullptr);
  derive_column(b, "datasetField:pg:out:total", "datasetField:pg:in:amount", "DIRECT");
  derive_column(b, "datasetField:pg:out:total", "datasetField:pg:in:fx", "INDIRECT");
  derive_column(b, "datasetField:pg:out:n", "dataset:pg:in", "INDIRECT");
  derive_column(b, "datasetField:pg:final:x", "datasetField:pg:out:total", nullptr);
  std::string job = b.job("etl", "j", b.map());
  b.edge(job, kReads, "dataset:pg:in");
  b.edge(job, kWrites, "dataset:pg:out");
  commit(g, b.wire.finish());
}

using ColumnLineage = OnMesh<column_mesh>;  // the column walks, on the column mesh

TEST_F(ColumnLineage, UpstreamFollowsDerivationsToTheirInputs) {
  LineageAnswer a = columns(g, "datasetField:pg:final:x", true, false, 5);
  expect_walk(g, a, {"datasetField:pg:final:x", "datasetField:pg:in:amount", "datasetField:pg:in:fx",
              "datasetField:pg:out:total"},
              {"datasetField:pg:in:amount -DERIVES_FROM-> datasetField:pg:out:total",
               "datasetField:pg:in:fx -DERIVES_FROM-> datasetField:pg:out:total",
               "datasetField:pg:out:total -DERIVES_FROM-> datasetField:pg:final:x"});
  EXPECT_FALSE(a.truncated);
  for (const auto& e : a.edges) EXPECT_NE(e.props, kNone);  // each shows its stored edge's properties
  LineageAnswer one = columns(g, "datasetField:pg:final:x", true, false, 1);
  EXPECT_EQ(one.nodes.size(), 2u);
  EXPECT_TRUE(one.truncated);
}

TEST_F(ColumnLineage, ADatasetWideDerivationCountsForTheColumnUpstreamAndEndsTheWalkDownstream) {
  LineageAnswer up = columns(g, "datasetField:pg:out:n", true, false, 2);
  EXPECT_EQ(edges(g, up), (Strings{"dataset:pg:in -DERIVES_FROM-> datasetField:pg:out:n"}));
  LineageAnswer down = columns(g, "datasetField:pg:in:amount", false, true, 5);
  EXPECT_EQ(ids(g, down.nodes), (Strings{"datasetField:pg:final:x", "datasetField:pg:in:amount", "datasetField:pg:out:total"}));
  fixture::Viewing v(g);
  LineageAnswer hop = neighbours(v.view, {g.find_node("datasetField:pg:out:total")}, false, unlimited());
  EXPECT_EQ(ids(g, hop.nodes), (Strings{"datasetField:pg:in:amount", "datasetField:pg:in:fx", "datasetField:pg:out:total"}));
  EXPECT_FALSE(hop.truncated);  // one hop is all it promises
}

// More upstream past the depth makes the answer truncated; it must not cut the downstream walk short.
TEST_F(ColumnLineage, BothWaysEachWayGoesToItsOwnDepth) {  // a chain apart from the column mesh
  Builder b(kT1);
  const Strings chain = {"z", "a", "b", "c", "d", "e", "f"};  // each derived from the one before
  for (size_t i = 1; i < chain.size(); i++)
    b.edge(b.column("pg", chain[i], "x", nullptr), kDerivesFrom, b.column("pg", chain[i - 1], "x", nullptr));
  commit(g, b.wire.finish());
  LineageAnswer a = columns(g, "datasetField:pg:c:x", true, true, 2);
  EXPECT_EQ(ids(g, a.nodes), (Strings{"datasetField:pg:a:x", "datasetField:pg:b:x", "datasetField:pg:c:x",
                                      "datasetField:pg:d:x", "datasetField:pg:e:x"}));
  EXPECT_EQ(a.edges.size(), 4u);
  EXPECT_TRUE(a.truncated);  // z upstream, f downstream
}

TEST_F(ColumnLineage, AColumnDroppedFromItsSchemaLeavesNoLineage) {
  Builder b(kT2);
  b.dataset("pg", "in", b.map().set_strs("columns", {"amount"}));  // fx is gone
  b.column("pg", "in", "fx", &b.map().set_bool("declared", true));
  commit(g, b.wire.finish());
  LineageAnswer a = columns(g, "datasetField:pg:out:total", true, false, 5);
  EXPECT_EQ(ids(g, a.nodes), (Strings{"datasetField:pg:in:amount", "datasetField:pg:out:total"}));
}

TEST_F(ColumnLineage, DerivationsALaterFacetDidNotRestateAreNotCurrent) {
  Builder b(kT2);
  b.dataset("pg", "out", b.map().set_str("columnLineageAt", kT2));
  b.edge("datasetField:pg:out:total", kDerivesFrom, "datasetField:pg:in:amount", &b.map().set_str("jobId", "job:etl:j"));
  commit(g, b.wire.finish());
  LineageAnswer a = columns(g, "datasetField:pg:out:total", true, false, 5);
  EXPECT_EQ(ids(g, a.nodes), (Strings{"datasetField:pg:in:amount", "datasetField:pg:out:total"}));
}

// The step a walk and node facts take to the ends they met (View::find_shown): in the ids' order,
// each node the view shows, kNone for an id no node has and for a node first seen after a past
// view's moment.
TEST(View, FindShownIsTheNodesTheViewShowsInTheIdsOrder) {
  Graph g;
  aliased_orders_mesh(g);
  Builder b(kT3);
  b.job("etl", "later", b.map());
  commit(g, b.wire.finish());
  std::vector<StrId> wanted;
  for (const char* id : {"job:etl:later", "dataset:pg:nowhere", "dataset:pg:raw.orders"}) wanted.push_back(g.pool.intern(id));
  auto shown = [&](const std::string& as_of) {
    fixture::Viewing v(g, as_of);
    std::vector<NodeIdx> found;
    v.view.find_shown(wanted, found);
    Strings out;
    for (NodeIdx n : found) out.push_back(n == kNone ? "-" : fixture::text(g, n));
    return out;
  };
  EXPECT_EQ(shown(""), (Strings{"job:etl:later", "-", "dataset:pg:raw.orders"}));
  EXPECT_EQ(shown(kT2), (Strings{"-", "-", "dataset:pg:raw.orders"}));
  for (StrId id : wanted) g.pool.decref(id);
}

}  // namespace
}  // namespace lm
