// A remote store's rows installed in its mirror (native/core/remote_rows.h), the rows written as
// JSON (JsonRows): what each part installs, and the errors of rows of the wrong shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fixture.h"
#include "json_values.h"
#include "remote_rows.h"

namespace lm {
namespace {

using namespace fixture;

// A store never asked: the rows are all the mirror gets.
class NoStore : public MirrorStore {
 public:
  int asked = 0;
  void nodes(MirrorSource&, const std::vector<NodeIdx>&, bool) override { asked++; }
  void neighbourhood(MirrorSource&, const EdgesRead&) override { asked++; }
  void neighbourhoods(MirrorSource&, const std::vector<EdgesRead>&) override { asked++; }
  void facts(MirrorSource&, const FactsAsk&, const std::vector<EdgesRead>&, const std::vector<EdgesRead>&) override {
    asked++;
  }
  void around(MirrorSource&, const std::vector<NodeIdx>&, uint32_t, uint32_t) override { asked++; }
  void newest_ahead(MirrorSource&, const NewestAsk&) override { asked++; }
  void newest(MirrorSource&, const NewestAsk&, bool, std::unordered_map<NodeIdx, NodeIdx>&) override { asked++; }
};

uint8_t kind_named(const char* const* names, uint8_t n, std::string_view name, const char* what) {
  uint8_t k = uint8_t(std::find(names, names + n, name) - names);
  if (k == n) raise(Error::kValue, what);
  return k;
}

// Rows written as JSON: lists are arrays, None is null, a kind its name, a handle any value (its
// token counts them), a whole node {"id", "kind"} (installed with an empty record), a set of edge
// keys an array of "source TYPE target" texts.
class JsonRows final : public RowsReader {
 public:
  JsonRows(MirrorSource& m, const char* json) : RowsReader(m), doc_(json) {}
  Cell root() const { return doc_.root(); }
  uint32_t tokens = 0;

  static yyjson_val* v(Cell c) { return static_cast<yyjson_val*>(const_cast<void*>(c)); }
  Cells list(Cell c, const char* what) override {
    if (!yyjson_is_arr(v(c))) raise(Error::kType, what);
    std::vector<Cell>& items = held_.emplace_back();
    size_t i, count;
    yyjson_val* item;
    yyjson_arr_foreach(v(c), i, count, item) items.push_back(item);
    return {items.data(), items.size()};
  }
  bool none(Cell c) override { return yyjson_is_null(v(c)); }
  bool text(Cell c, std::string_view& out, std::string&) override {
    if (!yyjson_is_str(v(c))) return false;
    out = json_text(v(c));
    return true;
  }
  bool truth(Cell c) override { return yyjson_is_true(v(c)); }
  size_t index(Cell c) override {
    if (!yyjson_is_uint(v(c))) raise(Error::kType, "not a place");
    return size_t(yyjson_get_uint(v(c)));
  }
  uint8_t edge_kind(Cell c) override { return kind_named(kEdgeKindNames, kEdgeKinds, json_text(v(c)), "not an edge kind"); }
  uint8_t node_kind(Cell c) override { return kind_named(kNodeKindNames, kNodeKinds, json_text(v(c)), "not a node kind"); }
  void value(Cell c, StringSink& sink, Bytes& out) override { encode_json(v(c), sink, out); }
  uint32_t token(Cell) override { return ++tokens; }
  Record* props(Cell props) override {
    RecordMaker record(m.g.pool, m.g.records);
    size_t i, count;
    yyjson_val *key, *item;
    yyjson_obj_foreach(v(props), i, count, key, item) {
      record.add(json_text(key), "", [&](StringSink& sink, Bytes& out) { encode_json(item, sink, out); });
    }
    return record.freeze(false);
  }
  NodeIdx node(Cell node, HeldAs wanted) override {
    NodeIdx n = named(yyjson_obj_get(v(node), "id"));
    if (m.wants(n, wanted))
      m.fill(n, node_kind(yyjson_obj_get(v(node), "kind")), m.g.records.freeze(Draft(), false), wanted);
    return n;
  }
  bool marked(Cell unrestated, Cell source, uint8_t kind, Cell target) override {
    std::string key = std::string(json_text(v(source))) + " " + kEdgeKindNames[kind] + " ";
    key += json_text(v(target));
    for (Cell k : list(unrestated, "unrestated"))
      if (json_text(v(k)) == key) return true;
    return false;
  }

