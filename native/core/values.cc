#include "values.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lm {

namespace {

bool is_number(uint8_t tag) { return tag == kFalse || tag == kTrue || tag == kInt || tag == kUInt || tag == kFloat; }

struct Number {
  enum { kSigned, kUnsigned, kDouble } type;
  int64_t i;
  uint64_t u;
  double d;
};

Number number_at(const uint8_t* p) {
  const uint8_t* q = p + 1;
  switch (*p) {
    case kFalse: return {Number::kSigned, 0, 0, 0};
    case kTrue: return {Number::kSigned, 1, 0, 0};
    case kInt: return {Number::kSigned, unzigzag(get_varint(q)), 0, 0};
    case kUInt: return {Number::kUnsigned, 0, get_varint(q), 0};
    default: {
      double d;
      std::memcpy(&d, q, 8);
      return {Number::kDouble, 0, 0, d};
    }
  }
}

// Python compares int and float exactly: 2**53 + 1 != float(2**53).
bool int_equals_double(const Number& n, double d) {
  if (std::isnan(d) || std::floor(d) != d) return false;
  if (n.type == Number::kSigned) {
    if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) return false;
    return int64_t(d) == n.i;
  }
  if (d < 0 || d >= 18446744073709551616.0) return false;
  return uint64_t(d) == n.u;
}

bool numbers_equal(const Number& a, const Number& b) {
  if (a.type == Number::kDouble && b.type == Number::kDouble) return a.d == b.d;
  if (a.type == Number::kDouble) return int_equals_double(b, a.d);
  if (b.type == Number::kDouble) return int_equals_double(a, b.d);
  if (a.type == b.type) return a.type == Number::kSigned ? a.i == b.i : a.u == b.u;
  const Number& s = a.type == Number::kSigned ? a : b;
  const Number& u = a.type == Number::kSigned ? b : a;
  return s.i >= 0 && uint64_t(s.i) == u.u;
}

}  // namespace

void json_string(std::string_view s, std::string& out) {
  out.push_back('"');
  size_t plain = 0;  // the common case: nothing to escape, copied whole
  while (plain < s.size()) {
    unsigned char c = s[plain];
    if (c < 0x20 || c == '"' || c == '\\') break;
    plain++;
  }
  out.append(s.data(), plain);
  if (plain == s.size()) {
    out.push_back('"');
    return;
  }
  s.remove_prefix(plain);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(char(c));
        }
    }
  }
  out.push_back('"');
}

namespace {

void json_double(double d, std::string& out) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32];
  for (int precision = 1; precision <= 17; precision++) {  // the shortest text that reads back the same
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  out += buf;
}

void walk_strings(const uint8_t* p, StringPool& pool, bool add) {
  // Iterative over the value's nesting would need a stack anyway; recursion depth is bounded
  // by kMaxDepth at encoding.
  const uint8_t* q = p + 1;
  switch (*p) {
    case kStr: {
      StrId id = StrId(get_varint(q));
      if (add) pool.incref(id); else pool.decref(id);
      return;
    }
    case kList: {
      uint64_t n = get_varint(q);
      for (uint64_t i = 0; i < n; i++) {
        walk_strings(q, pool, add);
        q = skip_value(q);
      }
      return;
    }
    case kDict: {
      uint64_t n = get_varint(q);
      for (uint64_t i = 0; i < n; i++) {
        StrId key = StrId(get_varint(q));
        if (add) pool.incref(key); else pool.decref(key);
        walk_strings(q, pool, add);
        q = skip_value(q);
      }
      return;
    }
    default: return;
  }
}

}  // namespace

const uint8_t* skip_nested_value(const uint8_t* p) {
  const uint8_t* q = p + 1;
  switch (*p) {
    case kList: {
      uint64_t n = get_varint(q);
      for (uint64_t i = 0; i < n; i++) q = skip_value(q);
      return q;
    }
    case kDict: {
      uint64_t n = get_varint(q);
      for (uint64_t i = 0; i < n; i++) {
        get_varint(q);
        q = skip_value(q);
      }
      return q;
    }
    default: return skip_value(p);
  }
}

void incref_value(const uint8_t* p, StringPool& pool) { walk_strings(p, pool, true); }
void decref_value(const uint8_t* p, StringPool& pool) { walk_strings(p, pool, false); }

