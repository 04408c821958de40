#include "pyvalues.h"

#include <cstring>

namespace lm {

namespace {

// A str's UTF-8; ``lives``: the str outlives the sink, so its address may stand for it (not a text
// made here and dropped, whose address a later one may take).
void encode_string(PyObject* o, StringSink& sink, Bytes& out, bool lives = true) {
  if (lives) sink.value_identified(uintptr_t(o), Text(o).view, out);
  else sink.value(Text(o).view, out);
}

[[noreturn]] void not_json(PyObject* o, const char* where) {
  raise(PyExc_TypeError, std::string(where) + ": a value of type " + Py_TYPE(o)->tp_name +
                             " cannot be stored (properties hold JSON values)");
}

// The few non-JSON types orjson writes as JSON text (and that sources hand over: YAML dates,
// enums, UUIDs): stored as that text, as the journal always held them.
bool encode_as_text(PyObject* o, StringSink& sink, Bytes& out, const char* where, int depth) {
  static nb::handle enum_type, date_type, time_type, uuid_type;  // kept for the process's life
  if (!enum_type) {
    nb::module_ datetime = nb::module_::import_("datetime");
    date_type = nb::object(datetime.attr("date")).release();  // datetime is a date
    time_type = nb::object(datetime.attr("time")).release();
    uuid_type = nb::object(nb::module_::import_("uuid").attr("UUID")).release();
    enum_type = nb::object(nb::module_::import_("enum").attr("Enum")).release();
  }
  nb::handle value(o);
  if (nb::isinstance(value, enum_type)) {
    value_from_py(value.attr("value").ptr(), sink, out, where, depth + 1);
  } else if (nb::isinstance(value, date_type) || nb::isinstance(value, time_type)) {
    encode_string(value.attr("isoformat")().ptr(), sink, out, false);
  } else if (nb::isinstance(value, uuid_type)) {
    encode_string(nb::str(value).ptr(), sink, out, false);
  } else {
    return false;
  }
  return true;
}

}  // namespace

void value_from_py(PyObject* o, StringSink& sink, Bytes& out, const char* where, int depth) {
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
      put_int(out, v);
    } else {
      unsigned long long u = overflow > 0 ? PyLong_AsUnsignedLongLong(o) : 0;
      if (overflow < 0 || (u == (unsigned long long)-1 && PyErr_Occurred())) {
        PyErr_Clear();
        raise(PyExc_TypeError, std::string(where) + ": an integer beyond 64 bits cannot be stored");
      }
      put_uint(out, u);
    }
  } else if (PyFloat_Check(o)) {
    put_float(out, PyFloat_AS_DOUBLE(o));
  } else if (PyList_Check(o) || PyTuple_Check(o)) {
    Items items(o, where);  // read by index: an item's encoding may run Python (an enum's value)
    put_u8(out, kList);
    put_varint(out, uint64_t(items.size()));
    for (PyObject* item : items) value_from_py(item, sink, out, where, depth + 1);
  } else if (PyDict_Check(o)) {
    put_u8(out, kDict);
    put_varint(out, uint64_t(PyDict_GET_SIZE(o)));
    for (auto [key, value] : nb::borrow<nb::dict>(o)) {
      if (!PyUnicode_Check(key.ptr())) raise(PyExc_TypeError, std::string(where) + ": a dict key must be a str");
      put_varint(out, sink.key_identified(uintptr_t(key.ptr()), Text(key).view));
      value_from_py(value.ptr(), sink, out, where, depth + 1);
    }
  } else if (!encode_as_text(o, sink, out, where, depth)) {
    not_json(o, where);
  }
}

bool same_as_py(const uint8_t*& p, const StringPool& pool, PyObject* o, StrCache& strings, int depth) {
  if (depth > kMaxDepth) return false;
  uint8_t tag = *p++;
  switch (tag) {
    case kNull:
    case kAbsent: return o == Py_None;
    case kFalse: return o == Py_False;
    case kTrue: return o == Py_True;
    case kInt:
    case kUInt: {
      if (!PyLong_CheckExact(o)) return false;
      uint64_t stored = get_varint(p);
      int overflow = 0;
      long long held = PyLong_AsLongLongAndOverflow(o, &overflow);
      if (held == -1 && PyErr_Occurred()) throw PyErrorSet{};
      if (tag == kInt) return overflow == 0 && held == unzigzag(stored);
      if (overflow == 0) return held >= 0 && uint64_t(held) == stored;
      if (overflow < 0) return false;
      unsigned long long big = PyLong_AsUnsignedLongLong(o);  // beyond a long long
      if (big == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
        PyErr_Clear();  // beyond 64 bits: no kUInt
        return false;
      }
      return big == stored;
    }
    case kFloat: {
      if (!PyFloat_CheckExact(o)) return false;
      double held = PyFloat_AS_DOUBLE(o);
      p += 8;
      return std::memcmp(&held, p - 8, 8) == 0;
    }
    case kStr: {
      if (!PyUnicode_CheckExact(o)) return false;
      return Text(o).view == pool.view(StrId(get_varint(p)));
    }
    case kList: {
      uint64_t n = get_varint(p);
      if (!PyList_CheckExact(o) || uint64_t(PyList_GET_SIZE(o)) != n) return false;
      for (uint64_t i = 0; i < n; i++) {
        if (!same_as_py(p, pool, PyList_GET_ITEM(o, Py_ssize_t(i)), strings, depth + 1)) return false;
      }
      return true;
    }
    case kDict: {
      uint64_t n = get_varint(p);
      if (!PyDict_CheckExact(o) || uint64_t(PyDict_GET_SIZE(o)) != n) return false;
      // n keys, each once (the value was a dict): all of o's, most often in o's order (both made
      // by one rule), so o's items are walked beside them and looked up only when out of step.
      Py_ssize_t at = 0;
      PyObject *key, *held;
      for (uint64_t i = 0; i < n; i++) {
        StrId id = StrId(get_varint(p));
        if (!PyDict_Next(o, &at, &key, &held) || !PyUnicode_CheckExact(key) || Text(key).view != pool.view(id)) {
          held = get_item(o, strings.str(pool, id));
          if (held == nullptr) return false;
        }
        if (!same_as_py(p, pool, held, strings, depth + 1)) return false;
      }
      return true;
    }
    default: return false;  // a stamp's text (kStampStr): made, not compared
  }
}

MapWriter& set_py(MapWriter& map, const Key& key, PyObject* value, const char* where) {
  return map.set_encoded(key, [&](StringSink& sink, Bytes& out) { value_from_py(value, sink, out, where); });
}

MapWriter& merge_py(MapWriter& map, PyObject* mapping, const char* where) {
  if (mapping == nullptr || mapping == Py_None) return map;
  auto merge = [&](nb::handle key, nb::handle value) {
    if (!PyUnicode_Check(key.ptr())) raise(PyExc_TypeError, std::string(where) + ": property keys must be str");
    set_py(map, Text(key).view, value.ptr(), where);
  };
  if (PyDict_Check(mapping)) {
    for (auto [key, value] : nb::borrow<nb::dict>(mapping)) merge(key, value);
    return map;
  }
  nb::object items = nb::steal(PyMapping_Items(mapping));
  if (!items) {
    PyErr_Clear();
    raise(PyExc_TypeError, std::string(where) + " must be a mapping");
  }
  for (PyObject* pair : Items(items, where)) merge(PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1));
  return map;
}

}  // namespace lm
