// graph._native: the Python face of the native core. Thin: argument parsing, and turning the
// core's records into graph.model objects (native/bindings/pytypes.h finds their classes).
// ``graph.mutations`` says what each entry point is for.
#include "py.h"

#include <algorithm>
#include <cstring>

#include "batch.h"
#include "currency.h"
#include "domain_rules_py.h"
#include "graph.h"
#include "ids.h"
#include "impact.h"
#include "pybatch.h"
#include "pyobservations.h"
#include "pylock.h"
#include "pymodule.h"
#include "pyrecords.h"
#include "pytypes.h"
#include "pyvalues.h"
#include "snapshot.h"

using namespace lm;

namespace {

#define GUARD_BEGIN LM_GUARD_BEGIN
#define GUARD_END(fail) LM_GUARD_END(fail)

// -- helpers ------------------------------------------------------------------------------------

bool is_out(PyObject* direction) {
  if (PyUnicode_Check(direction)) {
    if (PyUnicode_CompareWithASCIIString(direction, "out") == 0) return true;
    if (PyUnicode_CompareWithASCIIString(direction, "in") == 0) return false;
  }
  PyRef shown(PyObject_Repr(direction));
  raise(PyExc_ValueError, std::string("direction must be 'out' or 'in', not ") +
                              (shown ? PyUnicode_AsUTF8(shown.get()) : "?"));
}

std::vector<uint8_t> edge_kinds_of(PyObject* kinds) {
  PyRef seq(check(PySequence_Fast(kinds, "kinds must be iterable")));
  std::vector<uint8_t> out;
  bool seen[kEdgeKinds] = {};
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.get());
  for (Py_ssize_t i = 0; i < n; i++) {
    uint8_t code = edge_kind_code(PySequence_Fast_GET_ITEM(seq.get(), i));
    if (!seen[code]) out.push_back(code);
    seen[code] = true;
  }
  return out;
}

// The nodes of some Python ids that exist: (the Python id, its index) each; ``keep`` holds the
// sequence that owns the (borrowed) ids for as long as they are used.
struct Resolved {
  PyRef keep;
  std::vector<std::pair<PyObject*, NodeIdx>> found;
};

Resolved resolve(const Graph& g, PyObject* ids) {
  Resolved r;
  r.keep = PyRef(check(PySequence_Fast(ids, "ids must be iterable")));
  Py_ssize_t n = PySequence_Fast_GET_SIZE(r.keep.get());
  PyObject** items = PySequence_Fast_ITEMS(r.keep.get());
  r.found.reserve(size_t(n));
  std::string spill;
  for (Py_ssize_t i = 0; i < n; i++) {
    if (!PyUnicode_Check(items[i])) raise(PyExc_TypeError, "node ids are str");
    NodeIdx node = g.find_node(utf8_of(items[i], spill));
    if (node != kNone) r.found.emplace_back(items[i], node);
  }
  return r;
}

PyObject* node_object(const Graph& g, NodeIdx n, PyObject* id /* borrowed, or nullptr */) { return node_to_py(g, n, id); }

PyObject* node_id_object(const Graph& g, NodeIdx n) { return str_of(g.pool.view(g.node_id[n])); }

// -- Graph --------------------------------------------------------------------------------------

struct PlanObject {
  PyObject_HEAD
  PyObject* owner;  // the GraphObject
  Plan* plan;
};

struct CaptureObject {
  PyObject_HEAD
  PyObject* owner;
  Capture* capture;
};

extern PyTypeObject PlanType;
extern PyTypeObject CaptureType;

Graph& graph_of(PyObject* self) { return *reinterpret_cast<GraphObject*>(self)->graph; }

// A Graph method under the graph's lock (native/bindings/pylock.h): readers share the graph,
// writers have it alone; either way the GIL is let go while the lock is waited for.
template <PyObject* (*F)(PyObject*, PyObject*)>
PyObject* reading(PyObject* self, PyObject* arg) {
  GUARD_BEGIN
  return read_graph(graph_of(self), [&] { return F(self, arg); });
  GUARD_END(nullptr)
}

template <PyObject* (*F)(PyObject*, PyObject*)>
PyObject* writing(PyObject* self, PyObject* arg) {
  GUARD_BEGIN
  Writing alone(graph_of(self));
  return F(self, arg);
  GUARD_END(nullptr)
}

PyObject* graph_new(PyTypeObject* type, PyObject*, PyObject*) {
  GUARD_BEGIN
  require_configured();
  PyRef self(check(type->tp_alloc(type, 0)));
  reinterpret_cast<GraphObject*>(self.get())->graph = new Graph();
  return self.release();
  GUARD_END(nullptr)
}

