// graph._native.Lineage and Impact: a view's answers (native/core/lineage.h, impact.h), read as
// Python values, columns or the JSON the API sends (render_json.h).
#include "views.h"

#include <optional>

#include "marquez_py.h"
#include "pyrecords.h"
#include "pytypes.h"
#include "pyvalues.h"
#include "render_json.h"

namespace lm {

namespace {

const Graph& graph_of_answer(nb::handle owner) { return view_of(owner)->view->g; }

PyObject* lineage_nodes(PyObject* self, PyObject*) {
  LineageObject* l = nb::inst_ptr<LineageObject>(self);
  const Graph& g = graph_of_answer(l->owner);
  PyRef list(check(PyList_New(Py_ssize_t(l->answer->nodes.size()))));
  for (size_t i = 0; i < l->answer->nodes.size(); i++) PyList_SET_ITEM(list.get(), Py_ssize_t(i), node_to_py(g, l->answer->nodes[i]));
  return list.release();
}

PyObject* lineage_edges(PyObject* self, PyObject*) {
  LineageObject* l = nb::inst_ptr<LineageObject>(self);
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
}

PyObject* lineage_node_column(PyObject* self, PyObject* name) {
  LineageObject* l = nb::inst_ptr<LineageObject>(self);
  std::string spill;
  return node_column(graph_of_answer(l->owner), l->answer->nodes, utf8_of(name, spill), view_of(l->owner)->view);
}

// source, target (ids), kind (EdgeKind), or props (a dict, or None for an edge with none).
PyObject* lineage_edge_column(PyObject* self, PyObject* name) {
  LineageObject* l = nb::inst_ptr<LineageObject>(self);
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
}

// render_nodes(specs[, max_nodes, seconds]): a lineage node's facts (graph.read.node_facts) asked
// without their column are read here for the answer's nodes, within the budget, and written as
// JSON as they are read (``FactsJson``): no Python value per node or per owner.
PyObject* lineage_render_nodes(PyObject* self, PyObject* arg, Py_ssize_t max_nodes, double seconds) {
  LineageObject* l = nb::inst_ptr<LineageObject>(self);
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
}

PyObject* lineage_render_edges(PyObject* self, PyObject* arg) {
  LineageObject* l = nb::inst_ptr<LineageObject>(self);
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
}

PyObject* lineage_render_marquez(PyObject* self, PyObject*) {
  LineageObject* l = nb::inst_ptr<LineageObject>(self);
  ViewObject* v = view_of(l->owner);
  return marquez_lineage_bytes(*v->view, *l->answer, embedded(v));
}

PyObject* impact_changed(PyObject* self) {
  ImpactObject* im = nb::inst_ptr<ImpactObject>(self);
  Graph& g = view_of(im->owner)->view->g;
  std::optional<Reading> shared;
  if (embedded(view_of(im->owner))) shared.emplace(g);
  return id_str(g, g.node_id[im->answer->changed]);
}

PyObject* id_list(const Graph& g, const std::vector<StrId>& ids) {
  PyRef list(check(PyList_New(Py_ssize_t(ids.size()))));
  for (size_t i = 0; i < ids.size(); i++) PyList_SET_ITEM(list.get(), Py_ssize_t(i), id_str(g, ids[i]));
  return list.release();
}

// products, domains, owners or contracts: ids, by id.
PyObject* impact_concerned(PyObject* self, PyObject* name) {
  ImpactObject* im = nb::inst_ptr<ImpactObject>(self);
  const Graph& g = graph_of_answer(im->owner);
  std::string spill;
  std::string_view which = utf8_of(name, spill);
  const ImpactReportAnswer& a = *im->answer;
  if (which == "products") return id_list(g, a.products);
  if (which == "domains") return id_list(g, a.domains);
  if (which == "owners") return id_list(g, a.owners);
  if (which == "contracts") return id_list(g, a.contracts);
  raise(PyExc_ValueError, "no such list");
}

// The affected rows a column is read for: every row, or the ones a list of indexes names (a
// page of a large answer: GraphQL ImpactReport.affectedWorst), each checked to be in range.
std::vector<size_t> rows_of(PyObject* rows, size_t size) {
  std::vector<size_t> found;
  if (rows == nullptr || rows == Py_None) {
    found.resize(size);
    for (size_t i = 0; i < size; i++) found[i] = i;
    return found;
  }
  PyRef seq(check(PySequence_Fast(rows, "rows must be a sequence of indexes")));
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.get());
  found.reserve(size_t(n));
  for (Py_ssize_t k = 0; k < n; k++) {
    Py_ssize_t at = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(seq.get(), k));
    if (at == -1 && PyErr_Occurred()) throw PyErrorSet{};
    if (at < 0 || size_t(at) >= size) raise(PyExc_IndexError, "affected row out of range");
    found.push_back(size_t(at));
  }
  return found;
}

