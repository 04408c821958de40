// graph._native.View and its answers: the Python face of the query engine (native/core/view.h,
// aliases.h, lineage.h, impact.h). ``graph.view.GraphView`` wraps it.
#include "py.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include "impact.h"
#include "marquez_py.h"
#include "node_facts.h"
#include "pylock.h"
#include "pymodule.h"
#include "pyrecords.h"
#include "pytypes.h"
#include "pyvalues.h"
#include "remote_source.h"

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
  ImpactReportAnswer* answer;
};

PyTypeObject ViewType = {PyVarObject_HEAD_INIT(nullptr, 0)};
PyTypeObject LineageType = {PyVarObject_HEAD_INIT(nullptr, 0)};
PyTypeObject ImpactType = {PyVarObject_HEAD_INIT(nullptr, 0)};

ViewObject* view_of(PyObject* self) { return reinterpret_cast<ViewObject*>(self); }

// A view of the embedded store reads its graph under the graph's lock (native/bindings/pylock.h)
// and lets the GIL go for its walks; a view of a remote store reads its own mirror, through its
// store's Python methods (bindings/remote_source.h), with the GIL held throughout.
bool embedded(const ViewObject* v) { return v->graph_owner != nullptr; }

ViewObject* view_itself(PyObject* self) { return view_of(self); }
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
  // ``lean``: the caller reads only the view's summary properties of them (View::find_all).
  Ids(ViewObject* self, PyObject* ids, bool lean = false) : g_(self->view->g) {
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
    for (StrId s : strs)
      if (s != kNone) known.push_back(s);
    std::vector<NodeIdx> found;
    self->view->find_all(known, found, lean);
    size_t k = 0;
    for (StrId s : strs) nodes.push_back(s == kNone ? kNone : found[k++]);
  }
  ~Ids() {
    for (StrId s : held_) g_.pool.decref(s);
  }
  std::vector<PyObject*> objects;  // borrowed from the sequence
  std::vector<StrId> strs;
  std::vector<StrId> known;  // strs but kNone, in order
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

// Whether a node of an answer shows as dropped: as the answer's view judges it (a view as of a past
// moment: dropped by then), else as it stands now.
bool shown_deleted(const Graph& g, const View* view, NodeIdx n) {
  if (view != nullptr) return view->deleted(n);
  const uint8_t* v = g.node_value(n, g.keys.deleted);
  return v != nullptr && value_truthy(v, g.pool);
}

// One field of many nodes, as graph.api.schema reads it of a Node: id, kind, a property (namespace,
// name, dataset: its value or None), or deleted / declared (bools; deleted as ``view`` judges it).
// Strings a column repeats are made once.
PyObject* node_column(const Graph& g, const std::vector<NodeIdx>& nodes, std::string_view field, const View* view = nullptr) {
  PyRef list(check(PyList_New(Py_ssize_t(nodes.size()))));
  auto put = [&](size_t i, PyObject* o) { PyList_SET_ITEM(list.get(), Py_ssize_t(i), o); };
  if (field == "id") {
    for (size_t i = 0; i < nodes.size(); i++) put(i, id_str(g, g.node_id[nodes[i]]));
  } else if (field == "kind") {
    for (size_t i = 0; i < nodes.size(); i++) {
      PyObject* kind = py.node_kind[g.node_kind[nodes[i]]];
      Py_INCREF(kind);
      put(i, kind);
    }
  } else if (field == "deleted" || field == "declared") {
    StrId key = field == "deleted" ? g.keys.deleted : g.keys.declared;
    for (size_t i = 0; i < nodes.size(); i++) {
      const uint8_t* v = g.node_value(nodes[i], key);
      bool on = field == "deleted" ? shown_deleted(g, view, nodes[i]) : v != nullptr && value_truthy(v, g.pool);
      uint8_t kind = g.node_kind[nodes[i]];
      if (field == "declared") on = on || (kind != kDataset && kind != kColumn);  // other kinds are never mere references
      put(i, PyBool_FromLong(on));
    }
  } else {
    StrId key = field == "namespace" ? g.keys.namespace_ : field == "name" ? g.keys.name : field == "dataset" ? g.keys.dataset : kNone;
    if (key == kNone) {
      Py_INCREF(Py_None);
      return Py_None;
    }
    FlatMap<StrId, PyObject*> made;  // borrowed from the list, which holds them
    for (size_t i = 0; i < nodes.size(); i++) {
      const uint8_t* v = g.node_value(nodes[i], key);
      if (v == nullptr || *v == kAbsent) {
        Py_INCREF(Py_None);
        put(i, Py_None);
      } else if (*v == kStr) {
        const uint8_t* p = v + 1;
        StrId id = StrId(get_varint(p));
        bool fresh;
        PyObject*& o = made.at(id, &fresh);
        if (fresh) o = id_str(g, id); else Py_INCREF(o);
        put(i, o);
      } else {
        put(i, value_to_py(v, g.pool));
      }
    }
  }
  return list.release();
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
  PyObject *graph, *store, *as_of, *summary, *names = Py_None;
  if (!PyArg_ParseTuple(args, "OOOO|O", &graph, &store, &as_of, &summary, &names)) return nullptr;
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
    source = std::make_unique<RemoteSource>(std::make_unique<Graph>(), store, summary, names, as_of == Py_None);
  }
  std::string spill;
  std::string_view moment_text;
  if (as_of != Py_None) {
    if (!PyUnicode_Check(as_of)) raise(PyExc_TypeError, "as_of must be a stamp (str) or None");
    moment_text = utf8_of(as_of, spill);
  }
  auto make = [&] {  // the stamp is held in the pool; the view judges the writes since the last read
    Stamp moment = as_of != Py_None ? stamp_of(moment_text, source->g.pool) : 0;
    v->as_of = moment;
    v->view = new View(*source, as_of != Py_None, moment);
  };
  if (!embedded(v)) make();
  else if (as_of != Py_None) {
    Writing alone(source->g);
    make();
  } else {
    Reading shared(source->g);
    make();
  }
  v->aliases = new Aliases(*v->view);
  v->source = source.release();
  return self.release();
  LM_GUARD_END(nullptr)
}

void view_dealloc(PyObject* self) {
  ViewObject* v = view_of(self);
  if (v->view && embedded(v)) {
    Reading shared(v->view->g);  // the aliases and the moment hold strings of its pool
    delete v->aliases;
    if (v->view->past && is_text_stamp(v->as_of)) v->view->g.let_go(StrId(v->as_of >> 4));
  } else {
    delete v->aliases;
    if (v->view && v->view->past) stamp_decref(v->as_of, v->view->g.pool);
  }
  delete v->view;
  delete v->source;
  Py_XDECREF(v->store);
  Py_XDECREF(v->graph_owner);
  Py_TYPE(self)->tp_free(self);
}

