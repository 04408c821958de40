// graph._native.View: the Python face of the query engine (native/core/view.h, aliases.h,
// lineage.h, impact.h); its answers are answers.cc's. ``graph.read.view.GraphView`` wraps it.
#include "py.h"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string_view.h>
#include <nanobind/stl/vector.h>

#include <memory>

#include "node_facts.h"
#include "pyrecords.h"
#include "pyspecs.h"
#include "pytypes.h"
#include "views.h"

namespace lm {

nb::object id_str(const Graph& g, StrId id) { return nb::steal(check(str_of(g.pool.view(id)))); }

namespace {

// Python ids as the view finds them (FoundIds), each with its str.
struct Ids : FoundIds {
  Ids(ViewObject* self, const IdTexts& ids, bool lean = false) : FoundIds(self->view(), ids.texts, lean), objects(ids.objects) {}
  const std::vector<nb::handle>& objects;  // borrowed from the sequence
};

nb::tuple key_tuple(const Graph& g, const EdgeRef& e) {
  return edge_key(id_str(g, g.node_id[e.source]), e.kind, id_str(g, g.node_id[e.target]));
}

nb::dict id_map(const Graph& g, const IdMap& map) {
  nb::dict out;
  for (auto& [a, b] : map) out[id_str(g, a)] = id_str(g, b);
  return out;
}

NodeIdx start_node(ViewObject* self, Text id) {
  NodeIdx n = self->view().find(id.view);
  if (n == kNone) raise(PyExc_LookupError, "no such node");
  return n;
}

}  // namespace

WalkPlan WalkPlan::of(nb::handle plan) {
  nb::object hops = plan.attr("hops");
  int bound = 0;
  if (!hops.is_none() && !nb::try_cast<int>(hops, bound)) raise(PyExc_TypeError, "a walk's hops are an int or None");
  return {plan, hops.is_none() ? std::nullopt : std::optional<int>(bound), Flag::of(plan.attr("upstream")).on,
          Flag::of(plan.attr("downstream")).on};
}

// -- View -----------------------------------------------------------------------------------------

ViewObject::ViewObject(Graph* graph, nb::handle store_object, std::optional<Text> as_of, nb::handle summary,
                       nb::handle names) {
  require_configured();
  store = nb::borrow(store_object);
  std::unique_ptr<Source> source;
  std::optional<Writing> alone;   // the embedded graph as of a moment: its stamp is added to the pool
  std::optional<Reading> shared;  // now: the view judges the writes since the last read
  if (graph == nullptr) {
    source = std::make_unique<RemoteSource>(std::make_unique<Graph>(), store.ptr(), summary.ptr(), names.ptr(), !as_of);
  } else {
    graph_owner = nb::find(graph);
    source = std::make_unique<Source>(*graph);
    if (as_of) alone.emplace(*graph); else shared.emplace(*graph);
  }
  query = std::make_unique<QueryView>(std::move(source), bool(as_of), as_of ? as_of->view : "");
}

ViewObject::~ViewObject() {
  if (query) locked(this, [&] { query.reset(); });
}

namespace {

template <bool Whole>
nb::dict view_nodes(ViewSelf self, const IdTexts& ids) {
  Ids found(self.p, ids);
  std::vector<NodeIdx> existing = found.existing();
  View& view = self.p->view();
  if (Whole) view.wholes(existing); else view.summaries(existing);
  nb::dict out;
  for (size_t i = 0; i < found.nodes.size(); i++)
    if (view.visible(found.nodes[i])) out[found.objects[i]] = node_to_py(view.g, found.nodes[i], found.objects[i].ptr());
  return out;
}

template <bool KeysOnly>
nb::list view_edges(ViewSelf self, const IdTexts& ids, const EdgeKinds& kinds, Direction direction) {
  ViewObject* v = self.p;
  Ids found(v, ids);
  std::vector<EdgeRef> edges;
  v->view().named_edges(found.existing(), kinds.mask, direction.out, edges, !KeysOnly);
  const Graph& g = v->view().g;
  return list_of(edges.size(), [&](size_t i) {
    return KeysOnly ? nb::object(key_tuple(g, edges[i])) : edge_to_py(g, edges[i].edge);
  });
}

// Ids in the view's pool; ids no node can have map to themselves in the answers below.
nb::dict view_canonical(ViewSelf self, const IdTexts& ids) {
  Ids found(self.p, ids);
  std::vector<StrId> canonical;
  self.p->query->aliases.canonical(found.known, canonical);
  nb::dict out;
  size_t k = 0;
  for (size_t i = 0; i < found.strs.size(); i++)
    out[found.objects[i]] = found.strs[i] == kNone ? nb::borrow(found.objects[i]) : id_str(self.p->view().g, canonical[k++]);
  return out;
}

nb::tuple view_keys_into(ViewSelf self, const IdTexts& ids, const EdgeKinds& kinds) {
  Ids found(self.p, ids);
  IdMap members;
  std::vector<EdgeRef> edges;
  self.p->query->aliases.keys_into(found.known, kinds.mask, members, edges);
  const Graph& g = self.p->view().g;
  nb::dict map = id_map(g, members);
  for (size_t i = 0; i < found.strs.size(); i++)
    if (found.strs[i] == kNone) map[found.objects[i]] = found.objects[i];
  return nb::make_tuple(map, list_of(edges.size(), [&](size_t i) { return key_tuple(g, edges[i]); }));
}

// A walk's plan handed to the remote store it reads for the walk's call (nothing for the embedded one).
RemoteSource::Planned planned(ViewObject* v, nb::handle plan) {
  return RemoteSource::Planned(embedded(v) ? nullptr : static_cast<RemoteSource*>(v->query->source.get()), plan.ptr());
}

// The answer of ``walk(budget)`` (within ``max_nodes`` and ``seconds``), walked with the GIL let go
// for the embedded store (a remote view's source calls Python), kept with the view it reads.
template <class Answer, class F>
Answer walked(ViewSelf self, Py_ssize_t max_nodes, double seconds, F&& walk) {
  Budget budget = Budget::within(max_nodes, seconds);
  nb::object owner = nb::borrow(self.h);
  NoGil walking(embedded(self.p));
  return Answer{std::move(owner), std::make_unique<decltype(walk(budget))>(walk(budget))};
}

// A walk's hops and directions are its plan's (hops None: no bound, as impact's 1 << 30).
template <bool Columns>
LineageObject view_lineage(ViewSelf self, Text start, const WalkPlan& plan, Py_ssize_t max_nodes, double seconds) {
  RemoteSource::Planned walk = planned(self.p, plan.object);
  NodeIdx n = start_node(self.p, start);
  int depth = plan.hops.value_or(1 << 30);
  return walked<LineageObject>(self, max_nodes, seconds, [&](Budget budget) {
    return Columns ? column_lineage(self.p->view(), n, plan.upstream, plan.downstream, depth, budget)
                   : dataset_lineage(self.p->view(), n, plan.upstream, plan.downstream, depth, budget);
  });
}

LineageObject view_neighbours(ViewSelf self, const IdTexts& ids, Flag down, Py_ssize_t max_nodes, double seconds) {
  Ids found(self.p, ids);
  std::vector<NodeIdx> starts = found.existing();
  return walked<LineageObject>(self, max_nodes, seconds,
                               [&](Budget budget) { return neighbours(self.p->view(), starts, down.on, budget); });
}

// The impact walk goes downstream; its plan's hops are one level read more than its depth (the jobs
// reading the farthest datasets are affected: graph.read.impact), None: unbounded (depth -1).
ImpactObject view_impact_report(ViewSelf self, Text start, const WalkPlan& plan, Flag semantic, Py_ssize_t max_nodes,
                                double seconds) {
  RemoteSource::Planned walk = planned(self.p, plan.object);
  NodeIdx n = start_node(self.p, start);
  int depth = plan.hops ? std::max(*plan.hops - 1, 0) : -1;
  return walked<ImpactObject>(self, max_nodes, seconds,
                              [&](Budget budget) { return impact_report(self.p->view(), n, depth, semantic.on, budget); });
}

void view_read_impacts_ahead(ViewSelf self, const IdTexts& ids, Py_ssize_t max_nodes, double seconds, nb::handle plan) {
  RemoteSource::Planned walk = planned(self.p, plan);
  Ids found(self.p, ids);
  read_impacts_ahead(self.p->view(), found.existing(), Budget::within(max_nodes, seconds));
}

// holds(id) -> bool: reading the node ``id`` whole asks the store nothing (always, for the embedded one).
nb::bool_ view_holds(ViewSelf self, Text id) {
  return nb::bool_(embedded(self.p) || static_cast<RemoteSource*>(self.p->query->source.get())->holds_whole(id.view));
}

// deleted(ids) -> [bool]: each node dropped as the view judges it (as of its moment, as its table's
// newest lifecycle statement says), False for no node; lifecycle_of(ids) -> [str | None]: the name
// of each dataset's table whose lifecycle stands for it (View::lifecycle_of: the id itself but when
// another name stated one later), None for no node.
template <bool Names>
nb::list view_lifecycle(ViewSelf self, const IdSequence& ids) {
  View& view = self.p->view();
  Ids found(self.p, ids);
  view.read_names(found.nodes);
  return list_of(found.nodes.size(), [&](size_t i) -> nb::object {
    NodeIdx n = found.nodes[i];
    if (Names) return n == kNone ? nb::none() : id_str(view.g, view.id_of(view.lifecycle_of(n)));
    return nb::bool_(n != kNone && view.deleted(n));
  });
}

// node_facts(ids, facts, max_nodes, seconds) -> {fact: [value per id]} (native/core/node_facts.h).
nb::dict view_node_facts(ViewSelf self, const IdSequence& ids, const std::vector<std::string_view>& names,
                         Py_ssize_t max_nodes, double seconds) {
  uint32_t facts = node_facts_named(names);
  ViewObject* v = self.p;
  const Graph& g = v->view().g;
  Ids found(v, ids, true);  // a lineage answer's nodes, read in summary form by its walk
  NodeFactsAnswer answer;
  {
    NoGil reading(embedded(v));
    answer = node_facts(v->view(), found.nodes, facts, Budget::within(max_nodes, seconds));
  }
  std::vector<nb::object> texts;
  for (const std::string& text : answer.texts) texts.push_back(nb::steal(str_of(text)));
  auto text_or_none = [&](int32_t at) { return at < 0 ? nb::none() : texts[size_t(at)]; };
  size_t n = found.nodes.size();
  nb::dict out;
  auto put = [&](const char* name, auto&& item) { out[name] = list_of(n, item); };
  if (facts & kUpstreamCount) put("upstream", [&](size_t i) { return nb::int_(answer.upstream[i]); });
  if (facts & kDownstreamCount) put("downstream", [&](size_t i) { return nb::int_(answer.downstream[i]); });
  if (facts & kDomainFact) put("domain", [&](size_t i) { return text_or_none(answer.domain[i]); });
  if (facts & kRunStateFact) put("run_state", [&](size_t i) { return text_or_none(answer.run_state[i]); });
  if (facts & kOwnersFact) {
    // Nodes with the same owners share one list (most of an answer's nodes share a few hundred):
    // made once, and graph.read.node_facts completes each once.
    std::vector<nb::object> lists;
    for (const auto& owners : answer.owner_lists)
      lists.push_back(list_of(owners.size(), [&](size_t k) {
        return nb::make_tuple(id_str(g, owners[k].first), text_or_none(owners[k].second));
      }));
    nb::object none = nb::list();  // the nodes with no owners'
    put("owners", [&](size_t i) { return answer.owners[i] < 0 ? none : lists[size_t(answer.owners[i])]; });
  }
  return out;
}

nb::object view_marquez_column_lineage(ViewSelf self, const IdTexts& ids, Flag down, int depth, Py_ssize_t max_nodes,
                                       double seconds) {
  Ids found(self.p, ids);
  std::vector<NodeIdx> starts = found.existing(false);  // in order: a later walk's edge properties win
  Budget budget = Budget::within(max_nodes, seconds);
  return marquez_column_lineage_bytes(self.p->view(), starts, down.on, depth, budget, embedded(self.p));
}

}  // namespace

void bind_views(nb::module_& m) {
  bind_answers(m);
  using Self = ViewSelf;
  nb::class_<ViewObject>(m, "View", nb::is_final())
      .def(nb::init<Graph*, nb::handle, std::optional<Text>, nb::handle, nb::handle>(), nb::arg().none(),
           nb::arg().none(), nb::arg().none(), nb::arg().none(), nb::arg().none() = nb::none())
      .def("nodes", under_lock(view_nodes<true>))
      .def("holds", under_lock(view_holds))
      .def("summaries", under_lock(view_nodes<false>))
      .def("edges", under_lock(view_edges<false>))
      .def("edge_keys", under_lock(view_edges<true>))
      .def("canonical", under_lock(view_canonical))
      .def("keys_into", under_lock(view_keys_into))
      .def("dataset_lineage", under_lock(view_lineage<false>))
      .def("column_lineage", under_lock(view_lineage<true>))
      .def("neighbours", under_lock(view_neighbours))
      .def("impact_report", under_lock(view_impact_report))
      .def("read_impacts_ahead", under_lock(view_read_impacts_ahead), nb::arg(), nb::arg(), nb::arg(),
           nb::arg().none() = nb::none())
      .def("dataset_domains", under_lock(+[](Self self, const IdTexts& ids) {
             Ids found(self.p, ids);
             return id_map(self.p->view().g, dataset_domains(self.p->view(), found.known));
           }))
      .def("deleted", under_lock(view_lifecycle<false>))
      .def("lifecycle_of", under_lock(view_lifecycle<true>))
      .def("node_facts", under_lock(view_node_facts))
      .def("marquez", under_lock(+[](Self self, const IdTexts& ids, Flag whole) {
             Ids found(self.p, ids);
             return marquez_nodes_bytes(self.p->view(), found.nodes, whole.on, embedded(self.p));
           }))
      .def("marquez_column_lineage", under_lock(view_marquez_column_lineage));

  // graph.serve.marquez reads ahead with these; graph.stores.neo4j keeps a dataset's fields.
  m.attr("MARQUEZ_SHOWN") = nb::tuple(nb::cast(kMarquezShown));
  m.attr("MARQUEZ_FIELD_KEYS") = nb::tuple(nb::cast(kMarquezFieldKeys));
  m.attr("KEPT_FIELDS_KEY") = nb::str(kKeptFieldsKey.data(), kKeptFieldsKey.size());
  m.def("marquez_fields", &marquez_fields, nb::arg().none());
}

}  // namespace lm
