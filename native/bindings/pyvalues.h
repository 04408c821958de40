// Property values from and to Python objects (native/core/values.h holds their encoding), and
// to and from the wire form (native/core/wire.h, batch.h): what graph.core.mutations.encode and
// the ingesters' props hand over, and a batch's values read back.
#pragma once

#include "py.h"

#include <cstring>
#include <vector>

#include "batch.h"
#include "values.h"
#include "wire.h"

namespace lm {

// The str objects of one answer's strings, by string id: an answer of many similar records (a
// batch's newest schema versions: the same column keys, types and descriptions again and again)
// makes each string once, and a dict key made once keeps its hash. Direct-mapped: a slot holds
// the last string of its ids, and a reference to it until the cache goes (with the GIL held).
class StrCache {
 public:
  StrCache() : slots_(kSlots) {}
  StrCache(const StrCache&) = delete;
  StrCache& operator=(const StrCache&) = delete;
  // The str of ``id``.
  nb::object str(const StringPool& pool, StrId id) {
    Slot& s = slots_[id & (kSlots - 1)];
    if (!s.str || s.id != id) s = Slot{id, nb::steal(str_of(pool.view(id)))};
    return s.str;
  }

 private:
  static constexpr size_t kSlots = 4096;
  struct Slot {
    StrId id = kNone;
    nb::object str;
  };
  std::vector<Slot> slots_;
};

// A part's strings as Python str, each made once, when first read (a batch's wire table).
struct PyStrings {
  const WireTable& table;
  std::vector<nb::object> made;
  PyStrings(const WireTable& table) : table(table), made(table.texts.size()) {}  // NOLINT
  nb::handle at(uint64_t i, const Reader& r) {  // borrowed
    std::string_view s = table.at(i, r);
    if (!made[size_t(i)]) made[size_t(i)] = nb::steal(str_of(s));
    return made[size_t(i)];
  }
};

// Where value_to_py reads a value: a record's, in its graph's pool (this process wrote it: read
// unchecked; ``strings``: where its strings are made once, for an answer of many values) ...
struct PoolValue {
  static constexpr bool kRecord = true;  // kAbsent and packed stamps (kStampStr) are a record's
  const uint8_t*& p;
  const StringPool& pool;
  StrCache* strings = nullptr;
  uint8_t u8() { return *p++; }
  uint64_t varint() { return get_varint(p); }
  size_t count() { return size_t(get_varint(p)); }
  uint64_t u64() { return get_u64(p); }
  nb::object str(uint64_t id) { return strings ? strings->str(pool, StrId(id)) : owned(str_of(pool.view(StrId(id)))); }
  [[noreturn]] void fail() const { corrupt("value"); }
};

// ... or a batch's, in the wire form (native/core/batch.h): every byte checked, its strings a part's.
struct WireValue {
  static constexpr bool kRecord = false;
  Reader& r;
  PyStrings& strings;
  uint8_t u8() { return r.u8(); }
  uint64_t varint() { return r.varint(); }
  size_t count() { return r.count(); }  // each item at least a byte: a damaged count fails here
  uint64_t u64() { return r.u64(); }
  nb::object str(uint64_t i) { return nb::borrow(strings.at(i, r)); }
  [[noreturn]] void fail() const { r.fail(); }
};

template <class In>
nb::object value_to_py(In& in, int depth = 0);

// A dict's items (a count, then each key and value) as a dict, its values at ``depth``.
template <class In>
nb::dict dict_to_py(In& in, int depth) {
  size_t n = in.count();
  nb::dict dict;
  for (size_t i = 0; i < n; i++) {
    nb::object key = in.str(in.varint());
    set_item(dict, key, value_to_py(in, depth));
  }
  return dict;
}

// The Python object of the value ``in`` reads (advanced past it).
template <class In>
nb::object value_to_py(In& in, int depth) {
  if (depth > kMaxDepth) in.fail();
  switch (in.u8()) {
    case kNull: return nb::none();
    case kFalse: return nb::bool_(false);
    case kTrue: return nb::bool_(true);
    case kInt: return owned(PyLong_FromLongLong(unzigzag(in.varint())));
    case kUInt: return owned(PyLong_FromUnsignedLongLong(in.varint()));
    case kFloat: {
      uint64_t bits = in.u64();
      double d;
      std::memcpy(&d, &bits, 8);
      return std::isfinite(d) ? owned(PyFloat_FromDouble(d)) : nb::none();
    }
    case kStr: return in.str(in.varint());
    case kList: return list_of(in.count(), [&](size_t) { return value_to_py(in, depth + 1); });
    case kDict: return dict_to_py(in, depth + 1);
    case kAbsent:
      if constexpr (In::kRecord) return nb::none();
      break;
    case kStampStr:
      if constexpr (In::kRecord) {
        char buf[32];
        return owned(str_of(stamp_text(in.u64(), in.pool, buf)));
      }
      break;
  }
  in.fail();
}

// A record's value at ``p`` (PoolValue) as a Python object; advances ``p`` past it.
inline nb::object value_to_py(const uint8_t*& p, const StringPool& pool, StrCache* strings = nullptr) {
  PoolValue in{p, pool, strings};
  return value_to_py(in);
}

// Whether the value at ``p`` is ``o``'s twin: what value_to_py would make of it is equal to ``o``
// and indistinguishable from it (the same types, a float's very bits), so a caller holding ``o``
// can be answered with it instead of a copy. False when unsure (a bool against an int, a tuple
// against a list): the caller then makes the value. True advances ``p`` past the value (false
// leaves it anywhere in it). ``strings``: the dict keys looked up.
bool same_as_py(const uint8_t*& p, const StringPool& pool, PyObject* o, StrCache& strings, int depth = 0);

// Encode a Python value (JSON types: None, bool, int, float, str, list/tuple, dict with str keys;
// and as their JSON text, as orjson writes them, enums, dates, times and UUIDs). NaN and
// infinities become None, as JSON has no such numbers. Anything else is a TypeError naming
// ``where``.
// ``depth``: how deep the value sits in one being encoded (a list's items written one by one).
void value_from_py(PyObject* o, StringSink& sink, Bytes& out, const char* where, int depth = 0);

// A Python value encoded alone (value_from_py), its strings in a pool of its own: what a core rule
// reading one value (the DIRECT hops, Marquez's kept fields) is handed.
struct ValueAlone {
  StringPool pool;
  Bytes bytes;
  ValueAlone(PyObject* o, const char* where) {
    std::vector<StrId> held;  // the pool goes with them
    PoolSink sink(pool, held);
    value_from_py(o, sink, bytes, where);
  }
};

MapWriter& set_py(MapWriter& map, const Key& key, PyObject* value, const char* where = "a property");
// {**map, **mapping}
MapWriter& merge_py(MapWriter& map, PyObject* mapping, const char* where = "props");

}  // namespace lm