PyObject* node_dict(PyObject* view, PyObject* ids, bool whole) {
  ViewObject* self = view_of(view);
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

// Ids in the view's pool; ids no node can have map to themselves in the answers below.
PyObject* view_canonical(PyObject* self, PyObject* ids) {
  LM_GUARD_BEGIN
  ViewObject* v = view_of(self);
  Ids found(v, ids);
  std::vector<StrId> canonical;
  v->aliases->canonical(found.known, canonical);
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
  IdMap members;
  std::vector<EdgeRef> edges;
  v->aliases->keys_into(found.known, mask, members, edges);
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
  std::unique_ptr<LineageAnswer> answer;
  {
    NoGil walking(embedded(v));
    answer = std::make_unique<LineageAnswer>(columns ? column_lineage(*v->view, n, upstream, downstream, depth, budget)
                                                     : dataset_lineage(*v->view, n, upstream, downstream, depth, budget));
  }
  return holding(LineageType, self, &LineageObject::answer, std::move(answer));
}

PyObject* view_neighbours(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject* ids;
  int downstream;
  Py_ssize_t max_nodes;
  double seconds;
  if (!PyArg_ParseTuple(args, "Opnd", &ids, &downstream, &max_nodes, &seconds)) return nullptr;
  ViewObject* v = view_of(self);
  Ids found(v, ids);
  std::vector<NodeIdx> starts = found.existing();
  Budget budget = budget_of(max_nodes, seconds);
  std::unique_ptr<LineageAnswer> answer;
  {
    NoGil walking(embedded(v));
    answer = std::make_unique<LineageAnswer>(neighbours(*v->view, starts, downstream, budget));
  }
  return holding(LineageType, self, &LineageObject::answer, std::move(answer));
  LM_GUARD_END(nullptr)
}

PyObject* view_impact_report(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject* start;
  int depth, semantic;
  Py_ssize_t max_nodes;
  double seconds;
  if (!PyArg_ParseTuple(args, "Oipnd", &start, &depth, &semantic, &max_nodes, &seconds)) return nullptr;
  ViewObject* v = view_of(self);
  NodeIdx n = start_node(v, start);
  Budget budget = budget_of(max_nodes, seconds);
  std::unique_ptr<ImpactReportAnswer> answer;
  {
    NoGil walking(embedded(v));
    answer = std::make_unique<ImpactReportAnswer>(impact_report(*v->view, n, depth, semantic, budget));
  }
  return holding(ImpactType, self, &ImpactObject::answer, std::move(answer));
  LM_GUARD_END(nullptr)
}

PyObject* view_dataset_domains(PyObject* self, PyObject* ids) {
  LM_GUARD_BEGIN
  ViewObject* v = view_of(self);
  Ids found(v, ids);
  return id_map(v->view->g, dataset_domains(*v->view, found.known));
  LM_GUARD_END(nullptr)
}

// deleted(ids) -> [bool]: each node dropped as the view judges it (as of its moment), False for no node.
PyObject* view_deleted(PyObject* self, PyObject* ids) {
  LM_GUARD_BEGIN
  ViewObject* v = view_of(self);
  Ids found(v, ids);
  PyRef out(check(PyList_New(Py_ssize_t(found.nodes.size()))));
  for (size_t i = 0; i < found.nodes.size(); i++)
    PyList_SET_ITEM(out.get(), Py_ssize_t(i), PyBool_FromLong(found.nodes[i] != kNone && v->view->deleted(found.nodes[i])));
  return out.release();
  LM_GUARD_END(nullptr)
}

// node_facts(ids, facts, max_nodes, seconds) -> {fact: [value per id]} (native/core/node_facts.h).
PyObject* view_node_facts(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *ids, *names;
  Py_ssize_t max_nodes;
  double seconds;
  if (!PyArg_ParseTuple(args, "OOnd", &ids, &names, &max_nodes, &seconds)) return nullptr;
  static const std::pair<const char*, uint32_t> kFacts[] = {{"upstream", kUpstreamCount}, {"downstream", kDownstreamCount},
                                                            {"domain", kDomainFact},     {"owners", kOwnersFact},
                                                            {"run_state", kRunStateFact}};
  PyRef asked(check(PySequence_Fast(names, "facts must be iterable")));
  uint32_t facts = 0;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(asked.get()); i++) {
    PyObject* name = PySequence_Fast_GET_ITEM(asked.get(), i);
    uint32_t bit = 0;
    for (const auto& [text, fact] : kFacts)
      if (PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, text) == 0) bit = fact;
    if (bit == 0) raise(PyExc_ValueError, "facts are upstream, downstream, domain, owners, run_state");
    facts |= bit;
  }
  ViewObject* v = view_of(self);
  const Graph& g = v->view->g;
  Ids found(v, ids, true);  // a lineage answer's nodes, read in summary form by its walk
  NodeFactsAnswer answer;
  {
    NoGil reading(embedded(v));
    answer = node_facts(*v->view, found.nodes, facts, budget_of(max_nodes, seconds));
  }
  std::vector<PyRef> texts;
  for (const std::string& text : answer.texts) texts.emplace_back(str_of(text));
  auto text_or_none = [&](int32_t at) {
    PyObject* o = at < 0 ? Py_None : texts[size_t(at)].get();
    Py_INCREF(o);
    return o;
  };
  size_t n = found.nodes.size();
  PyRef out(check(PyDict_New()));
  auto put = [&](const char* name, auto&& item) {
    PyRef list(check(PyList_New(Py_ssize_t(n))));
    for (size_t i = 0; i < n; i++) PyList_SET_ITEM(list.get(), Py_ssize_t(i), check(item(i)));
    if (PyDict_SetItemString(out.get(), name, list.get()) < 0) throw PyErrorSet{};
  };
  if (facts & kUpstreamCount) put("upstream", [&](size_t i) { return PyLong_FromUnsignedLong(answer.upstream[i]); });
  if (facts & kDownstreamCount) put("downstream", [&](size_t i) { return PyLong_FromUnsignedLong(answer.downstream[i]); });
  if (facts & kDomainFact) put("domain", [&](size_t i) { return text_or_none(answer.domain[i]); });
  if (facts & kRunStateFact) put("run_state", [&](size_t i) { return text_or_none(answer.run_state[i]); });
  if (facts & kOwnersFact) {
    // Nodes with the same owners share one list (most of an answer's nodes share a few hundred):
    // made once, and graph.node_facts completes each once.
    std::vector<PyRef> made(answer.owner_lists.size() + 1);  // the last: no owners
    put("owners", [&](size_t i) {
      int32_t at = answer.owners[i];
      PyRef& list = made[at < 0 ? answer.owner_lists.size() : size_t(at)];
      if (!list) {
        static const std::vector<std::pair<StrId, int32_t>> none;
        const auto& owners = at < 0 ? none : answer.owner_lists[size_t(at)];
        list = PyRef(check(PyList_New(Py_ssize_t(owners.size()))));
        for (size_t k = 0; k < owners.size(); k++) {
          PyRef id(id_str(g, owners[k].first)), type(text_or_none(owners[k].second));
          PyList_SET_ITEM(list.get(), Py_ssize_t(k), check(PyTuple_Pack(2, id.get(), type.get())));
        }
      }
      Py_INCREF(list.get());
      return list.get();
    });
  }
  return out.release();
  LM_GUARD_END(nullptr)
}

