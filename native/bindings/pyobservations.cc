// The schema observations of a batch (native/core/observations.h) as the Python rows and bytes
// graph.change.schema_observations reads: the reading is the core's, over the payload's buffer held
// here; a row's field values are made as Python values only for the observations asked.
#include <memory>
#include <string>
#include <vector>

#include "observations.h"
#include "pybatch.h"
#include "pylock.h"
#include "pyobservations.h"
#include "pytypes.h"

namespace lm {

struct ObservedSchemas::State {
  Py_buffer view{};
  std::unique_ptr<SchemaObservations> schemas;
  std::vector<std::unique_ptr<PyStrings>> strings;  // each part's strings as Python str, once a value is made of them

  ~State() {
    if (view.obj != nullptr) PyBuffer_Release(&view);
  }

  PyStrings& py(uint32_t part) {
    if (strings.size() <= part) strings.resize(schemas->parts.size());
    if (!strings[part]) strings[part] = std::make_unique<PyStrings>(schemas->parts[part].table);
    return *strings[part];
  }

  PyObject* row(size_t i, PyObject* name_key, const std::vector<PyRef>& field_keys) {
    const SchemaObservations::Observed& o = schemas->observed[i];
    PyRef columns(check(PyTuple_New(Py_ssize_t(o.count))));
    for (uint32_t c = 0; c < o.count; c++) {
      const SchemaObservations::Field& f = schemas->fields[o.first + c];
      PyRef field(check(PyDict_New()));
      PyRef column_name(str_of(schemas->text(f.name)));
      if (PyDict_SetItem(field.get(), name_key, column_name.get()) < 0) throw PyErrorSet{};
      for (size_t k = 0; k < kFieldCount; k++) {
        const uint8_t* v = schemas->value(f, k);
        if (v == nullptr) continue;
        Reader r = schemas->at(v);
        PyRef made(wire_to_py(r, py(f.part[k]), 0));
        if (PyDict_SetItem(field.get(), field_keys[k].get(), made.get()) < 0) throw PyErrorSet{};
      }
      PyTuple_SET_ITEM(columns.get(), Py_ssize_t(c), field.release());
    }
    PyRef id(str_of(schemas->text(o.id))), at_text(str_of(schemas->text(o.at)));
    PyRef ns(str_of(o.ns.none() ? std::string_view() : schemas->text(o.ns)));
    PyRef name(str_of(o.name.none() ? std::string_view() : schemas->text(o.name)));
    PyRef origin(o.origin.none() ? (Py_INCREF(Py_None), Py_None) : str_of(schemas->text(o.origin)));
    return check(PyTuple_Pack(6, id.get(), ns.get(), name.get(), at_text.get(), columns.get(), origin.get()));
  }
};

std::unique_ptr<ObservedSchemas> ObservedSchemas::read(PyObject* payload, PyObject* index) {
  require_configured();
  auto state = std::make_unique<State>();
  if (PyObject_GetBuffer(payload, &state->view, PyBUF_SIMPLE) < 0) throw PyErrorSet{};
  state->schemas = std::make_unique<SchemaObservations>(static_cast<const uint8_t*>(state->view.buf),
                                                        size_t(state->view.len));
  if (index != Py_None) {
    char* bytes;
    Py_ssize_t length;
    if (PyBytes_AsStringAndSize(index, &bytes, &length) < 0) throw PyErrorSet{};
    state->schemas->adopt(reinterpret_cast<const uint8_t*>(bytes), size_t(length));
  } else {
    bool readable;
    {
      NoGil unlocked;  // the payload's bytes only, held by the buffer view
      readable = state->schemas->parse();
    }
    if (!readable) return nullptr;
  }
  std::unique_ptr<ObservedSchemas> out(new ObservedSchemas());
  out->s_ = std::move(state);
  return out;
}

ObservedSchemas::ObservedSchemas() = default;
ObservedSchemas::~ObservedSchemas() = default;

size_t ObservedSchemas::size() const { return s_->schemas->observed.size(); }

PyObject* ObservedSchemas::index_bytes() const {
  Bytes out;
  s_->schemas->write_index(out);
  return check(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(out.data()), Py_ssize_t(out.size())));
}

