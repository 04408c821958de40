// Marquez's JSON (native/marquez/marquez.h) for known nodes: each field as Marquez 0.50 writes it
// (DatasetData/JobData/Run in a lineage graph, Dataset/Job for the catalog routes), lineage and
// column-lineage graphs with their edges, and fields kept as JSON text by a remote store.
#include <gtest/gtest.h>

#include "fixture.h"
#include "marquez.h"

namespace lm {
namespace {

using namespace fixture;  // the meshes, times and readers every test here shares

const char* kStart = "2026-01-05T00:00:00+00:00";
const char* kEnd = "2026-01-05T00:01:02.5+00:00";

// A dict of string values, in order.
MapWriter& set_dict(MapWriter& m, const char* key, std::vector<std::pair<std::string, std::string>> items) {
  return m.set_encoded(std::string_view(key), [items](StringSink& s, Bytes& out) {
    put_u8(out, kDict);
    put_varint(out, items.size());
    for (const auto& [k, v] : items) {
      put_varint(out, s.key(k));
      s.value(v, out);
    }
  });
}

// pg:in (columns amount, fx, ghost: ghost has no node) read by etl.j (a stream job with two runs)
// writing kafka:out (a stream dataset); column lineage out.total <- in.amount, in.fx.
void mesh(Graph& g) {
  Builder b(kT1);
  MapWriter in = b.map();
  in.set_strs("columns", {"amount", "fx", "ghost"}).set_str("description", "raw \"orders\"\n").set_str("sourceName", "warehouse");
  in.set_str("sourceUri", "postgres://db:5432").set_str("lifecycleState", "CREATE");
  set_dict(in, "facet:custom", {{"owner", "team-a"}});
  b.dataset("pg", "in", in);
  MapWriter amount = b.map();
  amount.set_str("type", "DECIMAL").set_str("description", "in cents").set_strs("tags", {"PII"});
  b.column("pg", "in", "amount", &amount);
  MapWriter fx = b.map();
  fx.set_str("type", "DOUBLE");
  b.column("pg", "in", "fx", &fx);
  MapWriter out = b.map();
  set_dict(out, "facet:datasetType", {{"datasetType", "stream"}});
  out.set_strs("columns", {"total"});
  b.dataset("kafka", "out", out);
  MapWriter total = b.map();
  total.set_str("type", "DECIMAL");
  b.column("kafka", "out", "total", &total);
  MapWriter job = b.map();
  set_dict(job, "facet:jobType", {{"processingType", "STREAMING"}, {"integration", "FLINK"}});
  set_dict(job, "facet:sourceCodeLocation", {{"type", "git"}, {"url", "https://git.example/etl"}});
  job.set_str("description", "joins").set_str("sql", "SELECT 1");
  std::string j = b.job("etl", "j", job);
  b.edge(j, kReads, "dataset:pg:in");
  b.edge(j, kWrites, "dataset:kafka:out");
  for (const char* run : {"r1", "r2"}) {
    MapWriter r = b.map();
    r.set_str("runId", run).set_str("createdAt", std::string("2026-01-05T00:00:0") + (run[1] == '1' ? "1" : "2") + ".000000Z");
    r.set_str("state", run[1] == '1' ? "FAIL" : "COMPLETE").set_str("startedAt", kStart).set_str("endedAt", kEnd);
    r.set_str("nominalStartTime", "2026-01-05T00:00:00Z");
    b.node(std::string("run:") + run, kRun, r);
    b.edge(std::string("run:") + run, kOf, j);
  }
  MapWriter derived = b.map();
  derived.set_str("jobId", j).set_str("transformationDescription", "sum").set_str("transformationType", "AGGREGATION");
  b.edge("datasetField:kafka:out:total", kDerivesFrom, "datasetField:pg:in:amount", &derived);
  MapWriter indirect = b.map();
  indirect.set_str("jobId", j).set_encoded("transformations", [](StringSink& s, Bytes& o) {
    put_u8(o, kList);
    put_varint(o, 1);
    put_u8(o, kDict);
    put_varint(o, 2);
    put_varint(o, s.key("type"));
    s.value("INDIRECT", o);
    put_varint(o, s.key("description"));
    s.value("converted", o);
  });
  b.edge("datasetField:kafka:out:total", kDerivesFrom, "datasetField:pg:in:fx", &indirect);
  commit(g, b.wire.finish());
}

std::string nodes_json(Graph& g, const std::vector<std::string>& ids, bool full) {
  fixture::Viewing v(g);
  std::vector<NodeIdx> nodes;
  for (const std::string& id : ids) nodes.push_back(id.empty() ? kNone : g.find_node(id));
  std::string out;
  marquez_nodes_json(v.view, nodes, full, out);
  return out;
}

const std::string kInData =
    R"({"id":{"namespace":"pg","name":"in"},"type":"DB_TABLE","name":"in","physicalName":"in",)"
    R"("createdAt":"2026-01-05T00:00:00.000000Z","updatedAt":"2026-01-05T00:00:00.000000Z","namespace":"pg",)"
    R"("sourceName":"warehouse","fields":[{"name":"amount","type":"DECIMAL","tags":["PII"],"description":"in cents"},)"
    R"({"name":"fx","type":"DOUBLE","tags":[],"description":null},{"name":"ghost","type":null,"tags":[],"description":null}],)"
    R"("tags":[],"lastModifiedAt":null,"description":"raw \"orders\"\n","lastLifecycleState":"CREATE")";

TEST(MarquezNodes, ADatasetIsItsDatasetDataWithItsSchemaFromItsColumns) {
  Graph g;
  mesh(g);
  EXPECT_EQ(nodes_json(g, {"dataset:pg:in"}, false), "[" + kInData + "}]");
}

TEST(MarquezNodes, AFullDatasetAddsItsFacetsRebuiltAndVerbatim) {
  Graph g;
  mesh(g);
  EXPECT_EQ(nodes_json(g, {"dataset:pg:in", ""}, true),
            "[" + kInData +
                R"(,"currentVersion":null,"facets":{"documentation":{"description":"raw \"orders\"\n"},)"
                R"("dataSource":{"name":"warehouse","uri":"postgres://db:5432"},"custom":{"owner":"team-a"}},"deleted":false},null])");
  std::string out = nodes_json(g, {"dataset:kafka:out"}, false);
  EXPECT_NE(out.find(R"("type":"STREAM","name":"out")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("sourceName":"kafka")"), std::string::npos) << out;  // no source name: its namespace
}

