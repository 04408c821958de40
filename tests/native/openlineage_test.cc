// The OpenLineage translation over an event's JSON (native/core/openlineage.h) and the reading
// that decides which events the core vouches for (native/core/openlineage_event.h). Python's
// tests compare the whole path with the Python one on corpora and generated events
// (tests/test_openlineage_bytes.py); these pin what each part answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "fixture.h"
#include "openlineage_event.h"

namespace lm {
namespace {

using fixture::describe;

constexpr const char* kRunId = "0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11";
constexpr const char* kParentRunId = "1c6f0f5d-9a43-4d7a-8f3e-0b5b8a2e2a11";

// Schemas that take any object of each kind, or (strict) RunEvents with a producer only, whose
// job's sql facet has a query (the roots ingest.openlineage_schema.event_schemas names).
std::unique_ptr<JsonSchema> any_event(bool strict = false) {
  std::string run = strict ? R"({"type": "object", "required": ["producer"]})" : R"({"type": "object"})";
  std::string sql = strict ? R"({"type": "object", "required": ["query"]})" : R"({"type": "object"})";
  std::string whole = strict ? R"({"required": ["producer"], "properties": {"job": {"properties": {"facets": {"properties": {"sql": )" + sql + "}}}}}}" : run;
  return std::make_unique<JsonSchema>(std::vector<std::string>{},
                                      std::vector<std::pair<std::string, std::string>>{
                                          {"RunEvent", whole}, {"DatasetEvent", R"({"type": "object"})"},
                                          {"JobEvent", R"({"type": "object"})"}, {"spec:RunEvent", run},
                                          {"spec:DatasetEvent", "true"}, {"spec:JobEvent", "true"},
                                          {"facet:JobFacet", "true"}, {"facet:JobFacet:sql", sql}});
}

OpenLineageTranslator translator(DomainRules rules = DomainRules(), bool strict = false) {
  return OpenLineageTranslator(OpenLineageRules{std::move(rules), "rule"}, any_event(strict), 200);
}

// A rich run event: most of what the translation makes structure of.
std::string rich_event() {
  return std::string(R"({
  "eventType": "COMPLETE", "eventTime": "2026-01-05T01:00:00.5+01:00", "producer": "https://p",
  "run": {"runId": ")") + kRunId + R"(", "facets": {
    "parent": {"run": {"runId": ")" + kParentRunId + R"("}, "job": {"namespace": "airflow", "name": "dag"}},
    "nominalTime": {"nominalStartTime": "2026-01-05T00:00:00Z"},
    "tags": {"tags": [{"key": "env", "value": "prod"}, {"key": "pii", "value": "true"}, {"key": "c", "field": "x"}]},
    "custom": {"n": 1.5, "big": 4294967296, "neg": -2, "list": [null, true, false, "s"]}}},
  "job": {"namespace": "airflow", "name": "dag.task", "facets": {
    "documentation": {"description": "loads orders"}, "sql": {"query": "select 1"},
    "jobType": {"processingType": "BATCH", "integration": "SPARK", "jobType": "JOB"},
    "ownership": {"owners": [{"name": "team:data", "type": "MAINTAINER"}]},
    "tags": {"tags": [{"key": "tier", "value": "1"}]}, "gone": {"_deleted": true}}},
  "inputs": [{"namespace": "S3A://Bucket/", "name": "raw/orders", "facets": {
      "symlinks": {"identifiers": [{"namespace": "hive://metastore", "name": "db.orders", "type": "table"},
                                   {"namespace": "s3://Bucket", "name": "raw/orders_v1", "type": "LOCATION"}]},
      "dataSource": {"name": "lake", "uri": "s3://Bucket"},
      "datasetType": {"datasetType": "TABLE", "subType": "ICEBERG"}},
    "inputFacets": {"stats": {"rows": 10}}}],
  "outputs": [{"namespace": "postgres://db:5432", "name": "mart.orders", "facets": {
      "schema": {"fields": [{"name": "id", "type": "BIGINT", "ordinal_position": 2, "tags": [{"key": "pk"}, {"name": "key"}, 7]},
                            {"name": "customer", "type": "STRUCT", "ordinal_position": 3.0,
                             "fields": [{"name": "email", "description": "an e-mail", "ordinal_position": true}]},
                            {"name": "amount", "ordinal_position": 4.5}]},
      "tags": {"tags": [{"key": "pii", "value": "email", "field": "customer.email"}, {"key": "domain", "value": "true"},
                        {"key": "x", "field": "id"}]},
      "documentation": {"description": "orders by customer"},
      "ownership": {"owners": [{"name": "team:mart"}]},
      "lifecycleStateChange": {"lifecycleStateChange": "RENAME", "previousIdentifier": {"namespace": "postgres://db:5432", "name": "mart.orders_old"}},
      "columnLineage": {"fields": {"id": {"inputFields": [
            {"namespace": "s3a://Bucket", "name": "raw/orders", "field": "order_id", "transformations": [{"type": "DIRECT"}]},
            {"namespace": "s3a://Bucket", "name": "raw/orders", "field": "order_id", "transformations": [{"type": "INDIRECT"}]}],
          "transformationType": "IDENTITY"}},
        "dataset": [{"namespace": "s3a://Bucket", "name": "raw/orders", "field": "status"}]}},
    "outputFacets": {"outputStatistics": {"rowCount": 10}}},
   {"namespace": "postgres://db:5432", "name": "mart.old", "facets": {"lifecycleStateChange": {"lifecycleStateChange": "DROP"}}}]
})";
}