void graph_dealloc(PyObject* self) {
  delete reinterpret_cast<GraphObject*>(self)->graph;
  Py_TYPE(self)->tp_free(self);
}

PyObject* graph_plan(PyObject* self, PyObject* arg) {
  GUARD_BEGIN
  Py_buffer view;
  if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return nullptr;
  std::unique_ptr<Batch> batch;
  std::unique_ptr<Plan> plan;
  try {
    NoGil working;  // the payload is bytes: it stays as it is
    batch = std::make_unique<Batch>(graph_of(self).pool);
    batch->decode(static_cast<const uint8_t*>(view.buf), size_t(view.len));
    plan = graph_of(self).plan(std::move(batch));
  } catch (...) {
    PyBuffer_Release(&view);
    throw;
  }
  PyBuffer_Release(&view);
  return holding(PlanType, self, &PlanObject::plan, std::move(plan));
  GUARD_END(nullptr)
}

PyObject* graph_commit(PyObject* self, PyObject* arg) {
  GUARD_BEGIN
  if (Py_TYPE(arg) != &PlanType || reinterpret_cast<PlanObject*>(arg)->owner != self)
    raise(PyExc_TypeError, "commit takes a plan this graph made");
  {
    NoGil working;
    graph_of(self).commit(*reinterpret_cast<PlanObject*>(arg)->plan);
  }
  Py_RETURN_NONE;
  GUARD_END(nullptr)
}

PyObject* graph_nodes(PyObject* self, PyObject* ids) {
  GUARD_BEGIN
  Graph& g = graph_of(self);
  Resolved resolved = resolve(g, ids);
  PyRef out(check(PyDict_New()));
  for (auto& [id, n] : resolved.found) {
    PyRef node(node_object(g, n, id));
    if (PyDict_SetItem(out.get(), id, node.get()) < 0) return nullptr;
  }
  return out.release();
  GUARD_END(nullptr)
}

PyObject* read_edges(PyObject* self, PyObject* args, bool keys_only) {
  PyObject *ids, *kinds, *direction;
  if (!PyArg_ParseTuple(args, "OOO", &ids, &kinds, &direction)) return nullptr;
  Graph& g = graph_of(self);
  bool out_edges = is_out(direction);
  std::vector<uint8_t> codes = edge_kinds_of(kinds);
  Resolved resolved = resolve(g, ids);
  PyRef result(check(PyList_New(0)));
  for (uint8_t kind : codes) {
    for (auto& [id, n] : resolved.found) {
      const AdjList& list = out_edges ? g.node_out[n] : g.node_in[n];
      auto [b, e] = list.of_kind(kind);
      for (const uint64_t* it = b; it < e; it++) {
        NodeIdx other = entry_neighbour(*it);
        PyRef near_end((Py_INCREF(id), id));
        PyRef far_end(node_id_object(g, other));
        PyObject* source = out_edges ? near_end.release() : far_end.release();
        PyObject* target = out_edges ? far_end.release() : near_end.release();
        PyRef item;
        if (keys_only) {
          Py_INCREF(py.edge_kind[kind]);
          item = PyRef(PyTuple_New(3));
          if (!item) {
            Py_DECREF(source);
            Py_DECREF(target);
            Py_DECREF(py.edge_kind[kind]);
            return nullptr;
          }
          PyTuple_SET_ITEM(item.get(), 0, source);
          PyTuple_SET_ITEM(item.get(), 1, py.edge_kind[kind]);
          PyTuple_SET_ITEM(item.get(), 2, target);
        } else {
          Record* r = g.edge_record[entry_edge(*it)];
          PyRef props, stamps;
          try {
            props = PyRef(props_to_py(g.pool, r));
            stamps = PyRef(stamps_to_py(g.pool, r));
          } catch (...) {
            Py_DECREF(source);
            Py_DECREF(target);
            throw;
          }
          item = PyRef(make_edge(source, kind, target, props.release(), stamps.release()));
        }
        if (PyList_Append(result.get(), item.get()) < 0) return nullptr;
      }
    }
  }
  return result.release();
}

bool id_less(const Graph& g, NodeIdx a, NodeIdx b) { return g.pool.view(g.node_id[a]) < g.pool.view(g.node_id[b]); }