PyObject* ObservedSchemas::keys() const {
  PyRef out(check(PyList_New(Py_ssize_t(size()))));
  for (size_t i = 0; i < size(); i++) {
    const SchemaObservations::Observed& o = s_->schemas->observed[i];
    PyRef id(str_of(s_->schemas->text(o.id))), at(str_of(s_->schemas->text(o.at)));
    PyList_SET_ITEM(out.get(), Py_ssize_t(i), check(PyTuple_Pack(2, id.get(), at.get())));
  }
  return out.release();
}

PyObject* ObservedSchemas::rows(PyObject* indices) const {
  PyRef name_key(str_of("name"));
  std::vector<PyRef> field_keys;
  for (std::string_view key : kFieldKeys) field_keys.emplace_back(str_of(key));
  if (indices == Py_None) {
    PyRef out(check(PyList_New(Py_ssize_t(size()))));
    for (size_t i = 0; i < size(); i++)
      PyList_SET_ITEM(out.get(), Py_ssize_t(i), s_->row(i, name_key.get(), field_keys));
    return out.release();
  }
  PyRef seq(check(PySequence_Fast(indices, "indices must be iterable")));
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.get());
  PyRef out(check(PyList_New(n)));
  for (Py_ssize_t k = 0; k < n; k++) {
    size_t i = index(PySequence_Fast_GET_ITEM(seq.get(), k));
    PyList_SET_ITEM(out.get(), k, s_->row(i, name_key.get(), field_keys));
  }
  return out.release();
}

PyObject* ObservedSchemas::first_versions(PyObject* indices, PyObject* source, PyObject* detected) const {
  PyRef seq(check(PySequence_Fast(indices, "indices must be iterable")));
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.get());
  std::vector<size_t> asked;
  asked.reserve(size_t(n));
  for (Py_ssize_t k = 0; k < n; k++) asked.push_back(index(PySequence_Fast_GET_ITEM(seq.get(), k)));
  if (!PyUnicode_Check(source) || !PyUnicode_Check(detected)) raise(PyExc_TypeError, "source and detected must be str");
  std::string source_spill, detected_spill;
  std::string_view source_text = utf8_of(source, source_spill), detected_text = utf8_of(detected, detected_spill);
  WireWriter wire;
  std::vector<size_t> left;
  {
    NoGil unlocked;  // the payload's bytes only, held by the buffer view
    std::string scratch;
    for (size_t i : asked)
      if (!s_->schemas->first_version(i, source_text, detected_text, wire, scratch)) left.push_back(i);
  }
  Bytes out;
  if (wire.mutations() > 0) out = wire.finish();
  PyRef payload(check(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(out.data()), Py_ssize_t(out.size()))));
  PyRef rest(check(PyList_New(Py_ssize_t(left.size()))));
  for (size_t k = 0; k < left.size(); k++) PyList_SET_ITEM(rest.get(), Py_ssize_t(k), check(PyLong_FromSize_t(left[k])));
  return check(PyTuple_Pack(2, payload.get(), rest.get()));
}

size_t ObservedSchemas::index(PyObject* o) const {
  Py_ssize_t i = PyNumber_AsSsize_t(o, PyExc_IndexError);
  if (i == -1 && PyErr_Occurred()) throw PyErrorSet{};
  if (i < 0 || size_t(i) >= size()) raise(PyExc_IndexError, "no such observation");
  return size_t(i);
}


bool ObservedSchemas::fields_held(size_t i, const uint8_t* stored, const StringPool& pool) const {
  return s_->schemas->fields_held(i, stored, pool);
}

}  // namespace lm