PyObject* view_marquez(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject* ids;
  int full;
  if (!PyArg_ParseTuple(args, "Op", &ids, &full)) return nullptr;
  ViewObject* v = view_of(self);
  Ids found(v, ids);
  return marquez_nodes_bytes(*v->view, found.nodes, full, embedded(v));
  LM_GUARD_END(nullptr)
}

PyObject* view_marquez_column_lineage(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject* ids;
  int downstream, depth;
  Py_ssize_t max_nodes;
  double seconds;
  if (!PyArg_ParseTuple(args, "Opind", &ids, &downstream, &depth, &max_nodes, &seconds)) return nullptr;
  ViewObject* v = view_of(self);
  Ids found(v, ids);
  std::vector<NodeIdx> starts;  // in order: a later walk's edge properties win
  for (NodeIdx n : found.nodes)
    if (n != kNone) starts.push_back(n);
  return marquez_column_lineage_bytes(*v->view, starts, downstream, depth, budget_of(max_nodes, seconds), embedded(v));
  LM_GUARD_END(nullptr)
}

PyMethodDef view_methods[] = {  // View(graph or None, store, as_of stamp or None, summary property names or None[, names])
    {"nodes", locked<with_flag<node_dict, true>, view_itself>, METH_O, "nodes(ids) -> {id: Node}: those the view shows, whole."},
    {"summaries", locked<with_flag<node_dict, false>, view_itself>, METH_O, "summaries(ids) -> {id: Node}: at least graph.view.SUMMARY of each."},
    {"edges", locked<with_flag<read_edges, false>, view_itself>, METH_VARARGS, "edges(ids, kinds, direction) -> [Edge], current."},
    {"edge_keys", locked<with_flag<read_edges, true>, view_itself>, METH_VARARGS, "edge_keys(ids, kinds, direction) -> [(source, kind, target)]."},
    {"canonical", locked<view_canonical, view_itself>, METH_O, "canonical(ids) -> {id: canonical id}."},
    {"keys_into", locked<view_keys_into, view_itself>, METH_VARARGS,
     "keys_into(canonical ids, kinds) -> ({member: canonical}, [keys of kinds edges entering the members])."},
    {"dataset_lineage", locked<with_flag<view_lineage, false>, view_itself>, METH_VARARGS,
     "dataset_lineage(start, upstream, downstream, depth, max_nodes, seconds) -> Lineage."},
    {"column_lineage", locked<with_flag<view_lineage, true>, view_itself>, METH_VARARGS,
     "column_lineage(start, upstream, downstream, depth, max_nodes, seconds) -> Lineage."},
    {"neighbours", locked<view_neighbours, view_itself>, METH_VARARGS,
     "neighbours(ids, downstream, max_nodes, seconds) -> Lineage: each node's direct neighbours one way."},
    {"impact_report", locked<view_impact_report, view_itself>, METH_VARARGS,
     "impact_report(start, depth (<0: none), semantic, max_nodes, seconds) -> Impact."},
    {"dataset_domains", locked<view_dataset_domains, view_itself>, METH_O, "dataset_domains(ids) -> {dataset: domain id}."},
    {"deleted", locked<view_deleted, view_itself>, METH_O, "deleted(ids) -> [bool]: dropped as the view judges it."},
    {"node_facts", locked<view_node_facts, view_itself>, METH_VARARGS,
     "node_facts(ids, facts, max_nodes, seconds) -> {fact: [each id's]}: upstream, downstream, domain, owners, run_state."},
    {"marquez", locked<view_marquez, view_itself>, METH_VARARGS,
     "marquez(ids, full) -> JSON bytes: a list of each node's Marquez data (null for none; native/core/marquez.h)."},
    {"marquez_column_lineage", locked<view_marquez_column_lineage, view_itself>, METH_VARARGS,
     "marquez_column_lineage(column ids, downstream, depth, max_nodes, seconds) -> (JSON bytes, truncated)."},
    {nullptr, nullptr, 0, nullptr}};

// -- rendering answers as JSON --------------------------------------------------------------------
//
// The API's large lists (a lineage answer's nodes and edges, an impact answer's affected), as the
// JSON the response will hold: one object per item with the selected fields, in order, under
// their response names. ``specs`` lists them: (key, field, how, enum names or None, nullable),
// ``how`` one of "string", "bool", "int", "enum", "strings" (a list of strings), or "json" (a
// column's values already JSON text: a lineage node's owners, graph.api.schema.lineage). graph.api.execution
// asks for it only when every selected field is one of those; a value its type cannot hold as it is
// (a non-string where a string is asked, a null where none may be) answers None, and the API
// completes the list in Python instead. A spec may carry a sixth item, the field's values as a
// Python list (a lineage node's facts, graph.node_facts): ints, strings, enum values or None.

enum class Field : uint8_t { kId, kKind, kNamespace, kName, kDataset, kDeleted, kDeclared, kSource, kTarget,
                            kDistance, kPath, kVia, kSeverity, kCertain, kUpstreamCount, kDownstreamCount, kDomain,
                            kOwners, kLatestRunState, kType, kOther };
enum class How : uint8_t { kString, kBool, kInt, kEnum, kStrings, kJson, kObjects, kOther };

struct Spec {
  std::string key;         // the key, quoted, then ':' (after a ',' but for the first)
  Field field;
  How how;
  PyObject* names;         // enum: value -> serialized name (borrowed from the specs)
  bool nullable;
  std::vector<std::string> named;   // enum: rendered name by code ("" for a code it cannot render)
  PyObject* column = nullptr;      // the field's values, one per row (borrowed from the specs), if given
  std::vector<std::string> column_json;  // ``column`` rendered under the GIL (``render_columns``)
  bool column_unrenderable = false;     // a value of ``column`` its type cannot hold
  std::vector<Spec> items;              // objects: the specs of their fields (all leaves)
};

