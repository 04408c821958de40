#include "values.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lm {

namespace {

constexpr int kMaxDepth = 512;  // nesting beyond this is refused (a C stack is not unbounded)

inline uint64_t zigzag(int64_t v) { return (uint64_t(v) << 1) ^ uint64_t(v >> 63); }
inline int64_t unzigzag(uint64_t v) { return int64_t(v >> 1) ^ -int64_t(v & 1); }

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

void encode(PyObject* o, StringSink& sink, Bytes& out, const char* where, int depth);

void encode_string(PyObject* o, StringSink& sink, Bytes& out) { sink.value_object(o, out); }

[[noreturn]] void not_json(PyObject* o, const char* where) {
  raise(PyExc_TypeError, std::string(where) + ": a value of type " + Py_TYPE(o)->tp_name +
                             " cannot be stored (properties hold JSON values)");
}

// The few non-JSON types orjson writes as JSON text (and that sources hand over: YAML dates,
// enums, UUIDs): stored as that text, as the journal always held them.
bool encode_as_text(PyObject* o, StringSink& sink, Bytes& out, const char* where, int depth) {
  static PyObject* enum_type = nullptr;
  static PyObject* date_type = nullptr;
  static PyObject* time_type = nullptr;
  static PyObject* uuid_type = nullptr;
  if (enum_type == nullptr) {
    PyRef enum_module(check(PyImport_ImportModule("enum")));
    PyRef datetime_module(check(PyImport_ImportModule("datetime")));
    PyRef uuid_module(check(PyImport_ImportModule("uuid")));
    enum_type = check(PyObject_GetAttrString(enum_module.get(), "Enum"));
    date_type = check(PyObject_GetAttrString(datetime_module.get(), "date"));  // datetime is a date
    time_type = check(PyObject_GetAttrString(datetime_module.get(), "time"));
    uuid_type = check(PyObject_GetAttrString(uuid_module.get(), "UUID"));
  }
  if (PyObject_IsInstance(o, enum_type) == 1) {
    PyRef value(check(PyObject_GetAttrString(o, "value")));
    encode(value.get(), sink, out, where, depth + 1);
    return true;
  }
  if (PyObject_IsInstance(o, date_type) == 1 || PyObject_IsInstance(o, time_type) == 1) {
    PyRef text(check(PyObject_CallMethod(o, "isoformat", nullptr)));
    encode_string(text.get(), sink, out);
    return true;
  }
  if (PyObject_IsInstance(o, uuid_type) == 1) {
    PyRef text(check(PyObject_Str(o)));
    encode_string(text.get(), sink, out);
    return true;
  }
  if (PyErr_Occurred()) throw PyErrorSet{};
  return false;
}

void encode(PyObject* o, StringSink& sink, Bytes& out, const char* where, int depth) {
  if (depth > kMaxDepth) raise(PyExc_ValueError, std::string(where) + ": a value nested too deeply");
  if (o == Py_None) {
    put_u8(out, kNull);
  } else if (PyBool_Check(o)) {
    put_u8(out, o == Py_True ? kTrue : kFalse);
  } else if (PyUnicode_Check(o)) {
    if (!PyUnicode_CheckExact(o) && encode_as_text(o, sink, out, where, depth)) return;  // a str enum
    encode_string(o, sink, out);
  } else if (PyLong_Check(o)) {
    if (!PyLong_CheckExact(o) && encode_as_text(o, sink, out, where, depth)) return;  // an int enum
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (v == -1 && PyErr_Occurred()) throw PyErrorSet{};
    if (overflow == 0) {
      put_u8(out, kInt);
      put_varint(out, zigzag(v));
    } else {
      unsigned long long u = overflow > 0 ? PyLong_AsUnsignedLongLong(o) : 0;
      if (overflow < 0 || (u == (unsigned long long)-1 && PyErr_Occurred())) {
        PyErr_Clear();
        raise(PyExc_TypeError, std::string(where) + ": an integer beyond 64 bits cannot be stored");
      }
      put_u8(out, kUInt);
      put_varint(out, u);
    }
  } else if (PyFloat_Check(o)) {
    double d = PyFloat_AS_DOUBLE(o);
    if (!std::isfinite(d)) {
      put_u8(out, kNull);
    } else {
      put_u8(out, kFloat);
      put_bytes(out, &d, 8);
    }
  } else if (PyList_Check(o) || PyTuple_Check(o)) {
    PyRef seq(check(PySequence_Fast(o, where)));
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.get());
    PyObject** items = PySequence_Fast_ITEMS(seq.get());
    put_u8(out, kList);
    put_varint(out, uint64_t(n));
    for (Py_ssize_t i = 0; i < n; i++) encode(items[i], sink, out, where, depth + 1);
  } else if (PyDict_Check(o)) {
    put_u8(out, kDict);
    put_varint(out, uint64_t(PyDict_GET_SIZE(o)));
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(o, &pos, &key, &value)) {
      if (!PyUnicode_Check(key)) raise(PyExc_TypeError, std::string(where) + ": a dict key must be a str");
      put_varint(out, sink.key_object(key));
      encode(value, sink, out, where, depth + 1);
    }
  } else if (!encode_as_text(o, sink, out, where, depth)) {
    not_json(o, where);
  }
}

}  // namespace

const uint8_t* skip_value(const uint8_t* p) {
  const uint8_t* q = p + 1;
  switch (*p) {
    case kInt:
    case kUInt:
    case kStr: get_varint(q); return q;
    case kFloat:
    case kStampStr: return q + 8;
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
    default: return q;  // null, false, true, absent
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

PyObject* value_to_py(const uint8_t*& p, const StringPool& pool) {
  uint8_t tag = *p++;
  switch (tag) {
    case kNull:
    case kAbsent: Py_RETURN_NONE;
    case kFalse: Py_RETURN_FALSE;
    case kTrue: Py_RETURN_TRUE;
    case kInt: return check(PyLong_FromLongLong(unzigzag(get_varint(p))));
    case kUInt: return check(PyLong_FromUnsignedLongLong(get_varint(p)));
    case kFloat: {
      double d;
      std::memcpy(&d, p, 8);
      p += 8;
      return check(PyFloat_FromDouble(d));
    }
    case kStr: return str_of(pool.view(StrId(get_varint(p))));
    case kStampStr: {
      char buf[32];
      return str_of(stamp_text(get_u64(p), pool, buf));
    }
    case kList: {
      uint64_t n = get_varint(p);
      PyRef list(check(PyList_New(Py_ssize_t(n))));
      for (uint64_t i = 0; i < n; i++) PyList_SET_ITEM(list.get(), Py_ssize_t(i), value_to_py(p, pool));
      return list.release();
    }
    case kDict: {
      uint64_t n = get_varint(p);
      PyRef dict(check(PyDict_New()));
      for (uint64_t i = 0; i < n; i++) {
        PyRef key(str_of(pool.view(StrId(get_varint(p)))));
        PyRef value(value_to_py(p, pool));
        if (PyDict_SetItem(dict.get(), key.get(), value.get()) < 0) throw PyErrorSet{};
      }
      return dict.release();
    }
  }
  corrupt("value");
}

void value_from_py(PyObject* o, StringSink& sink, Bytes& out, const char* where, int depth) {
  encode(o, sink, out, where, depth);
}

void StringSink::value_object(PyObject* s, Bytes& out) {
  std::string spill;
  value(utf8_of(s, spill), out);
}

uint64_t StringSink::key_object(PyObject* s) {
  std::string spill;
  return key(utf8_of(s, spill));
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
