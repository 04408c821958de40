// graph.serve.render's specs as the core's, and rendered rows and Marquez renderings as bytes (pyspecs.h).
#include "pyspecs.h"

#include "pyvalues.h"
#include "views.h"

namespace lm {

namespace {

// A value of a spec's own column, rendered as its type asks (anything else: Unrenderable).
std::string column_value(const Spec& spec, nb::handle names, nb::handle value) {
  std::string out;
  if (value.is_none()) {
    if (!spec.nullable) throw Unrenderable{};
    out += "null";
  } else if (spec.how == How::kInt && PyLong_CheckExact(value.ptr())) {
    int32_t n;
    if (!nb::try_cast(value, n, false)) throw Unrenderable{};  // past 32 bits
    out += std::to_string(n);
  } else if (spec.how == How::kString && PyUnicode_CheckExact(value.ptr())) {
    json_string(Text(value).view, out);
  } else if (spec.how == How::kJson && PyBytes_CheckExact(value.ptr())) {
    out.append(PyBytes_AS_STRING(value.ptr()), size_t(PyBytes_GET_SIZE(value.ptr())));
  } else if (spec.how == How::kEnum && nb::isinstance<nb::dict>(names)) {
    PyObject* name = get_item(names, value);
    if (name == nullptr) throw Unrenderable{};
    json_string(Text(name).view, out);
  } else {
    throw Unrenderable{};
  }
  return out;
}

}  // namespace

PySpecs specs_of(nb::handle specs) {
  PySpecs out;
  bool first = true;
  for (nb::handle item : nb::iter(specs)) {
    PyObject *key, *field, *how, *names, *column = nullptr;
    int nullable;
    if (!PyArg_ParseTuple(item.ptr(), "UUUOp|O", &key, &field, &how, &names, &nullable, &column)) throw PyErrorSet{};
    Spec spec;
    spec.key = spec_key(Text(key).view, first);
    first = false;
    spec.field = field_of(Text(field).view);
    spec.how = how_of(Text(how).view);
    spec.nullable = nullable;
    spec.has_column = column != nullptr && PyList_Check(column);
    if (spec.how == How::kObjects && !spec.has_column && (PyList_Check(names) || PyTuple_Check(names)))
      spec.items = specs_of(names).specs;  // (none: an object's fields unrenderable)
    out.specs.push_back(std::move(spec));
    out.names.push_back(nb::borrow(names));
    out.columns.push_back(out.specs.back().has_column ? nb::borrow(column) : nb::none());
  }
  return out;
}

void name_enums(PySpecs& specs, Field field, PyObject* const* values, size_t count) {
  for (size_t k = 0; k < specs.specs.size(); k++) {
    Spec& spec = specs.specs[k];
    if (spec.field != field || spec.how != How::kEnum) continue;
    spec.named.assign(count, std::string());
    if (!nb::isinstance<nb::dict>(specs.names[k])) continue;
    for (size_t code = 0; code < count; code++) {
      if (values[code] == nullptr) continue;
      PyObject* found = get_item(specs.names[k], values[code]);
      if (found != nullptr) json_string(Text(found).view, spec.named[code]);
    }
  }
}

void render_columns(PySpecs& specs, size_t rows) {
  for (size_t k = 0; k < specs.specs.size(); k++) {
    Spec& spec = specs.specs[k];
    if (!spec.has_column) continue;
    nb::list column = nb::borrow<nb::list>(specs.columns[k]);
    spec.column_json.assign(rows, std::string());
    try {
      if (column.size() < rows) throw Unrenderable{};
      for (size_t row = 0; row < rows; row++) spec.column_json[row] = column_value(spec, specs.names[k], column[row]);
    } catch (const Unrenderable&) {
      spec.column_unrenderable = true;
    }
  }
}

nb::object marquez_nodes_bytes(View& view, const std::vector<NodeIdx>& nodes, bool full, bool nogil) {
  return rendered(nogil, [&](std::string& json) { marquez_nodes_json(view, nodes, full, json); });
}

nb::object marquez_lineage_bytes(View& view, const LineageAnswer& answer, const RunVersions* versions, bool nogil) {
  return rendered(nogil, [&](std::string& json) { marquez_lineage_json(view, answer, json, versions); });
}

nb::list marquez_lineage_run_ids(View& view, const LineageAnswer& answer, bool nogil) {
  std::vector<NodeIdx> runs;
  {
    NoGil reading(nogil);
    marquez_lineage_runs(view, answer, runs);
  }
  return list_of(runs.size(), [&](size_t i) { return id_str(view.g, view.g.node_id[runs[i]]); });
}

nb::tuple marquez_column_lineage_bytes(View& view, const std::vector<NodeIdx>& starts, bool downstream, int depth,
                                       Budget budget, bool nogil) {
  bool truncated;
  nb::object json = rendered(nogil, [&](std::string& json) {
    truncated = marquez_column_lineage_json(view, starts, downstream, depth, budget, json);
  });
  return nb::make_tuple(json, truncated);
}

nb::object marquez_fields(nb::handle entries) {
  ValueAlone value(entries.ptr(), "kept fields");
  std::string json;
  if (!marquez_fields_json(value.bytes.data(), value.pool, json))
    raise(PyExc_TypeError, "kept fields are a list of lists, one per column");
  return nb::steal(str_of(json));
}

}  // namespace lm
