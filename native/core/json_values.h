// JSON values in the wire form of property values (values.h): the one encoding of a value parsed by
// yyjson, shared by the OpenLineage translation (an event's facets) and the remote reads (a node's
// summary as a remote store keeps it, JSON text).
#pragma once

#include <string_view>

#include "values.h"
#include "yyjson.h"

namespace lm {

// ``o`` into the wire form, as graph.core.mutations encodes the same value parsed in Python (a float
// that is not finite: None). Raises Error::kValue past kMaxDepth.
void encode_json(yyjson_val* o, StringSink& sink, Bytes& out, int depth = 0);

// A JSON document parsed from ``text`` (read only), freed with it. Raises Error::kValue when
// ``text`` is not one JSON value.
class JsonDocument {
 public:
  explicit JsonDocument(std::string_view text);
  ~JsonDocument();
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;
  yyjson_val* root() const { return yyjson_doc_get_root(doc_); }

 private:
  yyjson_doc* doc_;
};

// A JSON string's text.
inline std::string_view json_text(yyjson_val* s) { return {yyjson_get_str(s), yyjson_get_len(s)}; }

}  // namespace lm