// One field of the affected nodes (every one, or those of ``rows``, in its order): a node field
// (node_column's), distance, path (ids from the changed node), via (the id before it on its
// path), severity (its rank: 2 BREAKING, 1 WARNING, 0 INFO) or certain.
PyObject* impact_affected_column(PyObject* self, PyObject* name, PyObject* wanted) {
  ImpactObject* im = nb::inst_ptr<ImpactObject>(self);
  const Graph& g = graph_of_answer(im->owner);
  const ImpactReportAnswer& a = *im->answer;
  std::string spill;
  std::string_view field = utf8_of(name, spill);
  const std::vector<size_t> rows = rows_of(wanted, a.affected.size());
  if (field == "distance" || field == "severity" || field == "certain" || field == "path" || field == "via") {
    PyRef list(check(PyList_New(Py_ssize_t(rows.size()))));
    std::vector<PyRef> step_strings(field == "path" ? a.steps.size() : 0);
    std::vector<int32_t> chain;
    for (size_t i = 0; i < rows.size(); i++) {
      const auto& item = a.affected[rows[i]];
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
  nodes.reserve(rows.size());
  for (size_t at : rows) nodes.push_back(a.affected[at].node);
  if (field == "id") {  // the id it was reached as (a node's own id: answers are about nodes the view shows)
    PyRef list(check(PyList_New(Py_ssize_t(nodes.size()))));
    for (size_t i = 0; i < nodes.size(); i++) PyList_SET_ITEM(list.get(), Py_ssize_t(i), id_str(g, a.affected[rows[i]].id));
    return list.release();
  }
  return node_column(g, nodes, field, view_of(im->owner)->view);
}

PyObject* impact_affected_nodes(PyObject* self, PyObject*) {
  ImpactObject* im = nb::inst_ptr<ImpactObject>(self);
  const Graph& g = graph_of_answer(im->owner);
  const auto& affected = im->answer->affected;
  PyRef list(check(PyList_New(Py_ssize_t(affected.size()))));
  for (size_t i = 0; i < affected.size(); i++) PyList_SET_ITEM(list.get(), Py_ssize_t(i), node_to_py(g, affected[i].node));
  return list.release();
}

PyObject* impact_render_affected(PyObject* self, PyObject* arg) {
  ImpactObject* im = nb::inst_ptr<ImpactObject>(self);
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
}

}  // namespace

ImpactObject::~ImpactObject() {
  if (!answer) return;
  ViewObject* v = view_of(owner);
  Graph& g = v->view->g;
  if (embedded(v)) {
    Reading shared(g);
    for (StrId id : answer->held) g.let_go(id);
  } else {
    for (StrId id : answer->held) g.pool.decref(id);
  }
}

void bind_answers(nb::module_& m) {
  using LineageSelf = nb::pointer_and_handle<LineageObject>;
  using ImpactSelf = nb::pointer_and_handle<ImpactObject>;
  // A method of an answer, under its view's graph's lock (``locked``), over the C-API function
  // that makes its Python value.
  auto of_lineage = [](LineageSelf self, auto&& read) { return locked(view_of(self.p->owner), read); };
  auto of_impact = [](ImpactSelf self, auto&& read) { return locked(view_of(self.p->owner), read); };

  nb::class_<LineageObject>(m, "Lineage", nb::is_final(), nb::sig("@typing.final\nclass Lineage()"), "A lineage walk's answer, read by column or rendered to JSON.")
      .def_prop_ro(
          "truncated", [](LineageObject& self) { return self.answer->truncated; }, "A budget cut the walk short.")
      .def_prop_ro(
          "sizes", [](LineageObject& self) { return nb::make_tuple(self.answer->nodes.size(), self.answer->edges.size()); },
          nb::sig("def sizes(self) -> tuple[int, int]"), "The nodes and edges of the answer.")
      .def(
          "nodes", [=](LineageSelf self) { return of_lineage(self, [&] { return lineage_nodes(self.h.ptr(), nullptr); }); },
          nb::sig("def nodes(self) -> list[Node]"), "The answer's nodes, by id.")
      .def(
          "edges", [=](LineageSelf self) { return of_lineage(self, [&] { return lineage_edges(self.h.ptr(), nullptr); }); },
          nb::sig("def edges(self) -> list[tuple[str, str, EdgeKind, dict[str, Any] | None]]"),
          "The answer's edges as (source, target, kind, props or None), sorted.")
      .def(
          "node_column",
          [=](LineageSelf self, nb::handle field) {
            return of_lineage(self, [&] { return lineage_node_column(self.h.ptr(), field.ptr()); });
          },
          nb::sig("def node_column(self, field: str, /) -> list[Any]"), "One field (graph.serve.schema's) of every node.")
      .def(
          "edge_column",
          [=](LineageSelf self, nb::handle field) {
            return of_lineage(self, [&] { return lineage_edge_column(self.h.ptr(), field.ptr()); });
          },
          nb::sig("def edge_column(self, field: Literal[\"source\", \"target\", \"kind\", \"props\"], /) -> list[Any]"),
          "One field of every edge.")
      .def(
          "render_nodes",
          [=](LineageSelf self, nb::handle specs, Py_ssize_t max_nodes, double seconds) {
            return of_lineage(self, [&] { return lineage_render_nodes(self.h.ptr(), specs.ptr(), max_nodes, seconds); });
          },
          nb::arg("specs"), nb::arg("max_nodes") = -1, nb::arg("seconds") = 0.0,
          nb::sig("def render_nodes(self, specs: Sequence[_RenderSpec], max_nodes: int = ..., seconds: float = ..., /) "
                  "-> bytes | None"),
          "The nodes as JSON (graph.serve.render's specs; a node's facts asked without their column read within "
          "``max_nodes`` and ``seconds``), or None when the specs need Python.")
      .def(
          "render_edges",
          [=](LineageSelf self, nb::handle specs) {
            return of_lineage(self, [&] { return lineage_render_edges(self.h.ptr(), specs.ptr()); });
          },
          nb::sig("def render_edges(self, specs: Sequence[_RenderSpec], /) -> bytes | None"),
          "The edges as JSON (graph.serve.render's specs), or None when the specs need Python.")
      .def(
          "render_marquez",
          [=](LineageSelf self) { return of_lineage(self, [&] { return lineage_render_marquez(self.h.ptr(), nullptr); }); },
          nb::sig("def render_marquez(self) -> bytes"), "The answer as Marquez's lineage graph, JSON.");

  nb::class_<ImpactObject>(m, "Impact", nb::is_final(), nb::sig("@typing.final\nclass Impact()"),
                           "An impact walk's answer: the affected nodes, their severities and who is concerned.")
      .def_prop_ro(
          "truncated", [](ImpactObject& self) { return self.answer->truncated; }, "A budget cut the walk short.")
      .def_prop_ro(
          "changed", [](ImpactSelf self) { return nb::steal(check(impact_changed(self.h.ptr()))); },
          nb::sig("def changed(self) -> str"), "The changed node's id (canonical).")
      .def_prop_ro(
          "size", [](ImpactObject& self) { return self.answer->affected.size(); }, "How many nodes are affected.")
      .def(
          "affected_nodes",
          [=](ImpactSelf self) { return of_impact(self, [&] { return impact_affected_nodes(self.h.ptr(), nullptr); }); },
          nb::sig("def affected_nodes(self) -> list[Node]"), "The affected nodes, in order.")
      .def(
          "affected_column",
          [=](ImpactSelf self, nb::handle field, nb::handle rows) {
            return of_impact(self, [&] { return impact_affected_column(self.h.ptr(), field.ptr(), rows.ptr()); });
          },
          nb::arg("field"), nb::arg("rows") = nb::none(),
          nb::sig("def affected_column(self, field: str, rows: Sequence[int] | None = None, /) -> list[Any]"),
          "One field of every affected node, or of those ``rows`` (indexes, in their order).")
      .def(
          "concerned",
          [=](ImpactSelf self, nb::handle what) {
            return of_impact(self, [&] { return impact_concerned(self.h.ptr(), what.ptr()); });
          },
          nb::sig("def concerned(self, what: Literal[\"products\", \"domains\", \"owners\", \"contracts\"], /) -> list[str]"),
          "The ids of the products, domains, owners or contracts the change concerns.")
      .def(
          "render_affected",
          [=](ImpactSelf self, nb::handle specs) {
            return of_impact(self, [&] { return impact_render_affected(self.h.ptr(), specs.ptr()); });
          },
          nb::sig("def render_affected(self, specs: Sequence[_RenderSpec], /) -> bytes | None"),
          "The affected nodes as JSON (graph.serve.render's specs), or None when they need Python.");
}

}  // namespace lm
