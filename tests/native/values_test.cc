// Encoded values (native/core/values.h) compare, print and test true as Python's do: the merge
// rule's tie-break (canonical JSON) and a drop's ``deleted`` flag depend on it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "json_values.h"
#include "strings.h"
#include "values.h"

namespace lm {
namespace {

class Values : public ::testing::Test {
 protected:
  ~Values() override {
    for (StrId id : held) pool.decref(id);
  }
  Bytes integer(int64_t v) {
    Bytes out = {kInt};
    put_varint(out, zigzag(v));
    return out;
  }
  Bytes unsigned_(uint64_t v) {
    Bytes out = {kUInt};
    put_varint(out, v);
    return out;
  }
  Bytes real(double d) {
    Bytes out = {kFloat};
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    put_u64(out, bits);
    return out;
  }
  Bytes str(std::string_view s) {
    Bytes out;
    put_string_value(s, pool, out, held);
    return out;
  }
  // A dict of (key, encoded value) items, in order.
  Bytes dict(const std::vector<std::pair<std::string, Bytes>>& items) {
    Bytes out = {kDict};
    put_varint(out, items.size());
    for (const auto& [k, v] : items) {
      held.push_back(pool.intern(k));
      put_varint(out, held.back());
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  }
  Bytes list(const std::vector<Bytes>& items) {
    Bytes out = {kList};
    put_varint(out, items.size());
    for (const Bytes& v : items) out.insert(out.end(), v.begin(), v.end());
    return out;
  }
  bool equal(const Bytes& a, const Bytes& b) { return values_equal(a.data(), b.data(), pool); }
  std::string json(const Bytes& v) {
    std::string out;
    canonical_json(v.data(), pool, out);
    return out;
  }
  bool truthy(const Bytes& v) { return value_truthy(v.data(), pool); }

  StringPool pool;
  std::vector<StrId> held;
};

TEST_F(Values, NumbersCompareExactlyAcrossIntAndFloatAsPythonDoes) {
  EXPECT_TRUE(equal(integer(2), real(2.0)));
  EXPECT_FALSE(equal(integer(2), real(2.5)));
  EXPECT_TRUE(equal(integer(-7), integer(-7)));
  EXPECT_FALSE(equal(integer(int64_t(1) << 53 | 1), real(double(int64_t(1) << 53))));  // 2**53 + 1 != float(2**53)
  EXPECT_TRUE(equal(unsigned_(uint64_t(1) << 63), real(9223372036854775808.0)));
  EXPECT_FALSE(equal(unsigned_(uint64_t(1) << 63), integer(-1)));
  EXPECT_FALSE(equal(real(std::nan("")), real(std::nan(""))));
  EXPECT_FALSE(equal(integer(1), str("1")));
  EXPECT_FALSE(equal(real(1e300), integer(INT64_MAX)));
}

TEST_F(Values, DictsAreEqualWhateverTheirKeyOrderListsAreNot) {
  Bytes ab = dict({{"a", integer(1)}, {"b", str("x")}}), ba = dict({{"b", str("x")}, {"a", real(1.0)}});
  EXPECT_TRUE(equal(ab, ba));
  EXPECT_FALSE(equal(ab, dict({{"a", integer(1)}, {"c", str("x")}})));
  EXPECT_FALSE(equal(ab, dict({{"a", integer(1)}})));
  EXPECT_TRUE(equal(list({integer(1), str("x")}), list({integer(1), str("x")})));
  EXPECT_FALSE(equal(list({integer(1), str("x")}), list({str("x"), integer(1)})));
  EXPECT_FALSE(equal(list({integer(1)}), list({integer(1), integer(1)})));
  EXPECT_TRUE(equal(str("2026-01-05T00:00:01.000000Z"), str("2026-01-05T00:00:01.000000Z")));  // packed stamps
  EXPECT_TRUE(equal(Bytes{kNull}, Bytes{kNull}));
}

TEST_F(Values, CanonicalJsonSortsKeysAndEscapesAsJsonDoes) {
  EXPECT_EQ(json(dict({{"b", list({integer(-3), real(0.1), real(1e20), Bytes{kTrue}, Bytes{kNull}})},
                       {"a", str("tab\there \"q\" \\ \x01")}})),
            R"({"a":"tab\there \"q\" \\ \u0001","b":[-3,0.1,1e+20,true,null]})");
  EXPECT_EQ(json(real(INFINITY)), "null");
  EXPECT_EQ(json(unsigned_(UINT64_MAX)), "18446744073709551615");
  EXPECT_EQ(json(str("2026-01-05T00:00:01.000000Z")), R"("2026-01-05T00:00:01.000000Z")");
  EXPECT_EQ(json(Bytes{kFalse}), "false");
  EXPECT_EQ(json(str("\r\n\b\f")), R"("\r\n\b\f")");
}

TEST_F(Values, TruthinessIsPythons) {
  EXPECT_FALSE(truthy(integer(0)));
  EXPECT_TRUE(truthy(integer(-1)));
  EXPECT_FALSE(truthy(real(0.0)));
  EXPECT_TRUE(truthy(real(0.5)));
  EXPECT_FALSE(truthy(str("")));
  EXPECT_TRUE(truthy(str("no")));
  EXPECT_FALSE(truthy(list({})));
  EXPECT_TRUE(truthy(dict({{"k", Bytes{kNull}}})));
  EXPECT_FALSE(truthy(Bytes{kNull}));
  EXPECT_FALSE(truthy(Bytes{kFalse}));
  EXPECT_TRUE(truthy(unsigned_(uint64_t(1) << 63)));
}

// A run's createdAt decides which run is a job's latest (View::newest, the node facts): compared in
// place, packed stamps, pooled strings and the two mixed order as their texts do, a missing or
// non-string value as "".
TEST_F(Values, ValueTextsCompareAsTheirStringsWhateverTheirEncoding) {
  auto compare = [&](const Bytes& a, const Bytes& b) { return compare_value_texts(a.data(), b.data(), pool); };
  Bytes early = str("2026-01-05T00:00:01.000000Z"), late = str("2026-01-05T00:00:02.000000Z");
  Bytes odd = str("2026-01-05 00:00:01"), word = str("zzz"), empty = str("");
  ASSERT_EQ(early[0], kStampStr);  // packed: compared as integers
  ASSERT_EQ(odd[0], kStr);         // not a canonical stamp: a pooled string
  EXPECT_EQ(compare(early, late), -1);
  EXPECT_EQ(compare(late, early), 1);
  EXPECT_EQ(compare(early, str("2026-01-05T00:00:01.000000Z")), 0);
  EXPECT_EQ(compare(odd, early), -1);  // ' ' < 'T', across encodings
  EXPECT_EQ(compare(early, odd), 1);
  EXPECT_EQ(compare(word, late), 1);
  EXPECT_EQ(compare(word, str("zzz")), 0);
  EXPECT_EQ(compare(str("a"), str("b")), -1);
  EXPECT_EQ(compare_value_texts(nullptr, nullptr, pool), 0);
  EXPECT_EQ(compare_value_texts(nullptr, empty.data(), pool), 0);  // none counts as ""
  EXPECT_EQ(compare_value_texts(nullptr, early.data(), pool), -1);
  EXPECT_EQ(compare_value_texts(word.data(), nullptr, pool), 1);
  EXPECT_EQ(compare(integer(5), empty), 0);  // not a string: ""
  EXPECT_EQ(compare(integer(5), word), -1);
  EXPECT_EQ(compare(Bytes{kAbsent}, integer(7)), 0);
}


// A JSON text encoded as graph.core.mutations encodes the value Python parses from it (the remote reads
// install a node's summary so, summary_record in native/core/mirror_source.cc).
TEST_F(Values, JsonTextEncodesAsThePythonValueItParsesTo) {
  JsonDocument document(R"({"a": 1, "b": [true, null, 2.5, "x"], "c": {"d": -3}, "e": 18446744073709551615})");
  PoolSink sink(pool, held);
  Bytes out;
  encode_json(document.root(), sink, out);
  Bytes expected = dict({{"a", integer(1)},
                         {"b", list({Bytes{kTrue}, Bytes{kNull}, real(2.5), str("x")})},
                         {"c", dict({{"d", integer(-3)}})},
                         {"e", unsigned_(18446744073709551615ULL)}});
  EXPECT_EQ(out, expected);
  EXPECT_EQ(json(out), R"({"a":1,"b":[true,null,2.5,"x"],"c":{"d":-3},"e":18446744073709551615})");
}

// A number is written by one rule whatever it is read from: kInt where int64 holds it, kUInt
// above, and a float that is not finite as null (JSON has no such numbers).
TEST_F(Values, NumbersAreWrittenByOneRule) {
  Bytes out;
  put_int(out, -3);
  EXPECT_EQ(out, integer(-3));
  out.clear();
  put_uint(out, 7);
  EXPECT_EQ(out, integer(7));
  out.clear();
  put_uint(out, uint64_t(INT64_MAX) + 1);
  EXPECT_EQ(out, unsigned_(uint64_t(INT64_MAX) + 1));
  out.clear();
  put_float(out, 2.5);
  EXPECT_EQ(out, real(2.5));
  for (double d : {NAN, INFINITY, -INFINITY}) {
    out.clear();
    put_float(out, d);
    EXPECT_EQ(out, Bytes{kNull});
  }
}

TEST_F(Values, JsonTextThatIsNotOneValueIsAnError) {
  EXPECT_THROW(JsonDocument("{\"a\": "), Error);
  EXPECT_THROW(JsonDocument("[1] [2]"), Error);
  std::string deep(kMaxDepth + 2, '[');
  deep += std::string(kMaxDepth + 2, ']');
  JsonDocument nested(deep);
  PoolSink sink(pool, held);
  Bytes out;
  EXPECT_THROW(encode_json(nested.root(), sink, out), Error);
}

}  // namespace
}  // namespace lm
