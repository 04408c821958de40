// Unit tests of the native core (native/core/), compiled against the core's sources alone: no
// Python headers or library on the command line, so a core file reaching for Python fails to build
// here. Built and run by tests/test_native_core.py (GoogleTest, Debian's libgtest-dev).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aliases.h"
#include "batch.h"
#include "builder.h"
#include "flat.h"
#include "graph.h"
#include "ids.h"
#include "snapshot.h"
#include "source.h"
#include "stamps.h"
#include "values.h"
#include "view.h"

namespace lm {
namespace {

// -- ids ------------------------------------------------------------------------------------------

// An id read back by the rule ids.h states: the last (parts - 1) colons end the first part, and
// each later part unescapes ("%3A" -> ":", "%25" -> "%").
std::vector<std::string> read_id(const std::string& id, size_t parts) {
  std::vector<std::string> out(parts);
  size_t end = id.size();
  for (size_t i = parts - 1; i > 0; i--) {
    size_t colon = id.rfind(':', end - 1);
    std::string escaped = id.substr(colon + 1, end - colon - 1);
    std::string part;
    for (size_t k = 0; k < escaped.size(); k++) {
      if (escaped.compare(k, 3, "%3A") == 0) {
        part.push_back(':');
        k += 2;
      } else if (escaped.compare(k, 3, "%25") == 0) {
        part.push_back('%');
        k += 2;
      } else {
        part.push_back(escaped[k]);
      }
    }
    out[i] = part;
    end = colon;
  }
  size_t prefix_end = id.find(':');
  out[0] = id.substr(prefix_end + 1, end - prefix_end - 1);
  return out;
}

TEST(Ids, PlainNamesReadAsMarquezWritesThem) {
  EXPECT_EQ(node_id(kDataset, {"postgres://db:5432", "public.orders"}), "dataset:postgres://db:5432:public.orders");
  EXPECT_EQ(node_id(kColumn, {"ns", "t", "amount"}), "datasetField:ns:t:amount");
  EXPECT_EQ(node_id(kDomain, {"sales"}), "domain:sales");
}

TEST(Ids, LaterPartsAreEscapedAndReadBackExactly) {
  const std::vector<std::vector<std::string>> cases = {
      {"pg://h:5432", "a:b", "c"},     {"ns", "%3A", "%25"},      {"ns", "a%b:c%3Ad", ""},
      {"", ":", "::"},                 {"x:y:z", "%", "%%3A%25"}, {"ns", "naïve:名前", "🙂%"},
  };
  for (const auto& parts : cases) {
    std::string id = node_id(kColumn, {parts[0], parts[1], parts[2]});
    EXPECT_EQ(read_id(id, 3), parts) << id;
    EXPECT_EQ(std::count(id.begin(), id.end(), ':') - std::count(parts[0].begin(), parts[0].end(), ':'), 3) << id;
  }
}

TEST(Ids, DistinctPartsNeverShareAnId) {
  EXPECT_NE(node_id(kDataset, {"a:b", "c"}), node_id(kDataset, {"a", "b:c"}));
  EXPECT_NE(node_id(kColumn, {"n", "t:c", "f"}), node_id(kColumn, {"n", "t", "c:f"}));
  EXPECT_NE(node_id(kDataset, {"n", "a%3Ab"}), node_id(kDataset, {"n", "a:b"}));
  std::string escaped;
  append_id_part(escaped, "100%:done");
  EXPECT_EQ(escaped, "100%25%3Adone");
}

// -- stamps ---------------------------------------------------------------------------------------

TEST(Stamps, CanonicalStampsPackAndOrderAsTheirText) {
  StringPool pool;
  std::vector<std::string> texts = {"2026-01-05T00:00:01.894000Z", "2026-01-05T00:00:01.894000Z#2",
                                    "2025-12-31T23:59:59.999999Z", "2026-01-05T00:00:01.894001Z", "not a stamp",
                                    "2026-01-05T00:00:01Z"};
  std::vector<Stamp> stamps;
  for (const std::string& t : texts) stamps.push_back(stamp_of(t, pool));
  Stamp packed;
  EXPECT_TRUE(pack_stamp(texts[0], packed));
  EXPECT_FALSE(pack_stamp("not a stamp", packed));
  char buf[32];
  for (size_t i = 0; i < texts.size(); i++) {
    EXPECT_EQ(stamp_text(stamps[i], pool, buf), texts[i]);
    for (size_t j = 0; j < texts.size(); j++) {
      int want = texts[i].compare(texts[j]);
      int got = compare_stamps(stamps[i], stamps[j], pool);
      EXPECT_EQ(want < 0, got < 0) << texts[i] << " vs " << texts[j];
      EXPECT_EQ(want == 0, got == 0) << texts[i] << " vs " << texts[j];
    }
  }
  for (Stamp s : stamps) stamp_decref(s, pool);
}

// -- the merge rule (builder -> wire -> batch -> plan -> commit) ----------------------------------

void commit_batch(Graph& g, const Bytes& wire) {
  auto batch = std::make_unique<Batch>(g.pool);
  batch->decode(wire.data(), wire.size());
  std::unique_ptr<Plan> plan = g.plan(std::move(batch));
  g.commit(*plan);
}

// One observation of node ``id`` at ``at``: ``props`` as strings, ``first`` stated only when new.
Bytes observe(const std::string& at, const std::string& id, const std::vector<std::pair<std::string, std::string>>& props,
              const std::vector<std::pair<std::string, std::string>>& first = {}) {
  Builder b(at);
  MapWriter p = b.map(), f = b.map();
  for (const auto& [key, value] : props) p.set_str(key, value);
  for (const auto& [key, value] : first) f.set_str(key, value);
  b.node(id, kDataset, p, first.empty() ? nullptr : &f);
  return b.wire.finish();
}

// A node's string property ("<none>" without one).
std::string prop(const Graph& g, const std::string& id, const std::string& key) {
  NodeIdx n = g.find_node(id);
  StrId k = g.pool.find(key);
  if (n == kNone || k == kNone) return "<none>";
  const uint8_t* value = g.node_value(n, k);
  if (value == nullptr) return "<none>";
  char buf[32];
  std::string_view text;
  if (!value_string(value, g.pool, buf, text)) return "<not a string>";
  return std::string(text);
}

const char* kEarly = "2026-01-05T00:00:01.000000Z";
const char* kLate = "2026-01-06T00:00:01.000000Z";

TEST(Merge, TheLatestObservationOfAKeyWinsInEitherOrder) {
  for (bool late_first : {false, true}) {
    Graph g;
    Bytes early = observe(kEarly, "dataset:ns:t", {{"owner", "ann"}, {"tier", "gold"}});
    Bytes late = observe(kLate, "dataset:ns:t", {{"owner", "bob"}});
    commit_batch(g, late_first ? late : early);
    commit_batch(g, late_first ? early : late);
    EXPECT_EQ(prop(g, "dataset:ns:t", "owner"), "bob") << late_first;
    EXPECT_EQ(prop(g, "dataset:ns:t", "tier"), "gold") << late_first;  // a key only the early one stated stays
    EXPECT_EQ(g.node_count(), 1u);
  }
}

// A node restated with equal values (a re-run) gets a record that takes over the references its
// old record held (Records::freeze_borrowing, hand_over): the pool's counts stay what they were,
// whether the old record is freed with the commit, still held by a capture, or the plan dropped.
TEST(Merge, ARestatedNodeTakesOverItsRecordsStringReferences) {
  Graph g;
  const char* id = "dataset:ns:t";
  commit_batch(g, observe(kEarly, id, {{"owner", "ann"}, {"tier", "gold"}, {"lastSeenAt", kEarly}}));
  StrId ann = g.pool.find("ann");
  ASSERT_NE(ann, kNone);
  uint32_t held = g.pool.refs(ann);
  auto restate = [&](const char* at) {
    auto batch = std::make_unique<Batch>(g.pool);
    Bytes wire = observe(at, id, {{"owner", "ann"}, {"tier", "gold"}, {"lastSeenAt", at}});
    batch->decode(wire.data(), wire.size());
    return g.plan(std::move(batch));
  };
  {
    std::unique_ptr<Plan> plan = restate(kLate);
    ASSERT_EQ(plan->nodes.size(), 1u);
    EXPECT_TRUE(plan->nodes[0].borrowing);
    g.commit(*plan);
  }
  EXPECT_EQ(g.pool.refs(ann), held);  // the old record's references, now the new one's
  EXPECT_EQ(prop(g, id, "owner"), "ann");
  EXPECT_EQ(prop(g, id, "lastSeenAt"), kLate);
  {
    std::unique_ptr<Plan> dropped = restate("2026-01-07T00:00:01.000000Z");
    EXPECT_TRUE(dropped->nodes[0].borrowing);
  }
  EXPECT_EQ(g.pool.refs(ann), held);
  {
    Capture capture(g);  // holds the record the next commit replaces
    commit_batch(g, observe("2026-01-08T00:00:01.000000Z", id, {{"owner", "ann"}, {"tier", "gold"},
                                                                 {"lastSeenAt", "2026-01-08T00:00:01.000000Z"}}));
    EXPECT_EQ(g.pool.refs(ann), held + 1);  // the captured record's and the new one's own
  }
  EXPECT_EQ(g.pool.refs(ann), held);
  commit_batch(g, observe("2026-01-09T00:00:01.000000Z", id, {{"owner", "bob"}}));  // a changed value: no take-over
  EXPECT_EQ(g.pool.find("ann"), kNone);  // its last reference went with the record that held it
  EXPECT_EQ(prop(g, id, "owner"), "bob");
}

TEST(Merge, UnequalValuesAtOneStampBreakTheTieTheSameWayWhateverArrivesFirst) {
  std::string winner[2];
  for (int order = 0; order < 2; order++) {
    Graph g;
    Bytes a = observe(kEarly, "dataset:ns:t", {{"owner", "ann"}});
    Bytes b = observe(kEarly, "dataset:ns:t", {{"owner", "bob"}});
    commit_batch(g, order ? b : a);
    commit_batch(g, order ? a : b);
    winner[order] = prop(g, "dataset:ns:t", "owner");
  }
  EXPECT_EQ(winner[0], winner[1]);
  EXPECT_TRUE(winner[0] == "ann" || winner[0] == "bob") << winner[0];
}

TEST(Merge, FirstOnlyPropertiesAreKeptFromTheEarliestObservation) {
  for (bool late_first : {false, true}) {
    Graph g;
    Bytes early = observe(kEarly, "dataset:ns:t", {}, {{"createdAt", kEarly}});
    Bytes late = observe(kLate, "dataset:ns:t", {}, {{"createdAt", kLate}});
    commit_batch(g, late_first ? late : early);
    commit_batch(g, late_first ? early : late);
    EXPECT_EQ(prop(g, "dataset:ns:t", "createdAt"), kEarly) << late_first;
  }
}

// A record made entry by entry (RecordMaker, as the bindings read a Python node's props and stamps):
// its entries in order, an absent one without a value, a text stamp held; a maker dropped before
// freezing (the reading failed) gives back every reference it took.
TEST(Records, AMakerFreezesItsEntriesOrLetsGoOfThem) {
  StringPool pool;
  Records records(pool);
  size_t live = pool.live();
  Record* r;
  {
    RecordMaker maker(pool, records);
    maker.add("owner", kEarly, [](StringSink& sink, Bytes& out) { sink.value("ann", out); });
    maker.absent("tier", "not a stamp");
    r = maker.freeze(false);
  }
  std::vector<std::string> keys, stamps;
  char buf[32];
  for_each_entry(r, [&](const Entry& e) {
    keys.emplace_back(pool.view(e.key));
    stamps.emplace_back(stamp_text(e.stamp, pool, buf));
    EXPECT_EQ(*e.value == kAbsent, keys.back() == "tier");
  });
  EXPECT_EQ(keys, (std::vector<std::string>{"owner", "tier"}));
  EXPECT_EQ(stamps, (std::vector<std::string>{kEarly, "not a stamp"}));
  EXPECT_EQ(pool.refs(pool.find("ann")), 1u);  // the record's own
  records.release(r);
  EXPECT_EQ(pool.live(), live);
  {
    RecordMaker failed(pool, records);
    failed.add("owner", "a stamp's text", [](StringSink& sink, Bytes& out) { sink.value("bob", out); });
    EXPECT_THROW(failed.add("tier", kEarly, [](StringSink&, Bytes&) { raise(Error::kType, "no value"); }), Error);
  }
  EXPECT_EQ(pool.live(), live);
}

TEST(Install, ANodeReplacesTheOneHeldAndAnEdgesEndNotHeldIsMadeBare) {
  Graph g;
  g.install_node("dataset:pg:a", kDataset, g.records.freeze(Draft(), false));
  NodeIdx a = g.find_node("dataset:pg:a");
  ASSERT_NE(a, kNone);
  g.install_node("dataset:pg:a", kDataset, g.records.freeze(Draft(), false));
  EXPECT_EQ(g.node_count(), 1u);
  EdgeIdx e = g.install_edge("job:etl:clean", kWrites, "dataset:pg:a", g.records.freeze(Draft(), false));
  NodeIdx job = g.find_node("job:etl:clean");
  ASSERT_NE(job, kNone);
  EXPECT_EQ(g.node_kind[job], kJob);
  EXPECT_EQ(g.node_count(), 2u);
  EXPECT_EQ(g.find_edge(job, kWrites, a), e);
}

TEST(Install, AnEdgeInstalledTwiceOrWithAnEndOfNoKnownPrefixIsRefusedItsRecordLetGo) {
  Graph g;
  auto record = [&] {
    RecordMaker made(g.pool, g.records);
    made.add("note", kEarly, [](StringSink& sink, Bytes& out) { sink.value("installed", out); });
    return made.freeze(false);
  };
  g.install_edge("job:etl:clean", kWrites, "dataset:pg:a", record());
  EXPECT_THROW(g.install_edge("job:etl:clean", kWrites, "dataset:pg:a", record()), Error);
  EXPECT_THROW(g.install_edge("job:etl:clean", kReads, "nothing-known:x", record()), Error);
  EXPECT_THROW(g.install_edge("no prefix", kReads, "dataset:pg:a", record()), Error);
  EXPECT_EQ(g.node_count(), 2u);
  EXPECT_EQ(g.edge_count(), 1u);
  EXPECT_EQ(g.pool.refs(g.pool.find("installed")), 1u);  // the one edge's record's
}

TEST(Merge, AnEdgeRemembersWhenItWasFirstAndLastSeen) {
  Graph g;
  for (const char* at : {kLate, kEarly}) {
    Builder b(at);
    b.edge("job:ns:j", kWrites, b.dataset_ref("ns", "t"));
    commit_batch(g, b.wire.finish());
  }
  NodeIdx job = g.find_node("job:ns:j"), table = g.find_node("dataset:ns:t");
  ASSERT_NE(job, kNone);
  ASSERT_NE(table, kNone);
  EdgeIdx e = g.find_edge(job, kWrites, table);
  ASSERT_NE(e, kNone);
  char buf[32];
  std::string_view first, last;
  ASSERT_TRUE(value_string(g.edge_value(e, g.keys.first_seen_at), g.pool, buf, first));
  EXPECT_EQ(first, kEarly);
  ASSERT_TRUE(value_string(g.edge_value(e, g.keys.last_seen_at), g.pool, buf, last));
  EXPECT_EQ(last, kLate);
}

// -- aliases --------------------------------------------------------------------------------------

// The canonical id of each of ``ids`` in ``g``, resolved together by one resolver.
std::vector<std::string> canonical(Graph& g, const std::vector<std::string>& ids) {
  Source source(g);
  View view(source, false, 0);
  Aliases aliases(view);
  std::vector<StrId> in, out;
  for (const std::string& id : ids) in.push_back(g.pool.intern(id));
  aliases.canonical(in, out);
  std::vector<std::string> texts;
  for (StrId id : out) texts.emplace_back(g.pool.view(id));
  std::vector<StrId> held;
  aliases.hand_over(held);
  for (StrId id : held) g.pool.decref(id);
  for (StrId id : in) g.pool.decref(id);
  return texts;
}

TEST(Aliases, NamesJoinedEitherWayAreOneTableNamedByItsChainsEnd) {
  Graph g;
  Builder b(kEarly);
  b.alias("s3", "bucket/orders", "dataset:pg:public.orders", "storage");   // path -> table
  b.alias("hive", "orders", "dataset:pg:public.orders", "symlink");        // another name -> table
  b.alias("pg", "public.orders_v0", "dataset:pg:public.orders", "rename");  // a former name
  b.dataset_ref("pg", "public.lonely");
  commit_batch(g, b.wire.finish());
  EXPECT_EQ(canonical(g, {"dataset:s3:bucket/orders", "dataset:hive:orders", "dataset:pg:public.orders",
                          "dataset:pg:public.lonely", "dataset:nowhere:x"}),
            (std::vector<std::string>{"dataset:pg:public.orders", "dataset:pg:public.orders", "dataset:pg:public.orders",
                                      "dataset:pg:public.lonely", "dataset:nowhere:x"}));
}

TEST(Aliases, TwoNamesSharingAStorageLocationAreOneTableWhicheverIsAskedFirst) {
  Graph g;
  Builder b(kEarly);
  b.alias("glue", "db.orders", "dataset:s3:bucket/orders", "storage");
  b.alias("hive", "db.orders", "dataset:s3:bucket/orders", "storage");
  commit_batch(g, b.wire.finish());
  EXPECT_EQ(canonical(g, {"dataset:glue:db.orders"})[0], "dataset:s3:bucket/orders");
  EXPECT_EQ(canonical(g, {"dataset:hive:db.orders", "dataset:glue:db.orders"}),
            (std::vector<std::string>{"dataset:s3:bucket/orders", "dataset:s3:bucket/orders"}));
}

TEST(Aliases, AMetastoresNameIsShownBeforeAStoragePathsWhicheverIsLess) {
  Graph g;
  Builder b(kEarly);
  // A Hive table dropped under its Hadoop warehouse path, re-created under its metastore's name:
  // both name its location; the metastore's name is shown though the path's sorts first.
  b.alias("hdfs://m", "/wh/default/t1", "dataset:hdfs://m/wh:default.t1", "SYMLINK");
  b.alias("hdfs://m", "/wh/default/t1", "dataset:hive://m:9083:default.t1", "SYMLINK");
  commit_batch(g, b.wire.finish());
  EXPECT_EQ(canonical(g, {"dataset:hdfs://m/wh:default.t1", "dataset:hdfs://m:/wh/default/t1"}),
            (std::vector<std::string>{"dataset:hive://m:9083:default.t1", "dataset:hive://m:9083:default.t1"}));
}

TEST(Aliases, ARingOfRenamesIsNamedByItsLeastName) {
  Graph g;
  Builder b(kEarly);
  b.alias("ns", "c", "dataset:ns:a", "rename");
  b.alias("ns", "a", "dataset:ns:b", "rename");
  b.alias("ns", "b", "dataset:ns:c", "rename");
  commit_batch(g, b.wire.finish());
  EXPECT_EQ(canonical(g, {"dataset:ns:b", "dataset:ns:c"}),
            (std::vector<std::string>{"dataset:ns:a", "dataset:ns:a"}));
}

// The union-find's map grows (and rehashes) while the names it meets are joined: hundreds of
// aliases found in one hop, more than its first table holds, must all resolve to one table.
TEST(Aliases, ManyAliasesFoundWhileResolvingGrowTheUnionFind) {
  Graph g;
  Builder b(kEarly);
  std::vector<std::string> ids;
  for (int i = 0; i < 300; i++) {
    std::string name = "path/" + std::to_string(i);
    b.alias("s3", name, "dataset:hive:db.t", "storage");
    ids.push_back(node_id(kDataset, {"s3", name}));
  }
  for (int i = 0; i < 20; i++) b.alias("hive", "old" + std::to_string(i), node_id(kDataset, {"s3", "path/" + std::to_string(i * 7)}), "rename");
  commit_batch(g, b.wire.finish());
  std::vector<std::string> asked = {ids[0]};  // one name: every other is met while resolving it
  EXPECT_EQ(canonical(g, asked)[0], "dataset:hive:db.t");
  std::vector<std::string> all = canonical(g, ids);
  EXPECT_TRUE(std::all_of(all.begin(), all.end(), [](const std::string& id) { return id == "dataset:hive:db.t"; }));
  EXPECT_EQ(canonical(g, {"dataset:hive:old3"})[0], "dataset:hive:db.t");
}

// -- the wire decoder -----------------------------------------------------------------------------

Bytes sample_batch() {
  Builder b(kEarly);
  MapWriter props = b.map();
  props.set_str("description", "orders, one row each").set_int("rows", -42).set_bool("pii", true).set_null("gone");
  props.set_strs("tags", {"gold", "finance"});
  b.dataset("pg", "public.orders", props);
  b.column("pg", "public.orders", "amount", nullptr);
  b.alias("s3", "bucket/orders", "dataset:pg:public.orders", "storage");
  b.edge("job:etl:load", kWrites, "dataset:pg:public.orders");
  return b.wire.finish();
}

// Whether decoding ``bytes`` is refused as malformed (anything else thrown fails the test).
bool refused(const Bytes& bytes) {
  StringPool pool;
  Batch batch(pool);
  try {
    batch.decode(bytes.data(), bytes.size());
  } catch (const Error& e) {
    EXPECT_EQ(e.kind, Error::kValue) << e.what();
    EXPECT_EQ(std::string(e.what()), "malformed mutation batch");
    return true;
  }
  return false;
}

TEST(Wire, AWholeBatchDecodesAndEveryTruncationOfItIsRefused) {
  Bytes good = sample_batch();
  StringPool pool;
  Batch batch(pool);
  batch.decode(good.data(), good.size());
  EXPECT_EQ(batch.mutations.size(), 6u);  // the dataset, the column and its HAS_COLUMN, the alias and its ALIAS_OF, WRITES
  for (size_t n = 1; n < good.size(); n++) {
    Bytes cut(good.begin(), good.begin() + long(n));
    EXPECT_TRUE(refused(cut)) << "cut at " << n;
  }
}

TEST(Wire, DamagedBytesAreRefusedOrDecodedNeverReadOutOfBounds) {
  Bytes good = sample_batch();
  EXPECT_TRUE(refused(Bytes{'L', 'M', 'X', 1}));
  Bytes wrong_magic = good;
  wrong_magic[3] = 2;
  EXPECT_TRUE(refused(wrong_magic));
  size_t refusals = 0;
  for (size_t i = 4; i < good.size(); i++)
    for (uint8_t flip : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xFF)}) {
      Bytes damaged = good;
      damaged[i] ^= flip;
      refusals += refused(damaged);
    }
  EXPECT_GT(refusals, 0u);
}