struct Result {
  OpenLineageTranslator::Outcome outcome;
  Translated why;
  OpenLineageTranslator::Facts facts;
  std::vector<std::string> lines;  // the graph the batch makes (fixture::describe)
};

Result run(const OpenLineageTranslator& t, const std::string& json, bool bounded = false, int64_t not_after = 0) {
  WireWriter wire;
  Result r;
  r.outcome = t.translate(json, bounded, not_after, wire, r.why, r.facts);
  if (r.outcome == OpenLineageTranslator::kTranslated) {
    Graph g;
    fixture::commit(g, wire.finish());
    r.lines = describe(g);
  } else {
    EXPECT_EQ(wire.mutations(), r.outcome == OpenLineageTranslator::kElsewhere ? 0u : wire.mutations());
  }
  return r;
}

bool has_line(const Result& r, const std::string& part) {
  return std::any_of(r.lines.begin(), r.lines.end(), [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

TEST(OpenLineageEvent, ARichRunEventBecomesItsGraph) {
  DomainRules rules({DomainRule{"sales", std::string("postgres://*"), std::nullopt, std::nullopt}});
  Result r = run(translator(rules), rich_event());
  ASSERT_EQ(r.outcome, OpenLineageTranslator::kTranslated) << r.why.over_limit;
  const std::string at = "2026-01-05T00:00:00.500000Z";  // +01:00, in UTC
  EXPECT_DOUBLE_EQ(r.facts.seconds, 1767571200.5);
  std::vector<std::string> subjects = r.facts.subjects;
  std::sort(subjects.begin(), subjects.end());
  EXPECT_EQ(subjects, (std::vector<std::string>{"dataset:S3A://Bucket/:raw/orders", "dataset:postgres://db:5432:mart.old",
                                                "dataset:postgres://db:5432:mart.orders", "job:airflow:dag.task",
                                                std::string("run:") + kRunId}));
  // The run, its state, its job, its parent.
  EXPECT_TRUE(has_line(r, std::string("node run:") + kRunId + " Run "));
  EXPECT_TRUE(has_line(r, "state@" + at + "#3=\"COMPLETE\""));
  EXPECT_TRUE(has_line(r, "facet:custom@" + at + "={\"big\":4294967296,\"list\":[null,true,false,\"s\"],\"n\":1.5,\"neg\":-2}"));
  EXPECT_TRUE(has_line(r, "tags@" + at + "=[\"env:prod\",\"pii\"]"));
  EXPECT_TRUE(has_line(r, "nominalStartTime@" + at + "=\"2026-01-05T00:00:00Z\""));
  EXPECT_TRUE(has_line(r, std::string("edge run:") + kRunId + " -CHILD_OF-> run:" + kParentRunId));
  EXPECT_TRUE(has_line(r, std::string("edge run:") + kParentRunId + " -OF-> job:airflow:dag"));
  EXPECT_TRUE(has_line(r, "latestCompletedRun@" + at + "=\"run:" + kRunId + "\""));
  EXPECT_TRUE(has_line(r, "sql@" + at + "=\"select 1\""));
  EXPECT_TRUE(has_line(r, "jobType.integration@" + at + "=\"SPARK\""));
  EXPECT_TRUE(has_line(r, "facet:gone@" + at + "=<absent>"));
  EXPECT_TRUE(has_line(r, "edge job:airflow:dag.task -OWNED_BY-> owner:team:data"));
  // The input under its TABLE name, the storage name an alias of it; its source and type.
  EXPECT_TRUE(has_line(r, "node dataset:hive://metastore:db.orders Dataset "));
  EXPECT_TRUE(has_line(r, "sourceUri@" + at + "=\"s3://Bucket\""));
  EXPECT_TRUE(has_line(r, "datasetSubType@" + at + "=\"ICEBERG\""));
  EXPECT_TRUE(has_line(r, "edge job:airflow:dag.task -READS-> dataset:hive://metastore:db.orders"));
  EXPECT_TRUE(has_line(r, "facet:stats@" + at + "={\"rows\":10}"));
  // The output: columns flattened, tagged and ordered, lineage, a rename, its domain; the other dropped.
  EXPECT_TRUE(has_line(r, "node datasetField:postgres://db:5432:mart.orders:customer.email Column "));
  EXPECT_TRUE(has_line(r, "tags@" + at + "=[\"pii:email\"]"));
  EXPECT_TRUE(has_line(r, "tags@" + at + "=[\"x\"]"));  // the tags facet restates the column's tags
  EXPECT_TRUE(has_line(r, "ordinal@" + at + "=3"));
  EXPECT_TRUE(has_line(r, "ordinal@" + at + "=4"));  // 4.5 is no position: its place
  EXPECT_TRUE(has_line(r, "-DERIVES_FROM-> datasetField:hive://metastore:db.orders:order_id"));  // by its TABLE name
  EXPECT_TRUE(has_line(r, "transformations@" + at + "=[{\"type\":\"DIRECT\"},{\"type\":\"INDIRECT\"}]"));
  EXPECT_TRUE(has_line(r, "transformationType@" + at + "=\"IDENTITY\""));
  EXPECT_TRUE(has_line(r, "edge dataset:postgres://db:5432:mart.orders -DERIVES_FROM-> datasetField:hive://metastore:db.orders:status"));
  EXPECT_TRUE(has_line(r, "edge dataset:postgres://db:5432:mart.orders -BELONGS_TO-> domain:sales"));
  EXPECT_TRUE(has_line(r, "source@" + at + "=\"rule\""));
  EXPECT_TRUE(has_line(r, "node dataset:postgres://db:5432:mart.old Dataset dropped "));
}

TEST(OpenLineageEvent, DatasetAndJobEvents) {
  Result dataset = run(translator(), R"({"eventTime": "2026-01-05T00:00:00Z", "dataset": {"namespace": "kafka://b",
      "name": "t", "facets": {"schema": {"fields": [{"name": "a"}]}}}})");
  ASSERT_EQ(dataset.outcome, OpenLineageTranslator::kTranslated);
  EXPECT_TRUE(has_line(dataset, "node datasetField:kafka://b:t:a Column "));
  Result job = run(translator(), R"({"eventTime": "2026-01-05T00:00:00Z", "job": {"namespace": "j", "name": "n",
      "facets": {"jobType": {"processingType": "STREAMING"}}}, "outputs": [{"namespace": "kafka://b", "name": "t"}]})");
  ASSERT_EQ(job.outcome, OpenLineageTranslator::kTranslated);
  EXPECT_TRUE(has_line(job, "edge job:j:n -WRITES-> dataset:kafka://b:t"));
  Result streaming = run(translator(), std::string(R"({"eventType": "START", "eventTime": "2026-01-05T00:00:00Z", "run": {"runId": ")") +
                                           kRunId + R"("}, "job": {"namespace": "j", "name": "n",
      "facets": {"jobType": {"processingType": "STREAMING"}}}})");
  ASSERT_EQ(streaming.outcome, OpenLineageTranslator::kTranslated);
  EXPECT_TRUE(has_line(streaming, "latestCompletedRun@"));  // a streaming job's started run decides
  EXPECT_TRUE(has_line(streaming, "startedAt@"));
}

