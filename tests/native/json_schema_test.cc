// The JSON Schema subset the core checks OpenLineage events with (native/core/json_schema.h):
// "surely valid" only where jsonschema-rs is sure to agree, never for what it does not decide
// exactly. tests/test_openlineage_bytes.py compares its verdicts with jsonschema-rs's on the
// vendored schemas, generated events and the corpora; these pin each keyword's answer.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common.h"
#include "json_schema.h"

namespace lm {
namespace {

// A document whose $defs hold ``defs`` (JSON text), and a root named "root" of ``root``.
JsonSchema schema(const std::string& defs, const std::string& root) {
  return JsonSchema({R"({"$id": "https://t/doc.json", "$defs": )" + defs + "}"}, {{"root", root}});
}

bool valid(const JsonSchema& s, const std::string& json) {
  yyjson_doc* doc = yyjson_read(json.data(), json.size(), 0);
  EXPECT_NE(doc, nullptr) << json;
  bool answer = s.surely_valid("root", yyjson_doc_get_root(doc));
  yyjson_doc_free(doc);
  return answer;
}

TEST(JsonSchema, Types) {
  JsonSchema s = schema("{}", R"({"type": "object", "properties": {
      "s": {"type": "string"}, "i": {"type": "integer"}, "n": {"type": "number"}, "b": {"type": "boolean"},
      "z": {"type": "null"}, "a": {"type": "array"}, "m": {"type": ["string", "null"]}}})");
  EXPECT_TRUE(valid(s, R"({"s": "x", "i": -3, "n": 1.5, "b": true, "z": null, "a": [], "m": null})"));
  EXPECT_TRUE(valid(s, R"({"n": 2, "i": 18446744073709551615, "m": "x"})"));
  EXPECT_FALSE(valid(s, R"([])"));
  EXPECT_FALSE(valid(s, R"({"s": 1})"));
  EXPECT_FALSE(valid(s, R"({"i": "1"})"));
  EXPECT_FALSE(valid(s, R"({"i": 1.0})"));  // jsonschema-rs may call it an integer: not vouched for
  EXPECT_FALSE(valid(s, R"({"b": 0})"));
  EXPECT_FALSE(valid(s, R"({"z": false})"));
  EXPECT_FALSE(valid(s, R"({"a": {}})"));
  EXPECT_FALSE(valid(s, R"({"m": 1})"));
  EXPECT_THROW(schema("{}", R"({"type": "decimal"})"), Error);
}

TEST(JsonSchema, ObjectsAndArrays) {
  JsonSchema s = schema("{}", R"({"required": ["a"], "properties": {"a": {"type": "array", "items": {"type": "string"}}},
      "additionalProperties": false, "dependentRequired": {"x": ["a"]}})");
  EXPECT_TRUE(valid(s, R"({"a": ["x", "y"]})"));
  EXPECT_FALSE(valid(s, R"({})"));
  EXPECT_FALSE(valid(s, R"({"a": ["x", 1]})"));
  EXPECT_FALSE(valid(s, R"({"a": [], "b": 1})"));
  EXPECT_TRUE(valid(s, R"("not an object: properties say nothing")"));
  JsonSchema open = schema("{}", R"({"additionalProperties": {"type": "integer"}, "dependentRequired": {"x": ["y"]}})");
  EXPECT_TRUE(valid(open, R"({"x": 1, "y": 2})"));
  EXPECT_FALSE(valid(open, R"({"x": 1})"));
  EXPECT_FALSE(valid(open, R"({"y": "2"})"));
  EXPECT_TRUE(valid(schema("{}", "true"), "[1]"));
  EXPECT_FALSE(valid(schema("{}", "false"), "[1]"));
}

TEST(JsonSchema, EnumsConstsAndMinimum) {
  JsonSchema s = schema("{}", R"({"properties": {"e": {"enum": ["A", "B"]}, "c": {"const": "x"},
      "m": {"minimum": 1}}})");
  EXPECT_TRUE(valid(s, R"({"e": "B", "c": "x", "m": 1})"));
  EXPECT_TRUE(valid(s, R"({"m": 1.5})"));
  EXPECT_FALSE(valid(s, R"({"e": "C"})"));
  EXPECT_FALSE(valid(s, R"({"e": 1})"));
  EXPECT_FALSE(valid(s, R"({"c": "y"})"));
  EXPECT_FALSE(valid(s, R"({"m": 0})"));
  EXPECT_FALSE(valid(s, R"({"m": 0.5})"));
  EXPECT_FALSE(valid(s, R"({"m": 9007199254740993})"));  // not exact as a double: not vouched for
  EXPECT_THROW(schema("{}", R"({"enum": [1]})"), Error);
  EXPECT_THROW(schema("{}", R"({"const": 1})"), Error);
  EXPECT_THROW(schema("{}", R"({"minimum": "1"})"), Error);
}

