// Schema versions' rules (native/core/schema_versions.h): SHA-256 against its published test
// vectors, uuids and ids as graph.change.schema_history has always written them, and a wire value read
// back as canonical JSON and copied between string tables.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "schema_versions.h"

namespace lm {
namespace {

std::string hex(const std::array<uint8_t, 32>& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

TEST(SchemaVersions, Sha256MatchesItsTestVectors) {
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 56 bytes: the length no longer fits the first block's padding.
  EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(sha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(SchemaVersions, Sha256WithAndWithoutTheCpusExtensionsAgree) {
  std::mt19937 random(11);
  std::string data;
  for (size_t n = 0; n < 300; n++) {
    EXPECT_EQ(hex(sha256(data)), hex(sha256_portable(data))) << n << " bytes";
    data.push_back(char(random()));
  }
  EXPECT_EQ(hex(sha256_portable("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SchemaVersions, AUuidIsTheDigestsFirstSixteenBytesAsVersionFive) {
  // str(uuid.UUID(bytes=hashlib.sha256(b"abc").digest()[:16], version=5))
  EXPECT_EQ(version_uuid("abc"), "ba7816bf-8f01-5fea-8141-40de5dae2223");
}

TEST(SchemaVersions, IdsListTheNewestFirst) {
  std::string out = "x";
  append_newest_first(out, "2026-01-09T10:00:00Z");
  EXPECT_EQ(out, "x7973-98-90T89:99:99Z");
  EXPECT_EQ(versions_prefix("dataset:pg://h:5432:a:b%"), "datasetVersion:dataset%3Apg%3A//h%3A5432%3Aa%3Ab%25:");
  std::string older = version_id("d", "2026-01-01T00:00:00Z", "v", "2026-02-01T00:00:00Z");
  std::string newer = version_id("d", "2026-01-02T00:00:00Z", "v", "2026-02-01T00:00:00Z");
  EXPECT_LT(newer, older);
  EXPECT_EQ(older, "datasetVersion:d:7973-98-98T99:99:99Z:7973-97-98T99:99:99Z:v");
}

// A wire value written with one table, and the table's texts as a reader sees them.
struct Written {
  WireStrings strings;
  Bytes value;
  WireTable table() const {
    Bytes out;
    strings.write(out);
    held = out;
    WireTable t;
    Reader r(held.data(), held.size(), "table");
    t.read(r);
    return t;
  }
  mutable Bytes held;
};

TEST(SchemaVersions, AWireValueIsCanonicalJsonWithSortedKeys) {
  Written w;
  Bytes& v = w.value;
  put_u8(v, kList);
  put_varint(v, 6);
  put_u8(v, kDict);  // {"b": -3, "a": "q\"\n\x01é"}
  put_varint(v, 2);
  put_varint(v, w.strings.key("b"));
  put_u8(v, kInt);
  put_varint(v, zigzag(-3));
  put_varint(v, w.strings.key("a"));
  w.strings.value("q\"\n\x01\xc3\xa9", v);
  put_u8(v, kUInt);
  put_varint(v, UINT64_MAX);
  put_u8(v, kNull);
  put_u8(v, kTrue);
  put_u8(v, kFalse);
  put_u8(v, kList);
  put_varint(v, 0);
  WireTable table = w.table();
  Reader r(v.data(), v.size(), "value");
  std::string json;
  ASSERT_TRUE(wire_canonical_json(r, table, json));
  EXPECT_EQ(json, "[{\"a\":\"q\\\"\\n\\u0001\xc3\xa9\",\"b\":-3},18446744073709551615,null,true,false,[]]");
  EXPECT_TRUE(r.done());

  // Copied into another table: the same value, its strings that table's.
  WireStrings other;
  other.key("unrelated");
  Bytes copied;
  Reader again(v.data(), v.size(), "value");
  copy_wire_value(again, table, other, copied);
  Bytes other_table;
  other.write(other_table);
  WireTable second;
  Reader t(other_table.data(), other_table.size(), "table");
  second.read(t);
  Reader back(copied.data(), copied.size(), "value");
  std::string json_again;
  ASSERT_TRUE(wire_canonical_json(back, second, json_again));
  EXPECT_EQ(json_again, json);
}

TEST(SchemaVersions, AFloatIsLeftToPython) {
  Written w;
  put_u8(w.value, kList);
  put_varint(w.value, 1);
  put_u8(w.value, kFloat);
  double d = 1.5;
  put_bytes(w.value, &d, 8);
  WireTable table = w.table();
  Reader r(w.value.data(), w.value.size(), "value");
  std::string json;
  EXPECT_FALSE(wire_canonical_json(r, table, json));
  Reader copy(w.value.data(), w.value.size(), "value");
  WireStrings other;
  Bytes copied;
  copy_wire_value(copy, table, other, copied);
  EXPECT_EQ(copied, w.value);
}

}  // namespace
}  // namespace lm