TEST(OpenLineageEvent, WhatThePythonPathDecides) {
  OpenLineageTranslator t = translator();
  std::string rest = std::string(R"("run": {"runId": ")") + kRunId + R"("}, "job": {"namespace": "j", "name": "n"})";
  auto event = [&](const std::string& more) { return "{\"eventTime\": \"2026-01-05T00:00:00Z\", " + rest + more + "}"; };
  ASSERT_EQ(run(t, event("")).outcome, OpenLineageTranslator::kTranslated);
  for (const std::string& elsewhere : {
           std::string("not json"), std::string("[]"), std::string("{\"eventTime\": \"2026-01-05T00:00:00Z\"}"),
           event(", \"n\": 1234567890123456789"), event(", \"s\": \"\\ud83d\\ude00\""), event(", \"n\": 1, \"n\": 2"),
           event(", \"x\": " + std::string(250, '[') + std::string(250, ']')),
           std::string(R"({"eventTime": "2026-01-05T00:00:00Z", "run": {"runId": "dag_run_1"}, "job": {"namespace": "j", "name": "n"}})"),
           event(R"(, "inputs": [{"namespace": "n", "name": "d", "facets": {"dataQualityMetrics": {}}}])"),
           event(R"(, "inputs": [{"namespace": "n", "name": "d", "inputFacets": {"dataQualityAssertions": {}}}])"),
           event(R"(, "outputs": [{"namespace": "n", "name": "d", "facets": {"catalog": {}}}])"),
           event(R"(, "outputs": [{"namespace": "n", "name": "d", "facets": {"symlinks": {"identifiers": [
               {"namespace": "a", "name": "b", "type": "TABLE"}, {"namespace": "c", "name": "d", "type": "table"}]}}}])"),
           event(R"(, "outputs": [{"namespace": "n", "name": "d", "facets": {"symlinks": {"identifiers": [
               {"namespace": "a", "name": "b", "type": "TABL\u00c9"}]}}}])"),
       })
    EXPECT_EQ(run(t, elsewhere).outcome, OpenLineageTranslator::kElsewhere) << elsewhere;
  std::string test_facet = std::string(R"({"eventTime": "2026-01-05T00:00:00Z", "run": {"runId": ")") + kRunId +
                           R"(", "facets": {"test": {}, "parent": {"run": {"runId": "not-a-uuid"}}}}, "job": {"namespace": "j", "name": "n"}})";
  EXPECT_EQ(run(t, test_facet).outcome, OpenLineageTranslator::kElsewhere);
  for (const char* time : {"2026-01-05T00:00:00", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
                           "9999-12-31T23:00:00-05:00", "1000-01-01T00:00:00Z"})
    EXPECT_EQ(run(t, "{\"eventTime\": \"" + std::string(time) + "\", " + rest + "}").outcome, OpenLineageTranslator::kElsewhere)
        << time;
  // A clock bound: later events are the Python path's (which refuses them, naming the bound).
  int64_t at = 1767571200000000;  // 2026-01-05T00:00:00Z
  EXPECT_EQ(run(t, event(""), true, at).outcome, OpenLineageTranslator::kTranslated);
  EXPECT_EQ(run(t, event(""), true, at - 1).outcome, OpenLineageTranslator::kElsewhere);
  // Invalid: refused here, worded as Python jsonschema worded it; the facets first, one by one.
  Result refused = run(translator(DomainRules(), true), event(""));
  EXPECT_EQ(refused.outcome, OpenLineageTranslator::kRefused);
  EXPECT_EQ(refused.why.invalid_path, "$");
  EXPECT_EQ(refused.why.invalid, "'producer' is a required property");
  std::string facets = std::string(R"({"eventTime": "2026-01-05T00:00:00Z", "run": {"runId": ")") + kRunId +
                       R"("}, "job": {"namespace": "j", "name": "n", "facets": {"custom": {}, "sql": {"q": 1}}}})";
  refused = run(translator(DomainRules(), true), facets);
  EXPECT_EQ(refused.outcome, OpenLineageTranslator::kRefused);
  EXPECT_EQ(refused.why.invalid_path, "$.job.facets.sql");
  EXPECT_EQ(refused.why.invalid, "'query' is a required property");
  EXPECT_STREQ(refused.why.refusal(), "invalid");  // as Translator.translate names it
  EXPECT_EQ(refused.why.detail(), "'query' is a required property");
  EXPECT_EQ(refused.why.where(), "$.job.facets.sql");
  EXPECT_EQ(run(translator(DomainRules(), true), event(", \"producer\": \"p\"")).outcome, OpenLineageTranslator::kTranslated);
  EXPECT_THROW(OpenLineageTranslator(OpenLineageRules{}, any_event(), JsonSchema::kDeepest + 1), Error);
  EXPECT_THROW(OpenLineageTranslator(OpenLineageRules{}, std::make_unique<JsonSchema>(std::vector<std::string>{},
                   std::vector<std::pair<std::string, std::string>>{{"RunEvent", "true"}}), 200), Error);
  OpenLineageTranslator none(OpenLineageRules{}, nullptr, 200);
  EXPECT_EQ(run(none, event("")).outcome, OpenLineageTranslator::kElsewhere);
}

