#include "json_schema.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common.h"
#include "python_repr.h"

namespace lm {

namespace {

}  // namespace

// The keywords checked, each where a schema writes it.
enum JsonSchema::Keyword : uint8_t {
  kTypeKw, kPropertiesKw, kAdditionalKw, kRequiredKw, kItemsKw, kRefKw, kAllOfKw, kAnyOfKw, kOneOfKw, kNotKw,
  kEnumKw, kConstKw, kFormatKw, kMinimumKw, kDependentRequiredKw
};

namespace {

enum Type : uint8_t { kNullType = 1, kBoolean = 2, kObject = 4, kArray = 8, kNumber = 16, kString = 32, kInteger = 64 };

std::string_view view(yyjson_val* s) { return std::string_view(yyjson_get_str(s), yyjson_get_len(s)); }

[[noreturn]] void refuse(const std::string& why) { raise(Error::kValue, "schema: " + why); }

uint8_t type_bit(std::string_view name) {
  if (name == "null") return kNullType;
  if (name == "boolean") return kBoolean;
  if (name == "object") return kObject;
  if (name == "array") return kArray;
  if (name == "number") return kNumber;
  if (name == "string") return kString;
  if (name == "integer") return kInteger;
  refuse("unknown type " + std::string(name));
}

bool is_annotation(std::string_view key) {
  static const char* const kAnnotations[] = {"$schema", "$defs", "definitions", "description", "title", "example",
                                             "examples", "deprecated", "documentation", "default", "$comment",
                                             "readOnly", "writeOnly"};
  for (const char* a : kAnnotations)
    if (key == a) return true;
  return false;
}

bool digits(std::string_view s, size_t at, size_t n, int& value) {
  value = 0;
  for (size_t i = at; i < at + n; i++) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + (s[i] - '0');
  }
  return true;
}

bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
}  // namespace

struct JsonSchema::Node {
  bool is_bool = false, never = false;  // the schema ``true`` or ``false``
  yyjson_val* schema = nullptr;          // as written (quoted by messages)
  std::vector<Keyword> order;            // the keywords, as written: Python checks them in this order
  uint8_t types = 0;                     // Type bits
  yyjson_val* type = nullptr;            // as written
  std::vector<std::pair<std::string, int>> properties;
  int additional = -1;  // additionalProperties (-1: any)
  bool additional_false = false;
  std::vector<std::string> required;
  int items = -1;
  int ref = -1;
  std::vector<int> all_of, any_of, one_of;
  int not_ = -1;
  yyjson_val* enum_ = nullptr;   // an array of strings
  yyjson_val* const_ = nullptr;  // a string
  bool uuid = false;             // format: uuid (the only format Python jsonschema checks here)
  yyjson_val* minimum = nullptr;
  std::vector<std::pair<std::string, std::vector<std::string>>> dependent_required;
};

JsonSchema::JsonSchema(const std::vector<std::string>& documents,
                       const std::vector<std::pair<std::string, std::string>>& roots) {
  auto parse = [this](const std::string& text) {
    yyjson_read_err err;
    yyjson_doc* doc = yyjson_read_opts(const_cast<char*>(text.data()), text.size(), 0, nullptr, &err);
    if (doc == nullptr) refuse(std::string("not JSON: ") + err.msg);
    docs_.push_back(doc);
    return yyjson_doc_get_root(doc);
  };
  try {
    for (const std::string& text : documents) {
      yyjson_val* root = parse(text);
      yyjson_val* id = yyjson_obj_get(root, "$id");
      if (!yyjson_is_str(id)) refuse("a document without a $id");
      by_id_[std::string(view(id))] = root;
    }
    for (const auto& [name, text] : roots) roots_[name] = compile(parse(text), "");
  } catch (...) {
    for (yyjson_doc* doc : docs_) yyjson_doc_free(doc);
    throw;
  }
}

JsonSchema::~JsonSchema() {
  for (yyjson_doc* doc : docs_) yyjson_doc_free(doc);
}