PyObject* graph_nodes_of_kind(PyObject* self, PyObject* args) {
  GUARD_BEGIN
  PyObject* kind;
  Py_ssize_t first;
  PyObject* after = Py_None;
  if (!PyArg_ParseTuple(args, "On|O", &kind, &first, &after)) return nullptr;
  Graph& g = graph_of(self);
  uint8_t code = node_kind_code(kind);
  std::string spill;
  std::string_view after_text;
  bool paged = after != Py_None;
  if (paged) after_text = utf8_of(after, spill);
  IdOrder& order = g.id_order[code];
  if (!order.current(g.nodes_of_kind[code].size())) {
    if (!held_now.alone) throw NeedsExclusive{};  // read again with the graph alone (pylock.h)
    order.catch_up(g, g.nodes_of_kind[code]);
  }
  std::vector<NodeIdx> page = order.page(g, paged, after_text, size_t(std::max<Py_ssize_t>(first, 0)));
  PyRef out(check(PyList_New(Py_ssize_t(page.size()))));
  for (size_t i = 0; i < page.size(); i++) PyList_SET_ITEM(out.get(), Py_ssize_t(i), node_object(g, page[i], nullptr));
  return out.release();
  GUARD_END(nullptr)
}

// Nodes ``start`` .. ``start + count`` of a kind in the graph's own order (not by id): one pass
// over every node, each page costing its own size, however many nodes the kind holds.
PyObject* graph_nodes_of_kind_at(PyObject* self, PyObject* args) {
  GUARD_BEGIN
  PyObject* kind;
  Py_ssize_t start, count;
  if (!PyArg_ParseTuple(args, "Onn", &kind, &start, &count)) return nullptr;
  Graph& g = graph_of(self);
  const std::vector<NodeIdx>& all = g.nodes_of_kind[node_kind_code(kind)];
  size_t begin = std::min(all.size(), size_t(std::max<Py_ssize_t>(start, 0)));
  size_t end = std::min(all.size(), begin + size_t(std::max<Py_ssize_t>(count, 0)));
  PyRef out(check(PyList_New(Py_ssize_t(end - begin))));
  for (size_t i = begin; i < end; i++) PyList_SET_ITEM(out.get(), Py_ssize_t(i - begin), node_object(g, all[i], nullptr));
  return out.release();
  GUARD_END(nullptr)
}

// The READS/WRITES edges of ``jobs`` their newest completed run did not restate: {job: {key}} for
// the jobs that have some (native/core/currency.h; the writes since the last read judged first).
PyObject* graph_unrestated(PyObject* self, PyObject* jobs) {
  GUARD_BEGIN
  Graph& g = graph_of(self);  // settled: the ReadLock judged the writes since the last read
  Resolved resolved = resolve(g, jobs);
  PyRef out(check(PyDict_New()));
  for (auto& [id, job] : resolved.found) {
    PyRef keys(check(PySet_New(nullptr)));
    for (uint8_t kind : kJobIoKinds) {
      auto [b, e] = g.node_out[job].of_kind(kind);
      for (const uint64_t* it = b; it < e; it++) {
        if (!g.unrestated(entry_edge(*it))) continue;
        PyRef target(node_id_object(g, entry_neighbour(*it)));
        PyRef key(check(PyTuple_Pack(3, id, py.edge_kind[kind], target.get())));
        if (PySet_Add(keys.get(), key.get()) < 0) return nullptr;
      }
    }
    if (PySet_GET_SIZE(keys.get()) && PyDict_SetItem(out.get(), id, keys.get()) < 0) return nullptr;
  }
  return out.release();
  GUARD_END(nullptr)
}

// Judge ``jobs`` now, by the runs they name: a graph holding another store's jobs, their deciding
// runs and those runs' and jobs' edges (graph.stores.job_currency.judge).
PyObject* graph_judge(PyObject* self, PyObject* jobs) {
  GUARD_BEGIN
  Graph& g = graph_of(self);
  Resolved resolved = resolve(g, jobs);
  std::vector<NodeIdx> nodes;
  for (auto& [id, job] : resolved.found) nodes.push_back(job);
  judge_jobs(g, std::move(nodes));
  Py_RETURN_NONE;
  GUARD_END(nullptr)
}

PyObject* graph_touch_all(PyObject* self, PyObject*) {
  GUARD_BEGIN
  graph_of(self).touch_all();
  Py_RETURN_NONE;
  GUARD_END(nullptr)
}