Field field_of(std::string_view f) {
  static const std::pair<const char*, Field> known[] = {
      {"id", Field::kId}, {"kind", Field::kKind}, {"namespace", Field::kNamespace}, {"name", Field::kName},
      {"dataset", Field::kDataset}, {"deleted", Field::kDeleted}, {"declared", Field::kDeclared},
      {"source", Field::kSource}, {"target", Field::kTarget}, {"distance", Field::kDistance}, {"path", Field::kPath},
      {"via", Field::kVia},
      {"severity", Field::kSeverity}, {"certain", Field::kCertain},
      {"upstream_count", Field::kUpstreamCount}, {"downstream_count", Field::kDownstreamCount},
      {"domain", Field::kDomain}, {"owners", Field::kOwners}, {"latest_run_state", Field::kLatestRunState},
      {"type", Field::kType}};
  for (auto& [name, field] : known)
    if (f == name) return field;
  return Field::kOther;
}

How how_of(std::string_view h) {
  if (h == "string") return How::kString;
  if (h == "bool") return How::kBool;
  if (h == "int") return How::kInt;
  if (h == "enum") return How::kEnum;
  if (h == "strings") return How::kStrings;
  if (h == "json") return How::kJson;
  if (h == "objects") return How::kObjects;
  return How::kOther;
}

struct Unrenderable {};

std::vector<Spec> specs_of(PyObject* specs) {
  PyRef seq(check(PySequence_Fast(specs, "specs must be a sequence")));
  std::vector<Spec> out;
  std::string spill;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); i++) {
    PyObject* item = PySequence_Fast_GET_ITEM(seq.get(), i);
    PyObject *key, *field, *how, *names, *column = nullptr;
    int nullable;
    if (!PyArg_ParseTuple(item, "UUUOp|O", &key, &field, &how, &names, &nullable, &column)) throw PyErrorSet{};
    Spec spec;
    if (i) spec.key += ",";
    json_string(utf8_of(key, spill), spec.key);
    spec.key += ":";
    spec.field = field_of(utf8_of(field, spill));
    spec.how = how_of(utf8_of(how, spill));
    spec.names = names;
    spec.nullable = nullable;
    spec.column = column != nullptr && PyList_Check(column) ? column : nullptr;
    if (spec.how == How::kObjects && spec.column == nullptr && (PyList_Check(names) || PyTuple_Check(names)))
      spec.items = specs_of(names);  // (none: an object's fields unrenderable)
    out.push_back(std::move(spec));
  }
  return out;
}

// The names of an enum field's values by code, looked up (under the GIL) before the rows are
// rendered without it: ``values`` are the field's Python members by code (nullptr: none).
void name_enums(std::vector<Spec>& specs, Field field, PyObject* const* values, size_t count) {
  for (Spec& spec : specs) {
    if (spec.field != field || spec.how != How::kEnum) continue;
    spec.named.assign(count, std::string());
    if (spec.names == Py_None || !PyDict_Check(spec.names)) continue;
    std::string spill;
    for (size_t code = 0; code < count; code++) {
      if (values[code] == nullptr) continue;
      PyObject* found = PyDict_GetItemWithError(spec.names, values[code]);
      if (found == nullptr) {
        if (PyErr_Occurred()) throw PyErrorSet{};
        continue;
      }
      json_string(utf8_of(found, spill), spec.named[code]);
    }
  }
}

// The rendered name of an enum value (``name_enums``'), without Python.
const std::string& enum_name(const Spec& spec, size_t code) {
  if (code >= spec.named.size() || spec.named[code].empty()) throw Unrenderable{};
  return spec.named[code];
}

// A pool string as JSON: copied as it is when it needs no escapes (most do not).
void put_id(std::string& out, const Graph& g, StrId id) {
  if (!g.pool.json_plain(id)) {
    json_string(g.pool.view(id), out);
    return;
  }
  std::string_view s = g.pool.view(id);
  out.push_back('"');
  out.append(s.data(), s.size());
  out.push_back('"');
}

void put_text(std::string& out, const Graph& g, const uint8_t* v, const Spec& spec) {
  if (v == nullptr || *v == kAbsent || *v == kNull) {
    if (!spec.nullable) throw Unrenderable{};
    out += "null";
    return;
  }
  if (*v == kStr) {
    const uint8_t* p = v + 1;
    put_id(out, g, StrId(get_varint(p)));
    return;
  }
  char buf[32];
  std::string_view text;
  if (!value_string(v, g.pool, buf, text)) throw Unrenderable{};
  json_string(text, out);
}

// A node's field (the ones node_column gives), rendered.
void put_node_field(std::string& out, const Graph& g, NodeIdx n, Spec& spec, StrId id_as, const View* view) {
  switch (spec.field) {
    case Field::kId:
      if (spec.how != How::kString) throw Unrenderable{};
      put_id(out, g, id_as);
      return;
    case Field::kKind: {
      if (spec.how != How::kEnum) throw Unrenderable{};
      uint8_t kind = g.node_kind[n];
      out += enum_name(spec, kind);
      return;
    }
    case Field::kNamespace:
    case Field::kName:
    case Field::kDataset: {
      if (spec.how != How::kString) throw Unrenderable{};
      StrId key = spec.field == Field::kNamespace ? g.keys.namespace_ : spec.field == Field::kName ? g.keys.name : g.keys.dataset;
      put_text(out, g, g.node_value(n, key), spec);
      return;
    }
    case Field::kDeleted:
    case Field::kDeclared: {
      if (spec.how != How::kBool) throw Unrenderable{};
      const uint8_t* v = g.node_value(n, spec.field == Field::kDeleted ? g.keys.deleted : g.keys.declared);
      bool on = spec.field == Field::kDeleted ? shown_deleted(g, view, n) : v != nullptr && value_truthy(v, g.pool);
      uint8_t kind = g.node_kind[n];
      if (spec.field == Field::kDeclared) on = on || (kind != kDataset && kind != kColumn);
      out += on ? "true" : "false";
      return;
    }
    default:
      throw Unrenderable{};
  }
}

