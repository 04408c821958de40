#include "pytypes.h"

#include <structmember.h>

namespace lm {

PyTypes py;

namespace {

// Slot offsets of graph.core.model.Node / Edge (slotted dataclasses): filling the slots directly
// costs a fraction of calling the generated __init__, and walks make tens of thousands of these.
Py_ssize_t node_slots[4] = {-1, -1, -1, -1};
Py_ssize_t edge_slots[5] = {-1, -1, -1, -1, -1};

bool find_slots(PyObject* type, const char* const* names, Py_ssize_t* offsets, int n) {
  for (int i = 0; i < n; i++) {
    PyObject* descr = PyDict_GetItemString(reinterpret_cast<PyTypeObject*>(type)->tp_dict, names[i]);
    if (descr == nullptr || Py_TYPE(descr) != &PyMemberDescr_Type) return false;
    PyMemberDef* member = reinterpret_cast<PyMemberDescrObject*>(descr)->d_member;
    if (member->type != T_OBJECT_EX) return false;
    offsets[i] = member->offset;
  }
  return true;
}

PyObject* make(PyObject* type, Py_ssize_t* offsets, bool slotted, PyObject** args, int n) {
  if (slotted) {
    PyTypeObject* t = reinterpret_cast<PyTypeObject*>(type);
    PyObject* o = t->tp_alloc(t, 0);
    if (o == nullptr) {
      for (int i = 0; i < n; i++) Py_DECREF(args[i]);
      throw PyErrorSet{};
    }
    for (int i = 0; i < n; i++) *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(o) + offsets[i]) = args[i];
    return o;
  }
  PyRef tuple(PyTuple_New(n));
  if (!tuple) {
    for (int i = 0; i < n; i++) Py_DECREF(args[i]);
    throw PyErrorSet{};
  }
  for (int i = 0; i < n; i++) PyTuple_SET_ITEM(tuple.get(), i, args[i]);
  return check(PyObject_Call(type, tuple.get(), nullptr));
}

bool node_slotted = false;
bool edge_slotted = false;

// ``slot`` set to ``o`` (a second thread finding the classes half set sets them again).
void set(PyObject*& slot, nb::object o) { Py_XSETREF(slot, o.release().ptr()); }

}  // namespace

void require_configured() {
  if (py.ready) return;
  // Found by name, so no import order matters: a caller may import graph._native alone. Each
  // slot is set whole before ``ready``; an import that fails raises (ImportError, AttributeError).
  nb::module_ model = nb::module_::import_("graph.core.model"), mutations = nb::module_::import_("graph.core.mutations");
  for (int i = 0; i < kNodeKinds; i++) {
    set(py.node_kind[i], model.attr("NodeKind")(kNodeKindNames[i]));
    set(py.node_kind_value[i], nb::handle(py.node_kind[i]).attr("value"));
  }
  for (int i = 0; i < kEdgeKinds; i++) {
    set(py.edge_kind[i], model.attr("EdgeKind")(kEdgeKindNames[i]));
    set(py.edge_kind_value[i], nb::handle(py.edge_kind[i]).attr("value"));
  }
  set(py.Node, model.attr("Node"));
  set(py.Edge, model.attr("Edge"));
  set(py.UpsertNode, mutations.attr("UpsertNode"));
  set(py.UpsertEdge, mutations.attr("UpsertEdge"));
  set(py.empty, mutations.attr("_EMPTY"));
  py.ready = true;
}

namespace {

// The code of a member of a kind enum (``members``, ``values``: its members and their values by
// code), or of its value as a str; raises ValueError, ``what`` and the kind shown.
uint8_t kind_code(PyObject* kind, PyObject* const* members, PyObject* const* values, uint8_t n, const char* what) {
  for (uint8_t i = 0; i < n; i++)
    if (kind == members[i]) return i;
  if (PyUnicode_Check(kind)) {
    for (uint8_t i = 0; i < n; i++)
      if (PyUnicode_Compare(kind, values[i]) == 0) return i;
    if (PyErr_Occurred()) throw PyErrorSet{};
  }
  raise(PyExc_ValueError, what + shown(kind));
}

}  // namespace

uint8_t node_kind_code(PyObject* kind) {
  require_configured();
  return kind_code(kind, py.node_kind, py.node_kind_value, kNodeKinds, "not a node kind: ");
}

uint8_t edge_kind_code(PyObject* kind) {
  require_configured();
  return kind_code(kind, py.edge_kind, py.edge_kind_value, kEdgeKinds, "not an edge kind: ");
}

PyObject* make_node(PyObject* id, uint8_t kind, PyObject* props, PyObject* stamps) {
  if (node_slots[0] < 0 && !node_slotted) {
    static const char* const names[] = {"id", "kind", "props", "stamps"};
    node_slotted = find_slots(py.Node, names, node_slots, 4);
    if (!node_slotted) node_slots[0] = 0;  // looked, and calls the class instead
  }
  Py_INCREF(py.node_kind[kind]);
  PyObject* args[4] = {id, py.node_kind[kind], props, stamps};
  return make(py.Node, node_slots, node_slotted, args, 4);
}

PyObject* make_edge(PyObject* source, uint8_t kind, PyObject* target, PyObject* props, PyObject* stamps) {
  if (edge_slots[0] < 0 && !edge_slotted) {
    static const char* const names[] = {"source", "kind", "target", "props", "stamps"};
    edge_slotted = find_slots(py.Edge, names, edge_slots, 5);
    if (!edge_slotted) edge_slots[0] = 0;
  }
  Py_INCREF(py.edge_kind[kind]);
  PyObject* args[5] = {source, py.edge_kind[kind], target, props, stamps};
  return make(py.Edge, edge_slots, edge_slotted, args, 5);
}

}  // namespace lm