TEST(OpenLineageEvent, RefusedEventsSayWhy) {
  OpenLineageTranslator t = translator();
  std::string long_name(5000, 'x');
  Result overlong = run(t, std::string(R"({"eventTime": "2026-01-05T00:00:00Z", "run": {"runId": ")") + kRunId +
                               R"("}, "job": {"namespace": "j", "name": ")" + long_name + R"("}})");
  EXPECT_EQ(overlong.outcome, OpenLineageTranslator::kRefused);
  EXPECT_EQ(overlong.why.overlong_id.substr(0, 6), "job:j:");
  EXPECT_STREQ(overlong.why.refusal(), "overlong");
  EXPECT_EQ(overlong.why.detail(), overlong.why.overlong_id);
  EXPECT_EQ(overlong.why.where(), "");
  Result field = run(t, R"({"eventTime": "2026-01-05T00:00:00Z", "dataset": {"namespace": "n", "name": "d",
      "facets": {"schema": {"fields": [{"name": "a", "fields": [{"name": ")" + long_name + R"("}]}]}}}})");
  EXPECT_EQ(field.outcome, OpenLineageTranslator::kRefused);
  EXPECT_EQ(field.why.over_limit.substr(0, 69), "$.dataset.facets.schema.fields[0].fields[0].name: makes the column id");
  EXPECT_STREQ(field.why.refusal(), "limit");
  EXPECT_EQ(field.why.detail(), field.why.over_limit);
  EXPECT_EQ(field.why.where(), "");
}

