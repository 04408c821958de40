// graph._native.Graph, Plan and Capture: the embedded store's graph (native/core/graph.h), a batch
// planned against it and the graph captured for a snapshot. Each Graph method runs under the
// graph's lock (native/bindings/pylock.h): readers share the graph, writers have it alone, and the
// GIL is let go while the lock is waited for and while the core plans, commits and captures.
#include "py.h"

#include <nanobind/stl/optional.h>

#include <algorithm>
#include <memory>

#include "currency.h"
#include "graph.h"
#include "graph_reads.h"
#include "pyargs.h"
#include "pylock.h"
#include "pymodule.h"
#include "pyobservations.h"
#include "pyrecords.h"
#include "pytypes.h"
#include "pyvalues.h"
#include "search.h"
#include "snapshot.h"

namespace lm {

namespace {

nb::object node_id_object(const Graph& g, NodeIdx n) { return nb::steal(str_of(g.pool.view(g.node_id[n]))); }

nb::list nodes_to_py(const Graph& g, const std::vector<NodeIdx>& nodes) {
  return list_of(nodes.size(), [&](size_t i) { return node_to_py(g, nodes[i], nullptr); });
}

nb::dict graph_nodes(Graph& g, const IdTexts& ids) {
  FoundNodes found = found_nodes(g, ids.texts);
  nb::dict out;
  for (size_t i = 0; i < found.nodes.size(); i++)
    out[ids.objects[found.at[i]]] = node_to_py(g, found.nodes[i], ids.objects[found.at[i]].ptr());
  return out;
}

// The edge a node's NodeEdge is, as its key or whole; the node's id is the caller's (``id``).
nb::object edge_object(const Graph& g, nb::handle id, const NodeEdge& e, bool out, bool key_only) {
  nb::object near_end = nb::borrow(id), far_end = node_id_object(g, e.far);
  nb::object& source = out ? near_end : far_end;
  nb::object& target = out ? far_end : near_end;
  if (key_only) return edge_key(std::move(source), e.kind, std::move(target));
  Record* r = g.edge_record[e.edge];
  return make_edge(std::move(source), e.kind, std::move(target), props_to_py(g.pool, r), stamps_to_py(g.pool, r));
}

template <bool KeysOnly>
nb::list graph_edges(Graph& g, const IdTexts& ids, const EdgeKinds& kinds, Direction direction) {
  FoundNodes found = found_nodes(g, ids.texts);
  std::vector<NodeEdge> edges = edges_of(g, found.nodes, kinds.codes, direction.out);
  return list_of(edges.size(), [&](size_t i) {
    return edge_object(g, ids.objects[found.at[edges[i].at]], edges[i], direction.out, KeysOnly);
  });
}

nb::list graph_nodes_of_kind(Graph& g, NodeKindCode kind, Py_ssize_t first, const std::optional<Text>& after) {
  const IdOrder& order = current_order(g, kind, held_now.alone);
  std::string_view after_text = after ? after->view : std::string_view();
  return nodes_to_py(g, order.page(g, after.has_value(), after_text, size_t(std::max<Py_ssize_t>(first, 0))));
}

nb::list graph_nodes_of_kind_at(Graph& g, NodeKindCode kind, Py_ssize_t start, Py_ssize_t count) {
  return nodes_to_py(g, nodes_of_kind_at(g, kind, start, count));
}

// The READS/WRITES edges of ``jobs`` their newest completed run did not restate: {job: {key}} for
// the jobs that have some (native/core/currency.h; the writes since the last read judged first).
nb::dict graph_unrestated(Graph& g, const IdTexts& jobs) {  // settled: the ReadLock judged the writes since the last read
  FoundNodes found = found_nodes(g, jobs.texts);
  nb::dict out;
  for (const NodeEdge& e : unrestated_of(g, found.nodes)) {
    nb::handle job = jobs.objects[found.at[e.at]];
    nb::object keys = nb::borrow(PyDict_GetItem(out.ptr(), job.ptr()));
    if (!keys) out[job] = keys = nb::set();
    nb::borrow<nb::set>(keys).add(edge_object(g, job, e, true, true));
  }
  return out;
}

// Judge ``jobs`` now, by the runs they name: a graph holding another store's jobs, their deciding
// runs and those runs' and jobs' edges (graph.stores.job_currency.judge).
void graph_judge(Graph& g, const IdTexts& jobs) { judge_jobs(g, found_nodes(g, jobs.texts).nodes); }

// Store.search (native/core/search.h): a name that is no string read as Python's str() shows it.
nb::list graph_search(Graph& g, Text needle, const NodeKinds& kinds, Py_ssize_t first) {
  auto shown = [&](const uint8_t* value) { return utf8_copy(nb::str(value_to_py(value, g.pool))); };
  return nodes_to_py(g, search_names(g, needle.view, kinds.mask, size_t(std::max<Py_ssize_t>(first, 0)), shown));
}

nb::dict graph_counts(Graph& g) {
  nb::dict out;
  for (KindCount c : kind_counts(g)) out[c.edge ? py.edge_kind_value[c.kind] : py.node_kind_value[c.kind]] = c.count;
  return out;
}

// Graph.first_of_kind: per prefix, the first node of a kind by id among those whose ids start
// with it (graph.stores.Store.first_of_kind). Schema history asks it for the newest version of
// every dataset a batch observes (version ids sort newest first per dataset): one call a batch,
// answering only the properties it compares, where a ``nodes_of_kind`` per dataset made each
// version's whole record into Python objects (~19 µs a dataset on the 20k mesh's re-run). Its
// caller may say what it holds of each (``like``): a re-run restates most schemas as they are,
// and a version's fields equal to the observed ones are answered as those, not made again.
// Graph.first_holding: whether each prefix's first node holds a given value (a twin of it; None
// where there is no such node), and nothing made: the history asks it first for the datasets it
// holds no version of yet, and a re-run's unchanged schemas then need no answer at all.

nb::dict graph_first_of_kind(Graph& g, NodeKindCode kind, nb::handle prefixes, nb::handle keys, nb::handle like) {
  const IdOrder& order = current_order(g, kind, held_now.alone);
  KeysRead read;  // a key no string of the pool spells is in no record
  std::optional<IdTexts> key_list;  // holds the keys ``read`` borrows
  if (!keys.is_none()) {
    key_list = IdTexts::read(keys, "keys must be iterable", "property keys are str");
    for (size_t i = 0; i < key_list->texts.size(); i++) {
      StrId id = g.pool.find(key_list->texts[i]);
      if (id != kNone) read.emplace_back(id, key_list->objects[i].ptr());
    }
  }
  IdTexts seq = IdTexts::read(prefixes, "prefixes must be iterable", "prefixes are str");
  std::optional<Items> held;  // like: per prefix, a dict of the values its caller holds (or None)
  if (!like.is_none()) {
    if (keys.is_none()) raise(PyExc_TypeError, "like is for a read of some keys");
    if (size_t(held.emplace(like, "like must be iterable").size()) != seq.texts.size())
      raise(PyExc_ValueError, "like must hold one item per prefix");
  }
  nb::dict out;
  StrCache strings;  // the answers' strings, each made once
  for (size_t i = 0; i < seq.texts.size(); i++) {
    NodeIdx first = order.first_under(g, seq.texts[i]);
    if (first == kNone) continue;
    PyObject* these = held ? (*held)[Py_ssize_t(i)] : Py_None;
    if (these != Py_None && !PyDict_Check(these)) raise(PyExc_TypeError, "like holds dicts or None");
    out[seq.objects[i]] = keys.is_none() ? node_to_py(g, first)
                                         : node_to_py(g, first, read, strings, these == Py_None ? nullptr : these);
  }
  return out;
}

// Per prefix, whether its first node of ``kind`` holds at ``key`` what ``holds(i, item, stored)``
// says of the stored value (True/False), or None where no node starts with it; ``given``: one item
// per prefix (the values, or the observations' indexes), checked to be as many.
template <class Holds>
nb::list first_holding_each(Graph& g, NodeKindCode kind, nb::handle prefixes, Text key, nb::handle given,
                            const char* what, Holds&& holds) {
  const IdOrder& order = current_order(g, kind, held_now.alone);
  IdTexts seq = IdTexts::read(prefixes, "prefixes must be iterable", "prefixes are str");
  Items items(given, what);
  if (size_t(items.size()) != seq.texts.size()) raise(PyExc_ValueError, std::string(what) + ", one per prefix");
  std::vector<FirstHeld> firsts = firsts_held(g, order, seq.texts, key.view);
  return list_of(seq.texts.size(), [&](size_t i) {
    if (firsts[i].node == kNone) return Py_NewRef(Py_None);  // no node starts with the prefix
    return PyBool_FromLong(firsts[i].value != nullptr && holds(i, items[Py_ssize_t(i)], firsts[i].value));
  });
}

nb::list graph_first_holding(Graph& g, NodeKindCode kind, nb::handle prefixes, Text key, nb::handle values) {
  StrCache strings;
  return first_holding_each(g, kind, prefixes, key, values, "values must be iterable",
                            [&](size_t, PyObject* value, const uint8_t* stored) {
                              return same_as_py(stored, g.pool, value, strings);
                            });
}

nb::list graph_first_holding_observed(Graph& g, NodeKindCode kind, nb::handle prefixes, Text key,
                                      const ObservedSchemas& observed, nb::handle indices) {
  Items asked(indices, "indices must be iterable");
  std::vector<size_t> at;  // each names one (IndexError), whether its prefix has a node or not
  for (PyObject* index : asked) at.push_back(observed.index(index));
  return first_holding_each(g, kind, prefixes, key, asked.sequence(), "indices must be iterable",
                            [&](size_t i, PyObject*, const uint8_t* stored) {
                              return observed.schemas.fields_held(at[i], stored, g.pool);
                            });
}

// The record a Python Node or Edge holds: its ``props`` with their ``stamps``.
Record* record_of(Graph& g, nb::handle o, bool edge) {
  nb::object props = o.attr("props"), stamps = o.attr("stamps");
  return record_from_py(g, props.ptr(), stamps.ptr(), edge);
}

void graph_install(Graph& g, nb::handle nodes, nb::handle edges) {
  auto text = [](const nb::object& id) {
    if (!PyUnicode_Check(id.ptr())) raise(PyExc_TypeError, "node ids are str");
    return utf8_copy(id);
  };
  for (nb::handle node : Items(nodes, "nodes must be iterable")) {
    nb::object id = node.attr("id"), kind = node.attr("kind");
    std::string id_text = text(id);
    uint8_t code = node_kind_code(kind.ptr());
    g.install_node(id_text, code, record_of(g, node, false));
  }
  for (nb::handle edge : Items(edges, "edges must be iterable")) {
    nb::object source = edge.attr("source"), kind = edge.attr("kind"), target = edge.attr("target");
    std::string source_text = text(source), target_text = text(target);
    uint8_t code = edge_kind_code(kind.ptr());
    g.install_edge(source_text, code, target_text, record_of(g, edge, true));
  }
}

// -- Plan ---------------------------------------------------------------------------------------

// What holds strings or records of its graph's: a batch's Plan, a Capture of the graph's records. It
// is freed with the graph alone (alone_with), and holds its graph (the Python object) until then.
template <class T>
struct HeldBy {
  nb::object owner;  // the Graph
  std::unique_ptr<T> held;

