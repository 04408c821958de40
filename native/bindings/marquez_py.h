// graph._native's face of native/marquez/marquez.h: the renderings as Python bytes.
#pragma once

#include "py.h"

#include "marquez.h"

namespace lm {

// View.marquez(ids, full) -> bytes; Lineage.render_marquez() -> bytes (graph.serve.marquez).
// ``nogil``: render with the GIL let go (a view of the embedded store, its graph's lock held).
nb::object marquez_nodes_bytes(View& view, const std::vector<NodeIdx>& nodes, bool full, bool nogil);
nb::object marquez_lineage_bytes(View& view, const LineageAnswer& answer, const RunVersions* versions, bool nogil);
// Lineage.marquez_runs() -> list[str]: the ids of the runs render_marquez shows (marquez_lineage_runs).
nb::list marquez_lineage_run_ids(View& view, const LineageAnswer& answer, bool nogil);
// View.marquez_column_lineage(...) -> (bytes, truncated).
nb::tuple marquez_column_lineage_bytes(View& view, const std::vector<NodeIdx>& starts, bool downstream, int depth,
                                       Budget budget, bool nogil);

// marquez_fields(entries) -> str: the JSON text of a dataset's fields a remote store keeps
// (marquez_fields_json; graph.stores.neo4j).
nb::object marquez_fields(nb::handle entries);

}  // namespace lm
