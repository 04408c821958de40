// graph._native's face of native/marquez/marquez.h (native/bindings/marquez_py.h).
#include "marquez_py.h"

#include "pylock.h"
#include "pymodule.h"
#include "pyvalues.h"
#include "views.h"

namespace lm {

namespace {

PyObject* bytes_of(const std::string& json) { return check(PyBytes_FromStringAndSize(json.data(), Py_ssize_t(json.size()))); }

}  // namespace

PyObject* marquez_nodes_bytes(View& view, const std::vector<NodeIdx>& nodes, bool full, bool nogil) {
  std::string json;
  {
    NoGil rendering(nogil);
    marquez_nodes_json(view, nodes, full, json);
  }
  return bytes_of(json);
}

PyObject* marquez_lineage_bytes(View& view, const LineageAnswer& answer, const RunVersions* versions, bool nogil) {
  std::string json;
  {
    NoGil rendering(nogil);
    marquez_lineage_json(view, answer, json, versions);
  }
  return bytes_of(json);
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
  std::string json;
  bool truncated;
  {
    NoGil rendering(nogil);
    truncated = marquez_column_lineage_json(view, starts, downstream, depth, budget, json);
  }
  PyRef bytes(bytes_of(json));
  return check(PyTuple_Pack(2, bytes.get(), truncated ? Py_True : Py_False));
}

PyObject* marquez_fields(PyObject* entries) {
  StringPool pool;
  std::vector<StrId> held;
  PoolSink sink(pool, held);
  Bytes encoded;
  value_from_py(entries, sink, encoded, "kept fields");
  std::string json;
  bool shaped = marquez_fields_json(encoded.data(), pool, json);
  for (StrId s : held) pool.decref(s);
  if (!shaped) raise(PyExc_TypeError, "kept fields are a list of lists, one per column");
  return str_of(json);
}

}  // namespace lm