// The search order of Store.search (graph/stores/__init__.py; test_lineage_conformance checks
// every store keeps it), over the name as Python's str() shows it, lower-cased as
// Python's str.lower() does (by Python itself for anything not ASCII).
PyObject* graph_search(PyObject* self, PyObject* args) {
  GUARD_BEGIN
  PyObject *needle_object, *kinds;
  Py_ssize_t first;
  if (!PyArg_ParseTuple(args, "UOn", &needle_object, &kinds, &first)) return nullptr;
  Graph& g = graph_of(self);
  std::string spill;
  std::string needle(utf8_of(needle_object, spill));
  PyRef seq(check(PySequence_Fast(kinds, "kinds must be iterable")));
  bool wanted[kNodeKinds] = {};
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); i++)
    wanted[node_kind_code(PySequence_Fast_GET_ITEM(seq.get(), i))] = true;
  struct Hit {
    int rank;
    std::string name;
    NodeIdx node;
  };
  std::vector<Hit> hits;
  auto ascii = [](std::string_view s) {
    for (unsigned char c : s)
      if (c >= 0x80) return false;
    return true;
  };
  bool needle_ascii = ascii(needle);
  std::string lowered;
  char buf[32];
  for (uint8_t kind = 0; kind < kNodeKinds; kind++) {
    if (!wanted[kind]) continue;
    for (NodeIdx n : g.nodes_of_kind[kind]) {
      const uint8_t* value = record_value(g.node_record[n], g.keys.name);
      std::string name;
      std::string_view text;
      if (value == nullptr || *value == kAbsent) {
        name.clear();
      } else if (value_string(value, g.pool, buf, text)) {
        name.assign(text);
      } else {  // str() of another value, as Python shows it
        const uint8_t* p = value;
        PyRef object(value_to_py(p, g.pool));
        PyRef shown(check(PyObject_Str(object.get())));
        name.assign(utf8_of(shown.get(), spill));
      }
      if (needle_ascii && ascii(name)) {
        lowered.assign(name);
        for (char& c : lowered)
          if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
      } else {
        PyRef object(str_of(name));
        PyRef low(check(PyObject_CallMethod(object.get(), "lower", nullptr)));
        lowered.assign(utf8_of(low.get(), spill));
      }
      if (lowered.find(needle) == std::string::npos) continue;
      int rank = lowered == needle ? 0 : (lowered.compare(0, needle.size(), needle) == 0 ? 1 : 2);
      hits.push_back(Hit{rank, std::move(name), n});
    }
  }
  size_t keep = std::min(hits.size(), size_t(std::max<Py_ssize_t>(first, 0)));
  std::partial_sort(hits.begin(), hits.begin() + long(keep), hits.end(), [&](const Hit& a, const Hit& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.name != b.name) return a.name < b.name;
    return id_less(g, a.node, b.node);
  });
  PyRef out(check(PyList_New(Py_ssize_t(keep))));
  for (size_t i = 0; i < keep; i++) PyList_SET_ITEM(out.get(), Py_ssize_t(i), node_object(g, hits[i].node, nullptr));
  return out.release();
  GUARD_END(nullptr)
}

PyObject* graph_counts(PyObject* self, PyObject*) {
  GUARD_BEGIN
  Graph& g = graph_of(self);
  PyRef out(check(PyDict_New()));
  for (uint8_t k = 0; k < kNodeKinds; k++) {
    if (g.nodes_of_kind[k].empty()) continue;
    PyRef n(check(PyLong_FromSize_t(g.nodes_of_kind[k].size())));
    if (PyDict_SetItem(out.get(), py.node_kind_value[k], n.get()) < 0) return nullptr;
  }
  for (uint8_t k = 0; k < kEdgeKinds; k++) {
    if (g.edges_of_kind[k] == 0) continue;
    PyRef n(check(PyLong_FromSize_t(g.edges_of_kind[k])));
    if (PyDict_SetItem(out.get(), py.edge_kind_value[k], n.get()) < 0) return nullptr;
  }
  return out.release();
  GUARD_END(nullptr)
}

// A node by id, made bare (no properties, the kind its id implies) when it is not held: the end of
// an installed edge whose node was not installed.
NodeIdx bare_node(Graph& g, PyObject* id) {
  if (!PyUnicode_Check(id)) raise(PyExc_TypeError, "node ids are str");
  std::string spill;
  std::string_view text = utf8_of(id, spill);
  NodeIdx n = g.find_node(text);
  if (n != kNone) return n;
  uint8_t kind = placeholder_kind(text);
  if (kind == kNodeKinds) raise(PyExc_ValueError, "an installed edge's end has no known id prefix");
  StrId sid = g.pool.intern(text);
  n = g.add_node(sid, kind, g.records.freeze(Draft(), false));
  g.pool.decref(sid);
  return n;
}

// An attribute of a Python Node or Edge (a new reference), or the error in flight.
PyRef attr(PyObject* o, const char* name) { return PyRef(check(PyObject_GetAttrString(o, name))); }

