// The Python classes the core reads and makes (``graph.core.model``, ``graph.core.mutations``), found by
// name the first time a call needs them: nothing has to be called, or imported first, to set them.
#pragma once

#include "py.h"

#include "common.h"
#include "kinds.h"

namespace lm {

struct PyTypes {
  PyObject* node_kind[kNodeKinds] = {};  // NodeKind members, by code
  PyObject* edge_kind[kEdgeKinds] = {};  // EdgeKind members, by code
  PyObject* node_kind_value[kNodeKinds] = {};  // their values (str)
  PyObject* edge_kind_value[kEdgeKinds] = {};
  PyObject* Node = nullptr;
  PyObject* Edge = nullptr;
  PyObject* UpsertNode = nullptr;
  PyObject* UpsertEdge = nullptr;
  PyObject* empty = nullptr;  // graph.core.mutations._EMPTY: the shared read-only empty mapping
  bool ready = false;
};

extern PyTypes py;

// Finds the classes unless found already; raises when they cannot be imported. Every entry point
// that reads or makes graph objects calls it first.
void require_configured();

// The code of a NodeKind/EdgeKind member (or of its value as a str); raises ValueError.
uint8_t node_kind_code(PyObject* kind);
uint8_t edge_kind_code(PyObject* kind);

// graph.core.model.Node(id, kind, props, stamps) / Edge(source, kind, target, props, stamps).
nb::object make_node(nb::object id, uint8_t kind, nb::object props, nb::object stamps);
nb::object make_edge(nb::object source, uint8_t kind, nb::object target, nb::object props, nb::object stamps);
// An edge's key, (source, kind, target) as graph.core.model.Edge.key is.
inline nb::tuple edge_key(nb::handle source, uint8_t kind, nb::handle target) {
  return nb::make_tuple(source, nb::handle(py.edge_kind[kind]), target);
}

}  // namespace lm
