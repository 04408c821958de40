#include "pywire.h"

#include "pyvalues.h"

namespace lm {

uint32_t ref_object(WireStrings& strings, PyObject* s) {
  if (!PyUnicode_Check(s)) raise(PyExc_TypeError, "ids, kinds' values and stamps must be str");
  std::string spill;
  return strings.ref_identified(uintptr_t(s), utf8_of(s, spill));
}

MapWriter& set_py(MapWriter& map, const Key& key, PyObject* value, const char* where) {
  return map.set_encoded(key, [&](StringSink& sink, Bytes& out) { value_from_py(value, sink, out, where); });
}

MapWriter& set_py_list(MapWriter& map, const Key& key, const std::vector<PyObject*>& values, const char* where) {
  return map.set_encoded(key, [&](StringSink& sink, Bytes& out) {
    put_u8(out, kList);
    put_varint(out, values.size());
    for (PyObject* value : values) value_from_py(value, sink, out, where, 1);
  });
}

MapWriter& merge_py(MapWriter& map, PyObject* mapping, const char* where) {
  if (mapping == nullptr || mapping == Py_None) return map;
  std::string spill;
  if (PyDict_Check(mapping)) {
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(mapping, &pos, &key, &value)) {
      if (!PyUnicode_Check(key)) raise(PyExc_TypeError, std::string(where) + ": property keys must be str");
      set_py(map, utf8_of(key, spill), value, where);
    }
    return map;
  }
  PyRef items(PyMapping_Items(mapping));
  if (!items) {
    PyErr_Clear();
    raise(PyExc_TypeError, std::string(where) + " must be a mapping");
  }
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items.get()); i++) {
    PyObject* pair = PyList_GET_ITEM(items.get(), i);
    PyObject* key = PyTuple_GET_ITEM(pair, 0);
    if (!PyUnicode_Check(key)) raise(PyExc_TypeError, std::string(where) + ": property keys must be str");
    set_py(map, utf8_of(key, spill), PyTuple_GET_ITEM(pair, 1), where);
  }
  return map;
}

}  // namespace lm
