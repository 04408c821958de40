// A batch's schema observations read from its wire form (native/core/observations.h): which
// datasets observe which columns at which stamps, each column's field values merged from its
// upserts, the run that produced it, the index another process adopts, a first version written
// and recognised again where a store keeps it, and the batches left to the Python reader.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixture.h"
#include "observations.h"
#include "schema_versions.h"

namespace lm {
namespace {

using fixture::kT1;
using fixture::kT2;

// raw.orders observed at kT1 with columns id (typed twice: the later wins) and total, produced by
// run r1; raw.customers at kT2 with one column stated by no upsert; a job, which observes nothing.
Bytes orders_batch() {
  WireWriter wire;
  {
    Builder b(kT1, &wire);
    std::string orders = b.dataset("pg", "raw.orders", b.map().set_strs("columns", {"id", "total"}));
    MapWriter id = b.map();
    id.set_str("type", "int").set_str("description", "the key");
    b.column("pg", "raw.orders", "id", &id);
    MapWriter retyped = b.map();
    retyped.set_str("type", "bigint").set_null("description");
    b.node("datasetField:pg:raw.orders:id", kColumn,
           b.map().set_str("datasetId", orders).set_str("name", "id").merge(retyped));
    MapWriter total = b.map();
    total.set_str("type", "decimal").set_bool("required", true);
    b.column("pg", "raw.orders", "total", &total);
    b.edge("run:r1", kProduced, orders);
    b.job("etl", "clean", b.map());
  }
  {
    Builder b(kT2, &wire);
    b.dataset("pg", "raw.customers", b.map().set_strs("columns", {"email"}));
  }
  return wire.finish();
}

// Observation ``i``'s field ``key`` of column ``c`` as canonical JSON ("-": not stated).
std::string field_json(const SchemaObservations& read, size_t i, size_t c, std::string_view key) {
  const SchemaObservations::Field& f = read.fields[read.observed[i].first + c];
  size_t k = 0;
  while (kFieldKeys[k] != key) k++;
  const uint8_t* v = read.value(f, k);
  if (v == nullptr) return "-";
  Reader r = read.at(v);
  std::string out;
  EXPECT_TRUE(wire_canonical_json(r, read.parts[f.part[k]].table, out));
  return out;
}

TEST(SchemaObservations, ReadsEachDatasetsColumnsAtItsStamp) {
  Bytes batch = orders_batch();
  SchemaObservations read(batch.data(), batch.size());
  ASSERT_TRUE(read.parse());
  ASSERT_EQ(read.observed.size(), 2u);
  const auto& orders = read.observed[0];
  EXPECT_EQ(read.text(orders.id), "dataset:pg:raw.orders");
  EXPECT_EQ(read.text(orders.at), kT1);
  EXPECT_EQ(read.text(orders.ns), "pg");
  EXPECT_EQ(read.text(orders.name), "raw.orders");
  EXPECT_EQ(read.text(orders.origin), "run:r1");
  ASSERT_EQ(orders.count, 2u);
  EXPECT_EQ(read.text(read.fields[orders.first].name), "id");
  EXPECT_EQ(field_json(read, 0, 0, "type"), "\"bigint\"");  // the later upsert's
  EXPECT_EQ(field_json(read, 0, 0, "description"), "-");     // stated None by the later one
  EXPECT_EQ(field_json(read, 0, 1, "type"), "\"decimal\"");
  EXPECT_EQ(field_json(read, 0, 1, "required"), "true");
  EXPECT_EQ(field_json(read, 0, 1, "ordinal"), "-");
  const auto& customers = read.observed[1];
  EXPECT_EQ(read.text(customers.at), kT2);
  EXPECT_TRUE(customers.origin.none());
  ASSERT_EQ(customers.count, 1u);
  EXPECT_EQ(read.text(read.fields[customers.first].name), "email");
  EXPECT_EQ(field_json(read, 1, 0, "type"), "-");
}

TEST(SchemaObservations, AnotherProcessAdoptsTheIndexInsteadOfReading) {
  Bytes batch = orders_batch();
  SchemaObservations read(batch.data(), batch.size());
  ASSERT_TRUE(read.parse());
  Bytes index;
  read.write_index(index);
  SchemaObservations adopted(batch.data(), batch.size());
  adopted.adopt(index.data(), index.size());
  ASSERT_EQ(adopted.observed.size(), read.observed.size());
  for (size_t i = 0; i < read.observed.size(); i++) {
    EXPECT_EQ(adopted.text(adopted.observed[i].id), read.text(read.observed[i].id));
    EXPECT_EQ(adopted.observed[i].count, read.observed[i].count);
  }
  EXPECT_EQ(field_json(adopted, 0, 0, "type"), "\"bigint\"");
  Bytes wrong = index;
  wrong[0] = 'X';
  SchemaObservations refused(batch.data(), batch.size());
  EXPECT_ANY_THROW(refused.adopt(wrong.data(), wrong.size()));
  EXPECT_ANY_THROW(refused.adopt(index.data(), index.size() - 1));
}

TEST(SchemaObservations, AFirstVersionIsRecognisedWhereAStoreKeepsIt) {
  Bytes batch = orders_batch();
  SchemaObservations read(batch.data(), batch.size());
  ASSERT_TRUE(read.parse());
  WireWriter wire;
  std::string scratch;
  ASSERT_TRUE(read.first_version(0, "openlineage", kT2, wire, scratch));
  ASSERT_TRUE(read.first_version(1, "openlineage", kT2, wire, scratch));
  Graph g;
  fixture::commit(g, wire.finish());
  StrId fields = g.pool.find("fields"), dataset = g.pool.find("datasetId");
  ASSERT_NE(fields, kNone);
  std::vector<std::pair<std::string, const uint8_t*>> versions;  // (dataset, its fields)
  for (NodeIdx n = 0; n < g.node_kind.size(); n++) {
    if (g.node_kind[n] != kDatasetVersion) continue;
    const uint8_t* of = g.node_value(n, dataset);
    ASSERT_NE(of, nullptr);
    const uint8_t* p = of + 1;
    versions.emplace_back(std::string(g.pool.view(StrId(get_varint(p)))), g.node_value(n, fields));
  }
  ASSERT_EQ(versions.size(), 2u);
  for (const auto& [id, stored] : versions) {
    size_t mine = id == "dataset:pg:raw.orders" ? 0 : 1;
    EXPECT_TRUE(read.fields_held(mine, stored, g.pool)) << id;
    EXPECT_FALSE(read.fields_held(1 - mine, stored, g.pool)) << id;
  }
}

TEST(SchemaObservations, LeavesABatchNamingAContractToPython) {
  WireWriter wire;
  {
    Builder b(kT1, &wire);
    b.dataset("pg", "raw.orders", b.map().set_strs("columns", {"id"}));
    b.node("contract:orders", kContract, b.map().set_str("name", "orders"));
  }
  Bytes batch = wire.finish();
  SchemaObservations read(batch.data(), batch.size());
  EXPECT_FALSE(read.parse());
  Bytes torn(batch.begin(), batch.end() - 1);
  SchemaObservations broken(torn.data(), torn.size());
  EXPECT_ANY_THROW(broken.parse());
}

}  // namespace
}  // namespace lm