// The record a Python Node or Edge holds: its ``props`` with their ``stamps``.
Record* record_of(Graph& g, PyObject* o, bool edge) {
  PyRef props = attr(o, "props"), stamps = attr(o, "stamps");
  return record_from_py(g, props.get(), stamps.get(), edge);
}

// ``f`` on each item of a Python sequence (``what``: the error when it is none), in order.
template <class F>
void for_each_item(PyObject* items, const char* what, F&& f) {
  PyRef seq(check(PySequence_Fast(items, what)));
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); i++) f(PySequence_Fast_GET_ITEM(seq.get(), i));
}

PyObject* graph_install(PyObject* self, PyObject* args) {
  GUARD_BEGIN
  PyObject *nodes, *edges;
  if (!PyArg_ParseTuple(args, "OO", &nodes, &edges)) return nullptr;
  Graph& g = graph_of(self);
  std::string spill;
  for_each_item(nodes, "nodes must be iterable", [&](PyObject* node) {
    PyRef id = attr(node, "id"), kind = attr(node, "kind");
    if (!PyUnicode_Check(id.get())) raise(PyExc_TypeError, "node ids are str");
    Record* r = record_of(g, node, false);
    StrId sid = g.pool.intern(utf8_of(id.get(), spill));
    NodeIdx existing = g.pool.node(sid);
    if (existing != kNone) {
      g.set_record(existing, r);
    } else {
      g.add_node(sid, node_kind_code(kind.get()), r);
    }
    g.pool.decref(sid);
  });
  for_each_item(edges, "edges must be iterable", [&](PyObject* edge) {
    PyRef source = attr(edge, "source"), kind = attr(edge, "kind"), target = attr(edge, "target");
    NodeIdx s = bare_node(g, source.get());
    NodeIdx t = bare_node(g, target.get());
    uint8_t code = edge_kind_code(kind.get());
    if (g.find_edge(s, code, t) != kNone) raise(PyExc_ValueError, "an edge installed twice");
    g.add_edge(s, code, t, record_of(g, edge, true));
  });
  Py_RETURN_NONE;
  GUARD_END(nullptr)
}

PyObject* graph_capture(PyObject* self, PyObject*) {
  GUARD_BEGIN
  std::unique_ptr<Capture> capture;
  {
    NoGil working;
    capture = std::make_unique<Capture>(graph_of(self));
  }
  return holding(CaptureType, self, &CaptureObject::capture, std::move(capture));
  GUARD_END(nullptr)
}

PyObject* graph_load_chunk(PyObject* self, PyObject* arg) {
  GUARD_BEGIN
  Py_buffer view;
  if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return nullptr;
  try {
    NoGil working;
    load_chunk(graph_of(self), static_cast<const uint8_t*>(view.buf), size_t(view.len));
  } catch (...) {
    PyBuffer_Release(&view);
    throw;
  }
  PyBuffer_Release(&view);
  Py_RETURN_NONE;
  GUARD_END(nullptr)
}

PyObject* graph_stats(PyObject* self, PyObject*) {
  GUARD_BEGIN
  Graph& g = graph_of(self);
  return Py_BuildValue("{s:n,s:n,s:n,s:n,s:n}", "nodes", Py_ssize_t(g.node_count()), "edges", Py_ssize_t(g.edge_count()),
                       "strings", Py_ssize_t(g.pool.live()), "shared_records", Py_ssize_t(g.records.shared_count()),
                       "index_bytes", Py_ssize_t(g.heap_bytes()));
  GUARD_END(nullptr)
}

PyObject* graph_elements(PyObject* self, PyObject*) {
  GUARD_BEGIN
  Graph& g = graph_of(self);
  return PyLong_FromSize_t(g.node_count() + g.edge_count());
  GUARD_END(nullptr)
}