TEST(JsonSchema, Combinators) {
  JsonSchema all = schema("{}", R"({"allOf": [{"required": ["a"]}, {"required": ["b"]}]})");
  EXPECT_TRUE(valid(all, R"({"a": 1, "b": 2})"));
  EXPECT_FALSE(valid(all, R"({"a": 1})"));
  JsonSchema any = schema("{}", R"({"anyOf": [{"type": "string"}, {"type": "integer"}]})");
  EXPECT_TRUE(valid(any, "1"));
  EXPECT_TRUE(valid(any, R"("x")"));
  EXPECT_FALSE(valid(any, "[]"));
  EXPECT_FALSE(valid(any, "1.0"));  // unsure, not vouched for
  JsonSchema one = schema("{}", R"({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]})");
  EXPECT_TRUE(valid(one, R"({"a": 1})"));
  EXPECT_FALSE(valid(one, R"({"a": 1, "b": 1})"));
  EXPECT_FALSE(valid(one, R"({})"));
  JsonSchema one_unsure = schema("{}", R"({"oneOf": [{"type": "integer"}, {"type": "string"}]})");
  EXPECT_TRUE(valid(one_unsure, R"("x")"));
  EXPECT_FALSE(valid(one_unsure, "2.0"));
  JsonSchema negated = schema("{}", R"({"not": {"required": ["job", "run"]}})");
  EXPECT_TRUE(valid(negated, R"({"job": 1})"));
  EXPECT_FALSE(valid(negated, R"({"job": 1, "run": 2})"));
  EXPECT_FALSE(valid(schema("{}", R"({"not": {"type": "integer"}})"), "1.0"));  // not(unsure): unsure
}

