#include "json_schema.h"

#include <cmath>
#include <cstring>

#include "common.h"

namespace lm {

namespace {

enum Type : uint8_t { kNullType = 1, kBoolean = 2, kObject = 4, kArray = 8, kNumber = 16, kString = 32, kInteger = 64 };

// Three answers: an instance surely valid, surely not, or not known here.
enum Verdict : uint8_t { kYes, kNo, kUnsure };

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
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// RFC 3986's character classes as bits of one table (a URI's every character is looked up: each
// facet names two URIs).
enum UriClass : uint8_t {
  kUnreserved = 1,  // ALPHA / DIGIT / "-" / "." / "_" / "~"
  kSubDelim = 2,    // "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="
  kColonAt = 4,     // ":" / "@" (with the two above: pchar)
  kSlash = 8,
  kQuestion = 16,
  kColon = 32,
};

struct UriClasses {
  uint8_t of[256] = {};
  constexpr UriClasses() {
    for (int c = 0; c < 256; c++) {
      bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (letter || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') of[c] |= kUnreserved;
    }
    for (char c : std::string_view("!$&'()*+,;=")) of[uint8_t(c)] |= kSubDelim;
    of[uint8_t(':')] |= kColonAt | kColon;
    of[uint8_t('@')] |= kColonAt;
    of[uint8_t('/')] |= kSlash;
    of[uint8_t('?')] |= kQuestion;
  }
};
constexpr UriClasses kUriClasses;

constexpr uint8_t kPchar = kUnreserved | kSubDelim | kColonAt;

// ``s`` holds only characters of the classes ``allowed``, or percent escapes of two hex digits.
bool only(std::string_view s, uint8_t allowed) {
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2])) return false;
      i += 2;
    } else if (!(kUriClasses.of[uint8_t(s[i])] & allowed)) {
      return false;
    }
  }
  return true;
}

}  // namespace

struct JsonSchema::Node {
  enum Format : uint8_t { kNoFormat, kDateTime, kUri, kUuid };
  bool never = false;  // the schema ``false``
  uint8_t types = 0;   // Type bits; 0: any type
  std::vector<std::pair<std::string, int>> properties;
  int additional = -1;  // additionalProperties (-1: any)
  std::vector<std::string> required;
  int items = -1;
  int ref = -1;
  std::vector<int> all_of, any_of, one_of;
  int not_ = -1;
  bool has_enum = false;
  std::vector<std::string> enum_;
  Format format = kNoFormat;
  bool has_minimum = false;
  double minimum = 0;
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
  if (yyjson_is_bool(schema)) {
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
    } else if (k == "$ref") {
      if (!yyjson_is_str(value)) refuse("$ref is not a string");
      node.ref = resolve(std::string(view(value)), base);
    } else if (k == "type") {
      if (yyjson_is_str(value)) {
        node.types = type_bit(view(value));
      } else {
        for (const std::string& t : strings(value, "type")) node.types |= type_bit(t);
      }
    } else if (k == "properties") {
      if (!yyjson_is_obj(value)) refuse("properties is not an object");
      size_t j, m;
      yyjson_val *name, *sub;
      yyjson_obj_foreach(value, j, m, name, sub) node.properties.emplace_back(std::string(view(name)), compile(sub, base));
    } else if (k == "additionalProperties") {
      node.additional = compile(value, base);
    } else if (k == "required") {
      node.required = strings(value, "required");
    } else if (k == "items") {
      node.items = compile(value, base);
    } else if (k == "allOf") {
      node.all_of = list(value, "allOf");
    } else if (k == "anyOf") {
      node.any_of = list(value, "anyOf");
    } else if (k == "oneOf") {
      node.one_of = list(value, "oneOf");
    } else if (k == "not") {
      node.not_ = compile(value, base);
    } else if (k == "enum") {
      node.has_enum = true;
      node.enum_ = strings(value, "enum");
    } else if (k == "const") {
      if (!yyjson_is_str(value)) refuse("a const that is not a string");
      node.has_enum = true;
      node.enum_ = {std::string(view(value))};
    } else if (k == "format") {
      std::string_view f = yyjson_is_str(value) ? view(value) : "";
      node.format = f == "date-time" ? Node::kDateTime : f == "uri" ? Node::kUri : f == "uuid" ? Node::kUuid : Node::kNoFormat;
      if (node.format == Node::kNoFormat) refuse("the format " + std::string(f) + " is not checked here");
    } else if (k == "minimum") {
      if (!yyjson_is_num(value)) refuse("minimum is not a number");
      node.has_minimum = true;
      node.minimum = yyjson_get_num(value);
    } else if (k == "dependentRequired") {
      if (!yyjson_is_obj(value)) refuse("dependentRequired is not an object");
      size_t j, m;
      yyjson_val *name, *needs;
      yyjson_obj_foreach(value, j, m, name, needs) node.dependent_required.emplace_back(std::string(view(name)), strings(needs, "dependentRequired"));
    } else {
      refuse("the keyword " + std::string(k) + " is not checked here");
    }
  }
  nodes_[size_t(index)] = std::move(node);
  return index;
}