bool values_equal(const uint8_t* a, const uint8_t* b, const StringPool& pool) {
  uint8_t ta = *a, tb = *b;
  if (is_number(ta) && is_number(tb)) return numbers_equal(number_at(a), number_at(b));
  if (ta != tb) return false;
  const uint8_t* qa = a + 1;
  const uint8_t* qb = b + 1;
  switch (ta) {
    case kStr: return get_varint(qa) == get_varint(qb);
    case kStampStr: return get_u64(qa) == get_u64(qb);
    case kList: {
      uint64_t n = get_varint(qa);
      if (get_varint(qb) != n) return false;
      for (uint64_t i = 0; i < n; i++) {
        if (!values_equal(qa, qb, pool)) return false;
        qa = skip_value(qa);
        qb = skip_value(qb);
      }
      return true;
    }
    case kDict: {
      uint64_t n = get_varint(qa);
      if (get_varint(qb) != n) return false;
      std::vector<std::pair<uint64_t, const uint8_t*>> others;
      others.reserve(n);
      for (uint64_t i = 0; i < n; i++) {
        uint64_t key = get_varint(qb);
        others.emplace_back(key, qb);
        qb = skip_value(qb);
      }
      std::sort(others.begin(), others.end(), [](auto& x, auto& y) { return x.first < y.first; });
      for (uint64_t i = 0; i < n; i++) {
        uint64_t key = get_varint(qa);
        auto it = std::lower_bound(others.begin(), others.end(), key, [](auto& x, uint64_t k) { return x.first < k; });
        if (it == others.end() || it->first != key || !values_equal(qa, it->second, pool)) return false;
        qa = skip_value(qa);
      }
      return true;
    }
    default: return true;  // null == null, absent == absent
  }
}

void canonical_json(const uint8_t* p, const StringPool& pool, std::string& out) {
  const uint8_t* q = p + 1;
  switch (*p) {
    case kNull:
    case kAbsent: out += "null"; return;
    case kFalse: out += "false"; return;
    case kTrue: out += "true"; return;
    case kInt: out += std::to_string(unzigzag(get_varint(q))); return;
    case kUInt: out += std::to_string(get_varint(q)); return;
    case kFloat: {
      double d;
      std::memcpy(&d, q, 8);
      json_double(d, out);
      return;
    }
    case kStr: json_string(pool.view(StrId(get_varint(q))), out); return;
    case kStampStr: {
      char buf[32];
      json_string(stamp_text(get_u64(q), pool, buf), out);
      return;
    }
    case kList: {
      uint64_t n = get_varint(q);
      out.push_back('[');
      for (uint64_t i = 0; i < n; i++) {
        if (i) out.push_back(',');
        canonical_json(q, pool, out);
        q = skip_value(q);
      }
      out.push_back(']');
      return;
    }
    case kDict: {
      uint64_t n = get_varint(q);
      std::vector<std::pair<std::string_view, const uint8_t*>> items;
      items.reserve(n);
      for (uint64_t i = 0; i < n; i++) {
        StrId key = StrId(get_varint(q));
        items.emplace_back(pool.view(key), q);
        q = skip_value(q);
      }
      std::sort(items.begin(), items.end(), [](auto& x, auto& y) { return x.first < y.first; });
      out.push_back('{');
      for (size_t i = 0; i < items.size(); i++) {
        if (i) out.push_back(',');
        json_string(items[i].first, out);
        out.push_back(':');
        canonical_json(items[i].second, pool, out);
      }
      out.push_back('}');
      return;
    }
  }
}

bool value_truthy(const uint8_t* p, const StringPool& pool) {
  const uint8_t* q = p + 1;
  switch (*p) {
    case kTrue:
    case kUInt:
    case kStampStr: return true;
    case kInt: return get_varint(q) != 0;
    case kFloat: {
      double d;
      std::memcpy(&d, q, 8);
      return d != 0.0;
    }
    case kStr: return !pool.view(StrId(get_varint(q))).empty();
    case kList:
    case kDict: return get_varint(q) != 0;
    default: return false;
  }
}

void PoolSink::value(std::string_view s, Bytes& out) { put_string_value(s, pool_, out, held_); }

uint64_t PoolSink::key(std::string_view s) {
  StrId id = pool_.intern(s);
  held_.push_back(id);
  return id;
}

bool value_string(const uint8_t* p, const StringPool& pool, char* buf, std::string_view& out) {
  const uint8_t* q = p + 1;
  if (*p == kStr) {
    out = pool.view(StrId(get_varint(q)));
    return true;
  }
  if (*p == kStampStr) {
    out = stamp_text(get_u64(q), pool, buf);
    return true;
  }
  return false;
}

int compare_value_texts(const uint8_t* a, const uint8_t* b, const StringPool& pool) {
  if (a != nullptr && b != nullptr && *a == *b) {
    const uint8_t *p = a + 1, *q = b + 1;
    if (*a == kStampStr) return compare_stamps(get_u64(p), get_u64(q), pool);
    if (*a == kStr && get_varint(p) == get_varint(q)) return 0;
  }
  char ba[32], bb[32];
  std::string_view ta, tb;
  if (a == nullptr || !value_string(a, pool, ba, ta)) ta = {};
  if (b == nullptr || !value_string(b, pool, bb, tb)) tb = {};
  int c = ta.compare(tb);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

void put_string_value(std::string_view s, StringPool& pool, Bytes& out, std::vector<StrId>& held) {
  Stamp packed;
  if (pack_stamp(s, packed)) {
    put_u8(out, kStampStr);
    put_u64(out, packed);
    return;
  }
  StrId id = pool.intern(s);
  held.push_back(id);
  put_u8(out, kStr);
  put_varint(out, id);
}

}  // namespace lm
