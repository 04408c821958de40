// A JSON Schema (draft 2020-12), the subset the vendored OpenLineage spec and its facet schemas
// use, compiled from their documents to judge a parsed event exactly as Python jsonschema's
// Draft202012Validator judged it (with its format checker as installed here: uuid checked,
// date-time and uri not), and to word the refusal as it did: the error ``best_match`` picks,
// with its message and JSON path. (ingest.openlineage_schema builds the documents and roots.)
//
// Keywords: type, properties, additionalProperties, required, items, $ref, allOf, anyOf, oneOf,
// not, enum and const (of strings), format, minimum, dependentRequired; annotations are ignored;
// any other keyword fails the compilation (an lm::Error), so a schema using one is never
// half-checked. tests/test_event_validator.py proves the verdicts and messages equal to Python
// jsonschema's over the corpora and mutated events.
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

  bool has_root(std::string_view root) const { return roots_.count(std::string(root)) != 0; }

  // Whether ``instance`` is valid against the root named ``root`` (an unknown one fails, lm::Error).
  // ``instance`` nests at most ``kDeepest`` levels (the caller's guard; deeper fails, lm::Error).
  bool valid(std::string_view root, yyjson_val* instance) const;
  static constexpr int kDeepest = 256;

  // The error Python jsonschema's ``best_match`` picks among those of ``instance`` against
  // ``root``: false when there is none; else ``path`` (``prefix`` and the instance's JSON path,
  // ``$.a[0].b``) and ``message`` as Python worded them.
  bool first_error(std::string_view root, yyjson_val* instance, const std::string& prefix, std::string& path,
                   std::string& message) const;

  // Python jsonschema's ``uuid`` format: what ``uuid.UUID`` reads, with its dashes at 8, 13, 18, 23.
  static bool python_uuid(std::string_view s);
  // The form nearly every producer sends: 8-4-4-4-12 hex digits.
  static bool plain_uuid(std::string_view s);
  // An RFC 3339 date-time as producers send it (the eventTime the core reads itself).
  static bool plain_date_time(std::string_view s);

 private:
  enum Keyword : uint8_t;
  struct Node;
  struct Failure;
  int compile(yyjson_val* schema, const std::string& base);
  int resolve(const std::string& ref, const std::string& base);
  int root_of(std::string_view root) const;
  bool valid(int node, yyjson_val* v, int depth) const;
  // Python jsonschema's ``iter_errors`` of ``v`` against ``node``, in its order.
  void collect(int node, yyjson_val* v, int depth, std::vector<Failure>& out) const;
  int compare(const Failure& a, const Failure& b) const;  // of ``relevance``'s keys
  bool matches_type(const Failure& f) const;
  std::string message(const Failure& f) const;

  std::vector<yyjson_doc*> docs_;                         // kept: schema values point into them
  std::unordered_map<std::string, yyjson_val*> by_id_;     // a document's $id -> its root
  std::unordered_map<const yyjson_val*, int> compiled_;    // a schema value -> its node
  std::vector<Node> nodes_;
  std::unordered_map<std::string, int> roots_;
};

}  // namespace lm