bool JsonSchema::surely_valid(std::string_view root, yyjson_val* instance) const {
  auto found = roots_.find(std::string(root));
  return found != roots_.end() && valid(found->second, instance, 0) == kYes;
}

namespace {

// What jsonschema-rs's type keyword answers for ``v`` against ``types``.
Verdict type_verdict(uint8_t types, yyjson_val* v) {
  if (types == 0) return kYes;
  switch (yyjson_get_type(v)) {
    case YYJSON_TYPE_NULL: return types & kNullType ? kYes : kNo;
    case YYJSON_TYPE_BOOL: return types & kBoolean ? kYes : kNo;
    case YYJSON_TYPE_OBJ: return types & kObject ? kYes : kNo;
    case YYJSON_TYPE_ARR: return types & kArray ? kYes : kNo;
    case YYJSON_TYPE_STR: return types & kString ? kYes : kNo;
    case YYJSON_TYPE_NUM:
      if (types & kNumber) return kYes;
      if (types & kInteger) return yyjson_is_real(v) ? kUnsure : kYes;  // 1.0 may count as an integer
      return kNo;
    default: return kUnsure;
  }
}

bool has_key(yyjson_val* obj, const std::string& key) { return yyjson_obj_getn(obj, key.data(), key.size()) != nullptr; }

}  // namespace

