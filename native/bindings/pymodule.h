// What the module's files share: the Graph, the function each file declares its types and
// functions with (nanobind), and the helpers those are made with.
#pragma once

#include "py.h"

#include <memory>
#include <vector>

#include "graph.h"
#include "pyargs.h"

namespace lm {

// native/bindings/graph_py.cc: Graph, Plan and Capture.
void bind_graph(nb::module_& m);

// The Graph a Python Graph holds (``graph`` must be one: nb::isinstance<Graph> says).
inline Graph& graph_in(nb::handle graph) { return *nb::inst_ptr<Graph>(graph); }

// ``read`` over the bytes of a buffer (an encoded batch, a snapshot chunk), the buffer released
// however it ends.
template <class F>
auto over_bytes(PyObject* buffer, F&& read) {
  Py_buffer view;
  if (PyObject_GetBuffer(buffer, &view, PyBUF_SIMPLE) < 0) throw PyErrorSet{};
  std::unique_ptr<Py_buffer, void (*)(Py_buffer*)> released(&view, PyBuffer_Release);
  return read(static_cast<const uint8_t*>(view.buf), size_t(view.len));
}

// native/bindings/views.cc: View, Lineage and Impact (answers.cc), and the Marquez constants.
void bind_views(nb::module_& m);
// native/bindings/ingesting.cc: Builder, Translator, DomainMatcher and the naming functions.
void bind_ingest(nb::module_& m);

}  // namespace lm