 private:
  JsonDocument doc_;
  std::vector<std::vector<Cell>> held_;
};

// The parts of a JSON object, by key.
Cell part(const JsonRows& rows, const char* key) { return yyjson_obj_get(JsonRows::v(rows.root()), key); }

class Rows : public ::testing::Test {
 protected:
  Rows() : source(mirror, store, true, true, true, true) {}
  std::string edge_text(NodeIdx s, uint8_t kind, NodeIdx t) {
    EdgeIdx e = mirror.find_edge(s, kind, t);
    if (e == kNone) return "none";
    return std::string(mirror.unrestated(e) ? "unrestated " : "") + record_text(mirror, mirror.edge_record[e]);
  }
  NodeIdx node(const char* id) { return mirror.find_node(id); }
  // The read of ``need``'s readers (READS edges into it), looking ahead into ``ahead_in`` edges.
  static EdgesRead readers_of(NodeIdx need, uint8_t ahead_in) {
    EdgesRead read;
    read.need = {need};
    read.kinds = kind_bit(kReads);
    read.out = false;
    read.ahead = true;
    read.ahead_in = kind_bit(ahead_in);
    return read;
  }
  Graph mirror;
  NoStore store;
  MirrorSource source;
};

TEST_F(Rows, ALevelsRowsInstallItsFarEndsInSummaryFormItsMarkedEdgesAndHandles) {
  JsonRows rows(source, R"({"extras": ["owner", "meta"], "kept": null, "rows": [
    [["job:etl:clean", "READS", "dataset:pg:raw", true], ["job:etl:agg", "READS", "dataset:pg:raw", false]],
    [["job:etl:clean", ["Job"], "{\"name\": \"clean\", \"dropped\": null}", ["dbt", "{\"a\": [1]}"], ["meta"]],
     ["job:etl:agg", ["Other", "Job"], "{\"name\": \"agg\"}", null, null],
     ["x:theirs", ["Other"], "{}", null, null], ["job:etl:unwritten", ["Job"], null, null, null]],
    [["job:etl:clean", "ALIAS_OF", "job:etl:cleaned"]],
    ["h1", "h2"],
    [["dataset:pg:src", "WRITES", "job:etl:clean", true]],
    [["dataset:pg:src", ["Dataset"], "{\"name\": \"src\"}", null, null]],
    ["h3"]]})");
  NodeIdx raw = source.named(std::string_view("dataset:pg:raw"));
  EdgesRead read = readers_of(raw, kWrites);
  rows.rows(read, part(rows, "extras"), part(rows, "kept"), part(rows, "rows"));
  NodeIdx clean = node("job:etl:clean"), agg = node("job:etl:agg"), src = node("dataset:pg:src");
  EXPECT_EQ(record_text(mirror, mirror.node_record[clean]), "name@=\"clean\";owner@=\"dbt\";meta@={\"a\":[1]};");
  EXPECT_EQ(record_text(mirror, mirror.node_record[agg]), "name@=\"agg\";");
  EXPECT_EQ(source.held(clean), kSummary);
  EXPECT_EQ(source.held(src), kSummary);
  EXPECT_EQ(node("x:theirs"), kNone);  // (not a node of ours: not named)
  EXPECT_EQ(source.held(node("job:etl:unwritten")), kNamed);
  EXPECT_EQ(edge_text(clean, kReads, raw), "unrestated ");
  EXPECT_EQ(edge_text(agg, kReads, raw), "");
  EXPECT_EQ(edge_text(clean, kAliasOf, node("job:etl:cleaned")), "");
  EXPECT_EQ(edge_text(src, kWrites, clean), "unrestated ");
  EXPECT_EQ(source.handle(clean), 1u);
  EXPECT_EQ(source.handle(agg), 2u);
  EXPECT_EQ(source.handle(src), 3u);
  source.edges({raw}, kind_bit(kReads), false, false, true, kind_bit(kWrites), false);  // (held: not asked)
  source.around({clean}, kind_bit(kAliasOf), 0);
  EXPECT_EQ(store.asked, 1);  // (only around: ALIAS_OF is held leaving the far ends, not entering)
}

TEST_F(Rows, KeysAreMarkedByTheStoresVerdict) {
  JsonRows rows(source, R"({"verdict": ["job:etl:clean READS dataset:pg:raw"], "none": null, "keys": [
    ["job:etl:clean", "READS", "dataset:pg:raw"], ["job:etl:agg", "READS", "dataset:pg:raw"],
    ["dataset:pg:raw", "ALIAS_OF", "dataset:pg:raw2"]]})");
  rows.keys(part(rows, "keys"), false, "keys", part(rows, "verdict"));
  NodeIdx raw = node("dataset:pg:raw");
  EXPECT_EQ(edge_text(node("job:etl:clean"), kReads, raw), "unrestated ");
  EXPECT_EQ(edge_text(node("job:etl:agg"), kReads, raw), "");
  EXPECT_EQ(edge_text(raw, kAliasOf, node("dataset:pg:raw2")), "");
  rows.keys(part(rows, "keys"), false, "keys", part(rows, "none"));  // (no verdict: the marks stay)
  EXPECT_EQ(edge_text(node("job:etl:clean"), kReads, raw), "unrestated ");
}

