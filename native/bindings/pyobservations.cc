// The schema observations of a batch (native/core/observations.h) as the Python rows and bytes
// graph.change.schema_observations reads: the reading is the core's, over the payload's buffer held
// here; a row's field values are made as Python values only for the observations asked.
#include "pyobservations.h"

#include <nanobind/stl/unique_ptr.h>

#include <string>

#include "pylock.h"
#include "pytypes.h"

namespace lm {

namespace {

// The keys of a row's field dicts, made once for the rows of one call.
struct RowKeys {
  nb::str name{"name"};
  std::vector<nb::str> fields;
  RowKeys() {
    for (std::string_view key : kFieldKeys) fields.emplace_back(key.data(), key.size());
  }
};

const Py_buffer& buffer(nb::handle view) { return *PyMemoryView_GET_BUFFER(view.ptr()); }

// A text of the batch as a Python str ("" for none).
nb::str text(const SchemaObservations& schemas, SchemaObservations::Text t) {
  return nb::steal<nb::str>(str_of(t.none() ? std::string_view() : schemas.text(t)));
}

// Observation ``i``'s row (ObservedSchemas::rows).
nb::tuple row(const ObservedSchemas& o, size_t i, const RowKeys& keys) {
  const SchemaObservations& schemas = o.schemas;
  const SchemaObservations::Observed& seen = schemas.observed[i];
  nb::list columns;
  for (uint32_t c = 0; c < seen.count; c++) {
    const SchemaObservations::Field& f = schemas.fields[seen.first + c];
    nb::dict field;
    field[keys.name] = text(schemas, f.name);
    for (size_t k = 0; k < kFieldCount; k++) {
      const uint8_t* v = schemas.value(f, k);
      if (v == nullptr) continue;
      if (o.strings.size() <= f.part[k]) o.strings.resize(schemas.parts.size());
      std::unique_ptr<PyStrings>& strings = o.strings[f.part[k]];
      if (!strings) strings = std::make_unique<PyStrings>(schemas.parts[f.part[k]].table);
      Reader r = schemas.at(v);
      WireValue value{r, *strings};
      field[keys.fields[k]] = value_to_py(value);
    }
    columns.append(field);
  }
  nb::object origin = seen.origin.none() ? nb::none() : nb::object(text(schemas, seen.origin));
  return nb::make_tuple(text(schemas, seen.id), text(schemas, seen.ns), text(schemas, seen.name),
                        text(schemas, seen.at), nb::tuple(columns), origin);
}

// The batch's observations; nullptr for a batch the Python reader must read (it names a contract,
// or something unexpected). ``index``: what index_bytes gave for this payload (a worker read it),
// adopted instead of reading the batch again (None: read here).
std::unique_ptr<ObservedSchemas> observed_schemas(nb::handle payload, nb::handle index) {
  require_configured();
  auto out = std::make_unique<ObservedSchemas>(payload);
  if (!index.is_none()) {
    char* bytes;
    Py_ssize_t length;
    if (PyBytes_AsStringAndSize(index.ptr(), &bytes, &length) < 0) throw PyErrorSet{};
    out->schemas.adopt(reinterpret_cast<const uint8_t*>(bytes), size_t(length));
    return out;
  }
  bool readable;
  {
    NoGil unlocked;  // the payload's bytes only, held by the memoryview
    readable = out->schemas.parse();
  }
  return readable ? std::move(out) : nullptr;
}

// What was read, as offsets into the payload and indexes of its tables (bytes): a process that has
// the same payload adopts it without reading the batch (``observed_schemas``).
nb::bytes index_bytes(const ObservedSchemas& o) {
  Bytes out;
  o.schemas.write_index(out);
  return bytes_of(out);
}

// [(dataset id, at)] of every observation, in the batch's order.
nb::list keys(const ObservedSchemas& o) {
  nb::list out;
  for (const SchemaObservations::Observed& seen : o.schemas.observed)
    out.append(nb::make_tuple(text(o.schemas, seen.id), text(o.schemas, seen.at)));
  return out;
}

// [(dataset id, namespace, name, at, fields, origin run or None)] of the observations at
// ``indices`` (a sequence of ints), or of all of them (None).
nb::list rows(const ObservedSchemas& o, nb::handle indices) {
  RowKeys named;
  nb::list out;
  if (indices.is_none()) {
    for (size_t i = 0; i < o.size(); i++) out.append(row(o, i, named));
    return out;
  }
  for (PyObject* i : Items(indices, "indices must be iterable")) out.append(row(o, o.index(i), named));
  return out;
}

// (payload, left): the first versions of the observations at ``indices`` (graph.change.schema_history's
// version of a dataset with none yet, from ``source``, detected at ``detected``) as a batch in the
// wire form (empty: none), and the indices of those it left to Python (a field holding a float).
nb::tuple first_versions(const ObservedSchemas& o, nb::handle indices, const Text& source, const Text& detected) {
  std::vector<size_t> asked;
  for (PyObject* i : Items(indices, "indices must be iterable")) asked.push_back(o.index(i));
  WireWriter wire;
  std::vector<size_t> rest;
  {
    NoGil unlocked;  // the payload's bytes only, held by the memoryview
    std::string scratch;
    for (size_t i : asked)
      if (!o.schemas.first_version(i, source.view, detected.view, wire, scratch)) rest.push_back(i);
  }
  nb::list left = list_of(rest.size(), [&](size_t k) { return PyLong_FromSize_t(rest[k]); });
  return nb::make_tuple(bytes_of(wire.mutations() > 0 ? wire.finish() : Bytes()), left);
}

}  // namespace

ObservedSchemas::ObservedSchemas(nb::handle payload)
    : view(nb::steal(check(PyMemoryView_FromObject(payload.ptr())))),
      schemas(static_cast<const uint8_t*>(buffer(view).buf), size_t(buffer(view).len)) {}

size_t ObservedSchemas::index(nb::handle o) const {
  Py_ssize_t i = PyNumber_AsSsize_t(o.ptr(), PyExc_IndexError);
  if (i == -1 && PyErr_Occurred()) throw PyErrorSet{};
  if (i < 0 || size_t(i) >= size()) raise(PyExc_IndexError, "no such observation");
  return size_t(i);
}

void bind_observations(nb::module_& m) {
  nb::class_<ObservedSchemas>(m, "ObservedSchemas", nb::is_final())
      .def_prop_ro("size", &ObservedSchemas::size)
      .def("index", &index_bytes)
      .def("keys", &keys)
      .def("rows", &rows, nb::arg().none() = nb::none())
      .def("first_versions", &first_versions);
  m.def("observed_schemas", &observed_schemas, nb::arg(), nb::arg().none() = nb::none());
}

}  // namespace lm
