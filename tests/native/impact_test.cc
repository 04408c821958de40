// The impact walk and its report (native/core/impact.h) on meshes whose answers are known by
// hand: which nodes a change reaches, at what distance, how badly, how certainly, by which path,
// and whom the report says it concerns.
#include <gtest/gtest.h>

#include <map>

#include "fixture.h"
#include "impact.h"

namespace lm {
namespace {

using namespace fixture;  // the meshes, times and readers every test here shares

// "distance severity certain" by reached id (the changed node included).
struct Reached {
  int distance;
  int severity;
  bool certain;
  bool operator==(const Reached& o) const {
    return distance == o.distance && severity == o.severity && certain == o.certain;
  }
};
std::ostream& operator<<(std::ostream& os, const Reached& r) {
  return os << "{" << r.distance << ", " << r.severity << ", " << r.certain << "}";
}
using ReachMap = std::map<std::string, Reached>;

ReachMap reached(const Graph& g, const ImpactAnswer& a) {
  ReachMap out;
  for (const auto& [id, r] : a.reached) out[fixture::str(g, id)] = {r.distance, r.severity, r.certain};
  return out;
}

// The path the answer explains a reach by, changed node first.
Strings path(const Graph& g, const std::vector<ImpactAnswer::Step>& steps, int32_t last) {
  Strings out;
  for (int32_t at = last; at >= 0; at = steps[size_t(at)].parent) out.insert(out.begin(), fixture::str(g, steps[size_t(at)].id));
  return out;
}

struct Impact {
  explicit Impact(Graph& g, const std::string& start, int depth, uint8_t top, size_t max_nodes = 1000000) : v(g) {
    NodeIdx n = g.find_node(start);
    EXPECT_NE(n, kNone) << start;
    answer = impact(v.view, n, depth, top, unlimited(max_nodes));
  }
  ~Impact() {
    for (StrId id : answer.held) v.view.g.pool.decref(id);
  }
  fixture::Viewing v;
  ImpactAnswer answer;
};

TEST(Impact, ABreakingChangeBreaksTheReadersAndWhatTheyWriteAndStalesTheRest) {
  Graph g;
  Builder b(kT1);
  orders_mesh(b);
  commit(g, b.wire.finish());
  Impact i(g, "dataset:pg:staging.orders", -1, kBreaking);
  EXPECT_EQ(reached(g, i.answer), (ReachMap{{"dataset:pg:staging.orders", {0, kBreaking, true}},
                                            {"job:etl:agg", {1, kBreaking, true}},
                                            {"dataset:pg:mart.revenue", {1, kBreaking, true}},
                                            {"job:etl:report", {2, kWarning, true}},
                                            {"dataset:pg:report.daily", {2, kWarning, true}}}));
  EXPECT_EQ(fixture::str(g, i.answer.reached[0].first), "dataset:pg:staging.orders");  // the changed node first
  EXPECT_FALSE(i.answer.truncated);
  for (const auto& [id, r] : i.answer.reached)
    if (fixture::str(g, id) == "dataset:pg:report.daily") {
      EXPECT_EQ(path(g, i.answer.steps, r.path), (Strings{"dataset:pg:staging.orders", "job:etl:agg", "dataset:pg:mart.revenue",
                                                          "job:etl:report", "dataset:pg:report.daily"}));
    }
}

TEST(Impact, ASemanticChangeWarnsFirstAndInformsBeyond) {
  Graph g;
  Builder b(kT1);
  orders_mesh(b);
  commit(g, b.wire.finish());
  Impact i(g, "dataset:pg:raw.orders", -1, kWarning);
  ReachMap r = reached(g, i.answer);
  EXPECT_EQ(r["job:etl:clean"], (Reached{1, kWarning, true}));
  EXPECT_EQ(r["dataset:pg:staging.orders"], (Reached{1, kWarning, true}));
  EXPECT_EQ(r["dataset:pg:mart.revenue"], (Reached{2, kInfo, true}));
  EXPECT_EQ(r["dataset:pg:report.daily"], (Reached{3, kInfo, true}));
  EXPECT_EQ(r.size(), 7u);
}

TEST(Impact, DepthAndSizeBudgetsMakeItPartialNotWrong) {
  Graph g;
  Builder b(kT1);
  orders_mesh(b);
  commit(g, b.wire.finish());
  Impact shallow(g, "dataset:pg:raw.orders", 1, kBreaking);
  EXPECT_EQ(reached(g, shallow.answer), (ReachMap{{"dataset:pg:raw.orders", {0, kBreaking, true}},
                                                  {"job:etl:clean", {1, kBreaking, true}},
                                                  {"dataset:pg:staging.orders", {1, kBreaking, true}}}));
  EXPECT_TRUE(shallow.answer.truncated);
  Impact small(g, "dataset:pg:raw.orders", -1, kBreaking, 3);
  EXPECT_EQ(small.answer.reached.size(), 3u);
  EXPECT_TRUE(small.answer.truncated);
}

// Column lineage: pg:out.total <- pg:in.amount (DIRECT), pg:out.total <- pg:in.fx (INDIRECT),
// pg:final.x <- pg:out.total (no transformations stated: direct), all by job etl.j; job etl.side
// reads pg:in and writes pg:side, of which no column lineage is known.
void column_mesh(Graph& g) {
  Builder b(kT1);
  for (auto [d, f] : std::vector<std::pair<const char*, const char*>>{
           {"in", "amount"}, {"in", "fx"}, {"out", "total"}, {"final", "x"}, {"side", "y"}})
    b.column("pg", d, f, nullptr);
  derive_column(b, "datasetField:pg:out:total", "datasetField:pg:in:amount", "direct");
  derive_column(b, "datasetField:pg:out:total", "datasetField:pg:in:fx", "INDIRECT");
  derive_column(b, "datasetField:pg:final:x", "datasetField:pg:out:total", nullptr);
  std::string j = b.job("etl", "j", b.map()), side = b.job("etl", "side", b.map()), after = b.job("etl", "after", b.map());
  b.edge(j, kReads, "dataset:pg:in");
  b.edge(j, kWrites, "dataset:pg:out");
  b.edge(side, kReads, "dataset:pg:in");
  b.edge(side, kWrites, "dataset:pg:side");
  b.edge(after, kReads, "dataset:pg:side");
  b.edge(after, kWrites, "dataset:pg:after");
  commit(g, b.wire.finish());
}

TEST(Impact, ADirectDerivationCarriesTheSeverityAnIndirectOneLowersIt) {
  Graph g;
  column_mesh(g);
  Impact amount(g, "datasetField:pg:in:amount", -1, kBreaking);
  ReachMap r = reached(g, amount.answer);
  EXPECT_EQ(r["datasetField:pg:out:total"], (Reached{1, kBreaking, true}));
  EXPECT_EQ(r["job:etl:j"], (Reached{1, kBreaking, true}));
  EXPECT_EQ(r["datasetField:pg:final:x"], (Reached{2, kBreaking, true}));
  Impact fx(g, "datasetField:pg:in:fx", -1, kBreaking);
  ReachMap f = reached(g, fx.answer);
  EXPECT_EQ(f["datasetField:pg:out:total"], (Reached{1, kWarning, true}));
  EXPECT_EQ(f["datasetField:pg:final:x"], (Reached{2, kWarning, true}));
  for (const auto& [id, reach] : fx.answer.reached)
    if (fixture::str(g, id) == "datasetField:pg:final:x") {
      EXPECT_EQ(path(g, fx.answer.steps, reach.path), (Strings{"datasetField:pg:in:fx", "job:etl:j", "datasetField:pg:out:total",
                                                                "job:etl:j", "datasetField:pg:final:x"}));
    }
}

TEST(Impact, WhereColumnLineageIsSilentDatasetLineageStandsInUncertainly) {
  Graph g;
  column_mesh(g);
  Impact amount(g, "datasetField:pg:in:amount", -1, kBreaking);
  ReachMap r = reached(g, amount.answer);
  EXPECT_EQ(r["job:etl:side"], (Reached{1, kWarning, false}));
  EXPECT_EQ(r["dataset:pg:side"], (Reached{1, kWarning, false}));
  EXPECT_EQ(r["job:etl:after"], (Reached{2, kWarning, false}));
  EXPECT_EQ(r["dataset:pg:after"], (Reached{2, kWarning, false}));
  EXPECT_EQ(r.count("dataset:pg:out"), 0u);  // its column lineage explains what reaches it
}

// The better of two reaches, as the walk judges them: more severe, then certain, then shorter.
Reached better_of(const Reached& a, const Reached& b) {
  if (a.severity != b.severity) return a.severity > b.severity ? a : b;
  if (a.certain != b.certain) return a.certain ? a : b;
  return a.distance <= b.distance ? a : b;
}

TEST(Impact, AWalkFromSeveralStartsReachesEachNodeAsTheBestOfTheirWalks) {
  Graph g;
  column_mesh(g);
  Builder b(kT2);
  orders_mesh(b);
  commit(g, b.wire.finish());
  Strings starts{"datasetField:pg:in:fx", "datasetField:pg:in:amount", "dataset:pg:staging.orders",
                 "datasetField:pg:in:fx"};  // (one twice: one changed node)
  ReachMap expected;
  for (const std::string& start : starts) {
    Impact alone(g, start, -1, kBreaking);
    for (const auto& [id, reach] : reached(g, alone.answer)) {
      auto [at, fresh] = expected.emplace(id, reach);
      if (!fresh) at->second = better_of(at->second, reach);
    }
  }
  fixture::Viewing v(g);
  std::vector<NodeIdx> nodes;
  for (const std::string& start : starts) nodes.push_back(g.find_node(start));
  ImpactAnswer together = impact(v.view, nodes, -1, kBreaking, unlimited());
  EXPECT_EQ(together.changed, 3u);
  Strings changed;
  for (size_t i = 0; i < together.changed; i++) changed.push_back(fixture::str(g, together.reached[i].first));
  EXPECT_EQ(changed, (Strings{"datasetField:pg:in:fx", "datasetField:pg:in:amount", "dataset:pg:staging.orders"}));
  EXPECT_EQ(reached(g, together), expected);
  EXPECT_EQ(expected["datasetField:pg:out:total"], (Reached{1, kBreaking, true}));  // amount's, not fx's
  EXPECT_GE(expected.size(), 12u);
  for (StrId id : together.held) g.pool.decref(id);
}

// The orders mesh with whom it concerns: a product exposing pg:mart.revenue in domain sales, the
// table declared in domain finance, an owner of the report job, a contract governing the table.
void concerned_mesh(Graph& g) {
  Builder b(kT1);
  orders_mesh(b);
  std::string product = b.product("sales", "revenue", b.map());
  b.edge(product, kExposes, "dataset:pg:mart.revenue");
  b.edge("dataset:pg:mart.revenue", kBelongsTo, b.domain("finance", nullptr));
  MapWriter ownership = b.map();
  ownership.set_str("type", "TECHNICAL");
  b.owner("job:etl:report", "alice", ownership);
  MapWriter contract = b.map();
  contract.set_str("name", "revenue-schema");
  b.node("contract:revenue-schema", kContract, contract);
  b.edge("contract:revenue-schema", kGoverns, "dataset:pg:mart.revenue");
  commit(g, b.wire.finish());
}

TEST(ImpactReport, SaysWhichProductsDomainsOwnersAndContractsABreakingChangeConcerns) {
  Graph g;
  concerned_mesh(g);
  fixture::Viewing v(g);
  ImpactReportAnswer r = impact_report(v.view, g.find_node("dataset:pg:staging.orders"), -1, false, unlimited());
  Strings affected;
  for (const auto& a : r.affected) affected.push_back(fixture::str(g, a.id) + " " + std::to_string(a.distance) + " " +
                                                      std::to_string(a.severity));
  EXPECT_EQ(affected, (Strings{"dataset:pg:mart.revenue 1 2", "job:etl:agg 1 2", "dataset:pg:report.daily 2 1",
                               "job:etl:report 2 1"}));
  EXPECT_EQ(fixture::text(g, r.changed), "dataset:pg:staging.orders");
  EXPECT_EQ(fixture::strs(g, r.products), (Strings{"dataProduct:sales:revenue"}));
  EXPECT_EQ(fixture::strs(g, r.domains), (Strings{"domain:finance", "domain:sales"}));
  EXPECT_EQ(fixture::strs(g, r.owners), (Strings{"owner:alice"}));
  EXPECT_EQ(fixture::strs(g, r.contracts), (Strings{"contract:revenue-schema"}));
  EXPECT_EQ(r.concerned("products"), &r.products);
  EXPECT_EQ(r.concerned("contracts"), &r.contracts);
  EXPECT_EQ(fixture::strs(g, *r.concerned("owners")), (Strings{"owner:alice"}));
  EXPECT_EQ(fixture::strs(g, *r.concerned("domains")), (Strings{"domain:finance", "domain:sales"}));
  EXPECT_EQ(r.concerned("runs"), nullptr);
  for (StrId id : r.held) g.pool.decref(id);
  // a change that keeps the schema breaks no contract
  fixture::Viewing v2(g);
  ImpactReportAnswer semantic = impact_report(v2.view, g.find_node("dataset:pg:staging.orders"), -1, true, unlimited());
  EXPECT_TRUE(semantic.contracts.empty());
  EXPECT_EQ(semantic.affected[0].severity, kWarning);
  for (StrId id : semantic.held) g.pool.decref(id);
}

TEST(ImpactReport, AnAffectedColumnsDatasetIsAffectedAsBadlyAsItsWorstColumn) {
  Graph g;
  column_mesh(g);
  fixture::Viewing v(g);
  ImpactReportAnswer r = impact_report(v.view, g.find_node("datasetField:pg:in:amount"), -1, false, unlimited());
  std::map<std::string, int> severity;
  for (const auto& a : r.affected) severity[fixture::str(g, a.id)] = a.severity;
  EXPECT_EQ(severity["dataset:pg:out"], kBreaking);
  EXPECT_EQ(severity["dataset:pg:final"], kBreaking);
  EXPECT_EQ(severity["datasetField:pg:out:total"], kBreaking);
  EXPECT_EQ(severity.count("dataset:pg:in"), 0u);  // the changed column's own dataset is not "affected"
  for (size_t i = 1; i < r.affected.size(); i++) EXPECT_LE(r.affected[i - 1].distance, r.affected[i].distance);
  for (StrId id : r.held) g.pool.decref(id);
}

TEST(DatasetDomains, ADeclaredDomainWinsOverARulesThenTheLatestSeenThenTheLeastId) {
  Graph g;
  Builder early(kT1);
  early.edge("dataset:pg:a", kBelongsTo, "domain:declared", nullptr);
  early.edge("dataset:pg:b", kBelongsTo, "domain:old", nullptr);
  early.edge("dataset:pg:c", kBelongsTo, "domain:zeta", nullptr);
  early.edge("dataset:pg:c", kBelongsTo, "domain:alpha", nullptr);
  commit(g, early.wire.finish());
  Builder late(kT2);
  MapWriter rule_late = late.map();
  rule_late.set_str("source", "rule");
  late.edge("dataset:pg:a", kBelongsTo, "domain:by-rule", &rule_late);
  late.edge("dataset:pg:b", kBelongsTo, "domain:new", nullptr);
  commit(g, late.wire.finish());
  fixture::Viewing v(g);
  std::vector<StrId> datasets = {g.pool.find("dataset:pg:a"), g.pool.find("dataset:pg:b"), g.pool.find("dataset:pg:c")};
  FlatMap<StrId, StrId> domains = dataset_domains(v.view, datasets);
  EXPECT_EQ(fixture::str(g, *domains.find(datasets[0])), "domain:declared");
  EXPECT_EQ(fixture::str(g, *domains.find(datasets[1])), "domain:new");
  EXPECT_EQ(fixture::str(g, *domains.find(datasets[2])), "domain:alpha");
}

}  // namespace
}  // namespace lm
