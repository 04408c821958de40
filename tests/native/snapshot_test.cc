// Snapshot chunks (native/core/snapshot.h): a graph captured in chunks and loaded into an empty
// graph is the same graph, whatever the chunk size; a capture keeps the graph as it was; damaged
// chunks are refused, never read out of bounds.
#include <gtest/gtest.h>

#include "fixture.h"
#include "snapshot.h"

namespace lm {
namespace {

using fixture::commit;
using fixture::describe;

const char* kT1 = "2026-01-05T00:00:00.000000Z";
const char* kT2 = "2026-01-06T00:00:00.000000Z";

// Nodes and edges with every kind of value: strings, stamps (packed and not), numbers, lists,
// dicts, null and removed properties, a drop.
void varied_graph(Graph& g) {
  Builder b(kT1);
  MapWriter props = b.map();
  props.set_str("description", "orders, one row each — naïve 名前").set_int("rows", -42).set_int("big", INT64_MAX);
  props.set_bool("pii", true).set_null("gone").set_strs("tags", {"gold", "finance"});
  props.set_str("updatedAt", "2026-01-05T00:00:00.5Z").set_str("odd", "not a stamp");
  props.set_encoded("facet:schema", [](StringSink& s, Bytes& out) {
    put_u8(out, kDict);
    put_varint(out, 2);
    put_varint(out, s.key("fields"));
    put_u8(out, kList);
    put_varint(out, 1);
    s.value("amount", out);
    put_varint(out, s.key("ratio"));
    put_u8(out, kFloat);
    double ratio = 0.25;
    uint64_t bits;
    std::memcpy(&bits, &ratio, 8);
    put_u64(out, bits);
  });
  b.dataset("pg", "public.orders", props);
  b.column("pg", "public.orders", "amount", nullptr);
  b.alias("s3", "bucket/orders", "dataset:pg:public.orders", "storage");
  MapWriter job = b.map();
  job.set_str("jobType.processingType", "BATCH");
  std::string id = b.job("etl", "load", job);
  b.edge(id, kWrites, "dataset:pg:public.orders");
  b.edge(id, kReads, b.dataset_ref("pg", "public.raw"));
  commit(g, b.wire.finish());
  Builder later(kT2);
  MapWriter dropped = later.map();
  dropped.set_bool("deleted", true).set_null("rows");
  later.node("dataset:pg:public.raw", kDataset, dropped);
  commit(g, later.wire.finish());
}

// ``repeats``: version 2 chunks (snapshot format 4), else version 1 (formats 2 and 3).
std::vector<Bytes> capture(Graph& g, size_t records, bool repeats = true) {
  Capture c(g);
  std::vector<Bytes> chunks;
  for (Bytes chunk = c.next_chunk(records, repeats); !chunk.empty(); chunk = c.next_chunk(records, repeats))
    chunks.push_back(chunk);
  return chunks;
}

size_t total_size(const std::vector<Bytes>& chunks) {
  size_t n = 0;
  for (const Bytes& chunk : chunks) n += chunk.size();
  return n;
}

// Whether loading ``chunks`` in turn into an empty graph is refused as malformed.
bool refused(const std::vector<Bytes>& chunks) {
  Graph g;
  try {
    for (const Bytes& chunk : chunks) load_chunk(g, chunk.data(), chunk.size());
  } catch (const Error& e) {
    EXPECT_EQ(e.kind, Error::kValue) << e.what();
    return true;
  }
  return false;
}

TEST(Snapshot, ALoadedCaptureIsTheSameGraphWhateverTheChunkSize) {
  Graph g;
  varied_graph(g);
  std::vector<std::string> want = describe(g);
  ASSERT_EQ(g.node_count(), 5u);  // the table, its column, its alias, the job, the dropped input
  ASSERT_EQ(g.edge_count(), 4u);  // HAS_COLUMN, ALIAS_OF, WRITES, READS
  for (bool repeats : {true, false})
    for (size_t records : {size_t(1), size_t(3), size_t(1000)}) {
      std::vector<Bytes> chunks = capture(g, records, repeats);
      EXPECT_EQ(chunks.size(), records == 1000 ? 1u : (g.node_count() + g.edge_count() + records - 1) / records);
      Graph loaded;
      for (const Bytes& chunk : chunks) load_chunk(loaded, chunk.data(), chunk.size());
      EXPECT_EQ(describe(loaded), want) << records << " records a chunk, version " << (repeats ? 2 : 1);
      EXPECT_TRUE(loaded.dropped(loaded.find_node("dataset:pg:public.raw")));
    }
}

TEST(Snapshot, EdgesSharingARecordAreWrittenOnceAndStillShareItLoaded) {
  Graph g;
  Builder b(kT1);
  std::string job = b.job("etl", "fan_in", b.map());
  for (int i = 0; i < 20; i++) b.edge(job, kReads, b.dataset_ref("pg", "public.t" + std::to_string(i)));
  commit(g, b.wire.finish());
  ASSERT_EQ(g.edge_count(), 20u);
  ASSERT_EQ(g.edge_record[0], g.edge_record[19]);  // the batch's edges hold one record
  std::vector<Bytes> v2 = capture(g, 1000), v1 = capture(g, 1000, false);
  EXPECT_LT(total_size(v2), total_size(v1));
  for (const std::vector<Bytes>& chunks : {v2, v1}) {
    Graph loaded;
    for (const Bytes& chunk : chunks) load_chunk(loaded, chunk.data(), chunk.size());
    EXPECT_EQ(describe(loaded), describe(g));
    EXPECT_EQ(loaded.edge_record[0], loaded.edge_record[19]);
    EXPECT_EQ(loaded.edge_record[0]->refs, 20u);
  }
  std::vector<Bytes> edges_only = capture(g, 21);  // nodes in the first chunk, edges in the second
  ASSERT_EQ(edges_only.size(), 2u);
  EXPECT_TRUE(refused({edges_only[1]}));  // nodes by index, and none loaded yet
}

// The strings a record names, as their texts (keys and top-level string values).
std::vector<std::string> record_strings(const Graph& g, const Record* r) {
  std::vector<std::string> texts;
  for_each_entry(r, [&](const Entry& e) {
    texts.emplace_back(g.pool.view(e.key));
    if (*e.value == kStr) {
      const uint8_t* p = e.value + 1;
      texts.emplace_back(g.pool.view(StrId(get_varint(p))));
    }
  });
  return texts;
}

// However the chunks cut the graph (a shared edge record read whole again in a later chunk, and
// found held), the loaded graph holds each string and each shared record as many times as the
// captured one: nothing it later lets go is freed early or kept for ever.
TEST(Snapshot, ALoadedGraphHoldsItsStringsAndRecordsAsOftenAsTheCapturedOne) {
  Graph g;
  varied_graph(g);
  Builder b(kT1);
  std::string job = b.job("etl", "fan_in", b.map());
  for (int i = 0; i < 20; i++) b.edge(job, kReads, b.dataset_ref("pg", "public.t" + std::to_string(i)));
  commit(g, b.wire.finish());
  for (bool repeats : {true, false})
    for (size_t records : {size_t(4), size_t(7), size_t(1000)}) {
      Graph loaded;
      for (const Bytes& chunk : capture(g, records, repeats)) load_chunk(loaded, chunk.data(), chunk.size());
      ASSERT_EQ(describe(loaded), describe(g));
      EXPECT_EQ(loaded.pool.live(), g.pool.live());
      for (size_t n = 0; n < g.node_count(); n++) {
        std::string_view id = g.pool.view(g.node_id[n]);
        EXPECT_EQ(loaded.pool.refs(loaded.pool.find(id)), g.pool.refs(g.node_id[n])) << id;
        for (const std::string& text : record_strings(g, g.node_record[n]))
          EXPECT_EQ(loaded.pool.refs(loaded.pool.find(text)), g.pool.refs(g.pool.find(text))) << text;
      }
      for (size_t e = 0; e < g.edge_count(); e++) {
        EXPECT_EQ(loaded.edge_record[e]->refs, g.edge_record[e]->refs) << "edge " << e;
        for (const std::string& text : record_strings(g, g.edge_record[e]))
          EXPECT_EQ(loaded.pool.refs(loaded.pool.find(text)), g.pool.refs(g.pool.find(text))) << text;
      }
      EXPECT_EQ(loaded.records.shared_count(), g.records.shared_count());
    }
}

TEST(Snapshot, ACaptureKeepsTheGraphAsItWasWhenTaken) {
  Graph g;
  varied_graph(g);
  std::vector<std::string> before = describe(g);
  Capture c(g);
  EXPECT_EQ(c.nodes(), g.node_count());
  Builder b("2026-02-01T00:00:00.000000Z");
  MapWriter props = b.map();
  props.set_str("description", "rewritten");
  b.node("dataset:pg:public.orders", kDataset, props);
  commit(g, b.wire.finish());
  ASSERT_NE(describe(g), before);
  Graph loaded;
  for (Bytes chunk = c.next_chunk(4); !chunk.empty(); chunk = c.next_chunk(4)) load_chunk(loaded, chunk.data(), chunk.size());
  EXPECT_EQ(describe(loaded), before);
}

TEST(Snapshot, EveryTruncationAndDamageOfAChunkIsRefusedOrLoadsWithinBounds) {
  Graph g;
  varied_graph(g);
  for (bool repeats : {true, false}) {
    std::vector<Bytes> chunks = capture(g, 1000, repeats);
    ASSERT_EQ(chunks.size(), 1u);
    const Bytes& good = chunks[0];
    EXPECT_FALSE(refused({good}));
    for (size_t n = 0; n < good.size(); n++) EXPECT_TRUE(refused({Bytes(good.begin(), good.begin() + long(n))})) << "cut at " << n;
    Bytes magic = good;
    magic[3] = 3;  // a version this core does not know
    EXPECT_TRUE(refused({magic}));
    Bytes longer = good;
    longer.push_back(0);
    EXPECT_TRUE(refused({longer}));  // trailing bytes
    size_t refusals = 0;
    for (size_t i = 4; i < good.size(); i++)
      for (uint8_t flip : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xFF)}) {
        Bytes damaged = good;
        damaged[i] ^= flip;
        refusals += refused({damaged});
      }
    EXPECT_GT(refusals, good.size() / 2);  // the rest decode to another graph (under ASan: within bounds)
  }
}

TEST(Snapshot, AChunkRepeatedOrOutOfOrderIsRefused) {
  Graph g;
  varied_graph(g);
  std::vector<Bytes> chunks = capture(g, 3);
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_TRUE(refused({chunks[0], chunks[0]}));  // the same nodes twice
  EXPECT_TRUE(refused({chunks.back()}));         // edges between nodes it never loaded
  std::vector<Bytes> all = chunks;
  EXPECT_FALSE(refused(all));
  all.push_back(chunks.back());
  EXPECT_TRUE(refused(all));  // the same edges twice
}

}  // namespace
}  // namespace lm