TEST(MarquezNodes, ADatasetShowsItsTablesLatestLifecycleStatementUnderAnyName) {
  Graph g;
  mesh(g);
  Builder b(kT2);  // a day later, pg:in dropped under its storage path
  b.alias("s3://lake", "in", "dataset:pg:in", "symlink");
  MapWriter dropped = b.map();
  dropped.set_bool("deleted", true).set_str("lifecycleState", "DROP");
  b.node("dataset:s3://lake:in", kDataset, dropped);
  commit(g, b.wire.finish());
  std::string out = nodes_json(g, {"dataset:pg:in"}, true);
  EXPECT_NE(out.find(R"("lastLifecycleState":"DROP")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("deleted":true})"), std::string::npos) << out;
}

const std::string kLatestRun =
    R"({"id":"r2","createdAt":"2026-01-05T00:00:02.000000Z","updatedAt":"2026-01-05T00:01:02.5+00:00",)"
    R"("nominalStartTime":"2026-01-05T00:00:00Z","nominalEndTime":null,"state":"COMPLETED",)"
    R"("startedAt":"2026-01-05T00:00:00+00:00","endedAt":"2026-01-05T00:01:02.5+00:00","durationMs":62500,"args":{},)"
    R"("jobVersion":{"namespace":"etl","name":"j","version":null},"inputDatasetVersions":[],"outputDatasetVersions":[],)"
    R"("facets":{"nominalTime":{"nominalStartTime":"2026-01-05T00:00:00Z","nominalEndTime":null}}})";

