// Values quoted as Python's repr writes them (native/core/python_repr.h): the event validator's
// messages read as Python jsonschema's did.
#include <gtest/gtest.h>

#include <string>

#include "python_repr.h"

namespace lm {
namespace {

std::string repr(const std::string& json, size_t most = 2000) {
  yyjson_doc* doc = yyjson_read(json.data(), json.size(), YYJSON_READ_BIGNUM_AS_RAW);
  EXPECT_NE(doc, nullptr) << json;
  std::string out;
  python_repr(yyjson_doc_get_root(doc), out, most);
  yyjson_doc_free(doc);
  return out;
}

TEST(PythonRepr, Values) {
  EXPECT_EQ(repr(R"({"a": [1, -2, null, true, false], "b": {}})"), "{'a': [1, -2, None, True, False], 'b': {}}");
  EXPECT_EQ(repr("123456789012345678901234567890"), "123456789012345678901234567890");
  EXPECT_EQ(repr("[]"), "[]");
}

TEST(PythonRepr, Floats) {
  for (auto [json, python] : std::vector<std::pair<const char*, const char*>>{
           {"1.0", "1.0"}, {"1.5", "1.5"}, {"-0.0", "-0.0"}, {"0.1", "0.1"}, {"1e16", "1e+16"},
           {"1.5e16", "1.5e+16"}, {"1e15", "1000000000000000.0"}, {"0.0001", "0.0001"}, {"0.00001", "1e-05"},
           {"123.456", "123.456"}, {"1e300", "1e+300"}, {"2.5e-300", "2.5e-300"}, {"9007199254740993.0", "9007199254740992.0"}})
    EXPECT_EQ(repr(json), python) << json;
}

TEST(PythonRepr, Strings) {
  EXPECT_EQ(repr(R"("plain")"), "'plain'");
  EXPECT_EQ(repr(R"("it's")"), "\"it's\"");
  EXPECT_EQ(repr(R"("it's \"x\"")"), "'it\\'s \"x\"'");
  EXPECT_EQ(repr(R"("a\\b\n\t\r\u0001\u007f")"), "'a\\\\b\\n\\t\\r\\x01\\x7f'");
  EXPECT_EQ(repr("\"caf\xc3\xa9 \xe2\x82\xac\""), "'caf\xc3\xa9 \xe2\x82\xac'");  // printable: as they are
  EXPECT_EQ(repr(R"("\u00a0\u00ad\u2028\ufeff")"), "'\\xa0\\xad\\u2028\\ufeff'");
  EXPECT_EQ(repr(R"("\ud83d\ude00")"), "'\xf0\x9f\x98\x80'");
}

TEST(PythonRepr, LongValuesAreCut) {
  EXPECT_EQ(repr(R"(["abcdef", "ghijkl"])", 8), "['abcdef...");
  EXPECT_EQ(repr("\"\xc3\xa9\xc3\xa9\xc3\xa9\"", 4), "'\xc3\xa9...");  // never half a character
  EXPECT_EQ(repr("\"\xc3\xa9\xc3\xa9\xc3\xa9\"", 5), "'\xc3\xa9\xc3\xa9...");
}

}  // namespace
}  // namespace lm