int JsonSchema::valid(int index, yyjson_val* v, int depth) const {
  if (depth > kDeepest) return kUnsure;
  const Node& node = nodes_[size_t(index)];
  if (node.never) return kNo;
  // A conjunction: the first sure failure decides; a doubt is kept until the end.
  int doubt = type_verdict(node.types, v);
  if (doubt == kNo) return kNo;
  auto conjunct = [&doubt](int verdict) {
    if (verdict == kUnsure) doubt = kUnsure;
    return verdict == kNo;
  };
  if (node.ref >= 0 && conjunct(valid(node.ref, v, depth))) return kNo;
  if (yyjson_is_obj(v)) {
    for (const std::string& key : node.required)
      if (!has_key(v, key)) return kNo;
    for (const auto& [key, needs] : node.dependent_required)
      if (has_key(v, key))
        for (const std::string& need : needs)
          if (!has_key(v, need)) return kNo;
    if (!node.properties.empty() || node.additional >= 0) {
      size_t i, n;
      yyjson_val *key, *value;
      yyjson_obj_foreach(v, i, n, key, value) {
        std::string_view k = view(key);
        int sub = node.additional;
        for (const auto& [name, property] : node.properties)
          if (name == k) {
            sub = property;
            break;
          }
        if (sub >= 0 && conjunct(valid(sub, value, depth + 1))) return kNo;
      }
    }
  } else if (yyjson_is_arr(v)) {
    if (node.items >= 0) {
      size_t i, n;
      yyjson_val* item;
      yyjson_arr_foreach(v, i, n, item) if (conjunct(valid(node.items, item, depth + 1))) return kNo;
    }
  } else if (yyjson_is_str(v)) {
    std::string_view s = view(v);
    bool plain = node.format == Node::kDateTime ? plain_date_time(s)
                 : node.format == Node::kUri    ? plain_uri(s)
                 : node.format == Node::kUuid   ? plain_uuid(s)
                                                : true;
    if (!plain) doubt = kUnsure;  // beyond the plain forms, jsonschema-rs decides
  } else if (yyjson_is_num(v) && node.has_minimum) {
    double d = yyjson_get_num(v);
    if (!yyjson_is_real(v) && std::fabs(d) >= 9007199254740992.0) doubt = kUnsure;  // not exact past 2^53
    else if (!(d >= node.minimum)) return kNo;
  }
  if (node.has_enum) {  // of strings: equal JSON strings are equal bytes
    if (!yyjson_is_str(v)) return kNo;
    std::string_view s = view(v);
    bool found = false;
    for (const std::string& e : node.enum_) found |= e == s;
    if (!found) return kNo;
  }
  for (int sub : node.all_of)
    if (conjunct(valid(sub, v, depth))) return kNo;
  if (!node.any_of.empty()) {
    int any = kNo;
    for (int sub : node.any_of) {
      int verdict = valid(sub, v, depth);
      if (verdict == kYes) {
        any = kYes;
        break;
      }
      if (verdict == kUnsure) any = kUnsure;
    }
    if (conjunct(any)) return kNo;
  }
  if (!node.one_of.empty()) {
    int yes = 0, unsure = 0;
    for (int sub : node.one_of) {
      int verdict = valid(sub, v, depth);
      yes += verdict == kYes;
      unsure += verdict == kUnsure;
    }
    if (yes >= 2 || (yes == 0 && unsure == 0)) return kNo;
    if (unsure) doubt = kUnsure;
  }
  if (node.not_ >= 0) {
    int verdict = valid(node.not_, v, depth);
    if (verdict == kYes) return kNo;
    if (verdict == kUnsure) doubt = kUnsure;
  }
  return doubt;
}

bool JsonSchema::plain_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !hex(s[i])) return false;
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

bool JsonSchema::plain_uri(std::string_view s) {
  // RFC 3986's URI, of ASCII only, without IP literals ([...]): scheme ":" hier-part ["?" query] ["#" fragment]
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || !alpha(s[0])) return false;
  for (size_t i = 1; i < colon; i++)
    if (!alpha(s[i]) && !(s[i] >= '0' && s[i] <= '9') && s[i] != '+' && s[i] != '-' && s[i] != '.') return false;
  std::string_view rest = s.substr(colon + 1);
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    if (!only(rest.substr(hash + 1), kPchar | kSlash | kQuestion)) return false;
    rest = rest.substr(0, hash);
  }
  size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    if (!only(rest.substr(question + 1), kPchar | kSlash | kQuestion)) return false;
    rest = rest.substr(0, question);
  }
  if (rest.size() >= 2 && rest[0] == '/' && rest[1] == '/') {
    rest = rest.substr(2);
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    size_t at = authority.find('@');
    if (at != std::string_view::npos) {
      if (authority.find('@', at + 1) != std::string_view::npos ||
          !only(authority.substr(0, at), kUnreserved | kSubDelim | kColon))
        return false;
      authority = authority.substr(at + 1);
    }
    size_t port = authority.find(':');
    if (port != std::string_view::npos) {
      std::string_view digits_part = authority.substr(port + 1);
      if (digits_part.size() > 5) return false;
      for (char c : digits_part)
        if (c < '0' || c > '9') return false;
      authority = authority.substr(0, port);
    }
    if (!only(authority, kUnreserved | kSubDelim)) return false;
  }
  return only(rest, kPchar | kSlash);
}

}  // namespace lm
