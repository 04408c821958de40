// The JSON Schema subset the core checks OpenLineage events with (native/core/json_schema.h):
// Python jsonschema's verdict and its best_match's path and message, keyword for keyword.
// tests/test_event_validator.py compares both with Python jsonschema's on the vendored schemas,
// the corpora and mutated events; these pin each keyword's answer and wording.
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

// A parsed document, freed when it goes (a check that fails throws).
struct Parsed {
  explicit Parsed(const std::string& json) : doc(yyjson_read(json.data(), json.size(), 0)) { EXPECT_NE(doc, nullptr) << json; }
  ~Parsed() { yyjson_doc_free(doc); }
  yyjson_val* root() const { return yyjson_doc_get_root(doc); }
  yyjson_doc* doc;
};

bool valid(const JsonSchema& s, const std::string& json) { return s.valid("root", Parsed(json).root()); }

TEST(JsonSchema, Types) {
  JsonSchema s = schema("{}", R"({"type": "object", "properties": {
      "s": {"type": "string"}, "i": {"type": "integer"}, "n": {"type": "number"}, "b": {"type": "boolean"},
      "z": {"type": "null"}, "a": {"type": "array"}, "m": {"type": ["string", "null"]}}})");
  EXPECT_TRUE(valid(s, R"({"s": "x", "i": -3, "n": 1.5, "b": true, "z": null, "a": [], "m": null})"));
  EXPECT_TRUE(valid(s, R"({"n": 2, "i": 18446744073709551615, "m": "x"})"));
  EXPECT_FALSE(valid(s, R"([])"));
  EXPECT_FALSE(valid(s, R"({"s": 1})"));
  EXPECT_FALSE(valid(s, R"({"i": "1"})"));
  EXPECT_TRUE(valid(s, R"({"i": 1.0})"));  // Python's is_type: a float without a fraction is an integer
  EXPECT_FALSE(valid(s, R"({"i": 1.5})"));
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
  EXPECT_TRUE(valid(s, R"({"m": 9007199254740993})"));
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
  EXPECT_TRUE(valid(any, "1.0"));
  JsonSchema one = schema("{}", R"({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]})");
  EXPECT_TRUE(valid(one, R"({"a": 1})"));
  EXPECT_FALSE(valid(one, R"({"a": 1, "b": 1})"));
  EXPECT_FALSE(valid(one, R"({})"));
  JsonSchema one_unsure = schema("{}", R"({"oneOf": [{"type": "integer"}, {"type": "string"}]})");
  EXPECT_TRUE(valid(one_unsure, R"("x")"));
  EXPECT_TRUE(valid(one_unsure, "2.0"));
  EXPECT_FALSE(valid(one_unsure, "2.5"));
  JsonSchema negated = schema("{}", R"({"not": {"required": ["job", "run"]}})");
  EXPECT_TRUE(valid(negated, R"({"job": 1})"));
  EXPECT_FALSE(valid(negated, R"({"job": 1, "run": 2})"));
  EXPECT_FALSE(valid(schema("{}", R"({"not": {"type": "integer"}})"), "1.0"));
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
  EXPECT_THROW(s.valid("no such root", yyjson_doc_get_root(doc)), Error);
  EXPECT_TRUE(s.valid("doc", yyjson_doc_get_root(doc)));
  EXPECT_TRUE(s.has_root("doc"));
  EXPECT_FALSE(s.has_root("no such root"));
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