PyMethodDef graph_methods[] = {
    {"plan", writing<graph_plan>, METH_O, "plan(payload) -> Plan: what an encoded batch changes, the graph untouched."},
    {"commit", writing<graph_commit>, METH_O, "commit(plan): make a plan's changes."},
    {"nodes", reading<graph_nodes>, METH_O, "nodes(ids) -> {id: Node} of those that exist."},
    {"edges", reading<with_flag<read_edges, false>>, METH_VARARGS, "edges(ids, kinds, direction) -> [Edge]."},
    {"edge_keys", reading<with_flag<read_edges, true>>, METH_VARARGS, "edge_keys(ids, kinds, direction) -> [(source, kind, target)]."},
    {"nodes_of_kind", reading<graph_nodes_of_kind>, METH_VARARGS, "nodes_of_kind(kind, first, after=None) -> [Node] by id."},
    {"first_of_kind", reading<graph_first_of_kind>, METH_VARARGS,
     "first_of_kind(kind, prefixes, keys=None, like=None) -> {prefix: Node}: per prefix the first node by id starting with it."},
    {"nodes_of_kind_at", reading<graph_nodes_of_kind_at>, METH_VARARGS, "nodes_of_kind_at(kind, start, count) -> [Node] in the graph's order."},
    {"unrestated", reading<graph_unrestated>, METH_O, "unrestated(jobs) -> {job: {key}}: their stale READS/WRITES edges."},
    {"judge", writing<graph_judge>, METH_O, "judge(jobs): decide their READS/WRITES edges' currency now."},
    {"touch_all", writing<graph_touch_all>, METH_NOARGS, "touch_all(): judge every job's currency before the next read."},
    {"search", reading<graph_search>, METH_VARARGS, "search(lowered_text, kinds, first) -> [Node], ranked."},
    {"counts", reading<graph_counts>, METH_NOARGS, "counts() -> {kind value: count}."},
    {"elements", reading<graph_elements>, METH_NOARGS, "elements() -> nodes + edges (stats() without walking the graph)."},
    {"install", writing<graph_install>, METH_VARARGS,
     "install(nodes, edges): hold records as they are (no merge); an edge's end not among nodes is held bare."},
    {"capture", writing<graph_capture>, METH_NOARGS, "capture() -> Capture: the graph now, for a snapshot."},
    {"load_chunk", writing<graph_load_chunk>, METH_O, "load_chunk(chunk): add a snapshot chunk's records."},
    {"stats", reading<graph_stats>, METH_NOARGS, "stats() -> sizes and the native index's bytes."},
    {nullptr, nullptr, 0, nullptr}};

// -- Plan ---------------------------------------------------------------------------------------

Plan& plan_of(PyObject* self) { return *reinterpret_cast<PlanObject*>(self)->plan; }

void plan_dealloc(PyObject* self) {
  PlanObject* p = reinterpret_cast<PlanObject*>(self);
  Plan* plan = p->plan;  // it holds strings of the graph's pool
  if (plan != nullptr) alone_with(graph_of(p->owner), [plan] { delete plan; });
  Py_XDECREF(p->owner);
  PyObject_Free(self);
}

PyObject* plan_changed(PyObject* self, void*) { return PyLong_FromSize_t(plan_of(self).changed()); }

// The planned records as graph.model objects: ({id: Node}, {(source, kind, target): Edge}).
PyObject* plan_changes(PyObject* self, PyObject*) {
  GUARD_BEGIN
  Plan& p = plan_of(self);
  if (p.committed) raise(PyExc_RuntimeError, "a committed plan's records belong to the graph");
  Graph& g = graph_of(reinterpret_cast<PlanObject*>(self)->owner);
  Reading shared(g);
  PyRef nodes(check(PyDict_New())), edges(check(PyDict_New()));
  for (auto& n : p.nodes) {
    PyRef id(str_of(g.pool.view(n.id)));
    PyRef props(props_to_py(g.pool, n.record)), stamps(stamps_to_py(g.pool, n.record));
    Py_INCREF(id.get());
    PyRef node(make_node(id.get(), n.kind, props.release(), stamps.release()));
    if (PyDict_SetItem(nodes.get(), id.get(), node.get()) < 0) return nullptr;
  }
  for (auto& e : p.edges) {
    PyRef source(str_of(g.pool.view(e.source))), target(str_of(g.pool.view(e.target)));
    PyRef key(check(PyTuple_Pack(3, source.get(), py.edge_kind[e.kind], target.get())));
    PyRef props(props_to_py(g.pool, e.record)), stamps(stamps_to_py(g.pool, e.record));
    PyRef edge(make_edge(source.release(), e.kind, target.release(), props.release(), stamps.release()));
    if (PyDict_SetItem(edges.get(), key.get(), edge.get()) < 0) return nullptr;
  }
  return PyTuple_Pack(2, nodes.get(), edges.get());
  GUARD_END(nullptr)
}