// A value of a spec's own column, rendered as its type asks (anything else: Unrenderable).
void put_py_value(std::string& out, const Spec& spec, size_t row) {
  if (Py_ssize_t(row) >= PyList_GET_SIZE(spec.column)) throw Unrenderable{};
  PyObject* value = PyList_GET_ITEM(spec.column, Py_ssize_t(row));
  std::string spill;
  if (value == Py_None) {
    if (!spec.nullable) throw Unrenderable{};
    out += "null";
  } else if (spec.how == How::kInt && PyLong_CheckExact(value)) {
    long long n = PyLong_AsLongLong(value);
    if ((n == -1 && PyErr_Occurred()) || n > 2147483647LL || n < -2147483648LL) {
      PyErr_Clear();
      throw Unrenderable{};
    }
    out += std::to_string(n);
  } else if (spec.how == How::kString && PyUnicode_CheckExact(value)) {
    json_string(utf8_of(value, spill), out);
  } else if (spec.how == How::kJson && PyBytes_CheckExact(value)) {
    out.append(PyBytes_AS_STRING(value), size_t(PyBytes_GET_SIZE(value)));
  } else if (spec.how == How::kEnum && spec.names != Py_None && PyDict_Check(spec.names)) {
    PyObject* name = PyDict_GetItemWithError(spec.names, value);
    if (name == nullptr) {
      if (PyErr_Occurred()) throw PyErrorSet{};
      throw Unrenderable{};
    }
    json_string(utf8_of(name, spill), out);
  } else {
    throw Unrenderable{};
  }
}

// Each spec's own column rendered before the rows are, under the GIL (the rows may be rendered
// without it): a value its type cannot hold makes the whole list unrenderable, as before.
void render_columns(std::vector<Spec>& specs, size_t rows) {
  for (Spec& spec : specs) {
    if (spec.column == nullptr) continue;
    spec.column_json.assign(rows, std::string());
    try {
      for (size_t row = 0; row < rows; row++) put_py_value(spec.column_json[row], spec, row);
    } catch (const Unrenderable&) {
      spec.column_unrenderable = true;
    }
  }
}

// A row's value of a spec's own column, as ``render_columns`` rendered it (no Python).
void put_column_value(std::string& out, const Spec& spec, size_t row) {
  if (spec.column_unrenderable || row >= spec.column_json.size()) throw Unrenderable{};
  out += spec.column_json[row];
}

// The rows as a JSON list, or None when a value cannot be rendered (``item`` throws Unrenderable).
// ``item`` runs without the GIL when ``nogil`` (a view of the embedded store, under the graph's
// lock): a 20k-row answer is milliseconds of work that the event loop and other queries need not
// wait for. Enum names are looked up before (``name_enums``).
template <class Item>
PyObject* render_rows(size_t count, std::vector<Spec>& specs, bool nogil, Item&& item) {
  std::string out;
  bool rendered = true;
  {
    NoGil rendering(nogil);
    out.reserve(count * (32 + 32 * specs.size()) + 2);  // (grown again, a large answer is copied)
    out += "[";
    try {
      for (size_t i = 0; i < count; i++) {
        if (i) out += ",";
        out += "{";
        for (Spec& spec : specs) {
          out += spec.key;
          item(out, i, spec);
        }
        out += "}";
      }
      out += "]";
    } catch (const Unrenderable&) {
      rendered = false;
    }
  }
  if (!rendered) Py_RETURN_NONE;
  return check(PyBytes_FromStringAndSize(out.data(), Py_ssize_t(out.size())));
}

// -- a lineage node's facts, as JSON -------------------------------------------------------------

// The NodeFact bits of the fact fields ``specs`` ask for without their column.
uint32_t fact_bits(const std::vector<Spec>& specs) {
  uint32_t bits = 0;
  for (const Spec& spec : specs) {
    if (spec.column != nullptr) continue;
    if (spec.field == Field::kUpstreamCount) bits |= kUpstreamCount;
    if (spec.field == Field::kDownstreamCount) bits |= kDownstreamCount;
    if (spec.field == Field::kDomain) bits |= kDomainFact;
    if (spec.field == Field::kOwners) bits |= kOwnersFact;
    if (spec.field == Field::kLatestRunState) bits |= kRunStateFact;
  }
  return bits;
}

// A lineage node's facts (native/core/node_facts.h) written as GraphQL completes them
// (graph.api.schema.lineage): counts as Int, domain and run state as String or null, owners as
// the list of ``Owner`` objects with the selected leaves (id, name: its NAME or else its id, type),
// the owners the view shows, each distinct list written once (as graph.node_facts completes them).
class FactsJson {
 public:
  // Reads the facts; false when a value is not one its field's type holds as it is (the list is
  // then completed in Python, which says why).
  bool read(View& view, const std::vector<NodeIdx>& nodes, uint32_t asked, Budget budget, bool nogil,
            std::vector<Spec>& specs) {
    {
      NoGil reading(nogil);
      answer_ = node_facts(view, nodes, asked, budget);
    }
    for (const std::string& text : answer_.texts) json_string(text, texts_.emplace_back());
    if (!(asked & kOwnersFact)) return true;
    // The owners as graph.node_facts reads them: view.nodes(), whole, those the view shows.
    std::vector<StrId> ids;
    for (const auto& list : answer_.owner_lists)
      for (const auto& owner : list) ids.push_back(owner.first);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<NodeIdx> found;
    view.find_all(ids, found);
    std::vector<NodeIdx> existing;
    for (NodeIdx n : found)
      if (n != kNone) existing.push_back(n);
    view.wholes(existing);
    FlatMap<StrId, NodeIdx> shown;
    for (size_t k = 0; k < ids.size(); k++)
      if (view.visible(found[k])) shown[ids[k]] = found[k];
    try {
      for (Spec& spec : specs) {
        if (spec.field != Field::kOwners || spec.column != nullptr) continue;
        if (spec.how != How::kObjects || spec.items.empty()) return false;
        spec.column_json.assign(answer_.owner_lists.size() + 1, "[]");  // the last: no owners
        for (size_t k = 0; k < answer_.owner_lists.size(); k++) {
          std::string& out = spec.column_json[k];
          out.clear();
          out += "[";
          bool first = true;
          for (const auto& [id, type] : answer_.owner_lists[k]) {
            const NodeIdx* n = shown.find(id);
            if (n == nullptr) continue;
            if (!first) out += ",";
            first = false;
            put_owner(out, view.g, id, *n, type, spec);
          }
          out += "]";
        }
      }
    } catch (const Unrenderable&) {
      return false;
    }
    return true;
  }

  // A fact field's value of row ``i``: false for a spec that is no fact field.
  bool put(std::string& out, size_t i, const Spec& spec) const {
    switch (spec.field) {
      case Field::kUpstreamCount:
      case Field::kDownstreamCount: {
        uint32_t n = (spec.field == Field::kUpstreamCount ? answer_.upstream : answer_.downstream)[i];
        if (spec.how != How::kInt || n > 2147483647u) throw Unrenderable{};
        out += std::to_string(n);
        return true;
      }
      case Field::kDomain:
      case Field::kLatestRunState:
        if (spec.how != How::kString) throw Unrenderable{};
        put_text(out, (spec.field == Field::kDomain ? answer_.domain : answer_.run_state)[i], spec.nullable);
        return true;
      case Field::kOwners: {
        int32_t at = answer_.owners[i];
        out += spec.column_json[at < 0 ? spec.column_json.size() - 1 : size_t(at)];
        return true;
      }
      default:
        return false;
    }
  }

