// graph._native.View and its answers: the Python face of the query engine (graph/native/view.h,
// aliases.h, lineage.h, impact.h). ``graph.view.GraphView`` wraps it.
#include <algorithm>
#include <memory>

#include "impact.h"
#include "pymodule.h"
#include "pyrecords.h"
#include "pytypes.h"

namespace lm {

namespace {

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
  ImpactAnswer* answer;
};

PyTypeObject ViewType = {PyVarObject_HEAD_INIT(nullptr, 0)};
PyTypeObject LineageType = {PyVarObject_HEAD_INIT(nullptr, 0)};
PyTypeObject ImpactType = {PyVarObject_HEAD_INIT(nullptr, 0)};

ViewObject* view_of(PyObject* self) { return reinterpret_cast<ViewObject*>(self); }

bool is_out(PyObject* direction) {
  if (PyUnicode_Check(direction)) {
    if (PyUnicode_CompareWithASCIIString(direction, "out") == 0) return true;
    if (PyUnicode_CompareWithASCIIString(direction, "in") == 0) return false;
  }
  raise(PyExc_ValueError, "direction must be 'out' or 'in'");
}

uint32_t kind_mask(PyObject* kinds) {
  PyRef seq(check(PySequence_Fast(kinds, "kinds must be iterable")));
  uint32_t mask = 0;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); i++)
    mask |= kind_bit(edge_kind_code(PySequence_Fast_GET_ITEM(seq.get(), i)));
  return mask;
}

// Python ids, each with its StrId in the view's pool (kNone: no node there can have it) and
// node; a remote view interns them (it may learn they exist) and holds them while ``Ids`` lives.
class Ids {
 public:
  Ids(ViewObject* self, PyObject* ids) : g_(self->view->g) {
    seq_ = PyRef(check(PySequence_Fast(ids, "ids must be iterable")));
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq_.get());
    std::string spill;
    bool remote = self->source->remote();
    for (Py_ssize_t i = 0; i < n; i++) {
      PyObject* id = PySequence_Fast_GET_ITEM(seq_.get(), i);
      if (!PyUnicode_Check(id)) raise(PyExc_TypeError, "node ids are str");
      std::string_view text = utf8_of(id, spill);
      StrId sid = remote ? g_.pool.intern(text) : g_.pool.find(text);
      if (remote) held_.push_back(sid);
      objects.push_back(id);
      strs.push_back(sid);
    }
    std::vector<StrId> known;
    for (StrId s : strs)
      if (s != kNone) known.push_back(s);
    std::vector<NodeIdx> found;
    self->view->find_all(known, found);
    size_t k = 0;
    for (StrId s : strs) nodes.push_back(s == kNone ? kNone : found[k++]);
  }
  ~Ids() {
    for (StrId s : held_) g_.pool.decref(s);
  }
  std::vector<PyObject*> objects;  // borrowed from the sequence
  std::vector<StrId> strs;
  std::vector<NodeIdx> nodes;
  std::vector<NodeIdx> existing() const {
    std::vector<NodeIdx> out;
    for (NodeIdx n : nodes)
      if (n != kNone) out.push_back(n);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  Graph& g_;
  PyRef seq_;
  std::vector<StrId> held_;
};

PyObject* id_str(const Graph& g, StrId id) { return str_of(g.pool.view(id)); }

PyObject* key_tuple(const Graph& g, const EdgeRef& e) {
  PyRef source(id_str(g, g.node_id[e.source])), target(id_str(g, g.node_id[e.target]));
  return check(PyTuple_Pack(3, source.get(), py.edge_kind[e.kind], target.get()));
}

PyObject* id_map(const Graph& g, const IdMap& map) {
  PyRef out(check(PyDict_New()));
  for (auto& [a, b] : map) {
    PyRef ka(id_str(g, a)), kb(id_str(g, b));
    if (PyDict_SetItem(out.get(), ka.get(), kb.get()) < 0) throw PyErrorSet{};
  }
  return out.release();
}

Budget budget_of(Py_ssize_t max_nodes, double seconds) {
  auto span = std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
  return Budget{size_t(std::max<Py_ssize_t>(max_nodes, 0)), std::chrono::steady_clock::now() + span};
}

