// The API's JSON rows of a view's answers (native/core/render_json.h): each field written as its
// spec asks, enums by the names the specs give, a value its type cannot hold making the whole list
// unrenderable (the API then completes it in Python), an impact's paths and a node's facts.
#include <gtest/gtest.h>

#include "fixture.h"
#include "impact.h"
#include "render_json.h"

namespace lm {
namespace {

using namespace fixture;  // the meshes, times and readers every test here shares

Spec spec(const char* key, const char* field, const char* how, bool first = false, bool nullable = false) {
  Spec s;
  s.key = spec_key(key, first);
  s.field = field_of(field);
  s.how = how_of(how);
  s.nullable = nullable;
  return s;
}

// An enum spec whose codes are named by their kinds' names (nodes' or edges').
Spec named(const char* key, const char* field, const char* const* names, size_t count, bool first = false) {
  Spec s = spec(key, field, "enum", first);
  for (size_t code = 0; code < count; code++) {
    s.named.emplace_back();
    json_string(names[code], s.named.back());
  }
  return s;
}

// The orders mesh and what ``more`` adds to it, committed to ``g``.
template <class F>
void orders_with(Graph& g, F&& more) {
  Builder b(kT1);
  orders_mesh(b);
  more(b);
  commit(g, b.wire.finish());
}

// One hop downstream of pg:mart.revenue: itself, job etl.report and pg:report.daily.
LineageAnswer revenue_down(View& view) {
  return dataset_lineage(view, view.g.find_node("dataset:pg:mart.revenue"), false, true, 1, unlimited());
}

TEST(RenderJson, SpecsNameTheirFieldsAndHowTheyAreWritten) {
  EXPECT_EQ(field_of("latest_run_state"), Field::kLatestRunState);
  EXPECT_EQ(field_of("colour"), Field::kOther);
  EXPECT_EQ(how_of("strings"), How::kStrings);
  EXPECT_EQ(how_of("float"), How::kOther);
  EXPECT_EQ(spec_key("na\"me", true), "\"na\\\"me\":");
  EXPECT_EQ(spec_key("id", false), ",\"id\":");
}

TEST(RenderJson, ALineageAnswersEdgesAreTheirEndsAndKinds) {
  Graph g;
  orders_with(g, [](Builder&) {});
  Viewing v(g);
  LineageAnswer a = revenue_down(v.view);
  std::vector<Spec> specs{spec("source", "source", "string", true), named("kind", "kind", kEdgeKindNames, kEdgeKinds)};
  specs.push_back(spec("target", "target", "string"));
  EXPECT_EQ(*render_lineage_edges(g, a, specs),
            "[{\"source\":\"dataset:pg:mart.revenue\",\"kind\":\"READS\",\"target\":\"job:etl:report\"},"
            "{\"source\":\"job:etl:report\",\"kind\":\"WRITES\",\"target\":\"dataset:pg:report.daily\"}]");
  specs[1].named[kReads].clear();  // a kind the specs cannot name
  EXPECT_FALSE(render_lineage_edges(g, a, specs));
  std::vector<Spec> other{spec("x", "distance", "int", true)};  // no field of an edge
  EXPECT_FALSE(render_lineage_edges(g, a, other));
}

TEST(RenderJson, ALineageAnswersNodesAreTheirFieldsAndTheColumnsGiven) {
  Graph g;
  orders_with(g, [](Builder& b) {
    MapWriter props = b.map();
    props.set_str("name", "quote\"d");
    b.dataset("pg", "mart.revenue", props);
  });
  Viewing v(g);
  LineageAnswer a = revenue_down(v.view);
  std::vector<Spec> specs{spec("id", "id", "string", true), named("kind", "kind", kNodeKindNames, kNodeKinds),
                          spec("name", "name", "string", false, true), spec("declared", "declared", "bool"),
                          spec("deleted", "deleted", "bool"), spec("n", "other", "int")};
  specs.back().has_column = true;
  specs.back().column_json = {"1", "2", "3"};
  EXPECT_EQ(*render_lineage_nodes(v.view, a, specs, unlimited()),
            "[{\"id\":\"dataset:pg:mart.revenue\",\"kind\":\"Dataset\",\"name\":\"quote\\\"d\",\"declared\":true,"
            "\"deleted\":false,\"n\":1},"
            "{\"id\":\"dataset:pg:report.daily\",\"kind\":\"Dataset\",\"name\":\"report.daily\",\"declared\":false,"
            "\"deleted\":false,\"n\":2},"
            "{\"id\":\"job:etl:report\",\"kind\":\"Job\",\"name\":\"report\",\"declared\":true,\"deleted\":false,\"n\":3}]");
  specs.back().column_unrenderable = true;  // a value of the column its type cannot hold
  EXPECT_FALSE(render_lineage_nodes(v.view, a, specs, unlimited()));
  std::vector<Spec> strict{spec("ns", "namespace", "string", true), spec("of", "dataset", "string")};
  EXPECT_FALSE(render_lineage_nodes(v.view, a, strict, unlimited()));  // no node has a dataset, none may lack it
  strict[1].nullable = true;
  EXPECT_EQ(*render_lineage_nodes(v.view, a, strict, unlimited()),
            "[{\"ns\":\"pg\",\"of\":null},{\"ns\":\"pg\",\"of\":null},{\"ns\":\"etl\",\"of\":null}]");
}

TEST(RenderJson, AFactIsAskedByTheNameGraphReadNodeFactsGivesIt) {
  EXPECT_EQ(node_fact_named("upstream"), kUpstreamCount);
  EXPECT_EQ(node_fact_named("downstream"), kDownstreamCount);
  EXPECT_EQ(node_fact_named("domain"), kDomainFact);
  EXPECT_EQ(node_fact_named("owners"), kOwnersFact);
  EXPECT_EQ(node_fact_named("run_state"), kRunStateFact);
  EXPECT_EQ(node_fact_named("runState"), 0u);
  EXPECT_EQ(node_fact_named(""), 0u);
}

TEST(RenderJson, ALineageNodesFactsAreReadAndWrittenAsTheyAreAsked) {
  Graph g;
  orders_with(g, [](Builder& b) {
    MapWriter owning = b.map();
    owning.set_str("type", "technical");
    b.edge("dataset:pg:mart.revenue", kOwnedBy, "owner:alice", &owning);
  });
  Viewing v(g);
  LineageAnswer a = revenue_down(v.view);
  Spec owners = spec("owners", "owners", "objects");
  owners.items = {spec("id", "id", "string", true), spec("name", "name", "string"),
                  spec("type", "type", "string", false, true)};
  std::vector<Spec> specs{spec("up", "upstream_count", "int", true), spec("down", "downstream_count", "int"),
                          spec("domain", "domain", "string", false, true), owners};
  EXPECT_EQ(fact_bits(specs), uint32_t(kUpstreamCount | kDownstreamCount | kDomainFact | kOwnersFact));
  EXPECT_EQ(*render_lineage_nodes(v.view, a, specs, unlimited()),
            "[{\"up\":1,\"down\":1,\"domain\":null,\"owners\":[{\"id\":\"owner:alice\",\"name\":\"owner:alice\","
            "\"type\":\"technical\"}]},"
            "{\"up\":1,\"down\":0,\"domain\":null,\"owners\":[]},"
            "{\"up\":1,\"down\":1,\"domain\":null,\"owners\":[]}]");
  specs[2].nullable = false;  // a node without a domain where one must be
  EXPECT_FALSE(render_lineage_nodes(v.view, a, specs, unlimited()));
  specs[3].items.clear();  // owners asked with no fields
  EXPECT_FALSE(render_lineage_nodes(v.view, a, specs, unlimited()));
}

TEST(RenderJson, AnImpactsAffectedAreTheirDistanceSeverityPathAndVia) {
  Graph g;
  orders_with(g, [](Builder&) {});
  Viewing v(g);
  ImpactReportAnswer r = impact_report(v.view, g.find_node("dataset:pg:mart.revenue"), -1, false, unlimited());
  const char* severities[] = {"INFO", "WARNING", "BREAKING"};
  std::vector<Spec> specs{spec("id", "id", "string", true), spec("distance", "distance", "int"),
                          named("severity", "severity", severities, 3), spec("certain", "certain", "bool"),
                          spec("via", "via", "string"), spec("path", "path", "strings")};
  EXPECT_EQ(*render_impact_affected(v.view, r, specs),
            "[{\"id\":\"dataset:pg:report.daily\",\"distance\":1,\"severity\":\"BREAKING\",\"certain\":true,"
            "\"via\":\"job:etl:report\",\"path\":[\"dataset:pg:mart.revenue\",\"job:etl:report\","
            "\"dataset:pg:report.daily\"]},"
            "{\"id\":\"job:etl:report\",\"distance\":1,\"severity\":\"BREAKING\",\"certain\":true,"
            "\"via\":\"dataset:pg:mart.revenue\",\"path\":[\"dataset:pg:mart.revenue\",\"job:etl:report\"]}]");
  std::vector<int32_t> chain;
  impact_path(r, r.affected[0], chain);  // dataset:pg:report.daily's
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(str(g, r.steps[size_t(chain[0])].id), "dataset:pg:mart.revenue");
  EXPECT_EQ(str(g, impact_via(r, r.affected[0])), "job:etl:report");
  std::vector<Spec> wrong{spec("distance", "distance", "string", true)};  // a number asked as a string
  EXPECT_FALSE(render_impact_affected(v.view, r, wrong));
  for (StrId id : r.held) g.pool.decref(id);
}

}  // namespace
}  // namespace lm