TEST(JsonSchema, TooDeepFails) {
  JsonSchema s({R"({"$id": "https://t/a.json", "$defs": {"L": {"type": "array", "items": {"$ref": "#/$defs/L"}}}})"},
               {{"root", R"({"$ref": "https://t/a.json#/$defs/L"})"}});
  std::string shallow = "[[[]]]", deep(300, '[');
  deep += std::string(300, ']');
  EXPECT_TRUE(valid(s, shallow));
  EXPECT_THROW(valid(s, deep), Error);  // the callers bound nesting first (MAX_DEPTH)
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

TEST(JsonSchema, PythonUuids) {
  // uuid.UUID with the dashes at 8, 13, 18 and 23, as Python jsonschema's "uuid" format reads it
  for (const char* ok : {"0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11", "0B5B8A2E-9A43-4D7A-8F3E-1C6F0F5D2A11",
                         "0x5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11", "+b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11",
                         " b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a1 ", "0_5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11",
                         "0x_b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11"})
    EXPECT_TRUE(JsonSchema::python_uuid(ok)) << ok;
  for (const char* no : {"0b5b8a2e9a434d7a8f3e1c6f0f5d2a11", "0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a1g",
                         "{0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a1}", "0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a111",
                         "_b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11", "0__b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11",
                         "0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a1_", "-b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11",
                         "0b5b 8a2-9a43-4d7a-8f3e-1c6f0f5d2a11", "0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a\xc3\xa9"})
    EXPECT_FALSE(JsonSchema::python_uuid(no)) << no;
}

// The refusal best_match picks: (path, message), or ("", "") for a valid instance.
std::pair<std::string, std::string> refusal(const JsonSchema& s, const std::string& json) {
  std::string path, message;
  if (!s.first_error("root", Parsed(json).root(), "$", path, message)) path.clear(), message.clear();
  return {path, message};
}

using Refusal = std::pair<std::string, std::string>;

TEST(JsonSchema, MessagesAsPythonWordsThem) {
  JsonSchema s = schema(R"({"Facet": {"type": "object", "properties": {"_producer": {"type": "string"}},
      "required": ["_producer"]}})", R"({"type": "object", "required": ["a", "b"], "additionalProperties": false,
      "properties": {"a": {"type": ["string", "null"]}, "b": {"type": "array", "items": {"type": "integer"}},
      "e": {"enum": ["A", "B"]}, "c": {"const": "x"}, "m": {"minimum": 0}, "u": {"type": "string", "format": "uuid"},
      "n": {"not": {"type": "integer"}}, "f": {"$ref": "https://t/doc.json#/$defs/Facet"},
      "d": {"dependentRequired": {"x": ["y"]}}}})");
  EXPECT_EQ(refusal(s, R"({"a": "x", "b": []})"), Refusal("", ""));
  EXPECT_EQ(refusal(s, R"([1, 2.5, null, true])"), Refusal("$", "[1, 2.5, None, True] is not of type 'object'"));
  EXPECT_EQ(refusal(s, R"({"b": []})"), Refusal("$", "'a' is a required property"));
  EXPECT_EQ(refusal(s, R"({"a": 1, "b": []})"), Refusal("$.a", "1 is not of type 'string', 'null'"));
  EXPECT_EQ(refusal(s, R"({"a": null, "b": [1, 2.0, "3"]})"), Refusal("$.b[2]", "'3' is not of type 'integer'"));
  EXPECT_EQ(refusal(s, R"({"a": null, "b": [], "z": 1, "y": 2})"),
            Refusal("$", "Additional properties are not allowed ('y', 'z' were unexpected)"));
  EXPECT_EQ(refusal(s, R"({"a": null, "b": [], "e": "C"})"), Refusal("$.e", "'C' is not one of ['A', 'B']"));
  EXPECT_EQ(refusal(s, R"({"a": null, "b": [], "c": "y"})"), Refusal("$.c", "'x' was expected"));
  EXPECT_EQ(refusal(s, R"({"a": null, "b": [], "m": -0.5})"), Refusal("$.m", "-0.5 is less than the minimum of 0"));
  EXPECT_EQ(refusal(s, R"({"a": null, "b": [], "u": "no"})"), Refusal("$.u", "'no' is not a 'uuid'"));
  EXPECT_EQ(refusal(s, R"({"a": null, "b": [], "n": 1.0})"),
            Refusal("$.n", "1.0 should not be valid under {'type': 'integer'}"));
  EXPECT_EQ(refusal(s, R"({"a": null, "b": [], "f": {"_producer": 1}})"),
            Refusal("$.f._producer", "1 is not of type 'string'"));
  EXPECT_EQ(refusal(s, R"({"a": null, "b": [], "d": {"x": 1}})"), Refusal("$.d", "'y' is a dependency of 'x'"));
  // The shallowest error wins; of equals, the last path (best_match's max of relevance)
  EXPECT_EQ(refusal(s, R"({"a": 1, "b": ["x"], "e": "C"})"), Refusal("$.e", "'C' is not one of ['A', 'B']"));
}

TEST(JsonSchema, CombinatorsMessagesDescendAsBestMatchDoes) {
  JsonSchema any = schema("{}", R"({"anyOf": [{"type": "object", "required": ["a"]}, {"type": "string"}]})");
  // one subschema's error matches the instance's type: best_match descends to it
  EXPECT_EQ(refusal(any, R"({"b": 1})"), Refusal("$", "'a' is a required property"));
  // two equally relevant: the anyOf error itself
  EXPECT_EQ(refusal(any, "1"), Refusal("$", "1 is not valid under any of the given schemas"));
  JsonSchema one = schema("{}", R"({"oneOf": [{"type": "string"}, {"type": "string", "description": "again"}]})");
  EXPECT_EQ(refusal(one, R"("s")"),
            Refusal("$", "'s' is valid under each of {'type': 'string', 'description': 'again'}, {'type': 'string'}"));
  JsonSchema never = schema("{}", R"({"properties": {"x": false}})");
  EXPECT_EQ(refusal(never, R"({"x": "it's"})"), Refusal("$.x", "False schema does not allow \"it's\""));
}

TEST(JsonSchema, PlainUuids) {  // what a producer sends: no run id to relax (ingest.lenient)
  EXPECT_TRUE(JsonSchema::plain_uuid("0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11"));
  EXPECT_TRUE(JsonSchema::plain_uuid("0B5B8A2E-9A43-4D7A-8F3E-1C6F0F5D2A11"));
  EXPECT_FALSE(JsonSchema::plain_uuid("0b5b8a2e9a434d7a8f3e1c6f0f5d2a11"));
  EXPECT_FALSE(JsonSchema::plain_uuid("0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a1g"));
  EXPECT_FALSE(JsonSchema::plain_uuid("{0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a1}"));
}

}  // namespace
}  // namespace lm