NodeIdx start_node(ViewObject* self, PyObject* id) {
  std::string spill;
  if (!PyUnicode_Check(id)) raise(PyExc_TypeError, "node ids are str");
  NodeIdx n = self->view->find(utf8_of(id, spill));
  if (n == kNone) raise(PyExc_LookupError, "no such node");
  return n;
}

// -- View -----------------------------------------------------------------------------------------

PyObject* view_new(PyTypeObject* type, PyObject* args, PyObject*) {
  LM_GUARD_BEGIN
  require_configured();
  PyObject *graph, *store, *as_of, *summary;
  if (!PyArg_ParseTuple(args, "OOOO", &graph, &store, &as_of, &summary)) return nullptr;
  if (graph != Py_None && Py_TYPE(graph) != &GraphType) raise(PyExc_TypeError, "graph must be a Graph or None");
  PyRef self(check(type->tp_alloc(type, 0)));
  ViewObject* v = view_of(self.get());
  Py_INCREF(store);
  v->store = store;
  std::unique_ptr<Source> source;
  if (graph != Py_None) {
    Py_INCREF(graph);
    v->graph_owner = graph;
    source = std::make_unique<Source>(*reinterpret_cast<GraphObject*>(graph)->graph);
  } else {
    source = std::make_unique<RemoteSource>(std::make_unique<Graph>(), store, summary, as_of == Py_None);
  }
  Stamp moment = 0;
  if (as_of != Py_None) {
    if (!PyUnicode_Check(as_of)) raise(PyExc_TypeError, "as_of must be a stamp (str) or None");
    std::string spill;
    moment = stamp_of(utf8_of(as_of, spill), source->g.pool);
  }
  v->as_of = moment;
  v->view = new View(*source, as_of != Py_None, moment);
  v->aliases = new Aliases(*v->view);
  v->source = source.release();
  return self.release();
  LM_GUARD_END(nullptr)
}

void view_dealloc(PyObject* self) {
  ViewObject* v = view_of(self);
  delete v->aliases;
  if (v->view && v->view->past) stamp_decref(v->as_of, v->view->g.pool);
  delete v->view;
  delete v->source;
  Py_XDECREF(v->store);
  Py_XDECREF(v->graph_owner);
  Py_TYPE(self)->tp_free(self);
}

PyObject* node_dict(ViewObject* self, PyObject* ids, bool whole) {
  Ids found(self, ids);
  std::vector<NodeIdx> existing = found.existing();
  if (whole) self->view->wholes(existing); else self->view->summaries(existing);
  PyRef out(check(PyDict_New()));
  const Graph& g = self->view->g;
  for (size_t i = 0; i < found.nodes.size(); i++) {
    NodeIdx n = found.nodes[i];
    if (!self->view->visible(n)) continue;
    PyRef node(node_to_py(g, n, found.objects[i]));
    if (PyDict_SetItem(out.get(), found.objects[i], node.get()) < 0) throw PyErrorSet{};
  }
  return out.release();
}

PyObject* view_nodes(PyObject* self, PyObject* ids) {
  LM_GUARD_BEGIN
  return node_dict(view_of(self), ids, true);
  LM_GUARD_END(nullptr)
}

PyObject* view_summaries(PyObject* self, PyObject* ids) {
  LM_GUARD_BEGIN
  return node_dict(view_of(self), ids, false);
  LM_GUARD_END(nullptr)
}

PyObject* read_edges(PyObject* self, PyObject* args, bool keys_only) {
  PyObject *ids, *kinds, *direction;
  if (!PyArg_ParseTuple(args, "OOO", &ids, &kinds, &direction)) return nullptr;
  ViewObject* v = view_of(self);
  bool out = is_out(direction);
  uint32_t mask = kind_mask(kinds);
  Ids found(v, ids);
  std::vector<EdgeRef> edges;
  v->view->edges(found.existing(), mask, out, edges, !keys_only);
  const Graph& g = v->view->g;
  PyRef list(check(PyList_New(Py_ssize_t(edges.size()))));
  for (size_t i = 0; i < edges.size(); i++)
    PyList_SET_ITEM(list.get(), Py_ssize_t(i), keys_only ? key_tuple(g, edges[i]) : edge_to_py(g, edges[i].edge));
  return list.release();
}