int JsonSchema::resolve(const std::string& ref, const std::string& base) {
  size_t hash = ref.find('#');
  std::string uri = ref.substr(0, hash), pointer = hash == std::string::npos ? "" : ref.substr(hash + 1);
  if (uri.empty()) uri = base;
  auto doc = by_id_.find(uri);
  if (doc == by_id_.end()) refuse("an unresolvable $ref " + ref);
  yyjson_val* at = doc->second;
  if (!pointer.empty()) {
    if (pointer[0] != '/') refuse("a $ref fragment that is no JSON pointer: " + ref);
    size_t start = 1;
    while (true) {
      size_t end = pointer.find('/', start);
      std::string token = pointer.substr(start, end == std::string::npos ? std::string::npos : end - start), plain;
      for (size_t i = 0; i < token.size(); i++) {
        if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
          plain += token[i + 1] == '0' ? '~' : '/';
          i++;
        } else {
          plain += token[i];
        }
      }
      if (!yyjson_is_obj(at)) refuse("a $ref into a non-object: " + ref);
      at = yyjson_obj_getn(at, plain.data(), plain.size());
      if (at == nullptr) refuse("a $ref to nothing: " + ref);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return compile(at, uri);
}

int JsonSchema::compile(yyjson_val* schema, const std::string& base) {
  auto known = compiled_.find(schema);
  if (known != compiled_.end()) return known->second;
  int index = int(nodes_.size());
  compiled_[schema] = index;
  nodes_.emplace_back();
  Node node;
  node.schema = schema;
  if (yyjson_is_bool(schema)) {
    node.is_bool = true;
    node.never = !yyjson_get_bool(schema);
    nodes_[size_t(index)] = std::move(node);
    return index;
  }
  if (!yyjson_is_obj(schema)) refuse("a schema that is neither an object nor a boolean");
  auto list = [&](yyjson_val* value, const char* keyword) {
    if (!yyjson_is_arr(value)) refuse(std::string(keyword) + " is not an array");
    std::vector<int> out;
    size_t i, n;
    yyjson_val* item;
    yyjson_arr_foreach(value, i, n, item) out.push_back(compile(item, base));
    return out;
  };
  auto strings = [&](yyjson_val* value, const char* keyword) {
    if (!yyjson_is_arr(value)) refuse(std::string(keyword) + " is not an array");
    std::vector<std::string> out;
    size_t i, n;
    yyjson_val* item;
    yyjson_arr_foreach(value, i, n, item) {
      if (!yyjson_is_str(item)) refuse(std::string(keyword) + " holds a value that is not a string");
      out.emplace_back(view(item));
    }
    return out;
  };
  size_t i, n;
  yyjson_val *key, *value;
  yyjson_obj_foreach(schema, i, n, key, value) {
    std::string_view k = view(key);
    if (is_annotation(k)) continue;
    if (k == "$id") {
      if (by_id_.find(std::string(yyjson_is_str(value) ? view(value) : "")) == by_id_.end() ||
          by_id_[std::string(view(value))] != schema)
        refuse("a $id below a document's root");
      continue;
    }
    Keyword keyword;
    if (k == "$ref") {
      if (!yyjson_is_str(value)) refuse("$ref is not a string");
      keyword = kRefKw, node.ref = resolve(std::string(view(value)), base);
    } else if (k == "type") {
      keyword = kTypeKw, node.type = value;
      if (yyjson_is_str(value)) {
        node.types = type_bit(view(value));
      } else {
        for (const std::string& t : strings(value, "type")) node.types |= type_bit(t);
      }
    } else if (k == "properties") {
      if (!yyjson_is_obj(value)) refuse("properties is not an object");
      keyword = kPropertiesKw;
      size_t j, m;
      yyjson_val *name, *sub;
      yyjson_obj_foreach(value, j, m, name, sub) node.properties.emplace_back(std::string(view(name)), compile(sub, base));
    } else if (k == "additionalProperties") {
      keyword = kAdditionalKw;
      if (yyjson_is_bool(value)) node.additional_false = !yyjson_get_bool(value);
      else node.additional = compile(value, base);
    } else if (k == "required") {
      keyword = kRequiredKw, node.required = strings(value, "required");
    } else if (k == "items") {
      if (yyjson_is_bool(value) && !yyjson_get_bool(value)) refuse("items: false is not checked here");
      keyword = kItemsKw, node.items = compile(value, base);
    } else if (k == "allOf") {
      keyword = kAllOfKw, node.all_of = list(value, "allOf");
    } else if (k == "anyOf") {
      keyword = kAnyOfKw, node.any_of = list(value, "anyOf");
    } else if (k == "oneOf") {
      keyword = kOneOfKw, node.one_of = list(value, "oneOf");
    } else if (k == "not") {
      keyword = kNotKw, node.not_ = compile(value, base);
    } else if (k == "enum") {
      strings(value, "enum");
      keyword = kEnumKw, node.enum_ = value;
    } else if (k == "const") {
      if (!yyjson_is_str(value)) refuse("a const that is not a string");
      keyword = kConstKw, node.const_ = value;
    } else if (k == "format") {
      std::string_view f = yyjson_is_str(value) ? view(value) : "";
      if (f != "date-time" && f != "uri" && f != "uuid") refuse("the format " + std::string(f) + " is not known here");
      keyword = kFormatKw, node.uuid = f == "uuid";  // Python jsonschema checks no date-time nor uri here
    } else if (k == "minimum") {
      if (!yyjson_is_num(value)) refuse("minimum is not a number");
      keyword = kMinimumKw, node.minimum = value;
    } else if (k == "dependentRequired") {
      if (!yyjson_is_obj(value)) refuse("dependentRequired is not an object");
      keyword = kDependentRequiredKw;
      size_t j, m;
      yyjson_val *name, *needs;
      yyjson_obj_foreach(value, j, m, name, needs) node.dependent_required.emplace_back(std::string(view(name)), strings(needs, "dependentRequired"));
    } else {
      refuse("the keyword " + std::string(k) + " is not checked here");
    }
    node.order.push_back(keyword);
  }
  nodes_[size_t(index)] = std::move(node);
  return index;
}

int JsonSchema::root_of(std::string_view root) const {
  auto found = roots_.find(std::string(root));
  if (found == roots_.end()) raise(Error::kValue, "schema: no root " + std::string(root));
  return found->second;
}

bool JsonSchema::valid(std::string_view root, yyjson_val* instance) const {
  return valid(root_of(root), instance, 0);
}

namespace {

// Python jsonschema's is_type: an integer is a number without a fraction (1.0 too), a boolean no number.
bool is_type(uint8_t types, yyjson_val* v) {
  switch (yyjson_get_type(v)) {
    case YYJSON_TYPE_NULL: return types & kNullType;
    case YYJSON_TYPE_BOOL: return types & kBoolean;
    case YYJSON_TYPE_OBJ: return types & kObject;
    case YYJSON_TYPE_ARR: return types & kArray;
    case YYJSON_TYPE_STR: return types & kString;
    case YYJSON_TYPE_RAW: return types & (kNumber | kInteger);  // an integer past 64 bits
    case YYJSON_TYPE_NUM: {
      if (types & kNumber) return true;
      if (!(types & kInteger)) return false;
      if (!yyjson_is_real(v)) return true;
      double d = yyjson_get_real(v);
      return std::isfinite(d) && std::floor(d) == d;
    }
    default: return false;
  }
}

bool has_key(yyjson_val* obj, const std::string& key) { return yyjson_obj_getn(obj, key.data(), key.size()) != nullptr; }

long double number(yyjson_val* v) {
  if (yyjson_is_uint(v)) return (long double)yyjson_get_uint(v);
  if (yyjson_is_sint(v)) return (long double)yyjson_get_sint(v);
  return yyjson_get_real(v);
}

// Python's ``instance < minimum`` of a number (exact: a long double holds every 64-bit integer).
bool below_minimum(yyjson_val* v, yyjson_val* minimum) {
  if (yyjson_is_raw(v)) return yyjson_get_raw(v)[0] == '-';  // past 64 bits: beyond any minimum written here
  return number(v) < number(minimum);
}

bool in_enum(yyjson_val* values, yyjson_val* v) {
  if (!yyjson_is_str(v)) return false;
  size_t i, n;
  yyjson_val* each;
  yyjson_arr_foreach(values, i, n, each) if (view(each) == view(v)) return true;
  return false;
}

}  // namespace

bool JsonSchema::valid(int index, yyjson_val* v, int depth) const {
  if (depth > kDeepest) raise(Error::kValue, "schema: an instance nested too deeply to check");
  const Node& node = nodes_[size_t(index)];
  if (node.is_bool) return !node.never;
  if (node.type != nullptr && !is_type(node.types, v)) return false;
  if (node.ref >= 0 && !valid(node.ref, v, depth)) return false;
  if (yyjson_is_obj(v)) {
    for (const std::string& key : node.required)
      if (!has_key(v, key)) return false;
    for (const auto& [key, needs] : node.dependent_required)
      if (has_key(v, key))
        for (const std::string& need : needs)
          if (!has_key(v, need)) return false;
    if (!node.properties.empty() || node.additional >= 0 || node.additional_false) {
      size_t i, n;
      yyjson_val *key, *value;
      yyjson_obj_foreach(v, i, n, key, value) {
        std::string_view k = view(key);
        int sub = -2;
        for (const auto& [name, property] : node.properties)
          if (name == k) {
            sub = property;
            break;
          }
        if (sub == -2) {
          if (node.additional_false) return false;
          sub = node.additional;
        }
        if (sub >= 0 && !valid(sub, value, depth + 1)) return false;
      }
    }
  } else if (yyjson_is_arr(v)) {
    if (node.items >= 0) {
      size_t i, n;
      yyjson_val* item;
      yyjson_arr_foreach(v, i, n, item) if (!valid(node.items, item, depth + 1)) return false;
    }
  } else if (yyjson_is_str(v)) {
    if (node.uuid && !python_uuid(view(v))) return false;
  } else if (node.minimum != nullptr && (yyjson_is_num(v) || yyjson_is_raw(v))) {
    if (below_minimum(v, node.minimum)) return false;
  }
  if (node.enum_ != nullptr && !in_enum(node.enum_, v)) return false;
  if (node.const_ != nullptr && !(yyjson_is_str(v) && view(v) == view(node.const_))) return false;
  for (int sub : node.all_of)
    if (!valid(sub, v, depth)) return false;
  if (!node.any_of.empty()) {
    bool any = false;
    for (int sub : node.any_of)
      if (valid(sub, v, depth)) {
        any = true;
        break;
      }
    if (!any) return false;
  }
  if (!node.one_of.empty()) {
    int yes = 0;
    for (int sub : node.one_of) yes += valid(sub, v, depth);
    if (yes != 1) return false;
  }
  return node.not_ < 0 || !valid(node.not_, v, depth);
}

bool JsonSchema::plain_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !hex(s[i])) return false;
  }
  return true;
}

