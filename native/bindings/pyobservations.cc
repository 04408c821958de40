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

namespace {

// The keys of a row's field dicts, made once for the rows of one call.
struct RowKeys {
  nb::str name = nb::steal<nb::str>(str_of("name"));
  std::vector<nb::str> fields;
  RowKeys() {
    for (std::string_view key : kFieldKeys) fields.push_back(nb::steal<nb::str>(str_of(key)));
  }
};

}  // namespace

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

  nb::tuple row(size_t i, const RowKeys& keys) {
    const SchemaObservations::Observed& o = schemas->observed[i];
    nb::list columns;
    for (uint32_t c = 0; c < o.count; c++) {
      const SchemaObservations::Field& f = schemas->fields[o.first + c];
      nb::dict field;
      field[keys.name] = text(f.name);
      for (size_t k = 0; k < kFieldCount; k++) {
        const uint8_t* v = schemas->value(f, k);
        if (v == nullptr) continue;
        Reader r = schemas->at(v);
        field[keys.fields[k]] = nb::steal(wire_to_py(r, py(f.part[k]), 0));
      }
      columns.append(field);
    }
    nb::object origin = o.origin.none() ? nb::none() : nb::object(text(o.origin));
    return nb::make_tuple(text(o.id), text(o.ns), text(o.name), text(o.at), nb::tuple(columns), origin);
  }

  // A text of the batch as a Python str ("" for none).
  nb::str text(SchemaObservations::Text t) const {
    return nb::steal<nb::str>(str_of(t.none() ? std::string_view() : schemas->text(t)));
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
  return nb::bytes(out.data(), out.size()).release().ptr();
}

PyObject* ObservedSchemas::keys() const {
  nb::list out;
  for (const SchemaObservations::Observed& o : s_->schemas->observed)
    out.append(nb::make_tuple(s_->text(o.id), s_->text(o.at)));
  return out.release().ptr();
}

PyObject* ObservedSchemas::rows(PyObject* indices) const {
  RowKeys keys;
  nb::list out;
  if (indices == Py_None) {
    for (size_t i = 0; i < size(); i++) out.append(s_->row(i, keys));
    return out.release().ptr();
  }
  for (nb::handle i : nb::steal<nb::sequence>(check(PySequence_Fast(indices, "indices must be iterable"))))
    out.append(s_->row(index(i.ptr()), keys));
  return out.release().ptr();
}

PyObject* ObservedSchemas::first_versions(PyObject* indices, PyObject* source, PyObject* detected) const {
  std::vector<size_t> asked;
  for (nb::handle i : nb::steal<nb::sequence>(check(PySequence_Fast(indices, "indices must be iterable"))))
    asked.push_back(index(i.ptr()));
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
  nb::list rest;
  for (size_t i : left) rest.append(i);
  return nb::make_tuple(nb::bytes(out.data(), out.size()), rest).release().ptr();
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