PyObject* view_edges(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  return read_edges(self, args, false);
  LM_GUARD_END(nullptr)
}

PyObject* view_edge_keys(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  return read_edges(self, args, true);
  LM_GUARD_END(nullptr)
}

// Ids in the view's pool; ids no node can have map to themselves in the answers below.
PyObject* view_canonical(PyObject* self, PyObject* ids) {
  LM_GUARD_BEGIN
  ViewObject* v = view_of(self);
  Ids found(v, ids);
  std::vector<StrId> known;
  for (StrId s : found.strs)
    if (s != kNone) known.push_back(s);
  std::vector<StrId> canonical;
  v->aliases->canonical(known, canonical);
  PyRef out(check(PyDict_New()));
  size_t k = 0;
  for (size_t i = 0; i < found.strs.size(); i++) {
    PyRef value(found.strs[i] == kNone ? (Py_INCREF(found.objects[i]), found.objects[i]) : id_str(v->view->g, canonical[k++]));
    if (PyDict_SetItem(out.get(), found.objects[i], value.get()) < 0) return nullptr;
  }
  return out.release();
  LM_GUARD_END(nullptr)
}

PyObject* view_keys_into(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *ids, *kinds;
  if (!PyArg_ParseTuple(args, "OO", &ids, &kinds)) return nullptr;
  ViewObject* v = view_of(self);
  uint32_t mask = kind_mask(kinds);
  Ids found(v, ids);
  std::vector<StrId> known;
  for (StrId s : found.strs)
    if (s != kNone) known.push_back(s);
  IdMap members;
  std::vector<EdgeRef> edges;
  v->aliases->keys_into(known, mask, members, edges);
  const Graph& g = v->view->g;
  PyRef map(id_map(g, members));
  for (size_t i = 0; i < found.strs.size(); i++)
    if (found.strs[i] == kNone && PyDict_SetItem(map.get(), found.objects[i], found.objects[i]) < 0) return nullptr;
  PyRef list(check(PyList_New(Py_ssize_t(edges.size()))));
  for (size_t i = 0; i < edges.size(); i++) PyList_SET_ITEM(list.get(), Py_ssize_t(i), key_tuple(g, edges[i]));
  return PyTuple_Pack(2, map.get(), list.get());
  LM_GUARD_END(nullptr)
}

PyObject* view_lineage(PyObject* self, PyObject* args, bool columns) {
  PyObject* start;
  int upstream, downstream, depth;
  Py_ssize_t max_nodes;
  double seconds;
  if (!PyArg_ParseTuple(args, "Oppind", &start, &upstream, &downstream, &depth, &max_nodes, &seconds)) return nullptr;
  ViewObject* v = view_of(self);
  NodeIdx n = start_node(v, start);
  Budget budget = budget_of(max_nodes, seconds);
  auto answer = std::make_unique<LineageAnswer>(columns ? column_lineage(*v->view, n, upstream, downstream, depth, budget)
                                                        : dataset_lineage(*v->view, n, upstream, downstream, depth, budget));
  LineageObject* out = PyObject_New(LineageObject, &LineageType);
  if (out == nullptr) return nullptr;
  Py_INCREF(self);
  out->owner = self;
  out->answer = answer.release();
  return reinterpret_cast<PyObject*>(out);
}

PyObject* view_dataset_lineage(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  return view_lineage(self, args, false);
  LM_GUARD_END(nullptr)
}

PyObject* view_column_lineage(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  return view_lineage(self, args, true);
  LM_GUARD_END(nullptr)
}

PyObject* view_impact(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject* start;
  int depth, top;
  Py_ssize_t max_nodes;
  double seconds;
  if (!PyArg_ParseTuple(args, "Oiind", &start, &depth, &top, &max_nodes, &seconds)) return nullptr;
  ViewObject* v = view_of(self);
  NodeIdx n = start_node(v, start);
  auto answer = std::make_unique<ImpactAnswer>(impact(*v->view, n, depth, uint8_t(top), budget_of(max_nodes, seconds)));
  ImpactObject* out = PyObject_New(ImpactObject, &ImpactType);
  if (out == nullptr) return nullptr;
  Py_INCREF(self);
  out->owner = self;
  out->answer = answer.release();
  return reinterpret_cast<PyObject*>(out);
  LM_GUARD_END(nullptr)
}