bool JsonSchema::python_uuid(std::string_view s) {
  // uuid.UUID(s): "urn:", "uuid:", braces and dashes taken out, 32 characters left that int(h, 16)
  // reads; with s 36 long and dashed at 8, 13, 18 and 23, only those dashes can have gone. int()
  // takes surrounding whitespace, a sign, "0x" and underscores between digits. (Non-ASCII text,
  // which int() may read as digits or spaces, is refused: no producer sends it.)
  if (s.size() != 36) return false;
  std::string h;
  for (size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash) h += s[i];
  }
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F); };
  size_t at = 0, end = h.size();
  while (at < end && space(h[at])) at++;
  while (end > at && space(h[end - 1])) end--;
  if (at < end && h[at] == '+') at++;
  if (at + 1 < end && h[at] == '0' && (h[at + 1] == 'x' || h[at + 1] == 'X')) {
    at += 2;
    if (at < end && h[at] == '_') at++;
  }
  if (at == end) return false;
  for (size_t i = at; i < end; i++) {
    if (h[i] == '_') {
      if (i == at || i + 1 == end || !hex(h[i + 1])) return false;
    } else if (!hex(h[i])) {
      return false;
    }
  }
  return true;
}

bool JsonSchema::plain_date_time(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (s.size() < 20 || !digits(s, 0, 4, year) || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || s[10] != 'T' || !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) ||
      s[16] != ':' || !digits(s, 17, 2, second))
    return false;
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1] || (month == 2 && day == 29 && !leap)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  size_t at = 19;
  if (at < s.size() && s[at] == '.') {
    size_t start = ++at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') at++;
    if (at == start) return false;
  }
  if (at + 1 == s.size() && s[at] == 'Z') return true;
  int offset_hour, offset_minute;
  return at + 6 == s.size() && (s[at] == '+' || s[at] == '-') && digits(s, at + 1, 2, offset_hour) && s[at + 3] == ':' &&
         digits(s, at + 4, 2, offset_minute) && offset_hour <= 23 && offset_minute <= 59;
}