  HeldBy(nb::object owner, std::unique_ptr<T> held) : owner(std::move(owner)), held(std::move(held)) {}
  HeldBy(HeldBy&&) = default;
  ~HeldBy() { let_go(); }
  void let_go() {
    if (T* p = held.release()) alone_with<NoGil>(graph_in(owner), [p] { delete p; });
  }
};
using PlanObject = HeldBy<Plan>;
using CaptureObject = HeldBy<Capture>;

// The planned records as graph.core.model objects: ({id: Node}, {(source, kind, target): Edge}).
nb::tuple plan_changes(PlanObject& self) {
  Plan& p = *self.held;
  if (p.committed) raise(PyExc_RuntimeError, "a committed plan's records belong to the graph");
  Graph& g = graph_in(self.owner);
  Reading shared(g);
  auto text = [&](StrId id) { return nb::steal(str_of(g.pool.view(id))); };
  nb::dict nodes, edges;
  for (auto& n : p.nodes) {
    nb::object id = text(n.id);
    nodes[id] = make_node(id, n.kind, props_to_py(g.pool, n.record), stamps_to_py(g.pool, n.record));
  }
  for (auto& e : p.edges) {
    nb::object source = text(e.source), target = text(e.target);
    nb::tuple key = edge_key(source, e.kind, target);
    edges[key] = make_edge(source, e.kind, target, props_to_py(g.pool, e.record), stamps_to_py(g.pool, e.record));
  }
  return nb::make_tuple(nodes, edges);
}

// -- Capture ------------------------------------------------------------------------------------

nb::bytes capture_next_chunk(CaptureObject& self, Py_ssize_t records, Flag repeats) {
  if (self.held == nullptr) raise(PyExc_RuntimeError, "the capture is closed");
  if (records <= 0) raise(PyExc_ValueError, "records must be positive");
  Reading shared(graph_in(self.owner));  // the records are the capture's, their strings the pool's
  Bytes chunk = without_gil([&] { return self.held->next_chunk(size_t(records), repeats.on); });
  return nb::bytes(chunk.data(), chunk.size());
}

// -- Graph --------------------------------------------------------------------------------------

using Self = nb::pointer_and_handle<Graph>;

}  // namespace

Direction Direction::of(nb::handle direction) {
  if (PyUnicode_Check(direction.ptr())) {
    if (PyUnicode_CompareWithASCIIString(direction.ptr(), "out") == 0) return {true};
    if (PyUnicode_CompareWithASCIIString(direction.ptr(), "in") == 0) return {false};
  }
  raise(PyExc_ValueError, "direction must be 'out' or 'in', not " + shown(direction));
}

IdTexts IdTexts::read(nb::handle strs, const char* not_iterable, const char* not_str) {
  IdTexts out{Items(strs, not_iterable), {}, {}, {}};
  for (PyObject* id : out.seq) {
    if (!PyUnicode_Check(id)) raise(PyExc_TypeError, not_str);
    std::string_view text;
    nb::object spilled;
    if (!utf8_held(id, text, spilled)) throw PyErrorSet{};
    if (spilled) out.held.push_back(std::move(spilled));
    out.objects.push_back(id);
    out.texts.push_back(text);
  }
  return out;
}

Flag Flag::of(nb::handle o) { return {bool(nb::bool_(o))}; }

void bind_graph(nb::module_& m) {
  nb::class_<PlanObject>(m, "Plan", nb::is_final())
      .def_prop_ro("changed", [](PlanObject& self) { return self.held->changed(); })
      .def("changes", plan_changes);

  nb::class_<CaptureObject>(m, "Capture", nb::is_final())
      .def_prop_ro(
          "counts", [](CaptureObject& self) -> nb::object {
            if (self.held == nullptr) return nb::none();
            return nb::make_tuple(self.held->nodes(), self.held->edges());
          })
      .def("next_chunk", capture_next_chunk, nb::arg(), nb::arg() = true)
      .def("close", [](CaptureObject& self) { self.let_go(); });

  nb::class_<Graph>(m, "Graph", nb::is_final())
      .def(
          "__init__", [](Graph* g) {
            require_configured();
            new (g) Graph();
          })
      .def(
          "plan", [](Self self, nb::handle payload) {
            Graph& g = *self.p;
            Writing alone(g);
            std::unique_ptr<Plan> plan = over_bytes(payload.ptr(), [&](const uint8_t* data, size_t size) {
              NoGil working;  // the payload is bytes: it stays as it is
              return g.plan(data, size);
            });
            return PlanObject(nb::borrow(self.h), std::move(plan));
          })
      .def(
          "commit", [](Self self, PlanObject& plan) {
            if (!plan.owner.is(self.h)) raise(PyExc_TypeError, "commit takes a plan this graph made");
            Writing alone(*self.p);
            NoGil working;
            self.p->commit(*plan.held);
          })
      .def("nodes", read_method(graph_nodes))
      .def("edges", read_method(graph_edges<false>))
      .def("edge_keys", read_method(graph_edges<true>))
      .def("nodes_of_kind", read_method(graph_nodes_of_kind), nb::arg(), nb::arg(), nb::arg() = nb::none())
      .def("first_of_kind", read_method(graph_first_of_kind), nb::arg(), nb::arg(), nb::arg() = nb::none(), nb::arg() = nb::none())
      .def("first_holding_observed", read_method(graph_first_holding_observed))
      .def("first_holding", read_method(graph_first_holding))
      .def("nodes_of_kind_at", read_method(graph_nodes_of_kind_at))
      .def("unrestated", read_method(graph_unrestated))
      .def("judge", write_method(graph_judge))
      .def("touch_all", write_method(+[](Graph& g) { g.touch_all(); }))
      .def("search", read_method(graph_search))
      .def("counts", read_method(graph_counts))
      .def("install", write_method(graph_install))
      .def(
          "capture", [](Self self) {
            Writing alone(*self.p);
            std::unique_ptr<Capture> capture = without_gil([&] { return std::make_unique<Capture>(*self.p); });
            return CaptureObject(nb::borrow(self.h), std::move(capture));
          })
      .def(
          "load_chunk", [](Graph& g, nb::handle chunk) {
            Writing alone(g);
            over_bytes(chunk.ptr(), [&](const uint8_t* data, size_t size) {
              NoGil working;
              load_chunk(g, data, size);
            });
          })
      .def("stats", read_method(+[](Graph& g) {
             nb::dict out;
             for (auto [name, value] : graph_stats(g)) out[name] = value;
             return out;
           }))
      .def("elements", read_method(+[](Graph& g) { return g.node_count() + g.edge_count(); }));
}

}  // namespace lm