PyMethodDef view_methods[] = {  // View(graph or None, store, as_of stamp or None, summary property names or None)
    {"nodes", view_nodes, METH_O, "nodes(ids) -> {id: Node}: those the view shows, whole."},
    {"summaries", view_summaries, METH_O, "summaries(ids) -> {id: Node}: at least graph.view.SUMMARY of each."},
    {"edges", view_edges, METH_VARARGS, "edges(ids, kinds, direction) -> [Edge], current."},
    {"edge_keys", view_edge_keys, METH_VARARGS, "edge_keys(ids, kinds, direction) -> [(source, kind, target)]."},
    {"canonical", view_canonical, METH_O, "canonical(ids) -> {id: canonical id}."},
    {"keys_into", view_keys_into, METH_VARARGS,
     "keys_into(canonical ids, kinds) -> ({member: canonical}, [keys of kinds edges entering the members])."},
    {"dataset_lineage", view_dataset_lineage, METH_VARARGS,
     "dataset_lineage(start, upstream, downstream, depth, max_nodes, seconds) -> Lineage."},
    {"column_lineage", view_column_lineage, METH_VARARGS,
     "column_lineage(start, upstream, downstream, depth, max_nodes, seconds) -> Lineage."},
    {"impact", view_impact, METH_VARARGS, "impact(start, depth (<0: none), top severity rank, max_nodes, seconds) -> Impact."},
    {nullptr, nullptr, 0, nullptr}};

// -- answers --------------------------------------------------------------------------------------

const Graph& graph_of_answer(PyObject* owner) { return view_of(owner)->view->g; }

void lineage_dealloc(PyObject* self) {
  LineageObject* l = reinterpret_cast<LineageObject*>(self);
  delete l->answer;
  Py_XDECREF(l->owner);
  PyObject_Free(self);
}

PyObject* lineage_truncated(PyObject* self, void*) {
  return PyBool_FromLong(reinterpret_cast<LineageObject*>(self)->answer->truncated);
}

PyObject* lineage_nodes(PyObject* self, PyObject*) {
  LM_GUARD_BEGIN
  LineageObject* l = reinterpret_cast<LineageObject*>(self);
  const Graph& g = graph_of_answer(l->owner);
  PyRef list(check(PyList_New(Py_ssize_t(l->answer->nodes.size()))));
  for (size_t i = 0; i < l->answer->nodes.size(); i++) PyList_SET_ITEM(list.get(), Py_ssize_t(i), node_to_py(g, l->answer->nodes[i]));
  return list.release();
  LM_GUARD_END(nullptr)
}

PyObject* lineage_edges(PyObject* self, PyObject*) {
  LM_GUARD_BEGIN
  LineageObject* l = reinterpret_cast<LineageObject*>(self);
  const Graph& g = graph_of_answer(l->owner);
  PyRef list(check(PyList_New(Py_ssize_t(l->answer->edges.size()))));
  for (size_t i = 0; i < l->answer->edges.size(); i++) {
    const auto& e = l->answer->edges[i];
    PyRef source(id_str(g, g.node_id[e.source])), target(id_str(g, g.node_id[e.target]));
    PyRef props(e.props == kNone ? (Py_INCREF(Py_None), Py_None) : g.records.props_to_py(g.edge_record[e.props]));
    PyList_SET_ITEM(list.get(), Py_ssize_t(i),
                    check(PyTuple_Pack(4, source.get(), target.get(), py.edge_kind[e.kind], props.get())));
  }
  return list.release();
  LM_GUARD_END(nullptr)
}

