// The schema observations of a batch (native/core/observations.h) as the Python rows and bytes
// graph.change.schema_observations reads: the reading is the core's, over the payload's buffer held
// here; a row's field values are made as Python values only for the observations asked.
#include "pyobservations.h"

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
      field[keys.fields[k]] = wire_to_py(r, *strings, 0);
    }
    columns.append(field);
  }
  nb::object origin = seen.origin.none() ? nb::none() : nb::object(text(schemas, seen.origin));
  return nb::make_tuple(text(schemas, seen.id), text(schemas, seen.ns), text(schemas, seen.name),
                        text(schemas, seen.at), nb::tuple(columns), origin);
}

}  // namespace

ObservedSchemas::ObservedSchemas(nb::object payload)
    : view(std::move(payload)),
      schemas(static_cast<const uint8_t*>(buffer(view).buf), size_t(buffer(view).len)) {}

std::unique_ptr<ObservedSchemas> ObservedSchemas::read(nb::handle payload, nb::handle index) {
  require_configured();
  std::unique_ptr<ObservedSchemas> out(new ObservedSchemas(nb::steal(check(PyMemoryView_FromObject(payload.ptr())))));
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

nb::bytes ObservedSchemas::index_bytes() const {
  Bytes out;
  schemas.write_index(out);
  return nb::bytes(out.data(), out.size());
}

nb::list ObservedSchemas::keys() const {
  nb::list out;
  for (const SchemaObservations::Observed& o : schemas.observed)
    out.append(nb::make_tuple(text(schemas, o.id), text(schemas, o.at)));
  return out;
}

nb::list ObservedSchemas::rows(nb::handle indices) const {
  RowKeys keys;
  nb::list out;
  if (indices.is_none()) {
    for (size_t i = 0; i < size(); i++) out.append(row(*this, i, keys));
    return out;
  }
  for (PyObject* i : Items(indices, "indices must be iterable")) out.append(row(*this, index(i), keys));
  return out;
}

nb::tuple ObservedSchemas::first_versions(nb::handle indices, const Text& source, const Text& detected) const {
  std::vector<size_t> asked;
  for (PyObject* i : Items(indices, "indices must be iterable")) asked.push_back(index(i));
  WireWriter wire;
  nb::list left;
  std::vector<size_t> rest;
  {
    NoGil unlocked;  // the payload's bytes only, held by the memoryview
    std::string scratch;
    for (size_t i : asked)
      if (!schemas.first_version(i, source.view, detected.view, wire, scratch)) rest.push_back(i);
  }
  for (size_t i : rest) left.append(i);
  Bytes out;
  if (wire.mutations() > 0) out = wire.finish();
  return nb::make_tuple(nb::bytes(out.data(), out.size()), left);
}

size_t ObservedSchemas::index(nb::handle o) const {
  Py_ssize_t i = PyNumber_AsSsize_t(o.ptr(), PyExc_IndexError);
  if (i == -1 && PyErr_Occurred()) throw PyErrorSet{};
  if (i < 0 || size_t(i) >= size()) raise(PyExc_IndexError, "no such observation");
  return size_t(i);
}

}  // namespace lm