// -- The refusal, as Python jsonschema words it -------------------------------------------------

// One error of ``iter_errors``: where (relative to the instance of the error holding it, as
// ``error.path``), by which keyword of which schema, about which instance, with the errors of
// the subschemas of an anyOf or oneOf (``error.context``).
struct JsonSchema::Failure {
  enum Kind : uint8_t { kKeyword, kFalseSchema, kOneOfMany };
  Kind kind = kKeyword;
  Keyword keyword = kTypeKw;
  int node = -1;
  yyjson_val* instance = nullptr;
  std::vector<yyjson_val*> rpath;  // innermost first; an array index is a number value, a key a string
  std::vector<size_t> rindex;      // the index where rpath holds nullptr
  std::string detail;              // what a message needs beyond the instance
  std::vector<Failure> context;
};

namespace {

std::string quoted(std::string_view s) {
  std::string out;
  python_repr_str(s, out);
  return out;
}

}  // namespace

void JsonSchema::collect(int index, yyjson_val* v, int depth, std::vector<Failure>& out) const {
  if (depth > kDeepest) raise(Error::kValue, "schema: an instance nested too deeply to check");
  const Node& node = nodes_[size_t(index)];
  auto fail = [&](Keyword keyword, std::string detail = {}) {
    Failure f;
    f.keyword = keyword, f.node = index, f.instance = v, f.detail = std::move(detail);
    out.push_back(std::move(f));
    return &out.back();
  };
  if (node.is_bool) {
    if (node.never) fail(kTypeKw)->kind = Failure::kFalseSchema;
    return;
  }
  auto below = [&](int sub, yyjson_val* instance, yyjson_val* key, size_t at) {  // descend(path=...)
    size_t from = out.size();
    collect(sub, instance, depth + 1, out);
    for (size_t e = from; e < out.size(); e++) {
      out[e].rpath.push_back(key);
      out[e].rindex.push_back(at);
    }
  };
  for (Keyword keyword : node.order) {
    switch (keyword) {
      case kTypeKw:
        if (!is_type(node.types, v)) fail(kTypeKw);
        break;
      case kRefKw:
        collect(node.ref, v, depth, out);
        break;
      case kPropertiesKw:
        if (yyjson_is_obj(v))
          for (const auto& [name, sub] : node.properties) {
            size_t i, n;
            yyjson_val *key, *value;
            yyjson_obj_foreach(v, i, n, key, value) if (view(key) == name) {
              below(sub, value, key, 0);
              break;
            }
          }
        break;
      case kAdditionalKw: {
        if (!yyjson_is_obj(v)) break;
        std::vector<yyjson_val*> extras;
        size_t i, n;
        yyjson_val *key, *value;
        yyjson_obj_foreach(v, i, n, key, value) {
          bool known = false;
          for (const auto& property : node.properties) known |= property.first == view(key);
          if (known) continue;
          if (node.additional >= 0) below(node.additional, value, key, 0);
          extras.push_back(key);
        }
        if (node.additional_false && !extras.empty()) {
          std::sort(extras.begin(), extras.end(), [](yyjson_val* a, yyjson_val* b) { return view(a) < view(b); });
          std::string listed;
          for (yyjson_val* extra : extras) listed += (listed.empty() ? "" : ", ") + quoted(view(extra));
          fail(kAdditionalKw, "Additional properties are not allowed (" + listed +
                                  (extras.size() == 1 ? " was" : " were") + " unexpected)");
        }
        break;
      }
      case kRequiredKw:
        if (yyjson_is_obj(v))
          for (const std::string& key : node.required)
            if (!has_key(v, key)) fail(kRequiredKw, quoted(key) + " is a required property");
        break;
      case kDependentRequiredKw:
        if (yyjson_is_obj(v))
          for (const auto& [key, needs] : node.dependent_required)
            if (has_key(v, key))
              for (const std::string& need : needs)
                if (!has_key(v, need)) fail(kDependentRequiredKw, quoted(need) + " is a dependency of " + quoted(key));
        break;
      case kItemsKw:
        if (yyjson_is_arr(v)) {
          size_t i, n;
          yyjson_val* item;
          yyjson_arr_foreach(v, i, n, item) below(node.items, item, nullptr, i);
        }
        break;
      case kAllOfKw:
        for (int sub : node.all_of) collect(sub, v, depth, out);
        break;
      case kAnyOfKw:
      case kOneOfKw: {
        const std::vector<int>& subs = keyword == kAnyOfKw ? node.any_of : node.one_of;
        std::vector<Failure> all;
        size_t first_valid = subs.size();
        for (size_t s = 0; s < subs.size(); s++) {
          size_t from = all.size();
          collect(subs[s], v, depth, all);
          if (all.size() == from) {
            first_valid = s;
            break;
          }
        }
        if (first_valid == subs.size()) {
          fail(keyword)->context = std::move(all);
        } else if (keyword == kOneOfKw) {
          std::string more;
          for (size_t s = first_valid + 1; s < subs.size(); s++)
            if (valid(subs[s], v, depth)) {
              more += ", ";
              python_repr(nodes_[size_t(subs[s])].schema, more, std::string::npos);
            }
          if (!more.empty()) {
            more += ", ";
            python_repr(nodes_[size_t(subs[first_valid])].schema, more, std::string::npos);
            fail(kOneOfKw, more.substr(2))->kind = Failure::kOneOfMany;
          }
        }
        break;
      }
      case kNotKw:
        if (valid(node.not_, v, depth)) fail(kNotKw);
        break;
      case kEnumKw:
        if (!in_enum(node.enum_, v)) fail(kEnumKw);
        break;
      case kConstKw:
        if (!(yyjson_is_str(v) && view(v) == view(node.const_))) fail(kConstKw);
        break;
      case kFormatKw:
        if (node.uuid && yyjson_is_str(v) && !python_uuid(view(v))) fail(kFormatKw);
        break;
      case kMinimumKw:
        if ((yyjson_is_num(v) || yyjson_is_raw(v)) && below_minimum(v, node.minimum)) fail(kMinimumKw);
        break;
    }
  }
}