TEST(Wire, ACountLargerThanTheInputIsRefusedBeforeAnythingIsReserved) {
  Bytes huge = {'L', 'M', 'B', 1};
  put_varint(huge, uint64_t(1) << 40);  // 2**40 strings in a 10-byte batch
  EXPECT_TRUE(refused(huge));
  Bytes deep = {'L', 'M', 'B', 1, 0, 1, 1, 0};  // no strings; one map of one item: key 0, then lists
  for (int i = 0; i < 10000; i++) {
    deep.push_back(kList);
    deep.push_back(1);
  }
  EXPECT_TRUE(refused(deep));  // nested past kMaxDepth (and key 0 names no string)
}

// -- flat maps ------------------------------------------------------------------------------------

TEST(FlatMap, ReserveKeepsEntriesAndMakesRoomAhead) {
  FlatMap<uint64_t, uint32_t> map;
  for (uint32_t k = 0; k < 100; k++) map.at(uint64_t(k) << 32 | k) = k;
  map.reserve(5000);
  EXPECT_GE(map.capacity(), 5000u);
  size_t room = map.capacity();
  for (uint32_t k = 100; k < 5000; k++) map.at(uint64_t(k) << 32 | k) = k;
  EXPECT_EQ(map.capacity(), room);  // filled to what was reserved without growing
  EXPECT_EQ(map.size(), 5000u);
  for (uint32_t k = 0; k < 5000; k++) {
    const uint32_t* v = map.find(uint64_t(k) << 32 | k);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(*v, k);
  }
  map.reserve(10);  // never shrinks
  EXPECT_EQ(map.capacity(), room);
}

