// graph._native's face of native/marquez/marquez.h (native/bindings/marquez_py.h): the JSON each
// rendering writes, as bytes (pyspecs.h's rendered).
#include "marquez_py.h"

#include "pylock.h"
#include "pymodule.h"
#include "pyspecs.h"
#include "pyvalues.h"
#include "views.h"

namespace lm {

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