std::string JsonSchema::message(const Failure& f) const {
  std::string out;
  const Node& node = nodes_[size_t(f.node)];
  auto instance = [&] { python_repr(f.instance, out); };
  if (f.kind == Failure::kFalseSchema) {
    out = "False schema does not allow ";
    instance();
    return out;
  }
  switch (f.keyword) {
    case kRequiredKw:
    case kDependentRequiredKw:
    case kAdditionalKw: return f.detail;
    case kTypeKw: {
      instance();
      out += " is not of type ";
      if (yyjson_is_str(node.type)) {
        python_repr(node.type, out);
      } else {
        size_t i, n;
        yyjson_val* t;
        yyjson_arr_foreach(node.type, i, n, t) {
          if (i) out += ", ";
          python_repr(t, out);
        }
      }
      return out;
    }
    case kAnyOfKw:
    case kOneOfKw:
      instance();
      out += f.kind == Failure::kOneOfMany ? " is valid under each of " + f.detail
                                           : " is not valid under any of the given schemas";
      return out;
    case kNotKw:
      instance();
      out += " should not be valid under ";
      python_repr(nodes_[size_t(node.not_)].schema, out);
      return out;
    case kEnumKw:
      instance();
      out += " is not one of ";
      python_repr(node.enum_, out);
      return out;
    case kConstKw:
      python_repr(node.const_, out);
      return out + " was expected";
    case kFormatKw:
      instance();
      return out + " is not a 'uuid'";
    case kMinimumKw:
      instance();
      out += " is less than the minimum of ";
      python_repr(node.minimum, out);
      return out;
    default: return "is not valid";
  }
}