TEST_F(Rows, TheFactsInstallFoundEndsByPlaceOrIdRunsAndOwners) {
  JsonRows rows(source, R"({"found": [
    [[0, 1, true], [0, "job:etl:new", false], [0, "job:etl:gone", true]],
    [[null, "job:etl:new", "Job", null], ["h", "job:etl:gone", "Job", "2026-01-01"], [null, "x:theirs", null, null]],
    [[1, "job:etl:alias"]],
    [["h2", "job:etl:alias", "Job", null]]],
   "runs": [[1, "run:clean:1", "Run", {"state": "COMPLETE"}], [0, null, null, null]],
   "owned": [[[["owner:team", "steward"], [{"id": "owner:x", "kind": "Owner"}, null]], [0, 1]]]})");
  NodeIdx raw = source.named(std::string_view("dataset:pg:raw")), clean = source.named(std::string_view("job:etl:clean"));
  std::vector<NodeIdx> table{raw, clean};
  EdgesRead read = readers_of(raw, kAliasOf);
  rows.found(read, part(rows, "found"), table);
  NodeIdx fresh = node("job:etl:new"), gone = node("job:etl:gone");
  EXPECT_EQ(edge_text(clean, kReads, raw), "unrestated ");
  EXPECT_EQ(edge_text(fresh, kReads, raw), "");
  EXPECT_EQ(source.held(fresh), kFound);
  EXPECT_EQ(source.handle(fresh), 0u);
  EXPECT_EQ(record_text(mirror, mirror.node_record[gone]), "deleted@=\"2026-01-01\";");
  EXPECT_EQ(source.handle(gone), 1u);
  EXPECT_EQ(edge_text(clean, kAliasOf, node("job:etl:alias")), "");
  EXPECT_EQ(source.handle(node("job:etl:alias")), 2u);
  EXPECT_EQ(node("x:theirs"), kNone);  // (not a node of ours: not named)
  for (NodeIdx n : table) source.fill(n, mirror.node_kind[n], mirror.records.freeze(Draft(), false), kWhole);
  rows.runs(part(rows, "runs"), table);
  std::vector<NodeIdx> runs(2);
  source.newest({clean, raw}, kOf, false, "createdAt", runs, true);
  EXPECT_EQ(runs[0], node("run:clean:1"));
  EXPECT_EQ(record_text(mirror, mirror.node_record[runs[0]]), "state@=\"COMPLETE\";");
  EXPECT_EQ(runs[1], kNone);
  rows.owned(part(rows, "owned"), table);
  EXPECT_EQ(edge_text(raw, kOwnedBy, node("owner:team")), "type@=\"steward\";");
  EXPECT_EQ(edge_text(clean, kOwnedBy, node("owner:x")), "");
  EXPECT_EQ(source.held(node("owner:x")), kWhole);
}

TEST_F(Rows, RowsOfTheWrongShapeAreRefused) {
  JsonRows rows(source, R"({"short": [["job:a", "READS"]], "flat": 3, "ids": [[1, "READS", "job:b"]],
    "places": [[[5, 0, true]], [], [], []], "values": [[], [["job:a", ["Job"], "{}", [1, 2], null]], [], [], [], [], []]})");
  auto fails = [&](auto&& read, Error::Kind kind, const char* message) {
    try {
      read();
      ADD_FAILURE() << "no error: " << message;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind, kind);
      EXPECT_STREQ(e.what(), message);
    }
  };
  fails([&] { rows.keys(part(rows, "short"), false, "keys"); }, Error::kValue, "edges: [source, type, target] rows");
  fails([&] { rows.keys(part(rows, "flat"), true, "keys"); }, Error::kType, "keys");
  fails([&] { rows.keys(part(rows, "ids"), false, "keys"); }, Error::kType, "node ids are str");
  EdgesRead read;
  read.kinds = kind_bit(kReads);
  fails([&] { rows.found(read, part(rows, "places"), {}); }, Error::kValue,
        "a facts row names a place beyond the table");
  fails([&] { rows.rows(read, part(rows, "flat"), part(rows, "flat"), part(rows, "values")); }, Error::kType,
        "the values' properties");
}

}  // namespace
}  // namespace lm