PyGetSetDef plan_getset[] = {
    {"changed", plan_changed, nullptr, "How many nodes and edges the plan changes (0: the batch changes nothing).",
     nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyMethodDef plan_methods[] = {
    {"changes", plan_changes, METH_NOARGS, "changes() -> ({id: Node}, {key: Edge}) as planned."},
    {nullptr, nullptr, 0, nullptr}};

PyTypeObject PlanType = {PyVarObject_HEAD_INIT(nullptr, 0)};

// -- Capture ------------------------------------------------------------------------------------

void let_capture_go(CaptureObject* c) {  // it holds records of the graph's
  Capture* capture = c->capture;
  c->capture = nullptr;
  if (capture != nullptr) alone_with(graph_of(c->owner), [capture] { delete capture; });
}

void capture_dealloc(PyObject* self) {
  CaptureObject* c = reinterpret_cast<CaptureObject*>(self);
  let_capture_go(c);
  Py_XDECREF(c->owner);
  PyObject_Free(self);
}

PyObject* capture_next_chunk(PyObject* self, PyObject* args) {
  GUARD_BEGIN
  CaptureObject* c = reinterpret_cast<CaptureObject*>(self);
  if (c->capture == nullptr) raise(PyExc_RuntimeError, "the capture is closed");
  Py_ssize_t records;
  int repeats = 1;
  if (!PyArg_ParseTuple(args, "n|p", &records, &repeats)) return nullptr;
  if (records <= 0) {
    PyErr_SetString(PyExc_ValueError, "records must be positive");
    return nullptr;
  }
  Bytes chunk;
  {
    Reading shared(graph_of(c->owner));  // the records are the capture's, their strings the pool's
    NoGil working;
    chunk = c->capture->next_chunk(size_t(records), repeats != 0);
  }
  return PyBytes_FromStringAndSize(reinterpret_cast<const char*>(chunk.data()), Py_ssize_t(chunk.size()));
  GUARD_END(nullptr)
}

PyObject* capture_close(PyObject* self, PyObject*) {
  GUARD_BEGIN
  let_capture_go(reinterpret_cast<CaptureObject*>(self));
  Py_RETURN_NONE;
  GUARD_END(nullptr)
}

PyObject* capture_counts(PyObject* self, void*) {
  CaptureObject* c = reinterpret_cast<CaptureObject*>(self);
  if (c->capture == nullptr) Py_RETURN_NONE;
  return Py_BuildValue("(nn)", Py_ssize_t(c->capture->nodes()), Py_ssize_t(c->capture->edges()));
}

PyMethodDef capture_methods[] = {
    {"next_chunk", capture_next_chunk, METH_VARARGS,
     "next_chunk(records, repeats=True) -> bytes (b'' when done); repeats=False: every record whole, "
     "as snapshot formats 2 and 3 hold them."},
    {"close", capture_close, METH_NOARGS, "close(): let go of the captured records."},
    {nullptr, nullptr, 0, nullptr}};

PyGetSetDef capture_getset[] = {
    {"counts", capture_counts, nullptr, "(nodes, edges) captured.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyTypeObject CaptureType = {PyVarObject_HEAD_INIT(nullptr, 0)};

// -- module functions ---------------------------------------------------------------------------

PyObject* module_encode(PyObject*, PyObject* mutations) {
  GUARD_BEGIN
  return encode_mutations(mutations);
  GUARD_END(nullptr)
}

// ``read`` over the bytes of a buffer (an encoded batch), the buffer released however it ends.
template <PyObject* (*read)(const uint8_t*, size_t)>
PyObject* over_buffer(PyObject*, PyObject* arg) {
  GUARD_BEGIN
  Py_buffer view;
  if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return nullptr;
  PyObject* out;
  try {
    out = read(static_cast<const uint8_t*>(view.buf), size_t(view.len));
  } catch (...) {
    PyBuffer_Release(&view);
    throw;
  }
  PyBuffer_Release(&view);
  return out;
  GUARD_END(nullptr)
}

// node_id(prefix, first, *rest): graph.model's ids, made by the one rule (native/core/ids.h).
PyObject* module_node_id(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  GUARD_BEGIN
  if (nargs < 2) raise(PyExc_TypeError, "node_id(prefix, first, *rest) takes a prefix and at least one part");
  std::vector<std::string> spills(static_cast<size_t>(nargs));
  std::vector<std::string_view> parts;
  for (Py_ssize_t i = 0; i < nargs; i++) {
    if (!PyUnicode_Check(args[i])) raise(PyExc_TypeError, "node id parts are str");
    parts.push_back(utf8_of(args[i], spills[size_t(i)]));
  }
  std::string id = node_id(parts[0], parts.data() + 1, parts.size() - 1);
  return str_of(id);
  GUARD_END(nullptr)
}

// id_part(part): a later part of an id, escaped by the one rule (native/core/ids.h), for ids
// graph.schema_history builds on other ids.
PyObject* module_id_part(PyObject*, PyObject* part) {
  GUARD_BEGIN
  if (!PyUnicode_Check(part)) raise(PyExc_TypeError, "node id parts are str");
  std::string spill, out;
  append_id_part(out, utf8_of(part, spill));
  return str_of(out);
  GUARD_END(nullptr)
}

// direct_transformations(transformations): the DIRECT-hop rule of the impact walk (native/core/
// impact.h, is_direct_hop) for graph.governance: None when the value is no list or an empty one
// (the hop is direct, and there are no entries to read), else the indexes of its DIRECT entries.
PyObject* module_direct_transformations(PyObject*, PyObject* transformations) {
  GUARD_BEGIN
  if (!PyList_Check(transformations) && !PyTuple_Check(transformations)) Py_RETURN_NONE;
  if (PySequence_Size(transformations) == 0) Py_RETURN_NONE;
  StringPool pool;
  std::vector<StrId> held;
  PoolSink sink(pool, held);
  Bytes encoded;
  value_from_py(transformations, sink, encoded, "transformations");
  std::vector<uint32_t> direct;
  is_direct_hop(encoded.data(), pool, pool.find("type"), &direct);
  for (StrId s : held) pool.decref(s);
  PyRef out(check(PyList_New(Py_ssize_t(direct.size()))));
  for (size_t i = 0; i < direct.size(); i++) PyList_SET_ITEM(out.get(), Py_ssize_t(i), check(PyLong_FromUnsignedLong(direct[i])));
  return out.release();
  GUARD_END(nullptr)
}

PyMethodDef module_methods[] = {
    {"node_id", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(module_node_id)), METH_FASTCALL,
     "node_id(prefix, first, *rest) -> the id of a node: the parts after the first escaped (native/core/ids.h)."},
    {"id_part", module_id_part, METH_O, "id_part(part) -> a later part of an id, escaped (native/core/ids.h)."},
    {"direct_transformations", module_direct_transformations, METH_O,
     "direct_transformations(transformations) -> None (a direct hop with no entries) or the indexes of the DIRECT "
     "entries (native/core/impact.h, is_direct_hop)."},
    {"encode", module_encode, METH_O, "encode(mutations) -> bytes: a batch in its wire form."},
    {"decode", over_buffer<decode_mutations>, METH_O, "decode(payload) -> [mutation]: the inverse of encode."},
    {"schema_observations", over_buffer<schema_observations>, METH_O,
     "schema_observations(payload) -> [(dataset, namespace, name, at, fields, origin)] | None: graph.schema_history's "
     "observations read from the wire form (None: a batch only the Python reader reads)."},
    {nullptr, nullptr, 0, nullptr}};


}  // namespace

namespace lm {
PyTypeObject GraphType = {PyVarObject_HEAD_INIT(nullptr, 0)};
}

bool lm::add_type(PyObject* module, PyTypeObject& type, const char* name, Py_ssize_t size, const char* doc,
                  destructor dealloc, PyMethodDef* methods, PyGetSetDef* getset, newfunc make,
                  unsigned long extra_flags) {
  type.tp_name = name;
  type.tp_basicsize = size;
  type.tp_flags = Py_TPFLAGS_DEFAULT | extra_flags;
  type.tp_doc = doc;
  type.tp_dealloc = dealloc;
  type.tp_methods = methods;
  type.tp_getset = getset;
  type.tp_new = make;
  if (PyType_Ready(&type) < 0) return false;
  Py_INCREF(&type);  // the module's reference, which PyModule_AddObject steals only when it succeeds
  const char* dot = std::strrchr(name, '.');
  if (PyModule_AddObject(module, dot == nullptr ? name : dot + 1, reinterpret_cast<PyObject*>(&type)) == 0) return true;
  Py_DECREF(&type);
  return false;
}

NB_MODULE(_native, m) {
  m.doc() = "The native core of lineagemesh's graph.";
  register_error_translation();
  PyObject* module = m.ptr();
  if (PyModule_AddFunctions(module, module_methods) < 0 ||
      !add_type(module, GraphType, "graph._native.Graph", sizeof(GraphObject), "A property graph in compact native memory.",
                graph_dealloc, graph_methods, nullptr, graph_new) ||
      !add_type(module, PlanType, "graph._native.Plan", sizeof(PlanObject), "What a batch changes, not yet committed.",
                plan_dealloc, plan_methods, plan_getset) ||
      !add_type(module, CaptureType, "graph._native.Capture", sizeof(CaptureObject),
                "The graph's records at one moment, as snapshot chunks.", capture_dealloc, capture_methods,
                capture_getset) ||
      !add_view_types(module) || !add_ingest_types(module) || !add_domain_rule_types(module)) {
    throw nb::python_error();
  }
}
