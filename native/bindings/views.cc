// graph._native.View: the Python face of the query engine (native/core/view.h, aliases.h,
// lineage.h, impact.h); its answers are answers.cc's. ``graph.view.GraphView`` wraps it.
#include "py.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include "marquez_py.h"
#include "node_facts.h"
#include "pyrecords.h"
#include "pytypes.h"
#include "pyvalues.h"
#include "views.h"

namespace lm {

PyObject* id_str(const Graph& g, StrId id) { return str_of(g.pool.view(id)); }

bool shown_deleted(const Graph& g, const View* view, NodeIdx n) {
  if (view != nullptr) return view->deleted(n);
  const uint8_t* v = g.node_value(n, g.keys.deleted);
  return v != nullptr && value_truthy(v, g.pool);
}

PyObject* node_column(const Graph& g, const std::vector<NodeIdx>& nodes, std::string_view field, const View* view) {
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

namespace {

PyTypeObject ViewType = {PyVarObject_HEAD_INIT(nullptr, 0)};

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
  if (graph != Py_None && !nb::isinstance<Graph>(graph)) raise(PyExc_TypeError, "graph must be a Graph or None");
  PyRef self(check(type->tp_alloc(type, 0)));
  ViewObject* v = view_of(self.get());
  Py_INCREF(store);
  v->store = store;
  std::unique_ptr<Source> source;
  if (graph != Py_None) {
    Py_INCREF(graph);
    v->graph_owner = graph;
    source = std::make_unique<Source>(graph_in(graph));
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
     "marquez(ids, full) -> JSON bytes: a list of each node's Marquez data (null for none; native/marquez/marquez.h)."},
    {"marquez_column_lineage", locked<view_marquez_column_lineage, view_itself>, METH_VARARGS,
     "marquez_column_lineage(column ids, downstream, depth, max_nodes, seconds) -> (JSON bytes, truncated)."},
    {nullptr, nullptr, 0, nullptr}};

PyMethodDef marquez_functions[] = {
    {"marquez_fields", marquez_fields, METH_O,
     "marquez_fields(entries) -> str: the JSON text of a dataset's Marquez fields, from one list of "
     "MARQUEZ_FIELD_KEYS values per column (what KEPT_FIELDS_KEY holds)."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

bool add_view_types(PyObject* module) {
  if (!add_type(module, ViewType, "graph._native.View", sizeof(ViewObject),
                "The graph as it stands (or stood), for one query: the view's rules, aliases and walks.", view_dealloc,
                view_methods, nullptr, view_new) ||
      !add_answer_types(module)) {
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