 private:
  void put_text(std::string& out, int32_t at, bool nullable) const {
    if (at >= 0) {
      out += texts_[size_t(at)];
    } else {
      if (!nullable) throw Unrenderable{};
      out += "null";
    }
  }

  void put_owner(std::string& out, const Graph& g, StrId id, NodeIdx n, int32_t type, const Spec& spec) const {
    out += "{";
    for (const Spec& item : spec.items) {
      out += item.key;
      if (item.how != How::kString) throw Unrenderable{};
      if (item.field == Field::kId) {
        put_id(out, g, id);
      } else if (item.field == Field::kName) {
        const uint8_t* v = g.node_value(n, g.keys.name);
        if (v == nullptr || *v == kAbsent) {
          put_id(out, g, id);  // props.get(NAME, id)
        } else if (*v == kStr) {
          const uint8_t* p = v + 1;
          put_id(out, g, StrId(get_varint(p)));
        } else if (*v == kNull && item.nullable) {
          out += "null";
        } else {
          throw Unrenderable{};
        }
      } else if (item.field == Field::kType) {
        put_text(out, type, item.nullable);
      } else {
        throw Unrenderable{};
      }
    }
    out += "}";
  }

  NodeFactsAnswer answer_;
  std::vector<std::string> texts_;  // answer_.texts as JSON strings
};

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
    PyRef props(e.props == kNone ? (Py_INCREF(Py_None), Py_None) : props_to_py(g.pool, g.edge_record[e.props]));
    PyList_SET_ITEM(list.get(), Py_ssize_t(i),
                    check(PyTuple_Pack(4, source.get(), target.get(), py.edge_kind[e.kind], props.get())));
  }
  return list.release();
  LM_GUARD_END(nullptr)
}

PyObject* lineage_node_column(PyObject* self, PyObject* name) {
  LM_GUARD_BEGIN
  LineageObject* l = reinterpret_cast<LineageObject*>(self);
  std::string spill;
  return node_column(graph_of_answer(l->owner), l->answer->nodes, utf8_of(name, spill), view_of(l->owner)->view);
  LM_GUARD_END(nullptr)
}

// source, target (ids), kind (EdgeKind), or props (a dict, or None for an edge with none).
PyObject* lineage_edge_column(PyObject* self, PyObject* name) {
  LM_GUARD_BEGIN
  LineageObject* l = reinterpret_cast<LineageObject*>(self);
  const Graph& g = graph_of_answer(l->owner);
  std::string spill;
  std::string_view field = utf8_of(name, spill);
  const auto& edges = l->answer->edges;
  PyRef list(check(PyList_New(Py_ssize_t(edges.size()))));
  FlatMap<NodeIdx, PyObject*> made;  // an id repeats along edges: made once (borrowed from the list)
  for (size_t i = 0; i < edges.size(); i++) {
    const auto& e = edges[i];
    PyObject* o;
    if (field == "source" || field == "target") {
      NodeIdx n = field == "source" ? e.source : e.target;
      bool fresh;
      PyObject*& held = made.at(n, &fresh);
      if (fresh) held = id_str(g, g.node_id[n]); else Py_INCREF(held);
      o = held;
    } else if (field == "kind") {
      o = py.edge_kind[e.kind];
      Py_INCREF(o);
    } else if (field == "props") {
      o = e.props == kNone ? (Py_INCREF(Py_None), Py_None) : props_to_py(g.pool, g.edge_record[e.props]);
    } else {
      raise(PyExc_ValueError, "no such edge column");
    }
    PyList_SET_ITEM(list.get(), Py_ssize_t(i), o);
  }
  return list.release();
  LM_GUARD_END(nullptr)
}

// render_nodes(specs[, max_nodes, seconds]): a lineage node's facts (graph.node_facts) asked
// without their column are read here for the answer's nodes, within the budget, and written as
// JSON as they are read (``FactsJson``): no Python value per node or per owner.
PyObject* lineage_render_nodes(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject* arg;
  Py_ssize_t max_nodes = -1;
  double seconds = 0;
  if (!PyArg_ParseTuple(args, "O|nd", &arg, &max_nodes, &seconds)) return nullptr;
  LineageObject* l = reinterpret_cast<LineageObject*>(self);
  ViewObject* v = view_of(l->owner);
  const Graph& g = graph_of_answer(l->owner);
  std::vector<Spec> specs = specs_of(arg);
  const auto& nodes = l->answer->nodes;
  name_enums(specs, Field::kKind, py.node_kind, kNodeKinds);
  render_columns(specs, nodes.size());
  FactsJson facts;
  uint32_t asked = fact_bits(specs);
  if (asked != 0) {
    if (max_nodes < 0) raise(PyExc_TypeError, "a node's facts are read within max_nodes and seconds");
    if (!facts.read(*v->view, nodes, asked, budget_of(max_nodes, seconds), embedded(v), specs)) Py_RETURN_NONE;
  }
  return render_rows(nodes.size(), specs, embedded(v), [&](std::string& out, size_t i, Spec& spec) {
    if (spec.column != nullptr) put_column_value(out, spec, i);
    else if (asked != 0 && facts.put(out, i, spec)) return;
    else put_node_field(out, g, nodes[i], spec, g.node_id[nodes[i]], v->view);
  });
  LM_GUARD_END(nullptr)
}

PyObject* lineage_render_edges(PyObject* self, PyObject* arg) {
  LM_GUARD_BEGIN
  LineageObject* l = reinterpret_cast<LineageObject*>(self);
  const Graph& g = graph_of_answer(l->owner);
  std::vector<Spec> specs = specs_of(arg);
  const auto& edges = l->answer->edges;
  name_enums(specs, Field::kKind, py.edge_kind, kEdgeKinds);
  return render_rows(edges.size(), specs, embedded(view_of(l->owner)), [&](std::string& out, size_t i, Spec& spec) {
    const auto& e = edges[i];
    if ((spec.field == Field::kSource || spec.field == Field::kTarget) && spec.how == How::kString) {
      put_id(out, g, g.node_id[spec.field == Field::kSource ? e.source : e.target]);
    } else if (spec.field == Field::kKind && spec.how == How::kEnum) {
      out += enum_name(spec, e.kind);
    } else {
      throw Unrenderable{};
    }
  });
  LM_GUARD_END(nullptr)
}

PyObject* lineage_render_marquez(PyObject* self, PyObject*) {
  LM_GUARD_BEGIN
  LineageObject* l = reinterpret_cast<LineageObject*>(self);
  ViewObject* v = view_of(l->owner);
  return marquez_lineage_bytes(*v->view, *l->answer, embedded(v));
  LM_GUARD_END(nullptr)
}