TEST(OpenLineageEvent, SettledEventsAreTranslatedAsGiven) {
  OpenLineageTranslator t = translator();
  WireWriter wire;
  Translated why = t.translate_settled(R"({"job": {"namespace": "j", "name": "n"}})", "JobEvent", fixture::kT1, wire);
  EXPECT_FALSE(why.refused());
  EXPECT_GT(wire.mutations(), 0u);
  // Past 19 digits events are settled in Python; orjson writes integers up to 2^64 - 1 as they are.
  WireWriter big;
  ASSERT_FALSE(t.translate_settled(R"({"job": {"namespace": "j", "name": "n", "facets": {"f": {"big": 18446744073709551615,
      "small": -9223372036854775808, "inf": 1e308, "deep": [[{"a": {}}]]}}}})", "JobEvent", fixture::kT1, big).refused());
  Graph g;
  fixture::commit(g, big.finish());
  std::vector<std::string> lines = describe(g);
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("facet:f@2026-01-05T00:00:00.000000Z={\"big\":18446744073709551615,\"deep\":[[{\"a\":{}}]],") != std::string::npos;
  })) << lines[0];
  EXPECT_THROW(t.translate_settled("{", "JobEvent", fixture::kT1, wire), Error);
  // A name that is not a string has no text here (never in a valid event).
  EXPECT_THROW(t.translate_settled(R"({"job": {"namespace": "j", "name": 1.5}})", "JobEvent", fixture::kT1, wire), Error);
  EXPECT_FALSE(t.translate_settled(R"({"job": {"namespace": true, "name": -3}})", "JobEvent", fixture::kT1, wire).refused());
}

