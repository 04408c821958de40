// What the View, Lineage and Impact types (graph._native, native/bindings/views.cc, answers.cc)
// share: their objects, how their methods take the graph's lock, and the node columns both read.
#pragma once

#include "py.h"

#include "impact.h"
#include "pylock.h"
#include "pymodule.h"
#include "remote_source.h"

namespace lm {

struct ViewObject {
  PyObject_HEAD
  PyObject* graph_owner;  // the GraphObject a view of the embedded store reads (else nullptr)
  PyObject* store;
  Source* source;
  View* view;
  Aliases* aliases;
  Stamp as_of;
};

struct LineageObject {
  PyObject_HEAD
  PyObject* owner;  // the ViewObject
  LineageAnswer* answer;
};

struct ImpactObject {
  PyObject_HEAD
  PyObject* owner;
  ImpactReportAnswer* answer;
};

extern PyTypeObject LineageType;
extern PyTypeObject ImpactType;

inline ViewObject* view_of(PyObject* self) { return reinterpret_cast<ViewObject*>(self); }

// A view of the embedded store reads its graph under the graph's lock (native/bindings/pylock.h)
// and lets the GIL go for its walks; a view of a remote store reads its own mirror, through its
// store's Python methods (bindings/remote_source.h), with the GIL held throughout.
inline bool embedded(const ViewObject* v) { return v->graph_owner != nullptr; }

inline ViewObject* view_itself(PyObject* self) { return view_of(self); }
template <class Answer>
ViewObject* view_behind(PyObject* self) { return view_of(reinterpret_cast<Answer*>(self)->owner); }

// A method of a view or of its answer, under its graph's lock when the view reads the embedded store.
template <PyObject* (*F)(PyObject*, PyObject*), ViewObject* (*Of)(PyObject*)>
PyObject* locked(PyObject* self, PyObject* arg) {
  LM_GUARD_BEGIN
  ViewObject* v = Of(self);
  if (!embedded(v)) return F(self, arg);
  return read_graph(v->view->g, [&] { return F(self, arg); });
  LM_GUARD_END(nullptr)
}

PyObject* id_str(const Graph& g, StrId id);

// Whether a node of an answer shows as dropped: as the answer's view judges it (a view as of a past
// moment: dropped by then), else as it stands now.
bool shown_deleted(const Graph& g, const View* view, NodeIdx n);

// One field of many nodes, as graph.api.schema reads it of a Node: id, kind, a property (namespace,
// name, dataset: its value or None), or deleted / declared (bools; deleted as ``view`` judges it).
// Strings a column repeats are made once.
PyObject* node_column(const Graph& g, const std::vector<NodeIdx>& nodes, std::string_view field, const View* view = nullptr);

Budget budget_of(Py_ssize_t max_nodes, double seconds);

// native/bindings/answers.cc: adds Lineage and Impact (add_view_types calls it).
bool add_answer_types(PyObject* module);

}  // namespace lm