TEST(JsonSchema, References) {
  JsonSchema s({R"({"$id": "https://t/a.json", "$defs": {"Node": {"type": "object", "properties": {
                    "next": {"$ref": "#/$defs/Node"}, "b": {"$ref": "https://t/b.json#/$defs/B~1C"}}}}})",
                R"({"$id": "https://t/b.json", "$defs": {"B/C": {"type": "string", "format": "uuid"}}})"},
               {{"root", R"({"$ref": "https://t/a.json#/$defs/Node"})"}, {"doc", R"({"$ref": "https://t/b.json"})"}});
  EXPECT_TRUE(valid(s, R"({"next": {"next": {"b": "0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11"}}})"));
  EXPECT_FALSE(valid(s, R"({"next": {"next": {"b": "not a uuid"}}})"));
  EXPECT_FALSE(valid(s, R"({"next": []})"));
  yyjson_doc* doc = yyjson_read("{}", 2, 0);
  EXPECT_FALSE(s.surely_valid("no such root", yyjson_doc_get_root(doc)));
  EXPECT_TRUE(s.surely_valid("doc", yyjson_doc_get_root(doc)));
  yyjson_doc_free(doc);
  EXPECT_THROW(schema("{}", R"({"$ref": "https://t/elsewhere.json"})"), Error);
  EXPECT_THROW(schema("{}", R"({"$ref": "#/$defs/X"})"), Error);  // a root has no base of its own
  EXPECT_THROW(schema("{}", R"({"$ref": "https://t/doc.json#/$defs/X"})"), Error);
  EXPECT_THROW(schema("{}", R"({"$ref": "https://t/doc.json#no-pointer"})"), Error);
  EXPECT_THROW(schema("[]", R"({"$ref": "https://t/doc.json#/$defs/x"})"), Error);
}

TEST(JsonSchema, WhatItDoesNotCompile) {
  EXPECT_THROW(schema("{}", R"({"pattern": "a+"})"), Error);
  EXPECT_THROW(schema("{}", R"({"format": "email"})"), Error);
  EXPECT_THROW(schema("{}", R"({"items": [{}]})"), Error);
  EXPECT_THROW(schema("{}", R"({"$id": "https://t/other.json"})"), Error);
  EXPECT_THROW(schema("{}", "1"), Error);
  EXPECT_THROW(schema("{}", "not json"), Error);
  EXPECT_THROW(JsonSchema({"{}"}, {}), Error);  // a document without a $id
  EXPECT_THROW(schema("{}", R"({"required": [1]})"), Error);
  EXPECT_THROW(schema("{}", R"({"allOf": {}})"), Error);
  EXPECT_THROW(schema("{}", R"({"properties": []})"), Error);
  EXPECT_THROW(schema("{}", R"({"dependentRequired": []})"), Error);
  EXPECT_THROW(schema("{}", R"({"$ref": 1})"), Error);
  // Annotations say nothing.
  EXPECT_TRUE(valid(schema("{}", R"({"description": "d", "example": 1, "deprecated": true, "documentation": "x"})"), "1"));
}

TEST(JsonSchema, TooDeepIsNotVouchedFor) {
  JsonSchema s({R"({"$id": "https://t/a.json", "$defs": {"L": {"type": "array", "items": {"$ref": "#/$defs/L"}}}})"},
               {{"root", R"({"$ref": "https://t/a.json#/$defs/L"})"}});
  std::string shallow = "[[[]]]", deep(300, '[');
  deep += std::string(300, ']');
  EXPECT_TRUE(valid(s, shallow));
  EXPECT_FALSE(valid(s, deep));
}

TEST(JsonSchema, PlainDateTimes) {
  for (const char* ok : {"2026-01-05T00:00:01Z", "2026-01-05T00:00:01.997Z", "2024-02-29T23:59:59.123456789+05:30",
                         "0000-01-01T00:00:00-23:59"})
    EXPECT_TRUE(JsonSchema::plain_date_time(ok)) << ok;
  for (const char* no : {"2026-01-05t00:00:01Z", "2026-01-05T00:00:01z", "2026-01-05T00:00:60Z", "2025-02-29T00:00:00Z",
                         "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-05T24:00:00Z", "2026-01-05T00:60:00Z",
                         "2026-01-05T00:00:01", "2026-01-05T00:00:01.Z", "2026-01-05T00:00:01+24:00",
                         "2026-01-05T00:00:01+05:60", "2026-01-05T00:00:01+0530", "2026-01-05 00:00:01Z", "20260105T000001Z",
                         "2026-1-05T00:00:01Z", "2026-01-00T00:00:00Z", "2026-01-05T00:00:01Zx"})
    EXPECT_FALSE(JsonSchema::plain_date_time(no)) << no;
}

TEST(JsonSchema, PlainUris) {
  for (const char* ok :
       {"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent", "https://github.com/a/b?x=1&y=2",
        "urn:example:animal:ferret:nose", "file:///etc/hostname", "s3://bucket/path/to%20file", "mailto:a@b.c",
        "http://user:pw@host:8080/p", "x:", "http://h:/p", "foo://example.com:8042/over/there?name=ferret#nose"})
    EXPECT_TRUE(JsonSchema::plain_uri(ok)) << ok;
  for (const char* no : {"", "no scheme", "//host/p", "1x://h", "h_t://x", "http://[::1]/", "http://h:123456/",
                         "http://h:8a/", "http://a@b@c/", "http://a b/", "http://h/%zz", "http://h/%4", "http://h/p#a#b",
                         "http://h/\xc3\xa9", "http://h/{x}", "http://h/p?q=<", "http://us er@h/"})
    EXPECT_FALSE(JsonSchema::plain_uri(no)) << no;
}

TEST(JsonSchema, PlainUuids) {
  EXPECT_TRUE(JsonSchema::plain_uuid("0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11"));
  EXPECT_TRUE(JsonSchema::plain_uuid("0B5B8A2E-9A43-4D7A-8F3E-1C6F0F5D2A11"));
  EXPECT_FALSE(JsonSchema::plain_uuid("0b5b8a2e9a434d7a8f3e1c6f0f5d2a11"));
  EXPECT_FALSE(JsonSchema::plain_uuid("0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a1g"));
  EXPECT_FALSE(JsonSchema::plain_uuid("{0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a1}"));
}

}  // namespace
}  // namespace lm