TEST(OpenLineageEvent, RefusalOfTheEventsText) {
  std::unique_ptr<JsonSchema> strict = any_event(true);
  std::string path, message;
  EXPECT_FALSE(event_refusal(*strict, R"({"producer": "p", "big": 123456789012345678901234567890})", "RunEvent", path,
                             message));
  ASSERT_TRUE(event_refusal(*strict, R"({"big": 123456789012345678901234567890})", "RunEvent", path, message));
  EXPECT_EQ(path, "$");
  EXPECT_EQ(message, "'producer' is a required property");
  try {
    event_refusal(*strict, "{", "RunEvent", path, message);
    ADD_FAILURE() << "not JSON, yet read";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind, Error::kValue);
    EXPECT_EQ(std::string(e.what()).substr(0, 27), "an event that is not JSON: ");
  }
}

TEST(OpenLineageEvent, ABatchOfEventsInOrder) {
  OpenLineageTranslator t = translator(DomainRules(), true);
  auto event = [](const std::string& name, const std::string& more) {
    return std::string(R"({"eventTime": "2026-01-05T00:00:00Z", "run": {"runId": ")") + kRunId +
           R"("}, "job": {"namespace": "j", "name": ")" + name + "\"}" + more + "}";
  };
  WriterLease lease;
  OpenLineageBatch batch(t, lease.writer(), false, 0);
  EXPECT_TRUE(batch.add(event("a", ", \"producer\": \"p\"")));  // translated here
  EXPECT_TRUE(batch.add(event("b", "")));                       // invalid: refused here
  EXPECT_FALSE(batch.add("not json"));                          // the caller's, left out
  EXPECT_FALSE(batch.add("[]"));                                // the caller's, settled: refused
  batch.settled(R"({"job": {"namespace": "j", "name": ")" + std::string(5000, 'x') + "\"}}", "JobEvent", fixture::kT1);
  EXPECT_FALSE(batch.add("[1]"));  // the caller's, settled
  batch.settled(R"({"job": {"namespace": "j", "name": "c"}})", "JobEvent", fixture::kT1);
  ASSERT_EQ(batch.seconds.size(), 5u);
  EXPECT_EQ(batch.seconds[0], 1767571200.0);
  for (size_t i = 1; i < 5; i++) EXPECT_TRUE(std::isnan(batch.seconds[i])) << i;
  ASSERT_EQ(batch.refused.size(), 2u);
  EXPECT_EQ(batch.refused[0].first, 1u);
  EXPECT_EQ(batch.refused[0].second.invalid, "'producer' is a required property");
  EXPECT_EQ(batch.refused[1].first, 3u);
  EXPECT_EQ(batch.refused[1].second.overlong_id.substr(0, 6), "job:j:");
  std::vector<std::string> subjects;
  for (uint32_t i = 0; i < batch.subjects.size(); i++) subjects.emplace_back(batch.subjects.text(i));
  EXPECT_NE(std::find(subjects.begin(), subjects.end(), "job:j:a"), subjects.end());
  EXPECT_EQ(std::find(subjects.begin(), subjects.end(), "job:j:c"), subjects.end());  // not read here
  Graph g;
  fixture::commit(g, lease.writer().finish());
  std::vector<std::string> lines = describe(g);
  auto has = [&](const std::string& part) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(part) != std::string::npos; });
  };
  EXPECT_TRUE(has("job:j:a"));
  EXPECT_TRUE(has("job:j:c"));
  EXPECT_FALSE(has("job:j:b"));
  EXPECT_FALSE(has("job:j:xxx"));
  EXPECT_THROW(batch.settled("{", "JobEvent", fixture::kT1), Error);
}

TEST(OpenLineageEvent, OneKeptWriterLentAtATime) {
  WireWriter* kept;
  {
    WriterLease first;
    kept = &first.writer();
    kept->node(kept->strings.ref("n"), 0, kept->strings.ref(fixture::kT1), 0, 0);
    WriterLease second;  // lent already: a writer of its own
    EXPECT_NE(&second.writer(), kept);
    EXPECT_EQ(second.writer().mutations(), 0u);
  }
  WriterLease again;  // the kept one, emptied
  EXPECT_EQ(&again.writer(), kept);
  EXPECT_EQ(again.writer().mutations(), 0u);
}