bool JsonSchema::matches_type(const Failure& f) const {
  // error._matches_type(): whether the instance is of the failing schema's own "type"
  if (f.kind == Failure::kFalseSchema) return false;
  const Node& node = nodes_[size_t(f.node)];
  return node.type != nullptr && is_type(node.types, f.instance);
}

int JsonSchema::compare(const Failure& a, const Failure& b) const {
  // relevance(error): (-len(path), path, keyword not anyOf/oneOf, False, not error._matches_type())
  size_t la = a.rpath.size(), lb = b.rpath.size();
  if (la != lb) return la < lb ? 1 : -1;
  for (size_t i = la; i-- > 0;) {
    yyjson_val *x = a.rpath[i], *y = b.rpath[i];
    if (x != nullptr && y != nullptr) {
      std::string_view kx = view(x), ky = view(y);  // bytes of UTF-8 sort as code points
      if (kx != ky) return kx < ky ? -1 : 1;
    } else if (x == nullptr && y == nullptr) {
      if (a.rindex[i] != b.rindex[i]) return a.rindex[i] < b.rindex[i] ? -1 : 1;
    } else {
      return x == nullptr ? -1 : 1;  // never met: one place of one instance is a key or an index
    }
  }
  auto strong = [](const Failure& f) { return f.kind == Failure::kFalseSchema || (f.keyword != kAnyOfKw && f.keyword != kOneOfKw); };
  bool sa = strong(a), sb = strong(b);
  if (sa != sb) return sa ? 1 : -1;
  bool ma = !matches_type(a), mb = !matches_type(b);
  if (ma != mb) return ma ? 1 : -1;
  return 0;
}

bool JsonSchema::first_error(std::string_view root, yyjson_val* instance, const std::string& prefix, std::string& path,
                             std::string& message) const {
  std::vector<Failure> errors;
  collect(root_of(root), instance, 0, errors);
  if (errors.empty()) return false;
  // best_match: the most relevant error (the first of equals), then down its context to the least
  // relevant of its subschemas' errors, while that one is alone in being least
  const Failure* best = &errors[0];
  for (const Failure& e : errors)
    if (compare(e, *best) > 0) best = &e;
  path = prefix;
  auto extend = [&path](const Failure& f) {
    for (size_t i = f.rpath.size(); i-- > 0;) {
      if (f.rpath[i] != nullptr) path += "." + std::string(view(f.rpath[i]));
      else path += "[" + std::to_string(f.rindex[i]) + "]";
    }
  };
  extend(*best);
  while (!best->context.empty()) {
    const Failure* least = &best->context[0];
    int ties = 0;
    for (const Failure& e : best->context) {
      int c = compare(e, *least);
      if (c < 0) least = &e, ties = 0;
      else if (c == 0 && &e != least) ties++;
    }
    if (ties > 0) break;
    best = least;
    extend(*best);
  }
  message = this->message(*best);
  return true;
}

}  // namespace lm
