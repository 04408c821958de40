// Property values from and to Python objects (native/core/values.h holds their encoding), and
// into the wire form (native/core/wire.h): what graph.core.mutations.encode and the ingesters'
// props hand over.
#pragma once

#include "py.h"

#include <vector>

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
  // The str of ``id`` (a new reference).
  PyObject* str(const StringPool& pool, StrId id) {
    Slot& s = slots_[id & (kSlots - 1)];
    if (!s.str || s.id != id) s = Slot{id, nb::steal(str_of(pool.view(id)))};
    return s.str.inc_ref().ptr();
  }

 private:
  static constexpr size_t kSlots = 4096;
  struct Slot {
    StrId id = kNone;
    nb::object str;
  };
  std::vector<Slot> slots_;
};

// The Python object of a value; advances ``p`` past it. ``strings``: where its strings are made
// once, for an answer of many values.
nb::object value_to_py(const uint8_t*& p, const StringPool& pool, StrCache* strings = nullptr);

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
