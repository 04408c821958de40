#include "pybatch.h"

#include <cmath>
#include <unordered_map>

#include "batch.h"
#include "pytypes.h"
#include "pywire.h"

namespace lm {

PyObject* wire_to_py(Reader& r, PyStrings& strings, int depth) {
  if (depth > kMaxDepth) r.fail();
  uint8_t tag = r.u8();
  switch (tag) {
    case kNull: Py_RETURN_NONE;
    case kFalse: Py_RETURN_FALSE;
    case kTrue: Py_RETURN_TRUE;
    case kInt: {
      uint64_t z = r.varint();
      return check(PyLong_FromLongLong(int64_t(z >> 1) ^ -int64_t(z & 1)));
    }
    case kUInt: return check(PyLong_FromUnsignedLongLong(r.varint()));
    case kFloat: {
      uint64_t bits = r.u64();
      double d;
      std::memcpy(&d, &bits, 8);
      if (!std::isfinite(d)) Py_RETURN_NONE;
      return check(PyFloat_FromDouble(d));
    }
    case kStr: {
      PyObject* s = strings.at(r.varint(), r);
      Py_INCREF(s);
      return s;
    }
    case kList: {
      uint64_t n = r.varint();
      if (n > (uint64_t(1) << 31)) r.fail();
      PyRef list(check(PyList_New(0)));
      for (uint64_t k = 0; k < n; k++) {
        PyRef item(wire_to_py(r, strings, depth + 1));
        if (PyList_Append(list.get(), item.get()) < 0) throw PyErrorSet{};
      }
      return list.release();
    }
    case kDict: {
      uint64_t n = r.varint();
      PyRef dict(check(PyDict_New()));
      for (uint64_t k = 0; k < n; k++) {
        PyObject* key = strings.at(r.varint(), r);
        PyRef value(wire_to_py(r, strings, depth + 1));
        if (PyDict_SetItem(dict.get(), key, value.get()) < 0) throw PyErrorSet{};
      }
      return dict.release();
    }
    default: r.fail();
  }
}

void decode_part_to(Reader& r, size_t size, PyObject* list);

PyObject* encode_mutations(PyObject* mutations) {
  require_configured();
  PyRef seq(check(PySequence_Fast(mutations, "mutations must be a sequence")));
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.get());
  PyObject** items = PySequence_Fast_ITEMS(seq.get());
  WireWriter wire(true);  // the mutations list keeps every object alive meanwhile
  std::unordered_map<PyObject*, uint32_t> maps;  // the same props object is one map (sources share them)
  auto map_ref = [&](PyObject* mapping, const char* where) -> uint32_t {
    if (mapping == py.empty) return 0;
    auto it = maps.find(mapping);
    if (it != maps.end()) return it->second;
    MapWriter map(wire.strings);
    merge_py(map, mapping, where);
    uint32_t ref = wire.map(map);
    maps.emplace(mapping, ref);
    return ref;
  };
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject* m = items[i];
    if (Py_TYPE(m) == reinterpret_cast<PyTypeObject*>(py.UpsertNode)) {
      uint32_t id = ref_object(wire.strings, PyTuple_GET_ITEM(m, 0));
      uint8_t kind = node_kind_code(PyTuple_GET_ITEM(m, 1));
      uint32_t at = ref_object(wire.strings, PyTuple_GET_ITEM(m, 2));
      uint32_t props = map_ref(PyTuple_GET_ITEM(m, 3), "props");
      wire.node(id, kind, at, props, map_ref(PyTuple_GET_ITEM(m, 4), "first"));
    } else if (Py_TYPE(m) == reinterpret_cast<PyTypeObject*>(py.UpsertEdge)) {
      uint32_t source = ref_object(wire.strings, PyTuple_GET_ITEM(m, 0));
      uint8_t kind = edge_kind_code(PyTuple_GET_ITEM(m, 1));
      uint32_t target = ref_object(wire.strings, PyTuple_GET_ITEM(m, 2));
      uint32_t at = ref_object(wire.strings, PyTuple_GET_ITEM(m, 3));
      uint32_t props = map_ref(PyTuple_GET_ITEM(m, 4), "props");
      wire.edge(source, kind, target, at, props, map_ref(PyTuple_GET_ITEM(m, 5), "first"));
    } else {
      raise(PyExc_TypeError, std::string(Py_TYPE(m)->tp_name) + " is not a mutation");
    }
  }
  Bytes out = wire.finish();
  return check(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(out.data()), Py_ssize_t(out.size())));
}

PyObject* decode_mutations(const uint8_t* data, size_t size) {
  require_configured();
  Reader r(data, size, "mutation batch");
  PyRef list(check(PyList_New(0)));
  while (!r.done()) decode_part_to(r, size, list.get());
  return list.release();
}

void decode_part_to(Reader& r, size_t size, PyObject* list) {
  read_magic(r);
  WireTable table;
  table.read(r);
  PyStrings strings(table);
  uint64_t n_maps = r.varint();
  if (n_maps > size) r.fail();
  std::vector<PyRef> maps;
  maps.reserve(size_t(n_maps));
  for (uint64_t m = 0; m < n_maps; m++) {
    uint64_t n = r.varint();
    PyRef dict(check(PyDict_New()));
    for (uint64_t k = 0; k < n; k++) {
      PyObject* key = strings.at(r.varint(), r);
      PyRef value(wire_to_py(r, strings, 0));
      if (PyDict_SetItem(dict.get(), key, value.get()) < 0) throw PyErrorSet{};
    }
    maps.push_back(std::move(dict));
  }
  auto map_at = [&](uint32_t ref) {
    PyObject* o = ref == 0 ? py.empty : maps[ref - 1].get();
    Py_INCREF(o);
    return o;
  };
  uint64_t n = r.varint();
  if (n > size) r.fail();
  for (uint64_t k = 0; k < n; k++) {
    uint8_t op = r.u8();
    if (op > 1) r.fail();
    PyRef args(check(PyTuple_New(op == 0 ? 5 : 6)));
    PyObject* a = strings.at(r.varint(), r);
    Py_INCREF(a);
    PyTuple_SET_ITEM(args.get(), 0, a);
    uint8_t kind = r.u8();
    if (kind >= (op == 0 ? unsigned(kNodeKinds) : unsigned(kEdgeKinds))) r.fail();
    PyObject* kind_object = op == 0 ? py.node_kind[kind] : py.edge_kind[kind];
    Py_INCREF(kind_object);
    PyTuple_SET_ITEM(args.get(), 1, kind_object);
    int at = 2;
    if (op == 1) {
      PyObject* b = strings.at(r.varint(), r);
      Py_INCREF(b);
      PyTuple_SET_ITEM(args.get(), at++, b);
    }
    PyObject* stamp = strings.at(r.varint(), r);
    Py_INCREF(stamp);
    PyTuple_SET_ITEM(args.get(), at++, stamp);
    PyTuple_SET_ITEM(args.get(), at++, map_at(map_ref(r, size_t(n_maps))));
    PyTuple_SET_ITEM(args.get(), at++, map_at(map_ref(r, size_t(n_maps))));
    PyTypeObject* type = reinterpret_cast<PyTypeObject*>(op == 0 ? py.UpsertNode : py.UpsertEdge);
    PyRef packed(check(PyTuple_Pack(1, args.get())));
    PyRef mutation(check(PyTuple_Type.tp_new(type, packed.get(), nullptr)));  // tuple.__new__(cls, items)
    if (PyList_Append(list, mutation.get()) < 0) throw PyErrorSet{};
  }
}

}  // namespace lm
