// graph.serve.render's specs as the core's (native/core/render_json.h): their keys, fields and how
// each is written, an enum's names and a field's own values rendered under the GIL, so that the
// rows can be rendered without it; and the rows rendered, as the bytes the API sends, Marquez's
// renderings (native/marquez/marquez.h) among them.
#pragma once

#include "py.h"

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "marquez.h"
#include "pylock.h"
#include "render_json.h"

namespace lm {

// The specs (key, field, how, enum names or None, nullable[, the field's values as a list]) and
// the Python values they name, owned until the rows are rendered.
struct PySpecs {
  std::vector<Spec> specs;
  std::vector<nb::object> names;    // by spec: value -> serialized name (a dict), or None
  std::vector<nb::object> columns;  // by spec: the field's values (a list), or None
};

PySpecs specs_of(nb::handle specs);

// The names of an enum ``field``'s values by code: ``values`` are its Python members by code
// (nullptr: none), looked up in the spec's names.
void name_enums(PySpecs& specs, Field field, PyObject* const* values, size_t count);

// Each spec's own column (``rows`` values) as JSON: a value its type cannot hold (an int past 32
// bits, a str where an int is asked, a value with no enum name) makes the list unrenderable.
void render_columns(PySpecs& specs, size_t rows);

// The rows ``render`` renders (without the GIL when ``nogil``: a view of the embedded store, under
// the graph's lock: a 20k-row answer is milliseconds of work the event loop and other queries need
// not wait for) as bytes, or None when they need Python: ``render()`` returns them or nullopt, or
// ``render(json)`` writes them (a Marquez rendering, which always can).
template <class F>
nb::object rendered(bool nogil, F&& render) {
  std::optional<std::string> rows;
  {
    NoGil rendering(nogil);
    if constexpr (std::is_invocable_v<F, std::string&>) render(rows.emplace());
    else rows = render();
  }
  if (!rows) return nb::none();
  return nb::bytes(rows->data(), rows->size());
}

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