PyObject* lineage_sizes(PyObject* self, void*) {
  LineageObject* l = reinterpret_cast<LineageObject*>(self);
  return Py_BuildValue("(nn)", Py_ssize_t(l->answer->nodes.size()), Py_ssize_t(l->answer->edges.size()));
}

PyGetSetDef lineage_getset[] = {{"sizes", lineage_sizes, nullptr, "(nodes, edges) of the answer.", nullptr},{"truncated", lineage_truncated, nullptr, "A budget cut the answer short.", nullptr},
                                {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyMethodDef marquez_functions[] = {
    {"marquez_fields", marquez_fields, METH_O,
     "marquez_fields(entries) -> str: the JSON text of a dataset's Marquez fields, from one list of "
     "MARQUEZ_FIELD_KEYS values per column (what KEPT_FIELDS_KEY holds)."},
    {nullptr, nullptr, 0, nullptr}};

PyMethodDef lineage_methods[] = {
    {"nodes", locked<lineage_nodes, view_behind<LineageObject>>, METH_NOARGS, "nodes() -> [Node] by id."},
    {"edges", locked<lineage_edges, view_behind<LineageObject>>, METH_NOARGS, "edges() -> [(source, target, kind, props or None)], sorted."},
    {"node_column", locked<lineage_node_column, view_behind<LineageObject>>, METH_O, "node_column(field) -> one field of every node (graph.api.schema's)."},
    {"edge_column", locked<lineage_edge_column, view_behind<LineageObject>>, METH_O, "edge_column(source|target|kind|props) -> one field of every edge."},
    {"render_nodes", locked<lineage_render_nodes, view_behind<LineageObject>>, METH_VARARGS,
     "render_nodes(specs, max_nodes=-1, seconds=0) -> JSON bytes of the nodes (their facts read within the budget), or None."},
    {"render_edges", locked<lineage_render_edges, view_behind<LineageObject>>, METH_O, "render_edges(specs) -> JSON bytes of the edges, or None."},
    {"render_marquez", locked<lineage_render_marquez, view_behind<LineageObject>>, METH_NOARGS, "render_marquez() -> JSON bytes of Marquez's lineage graph."},
    {nullptr, nullptr, 0, nullptr}};

void impact_dealloc(PyObject* self) {
  ImpactObject* i = reinterpret_cast<ImpactObject*>(self);
  if (i->answer) {
    ViewObject* v = view_of(i->owner);
    Graph& g = v->view->g;
    if (embedded(v)) {
      Reading shared(g);
      for (StrId id : i->answer->held) g.let_go(id);
    } else {
      for (StrId id : i->answer->held) g.pool.decref(id);
    }
  }
  delete i->answer;
  Py_XDECREF(i->owner);
  PyObject_Free(self);
}

PyObject* impact_truncated(PyObject* self, void*) {
  return PyBool_FromLong(reinterpret_cast<ImpactObject*>(self)->answer->truncated);
}

PyObject* impact_changed(PyObject* self, void*) {
  LM_GUARD_BEGIN
  ImpactObject* im = reinterpret_cast<ImpactObject*>(self);
  Graph& g = view_of(im->owner)->view->g;
  std::optional<Reading> shared;
  if (embedded(view_of(im->owner))) shared.emplace(g);
  return id_str(g, g.node_id[im->answer->changed]);
  LM_GUARD_END(nullptr)
}

PyObject* id_list(const Graph& g, const std::vector<StrId>& ids) {
  PyRef list(check(PyList_New(Py_ssize_t(ids.size()))));
  for (size_t i = 0; i < ids.size(); i++) PyList_SET_ITEM(list.get(), Py_ssize_t(i), id_str(g, ids[i]));
  return list.release();
}

// products, domains, owners or contracts: ids, by id.
PyObject* impact_concerned(PyObject* self, PyObject* name) {
  LM_GUARD_BEGIN
  ImpactObject* im = reinterpret_cast<ImpactObject*>(self);
  const Graph& g = graph_of_answer(im->owner);
  std::string spill;
  std::string_view which = utf8_of(name, spill);
  const ImpactReportAnswer& a = *im->answer;
  if (which == "products") return id_list(g, a.products);
  if (which == "domains") return id_list(g, a.domains);
  if (which == "owners") return id_list(g, a.owners);
  if (which == "contracts") return id_list(g, a.contracts);
  raise(PyExc_ValueError, "no such list");
  LM_GUARD_END(nullptr)
}

// One field of every affected node: a node field (node_column's), distance, path (ids from the
// changed node), via (the id before it on its path), severity (its rank: 2 BREAKING, 1 WARNING,
// 0 INFO) or certain.
PyObject* impact_affected_column(PyObject* self, PyObject* name) {
  LM_GUARD_BEGIN
  ImpactObject* im = reinterpret_cast<ImpactObject*>(self);
  const Graph& g = graph_of_answer(im->owner);
  const ImpactReportAnswer& a = *im->answer;
  std::string spill;
  std::string_view field = utf8_of(name, spill);
  if (field == "distance" || field == "severity" || field == "certain" || field == "path" || field == "via") {
    PyRef list(check(PyList_New(Py_ssize_t(a.affected.size()))));
    std::vector<PyRef> step_strings(field == "path" ? a.steps.size() : 0);
    std::vector<int32_t> chain;
    for (size_t i = 0; i < a.affected.size(); i++) {
      const auto& item = a.affected[i];
      PyObject* o;
      if (field == "distance") o = check(PyLong_FromLong(item.distance));
      else if (field == "severity") o = check(PyLong_FromLong(item.severity));
      else if (field == "certain") o = PyBool_FromLong(item.certain);
      else if (field == "via") o = id_str(g, a.steps[size_t(a.steps[size_t(item.path)].parent)].id);
      else {
        chain.clear();
        for (int32_t s = item.path; s >= 0; s = a.steps[size_t(s)].parent) chain.push_back(s);
        PyRef path(check(PyList_New(Py_ssize_t(chain.size()))));
        for (size_t k = 0; k < chain.size(); k++) {
          int32_t step = chain[chain.size() - 1 - k];
          PyRef& text = step_strings[size_t(step)];
          if (!text) text = PyRef(id_str(g, a.steps[size_t(step)].id));
          Py_INCREF(text.get());
          PyList_SET_ITEM(path.get(), Py_ssize_t(k), text.get());
        }
        o = path.release();
      }
      PyList_SET_ITEM(list.get(), Py_ssize_t(i), o);
    }
    return list.release();
  }
  std::vector<NodeIdx> nodes;
  for (const auto& item : a.affected) nodes.push_back(item.node);
  if (field == "id") {  // the id it was reached as (a node's own id: answers are about nodes the view shows)
    PyRef list(check(PyList_New(Py_ssize_t(nodes.size()))));
    for (size_t i = 0; i < nodes.size(); i++) PyList_SET_ITEM(list.get(), Py_ssize_t(i), id_str(g, a.affected[i].id));
    return list.release();
  }
  return node_column(g, nodes, field, view_of(im->owner)->view);
  LM_GUARD_END(nullptr)
}

PyObject* impact_affected_nodes(PyObject* self, PyObject*) {
  LM_GUARD_BEGIN
  ImpactObject* im = reinterpret_cast<ImpactObject*>(self);
  const Graph& g = graph_of_answer(im->owner);
  const auto& affected = im->answer->affected;
  PyRef list(check(PyList_New(Py_ssize_t(affected.size()))));
  for (size_t i = 0; i < affected.size(); i++) PyList_SET_ITEM(list.get(), Py_ssize_t(i), node_to_py(g, affected[i].node));
  return list.release();
  LM_GUARD_END(nullptr)
}

PyObject* impact_render_affected(PyObject* self, PyObject* arg) {
  LM_GUARD_BEGIN
  ImpactObject* im = reinterpret_cast<ImpactObject*>(self);
  const Graph& g = graph_of_answer(im->owner);
  const ImpactReportAnswer& a = *im->answer;
  std::vector<Spec> specs = specs_of(arg);
  std::vector<int32_t> chain;
  std::vector<std::string> step_json(a.steps.size());
  PyRef ranks[3] = {PyRef(check(PyLong_FromLong(0))), PyRef(check(PyLong_FromLong(1))), PyRef(check(PyLong_FromLong(2)))};
  PyObject* const rank_values[3] = {ranks[0].get(), ranks[1].get(), ranks[2].get()};
  name_enums(specs, Field::kSeverity, rank_values, 3);
  name_enums(specs, Field::kKind, py.node_kind, kNodeKinds);
  return render_rows(a.affected.size(), specs, embedded(view_of(im->owner)), [&](std::string& out, size_t i, Spec& spec) {
    const auto& item = a.affected[i];
    if (spec.field == Field::kDistance && spec.how == How::kInt) {
      out += std::to_string(item.distance);
    } else if (spec.field == Field::kCertain && spec.how == How::kBool) {
      out += item.certain ? "true" : "false";
    } else if (spec.field == Field::kSeverity && spec.how == How::kEnum) {
      out += enum_name(spec, item.severity);
    } else if (spec.field == Field::kVia && spec.how == How::kString) {
      put_id(out, g, a.steps[size_t(a.steps[size_t(item.path)].parent)].id);
    } else if (spec.field == Field::kPath && spec.how == How::kStrings) {
      chain.clear();
      for (int32_t s = item.path; s >= 0; s = a.steps[size_t(s)].parent) chain.push_back(s);
      out += "[";
      for (size_t k = 0; k < chain.size(); k++) {
        int32_t step = chain[chain.size() - 1 - k];
        std::string& text = step_json[size_t(step)];
        if (text.empty()) put_id(text, g, a.steps[size_t(step)].id);
        if (k) out += ",";
        out += text;
      }
      out += "]";
    } else {
      put_node_field(out, g, item.node, spec, item.id, view_of(im->owner)->view);
    }
  });
  LM_GUARD_END(nullptr)
}

PyObject* impact_size(PyObject* self, void*) {
  return PyLong_FromSize_t(reinterpret_cast<ImpactObject*>(self)->answer->affected.size());
}

PyGetSetDef impact_getset[] = {{"truncated", impact_truncated, nullptr, "A budget cut the walk short.", nullptr},
                               {"changed", impact_changed, nullptr, "The changed node's id (canonical).", nullptr},
                               {"size", impact_size, nullptr, "How many nodes are affected.", nullptr},
                               {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyMethodDef impact_methods[] = {
    {"affected_column", locked<impact_affected_column, view_behind<ImpactObject>>, METH_O, "affected_column(field) -> one field of every affected node."},
    {"affected_nodes", locked<impact_affected_nodes, view_behind<ImpactObject>>, METH_NOARGS, "affected_nodes() -> [Node] of the affected, in order."},
    {"render_affected", locked<impact_render_affected, view_behind<ImpactObject>>, METH_O, "render_affected(specs) -> JSON bytes of the affected, or None."},
    {"concerned", locked<impact_concerned, view_behind<ImpactObject>>, METH_O, "concerned(products|domains|owners|contracts) -> [id]."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

bool add_view_types(PyObject* module) {
  if (!add_type(module, ViewType, "graph._native.View", sizeof(ViewObject),
                "The graph as it stands (or stood), for one query: the view's rules, aliases and walks.", view_dealloc,
                view_methods, nullptr, view_new) ||
      !add_type(module, LineageType, "graph._native.Lineage", sizeof(LineageObject), "A lineage answer.",
                lineage_dealloc, lineage_methods, lineage_getset) ||
      !add_type(module, ImpactType, "graph._native.Impact", sizeof(ImpactObject),
                "What a change reaches, and whom it concerns.", impact_dealloc, impact_methods, impact_getset)) {
    return false;
  }
  auto names = [](const std::vector<std::string_view>& list) -> PyObject* {
    PyObject* tuple = PyTuple_New(Py_ssize_t(list.size()));
    if (tuple == nullptr) return nullptr;
    for (size_t i = 0; i < list.size(); i++) {
      PyObject* name = PyUnicode_FromStringAndSize(list[i].data(), Py_ssize_t(list[i].size()));
      if (name == nullptr) {
        Py_DECREF(tuple);
        return nullptr;
      }
      PyTuple_SET_ITEM(tuple, Py_ssize_t(i), name);
    }
    return tuple;
  };
  PyObject* shown = names(kMarquezShown);
  PyObject* field_keys = names(kMarquezFieldKeys);
  PyObject* kept_key = PyUnicode_FromStringAndSize(kKeptFieldsKey.data(), Py_ssize_t(kKeptFieldsKey.size()));
  if (shown == nullptr || field_keys == nullptr || kept_key == nullptr) {
    Py_XDECREF(shown);
    Py_XDECREF(field_keys);
    Py_XDECREF(kept_key);
    return false;
  }
  return PyModule_AddObject(module, "MARQUEZ_SHOWN", shown) == 0 &&  // graph.api.marquez reads ahead with these
         PyModule_AddObject(module, "MARQUEZ_FIELD_KEYS", field_keys) == 0 &&
         PyModule_AddObject(module, "KEPT_FIELDS_KEY", kept_key) == 0 &&  // graph.stores.neo4j keeps them
         PyModule_AddFunctions(module, marquez_functions) == 0;
}

}  // namespace lm