PyGetSetDef lineage_getset[] = {{"truncated", lineage_truncated, nullptr, "A budget cut the answer short.", nullptr},
                                {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyMethodDef lineage_methods[] = {
    {"nodes", lineage_nodes, METH_NOARGS, "nodes() -> [Node] by id."},
    {"edges", lineage_edges, METH_NOARGS, "edges() -> [(source, target, kind, props or None)], sorted."},
    {nullptr, nullptr, 0, nullptr}};

void impact_dealloc(PyObject* self) {
  ImpactObject* i = reinterpret_cast<ImpactObject*>(self);
  delete i->answer;
  Py_XDECREF(i->owner);
  PyObject_Free(self);
}

PyObject* impact_truncated(PyObject* self, void*) {
  return PyBool_FromLong(reinterpret_cast<ImpactObject*>(self)->answer->truncated);
}

// [(id, distance, path, severity rank, certain)], the changed node first.
PyObject* impact_reached(PyObject* self, PyObject*) {
  LM_GUARD_BEGIN
  ImpactObject* im = reinterpret_cast<ImpactObject*>(self);
  const Graph& g = graph_of_answer(im->owner);
  const ImpactAnswer& a = *im->answer;
  std::vector<PyRef> strings(a.steps.size());
  auto text = [&](int32_t step) {
    if (!strings[size_t(step)]) strings[size_t(step)] = PyRef(id_str(g, a.steps[size_t(step)].id));
    return strings[size_t(step)].get();
  };
  PyRef list(check(PyList_New(Py_ssize_t(a.reached.size()))));
  std::vector<int32_t> chain;
  for (size_t i = 0; i < a.reached.size(); i++) {
    const auto& [id, reach] = a.reached[i];
    chain.clear();
    for (int32_t s = reach.path; s >= 0; s = a.steps[size_t(s)].parent) chain.push_back(s);
    PyRef path(check(PyTuple_New(Py_ssize_t(chain.size()))));
    for (size_t k = 0; k < chain.size(); k++) {
      PyObject* part = text(chain[chain.size() - 1 - k]);
      Py_INCREF(part);
      PyTuple_SET_ITEM(path.get(), Py_ssize_t(k), part);
    }
    PyRef item(Py_BuildValue("(NiOiO)", id_str(g, id), reach.distance, path.get(), int(reach.severity),
                             reach.certain ? Py_True : Py_False));
    if (!item) throw PyErrorSet{};
    PyList_SET_ITEM(list.get(), Py_ssize_t(i), item.release());
  }
  return list.release();
  LM_GUARD_END(nullptr)
}

PyGetSetDef impact_getset[] = {{"truncated", impact_truncated, nullptr, "A budget cut the walk short.", nullptr},
                               {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyMethodDef impact_methods[] = {
    {"reached", impact_reached, METH_NOARGS, "reached() -> [(id, distance, path, severity rank, certain)]."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

bool add_view_types(PyObject* module) {
  ViewType.tp_name = "graph._native.View";
  ViewType.tp_basicsize = sizeof(ViewObject);
  ViewType.tp_flags = Py_TPFLAGS_DEFAULT;
  ViewType.tp_doc = "The graph as it stands (or stood), for one query: the view's rules, aliases and walks.";
  ViewType.tp_new = view_new;
  ViewType.tp_dealloc = view_dealloc;
  ViewType.tp_methods = view_methods;

  LineageType.tp_name = "graph._native.Lineage";
  LineageType.tp_basicsize = sizeof(LineageObject);
  LineageType.tp_flags = Py_TPFLAGS_DEFAULT;
  LineageType.tp_doc = "A lineage answer.";
  LineageType.tp_dealloc = lineage_dealloc;
  LineageType.tp_methods = lineage_methods;
  LineageType.tp_getset = lineage_getset;

  ImpactType.tp_name = "graph._native.Impact";
  ImpactType.tp_basicsize = sizeof(ImpactObject);
  ImpactType.tp_flags = Py_TPFLAGS_DEFAULT;
  ImpactType.tp_doc = "What an impact walk reached.";
  ImpactType.tp_dealloc = impact_dealloc;
  ImpactType.tp_methods = impact_methods;
  ImpactType.tp_getset = impact_getset;

  for (PyTypeObject* t : {&ViewType, &LineageType, &ImpactType}) {
    if (PyType_Ready(t) < 0) return false;
    Py_INCREF(t);
  }
  return PyModule_AddObject(module, "View", reinterpret_cast<PyObject*>(&ViewType)) == 0 &&
         PyModule_AddObject(module, "Lineage", reinterpret_cast<PyObject*>(&LineageType)) == 0 &&
         PyModule_AddObject(module, "Impact", reinterpret_cast<PyObject*>(&ImpactType)) == 0;
}

}  // namespace lm
