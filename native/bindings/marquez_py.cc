// graph._native's face of native/marquez/marquez.h (native/bindings/marquez_py.h).
#include "marquez_py.h"

#include "pylock.h"
#include "pymodule.h"
#include "pyvalues.h"
#include "views.h"

namespace lm {

namespace {

// The JSON ``render(json)`` writes, as bytes; rendered with the GIL let go when ``nogil`` says.
template <class F>
nb::bytes rendered(bool nogil, F&& render) {
  std::string json;
  {
    NoGil rendering(nogil);
    render(json);
  }
  return nb::bytes(json.data(), json.size());
}

}  // namespace

PyObject* marquez_nodes_bytes(View& view, const std::vector<NodeIdx>& nodes, bool full, bool nogil) {
  return rendered(nogil, [&](std::string& json) { marquez_nodes_json(view, nodes, full, json); }).release().ptr();
}

PyObject* marquez_lineage_bytes(View& view, const LineageAnswer& answer, const RunVersions* versions, bool nogil) {
  return rendered(nogil, [&](std::string& json) { marquez_lineage_json(view, answer, json, versions); }).release().ptr();
}

PyObject* marquez_lineage_run_ids(View& view, const LineageAnswer& answer, bool nogil) {
  std::vector<NodeIdx> runs;
  {
    NoGil reading(nogil);
    marquez_lineage_runs(view, answer, runs);
  }
  return list_of(runs.size(), [&](size_t i) { return id_str(view.g, view.g.node_id[runs[i]]); }).release().ptr();
}

PyObject* marquez_column_lineage_bytes(View& view, const std::vector<NodeIdx>& starts, bool downstream, int depth, Budget budget,
                                       bool nogil) {
  bool truncated;
  nb::bytes json = rendered(nogil, [&](std::string& json) {
    truncated = marquez_column_lineage_json(view, starts, downstream, depth, budget, json);
  });
  return nb::make_tuple(json, truncated).release().ptr();
}

PyObject* marquez_fields(PyObject* entries) {
  ValueAlone value(entries, "kept fields");
  std::string json;
  if (!marquez_fields_json(value.bytes.data(), value.pool, json))
    raise(PyExc_TypeError, "kept fields are a list of lists, one per column");
  return str_of(json);
}

}  // namespace lm
