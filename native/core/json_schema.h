// A JSON Schema (draft 2020-12), the subset the vendored OpenLineage spec and its facet schemas
// use, compiled from their documents to answer one question fast over a parsed event: is it
// surely valid? (ingest.openlineage_schema builds the documents and the per-kind roots; the same
// ones compile into jsonschema-rs there.)
//
// The answer is sound, not complete: "valid" only where jsonschema-rs is sure to say valid too;
// "not sure" for anything it does not decide exactly (a number where an integer is asked for, a
// date-time, URI or UUID beyond the plain forms every producer sends), and the Python validator
// then decides, and words the error. Keywords: type, properties, additionalProperties, required,
// items, $ref, allOf, anyOf, oneOf, not, enum and const (of strings), format (date-time, uri,
// uuid), minimum, dependentRequired; annotations are ignored; any other keyword fails the
// compilation (an lm::Error), so a schema using one is never half-checked.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "yyjson.h"

namespace lm {

class JsonSchema {
 public:
  // ``documents``: JSON texts, each with its ``$id``; ``roots``: (name, JSON text of a schema whose
  // ``$ref``s are absolute). Fails (lm::Error) on anything it does not compile exactly.
  JsonSchema(const std::vector<std::string>& documents, const std::vector<std::pair<std::string, std::string>>& roots);
  ~JsonSchema();
  JsonSchema(const JsonSchema&) = delete;
  JsonSchema& operator=(const JsonSchema&) = delete;

  // Whether ``instance`` is surely valid against the root named ``root`` (false: not known to be;
  // an unknown root is never known). ``instance`` nests at most ``kDeepest`` levels (the caller's
  // guard): deeper is "not sure".
  bool surely_valid(std::string_view root, yyjson_val* instance) const;
  static constexpr int kDeepest = 256;

  // The formats, as checked here (exposed for their tests): true only for the plain forms.
  static bool plain_date_time(std::string_view s);
  static bool plain_uri(std::string_view s);
  static bool plain_uuid(std::string_view s);

 private:
  struct Node;
  int compile(yyjson_val* schema, const std::string& base);
  int resolve(const std::string& ref, const std::string& base);
  // kYes (surely valid), kNo (surely not) or kUnsure, as jsonschema-rs would judge ``v`` against ``node``.
  int valid(int node, yyjson_val* v, int depth) const;

  std::vector<yyjson_doc*> docs_;                         // kept: enums and consts point into them
  std::unordered_map<std::string, yyjson_val*> by_id_;     // a document's $id -> its root
  std::unordered_map<const yyjson_val*, int> compiled_;    // a schema value -> its node
  std::vector<Node> nodes_;
  std::unordered_map<std::string, int> roots_;
};

}  // namespace lm