TEST(FlatMap, GrowsThroughRehashesKeepingEveryEntry) {
  FlatMap<uint32_t, uint32_t> map;
  for (uint32_t k = 0; k < 10000; k++) {
    bool inserted;
    map.at(k * 2654435761u % 1000003u, &inserted) = k;
    EXPECT_TRUE(inserted);
  }
  EXPECT_EQ(map.size(), 10000u);
  for (uint32_t k = 0; k < 10000; k++) {
    const uint32_t* v = map.find(k * 2654435761u % 1000003u);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(*v, k);
  }
  bool inserted;
  map.at(0, &inserted);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(map.find(1000004u), nullptr);
  size_t seen = 0;
  uint64_t values = 0;
  for (const auto& item : map) {
    seen++;
    values += item.second;
  }
  EXPECT_EQ(seen, 10000u);
  EXPECT_EQ(values, 9999u * 10000u / 2);
  map.clear();
  EXPECT_TRUE(map.empty());
  EXPECT_FALSE(map.contains(0));
}

TEST(FlatSet, InsertsOnceAndFindsWhatItHolds) {
  FlatSet<uint64_t> set;
  for (uint64_t k = 1; k <= 5000; k++) EXPECT_TRUE(set.insert(k << 32 | (k * 7)));
  for (uint64_t k = 1; k <= 5000; k++) EXPECT_FALSE(set.insert(k << 32 | (k * 7)));
  EXPECT_EQ(set.size(), 5000u);
  EXPECT_TRUE(set.contains(uint64_t(17) << 32 | 119));
  EXPECT_FALSE(set.contains(uint64_t(17) << 32 | 118));
}

}  // namespace
}  // namespace lm
