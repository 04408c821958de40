#include "pytypes.h"

#include <structmember.h>

namespace lm {

PyTypes py;

namespace {

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

// How graph.core.model.Node / Edge (slotted dataclasses) are made: their slots filled directly,
// which costs a fraction of calling the generated __init__ (walks make tens of thousands of
// these), or the class called when its fields are not plain slots.
struct Maker {
  std::vector<const char*> names;  // the fields, in the order they are given
  Py_ssize_t offsets[5] = {};
  int slotted = -1;  // not looked yet

  // An instance of ``type`` of ``args`` (taken over).
  nb::object make(PyObject* type, nb::object* args) {
    int n = int(names.size());
    if (slotted < 0) slotted = find_slots(type, names.data(), offsets, n);
    if (!slotted) {
      PyObject* call[5];
      for (int i = 0; i < n; i++) call[i] = args[i].ptr();
      return nb::steal(check(PyObject_Vectorcall(type, call, size_t(n), nullptr)));
    }
    PyTypeObject* t = reinterpret_cast<PyTypeObject*>(type);
    PyObject* o = check(t->tp_alloc(t, 0));
    for (int i = 0; i < n; i++) *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(o) + offsets[i]) = args[i].release().ptr();
    return nb::steal(o);
  }
};

Maker node_maker{{"id", "kind", "props", "stamps"}};
Maker edge_maker{{"source", "kind", "target", "props", "stamps"}};

// ``slot`` set to ``o`` (a second thread finding the classes half set sets them again).
void set(PyObject*& slot, nb::object o) { Py_XSETREF(slot, o.release().ptr()); }

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

uint8_t node_kind_code(PyObject* kind) {
  require_configured();
  return kind_code(kind, py.node_kind, py.node_kind_value, kNodeKinds, "not a node kind: ");
}

uint8_t edge_kind_code(PyObject* kind) {
  require_configured();
  return kind_code(kind, py.edge_kind, py.edge_kind_value, kEdgeKinds, "not an edge kind: ");
}

nb::object make_node(nb::object id, uint8_t kind, nb::object props, nb::object stamps) {
  nb::object args[4] = {std::move(id), nb::borrow(py.node_kind[kind]), std::move(props), std::move(stamps)};
  return node_maker.make(py.Node, args);
}

nb::object make_edge(nb::object source, uint8_t kind, nb::object target, nb::object props, nb::object stamps) {
  nb::object args[5] = {std::move(source), nb::borrow(py.edge_kind[kind]), std::move(target), std::move(props),
                        std::move(stamps)};
  return edge_maker.make(py.Edge, args);
}

}  // namespace lm