TEST(MarquezNodes, AJobShowsItsCurrentInputsOutputsAndNewestRun) {
  Graph g;
  mesh(g);
  const std::string head =
      R"([{"id":{"namespace":"etl","name":"j"},"type":"STREAM","name":"j","simpleName":"j","parentJobName":null,"parentJobUuid":null,)";
  const std::string body =
      R"("createdAt":"2026-01-05T00:00:00.000000Z","updatedAt":"2026-01-05T00:00:00.000000Z","namespace":"etl",)"
      R"("inputs":[{"namespace":"pg","name":"in"}],"outputs":[{"namespace":"kafka","name":"out"}],)"
      R"("location":"https://git.example/etl","description":"joins","latestRun":)" +
      kLatestRun;
  EXPECT_EQ(nodes_json(g, {"job:etl:j"}, false), head + R"("currentRunUuid":"r2",)" + body + "}]");
  EXPECT_EQ(nodes_json(g, {"job:etl:j"}, true),
            head + body + R"(,"latestRuns":[)" + kLatestRun +
                R"(],"facets":{"documentation":{"description":"joins"},"sql":{"query":"SELECT 1"},)"
                R"("jobType":{"processingType":"STREAMING","integration":"FLINK"},)"
                R"("sourceCodeLocation":{"type":"git","url":"https://git.example/etl"}},"currentVersion":null,"labels":[],"tags":[]}])");
}

TEST(MarquezNodes, ARunIsItsRunWithItsStateAsMarquezNamesIt) {
  Graph g;
  mesh(g);
  std::string out = nodes_json(g, {"run:r1", "datasetField:pg:in:amount"}, false);
  const std::string head = R"([{"id":"r1","createdAt":"2026-01-05T00:00:01.000000Z",)";
  EXPECT_EQ(out.substr(0, head.size()), head);
  EXPECT_NE(out.find(R"("state":"FAILED")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("jobVersion":{"namespace":"etl","name":"j","version":null})"), std::string::npos) << out;
  EXPECT_EQ(out.substr(out.size() - 7), "},null]");  // a column is no Marquez node here
}

TEST(MarquezLineage, TheGraphListsEachNodeWithItsDataAndEdgesByIds) {
  Graph g;
  mesh(g);
  fixture::Viewing v(g);
  LineageAnswer answer = dataset_lineage(v.view, g.find_node("dataset:pg:in"), false, true, 1, unlimited());
  std::string out;
  marquez_lineage_json(v.view, answer, out);
  ASSERT_EQ(out.substr(0, 10), R"({"graph":[)");
  // in order of id: dataset:kafka:out, dataset:pg:in, job:etl:j
  size_t out_at = out.find(R"({"id":"dataset:kafka:out","type":"DATASET","data":{)");
  size_t in_at = out.find(R"({"id":"dataset:pg:in","type":"DATASET","data":)" + kInData + "}");
  size_t job_at = out.find(R"({"id":"job:etl:j","type":"JOB","data":{)");
  ASSERT_NE(out_at, std::string::npos) << out;
  ASSERT_NE(in_at, std::string::npos) << out;
  ASSERT_NE(job_at, std::string::npos) << out;
  EXPECT_LT(out_at, in_at);
  EXPECT_LT(in_at, job_at);
  EXPECT_NE(out.find(R"("inEdges":[{"origin":"job:etl:j","destination":"dataset:kafka:out"}],"outEdges":[]})"), std::string::npos);
  EXPECT_NE(out.find(R"("inEdges":[],"outEdges":[{"origin":"dataset:pg:in","destination":"job:etl:j"}]})"), std::string::npos);
  EXPECT_NE(out.find(R"("inEdges":[{"origin":"dataset:pg:in","destination":"job:etl:j"}],)"
                     R"("outEdges":[{"origin":"job:etl:j","destination":"dataset:kafka:out"}]}]})"),
            std::string::npos)
      << out;
}

TEST(MarquezLineage, AJobsLatestRunIsWrittenWithTheDatasetVersionsGivenForIt) {
  Graph g;
  mesh(g);
  fixture::Viewing v(g);
  LineageAnswer answer = dataset_lineage(v.view, g.find_node("dataset:pg:in"), false, true, 1, unlimited());
  std::vector<NodeIdx> runs;
  marquez_lineage_runs(v.view, answer, runs);
  ASSERT_EQ(runs, std::vector<NodeIdx>{g.find_node("run:r2")});  // etl.j's newest; the datasets have none
  const std::string versions = R"("inputDatasetVersions":[{"datasetVersionId":{"namespace":"pg","name":"in","version":"v1"},)"
                               R"("facets":{}}],"outputDatasetVersions":[])";
  RunVersions given{{"run:r2", versions}};
  std::string out;
  marquez_lineage_json(v.view, answer, out, &given);
  EXPECT_NE(out.find(R"("jobVersion":{"namespace":"etl","name":"j","version":null},)" + versions + R"(,"facets":{)"),
            std::string::npos)
      << out;
  std::string none;
  marquez_lineage_json(v.view, answer, none);
  EXPECT_NE(none.find(R"("inputDatasetVersions":[],"outputDatasetVersions":[],"facets":{)"), std::string::npos) << none;
}

TEST(MarquezColumnLineage, EachFieldWithItsInputsAndTheirTransformations) {
  Graph g;
  mesh(g);
  fixture::Viewing v(g);
  std::string out;
  bool truncated = marquez_column_lineage_json(v.view, {g.find_node("datasetField:kafka:out:total")}, false, 5, unlimited(), out);
  EXPECT_FALSE(truncated);
  EXPECT_EQ(out,
            R"({"graph":[{"id":"datasetField:kafka:out:total","type":"DATASET_FIELD","data":{"namespace":"kafka","dataset":"out",)"
            R"("datasetVersion":null,"field":"total","fieldType":"DECIMAL","transformationDescription":"sum",)"
            R"("transformationType":"AGGREGATION","inputFields":[)"
            R"({"namespace":"pg","dataset":"in","field":"amount","transformationDescription":"sum","transformationType":"AGGREGATION","datasetVersion":null},)"
            R"({"namespace":"pg","dataset":"in","field":"fx","transformationDescription":"converted","transformationType":"INDIRECT","datasetVersion":null}]},)"
            R"("inEdges":[{"origin":"datasetField:kafka:out:total","destination":"datasetField:pg:in:amount"},)"
            R"({"origin":"datasetField:kafka:out:total","destination":"datasetField:pg:in:fx"}],"outEdges":[]},)"
            R"({"id":"datasetField:pg:in:amount","type":"DATASET_FIELD","data":{"namespace":"pg","dataset":"in",)"
            R"("datasetVersion":null,"field":"amount","fieldType":"DECIMAL","transformationDescription":null,)"
            R"("transformationType":null,"inputFields":[]},"inEdges":[],)"
            R"("outEdges":[{"origin":"datasetField:pg:in:amount","destination":"datasetField:kafka:out:total"}]},)"
            R"({"id":"datasetField:pg:in:fx","type":"DATASET_FIELD","data":{"namespace":"pg","dataset":"in",)"
            R"("datasetVersion":null,"field":"fx","fieldType":"DOUBLE","transformationDescription":null,)"
            R"("transformationType":null,"inputFields":[]},"inEdges":[],)"
            R"("outEdges":[{"origin":"datasetField:pg:in:fx","destination":"datasetField:kafka:out:total"}]}]})");
  std::string cut;
  EXPECT_TRUE(marquez_column_lineage_json(v.view, {g.find_node("datasetField:pg:in:amount")}, true, 0, unlimited(), cut));
}

TEST(MarquezFields, KeptFieldsAreTheSchemaAsAnAnswerWritesIt) {
  Graph g;
  std::vector<StrId> held;
  PoolSink sink(g.pool, held);
  Bytes entries = {kList, 2, kList, 4};
  sink.value("amount", entries);
  sink.value("DECIMAL", entries);
  entries.push_back(kList);
  entries.push_back(1);
  sink.value("PII", entries);
  sink.value("in cents", entries);
  entries.insert(entries.end(), {kList, 1});
  sink.value("fx", entries);
  std::string out;
  ASSERT_TRUE(marquez_fields_json(entries.data(), g.pool, out));
  EXPECT_EQ(out, R"([{"name":"amount","type":"DECIMAL","tags":["PII"],"description":"in cents"},)"
                 R"({"name":"fx","type":null,"tags":[],"description":null}])");
  Bytes not_a_list = {kTrue};
  std::string none;
  EXPECT_FALSE(marquez_fields_json(not_a_list.data(), g.pool, none));
  for (StrId id : held) g.pool.decref(id);
}

}  // namespace
}  // namespace lm
