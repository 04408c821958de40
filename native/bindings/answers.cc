// graph._native.Lineage and Impact: a view's answers (native/core/lineage.h, impact.h), read as
// Python values, columns or the JSON the API sends (native/core/render_json.h).
#include "views.h"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/vector.h>

#include "answer_columns.h"
#include "pyrecords.h"
#include "pytypes.h"
#include "pyvalues.h"
#include "pyspecs.h"

namespace lm {

namespace {

const Graph& graph_of_answer(nb::handle owner) { return view_of(owner)->view().g; }

// An edge's properties (a dict, or None for an edge with none: kNone).
nb::object edge_props(const Graph& g, EdgeIdx e) {
  return e == kNone ? nb::none() : props_to_py(g.pool, g.edge_record[e]);
}

// A column of an answer (native/core/answer_columns.h) as a list (None for no such field).
nb::object column_list(const Graph& g, const Column& c) {
  auto list = [&](const auto& rows, auto&& item) { return list_of(rows.size(), [&](size_t i) { return item(rows[i]); }); };
  FlatMap<StrId, nb::object> made;  // the strs of the strings a column repeats, each made once
  auto strs = [&](StrId id) {
    bool fresh;
    nb::object& str = made.at(id, &fresh);
    if (fresh) str = id_str(g, id);
    return str;
  };
  switch (c.type) {
    case Column::kNoField: return nb::none();
    case Column::kInts: return list(c.numbers, [](int64_t x) { return nb::int_(x); });
    case Column::kBools: return list(c.numbers, [](int64_t x) { return nb::bool_(x != 0); });
    case Column::kNodeKinds: return list(c.numbers, [](int64_t x) { return nb::borrow(py.node_kind[x]); });
    case Column::kEdgeKinds: return list(c.numbers, [](int64_t x) { return nb::borrow(py.edge_kind[x]); });
    case Column::kIds: return list(c.ids, [&](StrId id) { return id_str(g, id); });
    case Column::kRepeatedIds: return list(c.ids, strs);
    case Column::kValues:
      return list(c.values, [&](const uint8_t* v) -> nb::object {
        if (v == nullptr) return nb::none();
        if (*v != kStr) return value_to_py(v, g.pool);
        const uint8_t* p = v + 1;
        return strs(StrId(get_varint(p)));
      });
    case Column::kProps: return list(c.numbers, [&](int64_t e) { return edge_props(g, EdgeIdx(e)); });
    case Column::kIdPaths:
      return list_of(c.ends.size() - 1, [&](size_t i) {
        return list_of(c.ends[i + 1] - c.ends[i], [&](size_t k) { return strs(c.ids[c.ends[i] + k]); });
      });
  }
  return nb::none();
}

nb::list lineage_nodes(LineageObject& l) {
  const Graph& g = graph_of_answer(l.owner);
  return list_of(l.answer->nodes.size(), [&](size_t i) { return node_to_py(g, l.answer->nodes[i]); });
}

nb::list lineage_edges(LineageObject& l) {
  const Graph& g = graph_of_answer(l.owner);
  return list_of(l.answer->edges.size(), [&](size_t i) {
    const LineageAnswer::Edge& e = l.answer->edges[i];
    return nb::make_tuple(id_str(g, g.node_id[e.source]), id_str(g, g.node_id[e.target]),
                          nb::borrow(py.edge_kind[e.kind]), edge_props(g, e.props));
  });
}

nb::object lineage_node_column(LineageObject& l, Text field) {
  const Graph& g = graph_of_answer(l.owner);
  return column_list(g, node_column(g, l.answer->nodes, field.view, &view_of(l.owner)->view()));
}

// source, target (ids), kind (EdgeKind), or props (a dict, or None for an edge with none).
nb::object lineage_edge_column(LineageObject& l, Text field) {
  const Graph& g = graph_of_answer(l.owner);
  Column column = edge_column(g, *l.answer, field.view);
  if (column.type == Column::kNoField) raise(PyExc_ValueError, "no such edge column");
  return column_list(g, column);
}

// render_nodes(specs[, max_nodes, seconds]): a lineage node's facts (graph.read.node_facts) asked
// without their column are read for the answer's nodes within the budget (native/core/render_json.h).
nb::object lineage_render_nodes(LineageObject& l, nb::handle arg, Py_ssize_t max_nodes, double seconds) {
  ViewObject* v = view_of(l.owner);
  PySpecs specs = specs_of(arg);
  name_enums(specs, Field::kKind, py.node_kind, kNodeKinds);
  render_columns(specs, l.answer->nodes.size());
  if (fact_bits(specs.specs) != 0 && max_nodes < 0)
    raise(PyExc_TypeError, "a node's facts are read within max_nodes and seconds");
  Budget budget = Budget::within(max_nodes, seconds);
  return rendered(embedded(v), [&] { return render_lineage_nodes(v->view(), *l.answer, specs.specs, budget); });
}

nb::object lineage_render_edges(LineageObject& l, nb::handle arg) {
  ViewObject* v = view_of(l.owner);
  PySpecs specs = specs_of(arg);
  name_enums(specs, Field::kKind, py.edge_kind, kEdgeKinds);
  return rendered(embedded(v), [&] { return render_lineage_edges(v->view().g, *l.answer, specs.specs); });
}

// render_marquez(run_versions): each run's dataset versions by its id (RunVersions), read with the GIL held.
nb::object lineage_render_marquez(LineageObject& l, std::optional<nb::dict> run_versions) {
  ViewObject* v = view_of(l.owner);
  RunVersions versions;
  if (run_versions)
    for (auto [run, text] : *run_versions) versions.emplace(utf8_copy(run), utf8_copy(text));
  return marquez_lineage_bytes(v->view(), *l.answer, &versions, embedded(v));
}

nb::object lineage_marquez_runs(LineageObject& l) {
  ViewObject* v = view_of(l.owner);
  return marquez_lineage_run_ids(v->view(), *l.answer, embedded(v));
}

// products, domains, owners or contracts: ids, by id.
nb::list impact_concerned(ImpactObject& im, Text which) {
  const Graph& g = graph_of_answer(im.owner);
  const std::vector<StrId>* ids = im.answer->concerned(which.view);
  if (ids == nullptr) raise(PyExc_ValueError, "no such list");
  return list_of(ids->size(), [&](size_t i) { return id_str(g, (*ids)[i]); });
}

// One field of the affected nodes (answer_columns.h's affected_column): every one, or those a
// list of indexes names (a page of a large answer: GraphQL ImpactReport.affectedWorst).
nb::object impact_affected_column(ImpactObject& im, Text field, std::optional<std::vector<int64_t>> rows) {
  const Graph& g = graph_of_answer(im.owner);
  return column_list(g, affected_column(g, *im.answer, rows ? &*rows : nullptr, field.view, &view_of(im.owner)->view()));
}

nb::list impact_affected_nodes(ImpactObject& im) {
  const Graph& g = graph_of_answer(im.owner);
  return list_of(im.answer->affected.size(), [&](size_t i) { return node_to_py(g, im.answer->affected[i].node); });
}

nb::object impact_render_affected(ImpactObject& im, nb::handle arg) {
  ViewObject* v = view_of(im.owner);
  PySpecs specs = specs_of(arg);
  nb::object ranks[3] = {nb::int_(0), nb::int_(1), nb::int_(2)};
  PyObject* const rank_values[3] = {ranks[0].ptr(), ranks[1].ptr(), ranks[2].ptr()};
  name_enums(specs, Field::kSeverity, rank_values, 3);
  name_enums(specs, Field::kKind, py.node_kind, kNodeKinds);
  return rendered(embedded(v), [&] { return render_impact_affected(v->view(), *im.answer, specs.specs); });
}

nb::object impact_changed(ImpactObject& im) {
  const Graph& g = graph_of_answer(im.owner);
  return id_str(g, g.node_id[im.answer->changed]);
}

}  // namespace

ImpactObject::~ImpactObject() {
  if (!answer) return;
  ViewObject* v = view_of(owner);
  locked(v, [&] { for (StrId id : answer->held) v->view().g.let_go(id); });
}

void bind_answers(nb::module_& m) {
  nb::class_<LineageObject>(m, "Lineage", nb::is_final())
      .def_prop_ro("truncated", [](LineageObject& self) { return self.answer->truncated; })
      .def_prop_ro(
          "sizes",
          [](LineageObject& self) { return nb::make_tuple(self.answer->nodes.size(), self.answer->edges.size()); })
      .def("nodes", under_lock(lineage_nodes))
      .def("edges", under_lock(lineage_edges))
      .def("node_column", under_lock(lineage_node_column))
      .def("edge_column", under_lock(lineage_edge_column))
      .def("render_nodes", under_lock(lineage_render_nodes), nb::arg(), nb::arg() = -1, nb::arg() = 0.0)
      .def("render_edges", under_lock(lineage_render_edges))
      .def("marquez_runs", under_lock(lineage_marquez_runs))
      .def("render_marquez", under_lock(lineage_render_marquez), nb::arg() = nb::none());

  nb::class_<ImpactObject>(m, "Impact", nb::is_final())
      .def_prop_ro("truncated", [](ImpactObject& self) { return self.answer->truncated; })
      .def_prop_ro("changed", under_lock(impact_changed))
      .def_prop_ro("size", [](ImpactObject& self) { return self.answer->affected.size(); })
      .def("affected_nodes", under_lock(impact_affected_nodes))
      .def("affected_column", under_lock(impact_affected_column), nb::arg(), nb::arg() = nb::none())
      .def("concerned", under_lock(impact_concerned))
      .def("render_affected", under_lock(impact_render_affected));
}

}  // namespace lm