TEST(OpenLineageEvent, MomentsAsPythonReadsThem) {
  int64_t us;
  ASSERT_TRUE(OpenLineageTranslator::utc_micros("2026-01-05T00:00:01.9999999Z", us));  // truncated, as fromisoformat
  EXPECT_EQ(OpenLineageTranslator::stamp(us), "2026-01-05T00:00:01.999999Z");
  ASSERT_TRUE(OpenLineageTranslator::utc_micros("2026-01-05T00:30:00-01:45", us));
  EXPECT_EQ(OpenLineageTranslator::stamp(us), "2026-01-05T02:15:00.000000Z");
  ASSERT_TRUE(OpenLineageTranslator::utc_micros("1969-12-31T23:59:59.5Z", us));
  EXPECT_EQ(us, -500000);
  EXPECT_EQ(OpenLineageTranslator::stamp(us), "1969-12-31T23:59:59.500000Z");
  ASSERT_TRUE(OpenLineageTranslator::utc_micros("0001-01-01T00:00:00-01:00", us));
  EXPECT_EQ(OpenLineageTranslator::stamp(us), "0001-01-01T01:00:00.000000Z");
  EXPECT_FALSE(OpenLineageTranslator::utc_micros("0001-01-01T00:00:00+00:01", us));
  EXPECT_FALSE(OpenLineageTranslator::utc_micros("9999-12-31T23:59:59-00:01", us));
  EXPECT_FALSE(OpenLineageTranslator::utc_micros("not a time", us));
  EXPECT_TRUE(OpenLineageTranslator::reads_as_orjson_does(R"({"n": 123456789012345678, "s": "\u00e9\uE000"})"));
  EXPECT_FALSE(OpenLineageTranslator::reads_as_orjson_does(R"({"s": "\\ud800"})"));  // textual, as Python looks
  EXPECT_FALSE(OpenLineageTranslator::reads_as_orjson_does(R"({"s": "\uDBFF"})"));
  EXPECT_FALSE(OpenLineageTranslator::reads_as_orjson_does(R"({"s": "a1234567890123456789"})"));
}

// The scan reads 16 bytes at a time where it can: its answer must be the byte-by-byte one
// whatever the text's length and wherever a digit run or an escape falls against the blocks.
bool reads_as_orjson_does_bytewise(std::string_view json) {
  int run = 0;
  for (size_t i = 0; i < json.size(); i++) {
    if (json[i] >= '0' && json[i] <= '9') {
      if (++run >= 19) return false;
      continue;
    }
    run = 0;
    if (json[i] == '\\' && i + 3 < json.size() && json[i + 1] == 'u' &&
        std::string_view("dD").find(json[i + 2]) != std::string_view::npos &&
        std::string_view("89abcdefABCDEF").find(json[i + 3]) != std::string_view::npos)
      return false;
  }
  return true;
}

TEST(OpenLineageEvent, ReadsAsOrjsonDoesInBlocksAsByteByByte) {
  for (size_t at = 0; at < 40; at++) {  // runs of 18 and 19 digits starting at every offset
    for (size_t length : {18, 19, 35}) {
      std::string text(at, 'x');
      text += std::string(length, '7') + "\"";
      EXPECT_EQ(OpenLineageTranslator::reads_as_orjson_does(text), length < 19) << at << " " << length;
      std::string escaped = std::string(at, 'x') + "\\uD83D tail of a few more bytes";
      EXPECT_FALSE(OpenLineageTranslator::reads_as_orjson_does(escaped)) << at;
    }
  }
  const std::string alphabet = "0123456789\\udD8Fx \xc3\xa9";
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {  // xorshift64: the same texts every run
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (int n = 0; n < 20000; n++) {
    std::string text(next() % 90, ' ');
    bool digity = next() % 2 == 0;  // half the texts mostly digits, so runs cross blocks
    for (char& c : text) c = digity && next() % 8 != 0 ? char('0' + next() % 10) : alphabet[next() % alphabet.size()];
    ASSERT_EQ(OpenLineageTranslator::reads_as_orjson_does(text), reads_as_orjson_does_bytewise(text)) << text;
  }
}

}  // namespace
}  // namespace lm
