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

MapWriter& merge_py(MapWriter& map, PyObject* mapping, const char* where) {
  if (mapping == nullptr || mapping == Py_None) return map;
  std::string spill;
  auto merge = [&](PyObject* key, PyObject* value) {
    if (!PyUnicode_Check(key)) raise(PyExc_TypeError, std::string(where) + ": property keys must be str");
    set_py(map, utf8_of(key, spill), value, where);
  };
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  if (PyDict_Check(mapping)) {
    while (PyDict_Next(mapping, &pos, &key, &value)) merge(key, value);
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
