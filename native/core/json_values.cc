#include "json_values.h"

#include <cstdint>
#include <string>

namespace lm {

void encode_json(yyjson_val* o, StringSink& sink, Bytes& out, int depth) {
  if (depth > kMaxDepth) raise(Error::kValue, "a value nested too deeply");
  switch (yyjson_get_tag(o)) {
    case YYJSON_TYPE_NULL | YYJSON_SUBTYPE_NONE: put_u8(out, kNull); return;
    case YYJSON_TYPE_BOOL | YYJSON_SUBTYPE_TRUE: put_u8(out, kTrue); return;
    case YYJSON_TYPE_BOOL | YYJSON_SUBTYPE_FALSE: put_u8(out, kFalse); return;
    case YYJSON_TYPE_NUM | YYJSON_SUBTYPE_SINT: put_int(out, yyjson_get_sint(o)); return;
    case YYJSON_TYPE_NUM | YYJSON_SUBTYPE_UINT: put_uint(out, yyjson_get_uint(o)); return;
    case YYJSON_TYPE_NUM | YYJSON_SUBTYPE_REAL: put_float(out, yyjson_get_real(o)); return;
    case YYJSON_TYPE_STR | YYJSON_SUBTYPE_NONE:
    case YYJSON_TYPE_STR | YYJSON_SUBTYPE_NOESC: sink.value(json_text(o), out); return;
    case YYJSON_TYPE_ARR | YYJSON_SUBTYPE_NONE: {
      put_u8(out, kList);
      put_varint(out, yyjson_arr_size(o));
      size_t i, n;
      yyjson_val* item;
      yyjson_arr_foreach(o, i, n, item) encode_json(item, sink, out, depth + 1);
      return;
    }
    case YYJSON_TYPE_OBJ | YYJSON_SUBTYPE_NONE: {
      put_u8(out, kDict);
      put_varint(out, yyjson_obj_size(o));
      size_t i, n;
      yyjson_val *key, *value;
      yyjson_obj_foreach(o, i, n, key, value) {
        put_varint(out, sink.key(json_text(key)));
        encode_json(value, sink, out, depth + 1);
      }
      return;
    }
    default: raise(Error::kValue, "a JSON value of no known type");
  }
}

JsonDocument::JsonDocument(std::string_view text)
    : doc_(yyjson_read(text.data(), text.size(), YYJSON_READ_NOFLAG)) {
  if (doc_ == nullptr) raise(Error::kValue, "malformed JSON text");
}

JsonDocument::~JsonDocument() { yyjson_doc_free(doc_); }

}  // namespace lm
