// The MirrorStore of a remote store (remote_source.h): each read the core's mirror makes is asked of
// the Python store by its name in graph.stores.remote_reads.NeighbourhoodSource, and each answer is
// converted into the mirror's installing calls (MirrorSource), in the shapes graph.stores.neo4j
// reads them: decoded Nodes and Edges, a level's rows (NeighbourhoodRows), a lookup's key rows
// (NeighbourhoodKeys) and the facts' rows (graph.stores.neo4j.facts_reads.FactsRows).
#include "remote_source.h"

#include <nanobind/stl/vector.h>

#include "json_values.h"
#include "pyrecords.h"
#include "pytypes.h"
#include "pyvalues.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace lm {

namespace {

// A row a remote store answers with, read without copying: ``size`` items at least (``what``: the
// error when it is not a sequence, or shorter).
class Row : public Items {
 public:
  Row(nb::handle row, Py_ssize_t size, const char* what) : Items(row, what) {
    if (this->size() < size) raise(PyExc_ValueError, what);
  }
};

// A new list of the EdgeKind members in the ``kinds`` bits, as the store's reads take them.
nb::list kinds_list(uint32_t kinds) {
  nb::list list;
  for (uint8_t k = 0; k < kEdgeKinds; k++)
    if (kinds & kind_bit(k)) list.append(nb::handle(py.edge_kind[k]));
  return list;
}

// A dict a store answers (``what``: the TypeError).
nb::dict dict_of(nb::handle o, const char* what) {
  if (!PyDict_Check(o.ptr())) raise(PyExc_TypeError, what);
  return nb::borrow<nb::dict>(o);
}

bool truth(PyObject* o) {
  int true_ = PyObject_IsTrue(o);
  if (true_ < 0) throw PyErrorSet{};
  return true_ == 1;
}

// The texts of a list of str (None: an empty list).
std::vector<std::string> texts_of(nb::handle names, const char* what) {
  std::vector<std::string> out;
  if (!names.is_none())
    for (PyObject* text : Items(names, what)) {
      if (!PyUnicode_Check(text)) raise(PyExc_TypeError, what);
      out.push_back(utf8_copy(text));
    }
  return out;
}

// A class of graph.stores.remote_reads (imported once, held for the life of the process).
nb::handle reads_type(const char* name) {
  nb::object type = nb::module_::import_("graph.stores.remote_reads").attr(name);
  if (!PyType_Check(type.ptr())) raise(PyExc_TypeError, "graph.stores.remote_reads: not a type");
  return type.release();
}

// Whether a level read is kept as the store's rows (NeighbourhoodRows).
bool is_rows(nb::handle found) {
  static nb::handle type = reads_type("NeighbourhoodRows");
  return PyObject_TypeCheck(found.ptr(), reinterpret_cast<PyTypeObject*>(type.ptr()));
}

// Whether a job edge's key is among those its store marked unrestated (a set of keys).
bool marked(nb::handle unrestated, nb::handle source, uint8_t code, nb::handle target) {
  int in = PySet_Contains(unrestated.ptr(), edge_key(nb::borrow(source), code, nb::borrow(target)).ptr());
  if (in < 0) throw PyErrorSet{};
  return in == 1;
}

// A far end's values of the extras (``values``: none, or one a property; those of ``json_keys`` as
// JSON text).
class Extras : public SummaryValues {
 public:
  Extras(const SummaryForm& form, PyObject** values, std::vector<std::string> json_keys)
      : form_(form), values_(values), json_keys_(std::move(json_keys)) {}
  bool value(size_t e, StringSink& sink, Bytes& out) override {
    if (values_ == nullptr || values_[e] == Py_None) return false;
    if (std::find(json_keys_.begin(), json_keys_.end(), form_.extras[e]) != json_keys_.end() &&
        PyUnicode_Check(values_[e])) {
      JsonDocument text(utf8_of(values_[e], spill_));
      encode_json(text.root(), sink, out);
    } else {
      value_from_py(values_[e], sink, out, "a property");
    }
    return true;
  }

 private:
  const SummaryForm& form_;
  PyObject** values_;
  std::vector<std::string> json_keys_;
  std::string spill_;
};

// A store's answer installed in the mirror ``m``, the handles it gives kept in ``handles`` (a
// node's handle is its token: its place there + 1).
struct Installer {
  MirrorSource& m;
  std::vector<nb::object>& handles;

  NodeIdx named(nb::handle id) {  // the mirror's node for an id (a str)
    if (!PyUnicode_Check(id.ptr())) raise(PyExc_TypeError, "node ids are str");
    std::string spill;
    return m.named(utf8_of(id.ptr(), spill));
  }

  uint32_t token(nb::handle handle) {  // a handle kept, by its token
    handles.push_back(nb::borrow(handle));
    return uint32_t(handles.size());
  }

  // The ids of ``nodes``; ``ids_handles``: and id -> handle for those with one.
  nb::list ids_of(const std::vector<NodeIdx>& nodes, nb::dict* ids_handles = nullptr) {
    return list_of(nodes.size(), [&](size_t i) {
      nb::object id = nb::steal(str_of(m.g.pool.view(m.g.node_id[nodes[i]])));
      if (uint32_t h = ids_handles ? m.handle(nodes[i]) : 0) (*ids_handles)[id] = handles[h - 1];
      return id;
    });
  }

  NodeIdx node(nb::handle node, HeldAs wanted) {  // a graph.core.model.Node
    NodeIdx n = named(node.attr("id"));
    if (!m.wants(n, wanted)) return n;  // a node read earlier in the query stays as it was read
    nb::object kind = node.attr("kind"), props = node.attr("props"), stamps = node.attr("stamps");
    m.fill(n, node_kind_code(kind.ptr()), record_from_py(m.g, props.ptr(), stamps.ptr(), false), wanted);
    return n;
  }

  // A graph.core.model.Edge (``props``: with its record); a job edge marked by the store's verdict
  // (``unrestated``: a set of keys, or None).
  void edge(nb::handle edge, bool props, nb::handle unrestated) {
    nb::object source = edge.attr("source"), kind = edge.attr("kind"), target = edge.attr("target");
    uint8_t code = edge_kind_code(kind.ptr());
    Record* record = nullptr;
    if (props) record = record_from_py(m.g, edge.attr("props").ptr(), edge.attr("stamps").ptr(), true);
    EdgeIdx e = m.edge(named(source), code, named(target), record);
    if ((kJobIo & kind_bit(code)) && !unrestated.is_none()) m.mark(e, marked(unrestated, source, code, target));
  }

  // Edges known by their keys alone, as [source, type, target(, mark)] rows or (source, kind,
  // target) tuples: found, or added without a record. A job edge is marked by the fourth item where
  // ``marks`` (unrestated where true), else by the store's verdict (``unrestated``: a set of keys, or
  // None).
  void keys(nb::handle rows, bool marks, const char* what, nb::handle unrestated = Py_None) {
    for (PyObject* row : Items(rows, what)) {
      Row item(row, marks ? 4 : 3, marks ? what : "edges: [source, type, target] rows");
      uint8_t code = edge_kind_code(item[1]);
      EdgeIdx e = m.edge(named(item[0]), code, named(item[2]));
      if (marks)
        m.mark(e, truth(item[3]));
      else if ((kJobIo & kind_bit(code)) && !unrestated.is_none())
        m.mark(e, marked(unrestated, item[0], code, item[2]));
    }
  }

  // A level read (a graph.stores.Neighbourhood).
  void read(const EdgesRead& read, nb::handle found) {
    if (!read.props && !read.whole && is_rows(found)) return rows(read, found);
    nb::object unrestated = found.attr("unrestated"), found_handles = found.attr("handles");
    std::vector<NodeIdx> far;
    for (auto [id, n] : dict_of(found.attr("nodes"), "nodes")) far.push_back(node(n, read.far()));
    for (PyObject* e : Items(found.attr("edges"), "edges")) edge(e, read.props, unrestated);
    if (read.ahead) keys(found.attr("ahead"), false, "ahead");
    if (read.ahead_in) {
      for (auto [id, n] : dict_of(found.attr("ahead_nodes"), "ahead_nodes")) node(n, read.far());
      keys(found.attr("ahead_in"), false, "ahead_in", unrestated);
    }
    if (PyDict_Check(found_handles.ptr()))
      for (auto [id, handle] : nb::borrow<nb::dict>(found_handles)) m.set_handle(named(id), token(handle));
    m.far_held(read, far);
  }

  // A level read in summary form installed from the rows the store read
  // (graph.stores.remote_reads.NeighbourhoodRows): a walk over a remote store reads thousands of far
  // ends in summary form, and decoding each into a Python Node (its summary's JSON text into a dict)
  // and then each Node into the mirror was most of what a large answer cost this process. Here a
  // node's summary is parsed by the core (summary_record) straight into its record, and edges and
  // keys are installed from their ids: no Python object made a row.
  void rows(const EdgesRead& read, nb::handle found) {
    SummaryForm form;
    form.extras = texts_of(found.attr("extras"), "the values' properties");
    nb::object kept = found.attr("kept");
    form.all = kept.is_none();
    form.kept = texts_of(kept, "the summary's properties kept");
    Row parts(found.attr("rows"), 7, "neighbourhood rows: [edges, far ends, ahead, handles, entering, sources, handles]");
    std::vector<NodeIdx> far;
    for (PyObject* row : Items(parts[1], "far ends"))
      if (NodeIdx n = summary_row(row, form, read.far()); n != kNone) far.push_back(n);
    keys(parts[0], true, "edges: [source, type, target, mark] rows");
    if (read.ahead) keys(parts[2], false, "ahead keys: [source, type, target] rows");
    if (read.ahead_in) {
      for (PyObject* row : Items(parts[5], "sources")) summary_row(row, form, read.far());
      keys(parts[4], true, "entering keys: [source, type, target, unrestated] rows");
    }
    for (auto [nodes_at, handles_at] : {std::pair{1, 3}, std::pair{5, 6}}) {  // the far ends', then the sources'
      Items nodes(parts[nodes_at], "far ends"), given(parts[handles_at], "handles");
      for (Py_ssize_t i = 0; i < nodes.size() && i < given.size(); i++)
        m.set_handle(named(Row(nodes[i], 1, "far ends")[0]), token(given[i]));
    }
    m.far_held(read, far);
  }

  NodeIdx summary_row(PyObject* row, const SummaryForm& form, HeldAs wanted) {
    Row item(row, 5, "far ends: [id, labels, summary, values, json keys] rows");
    PyObject* summary = item[2];
    if (summary == Py_None) return kNone;  // not a node of ours (left named only, as a Python read leaves it)
    uint8_t kind = kNodeKinds;  // (the first of its labels naming one)
    std::string spill;
    for (PyObject* label : Items(item[1], "a node's labels")) {
      if (!PyUnicode_Check(label)) continue;
      std::string_view name = utf8_of(label, spill);
      kind = uint8_t(std::find(kNodeKindNames, kNodeKindNames + kNodeKinds, name) - kNodeKindNames);
      if (kind != kNodeKinds) break;
    }
    if (kind == kNodeKinds) return kNone;
    NodeIdx n = named(item[0]);
    if (!m.wants(n, wanted)) return n;  // a node read earlier in the query stays as it was read
    if (!PyUnicode_Check(summary)) raise(PyExc_TypeError, "a node's summary is JSON text");
    if (form.extras.empty() || item[3] == Py_None) {
      Extras none(form, nullptr, {});
      m.fill(n, kind, summary_record(m.g, utf8_of(summary, spill), form, none), wanted);
      return n;
    }
    Items values(item[3], "a node's values");
    if (size_t(values.size()) != form.extras.size()) raise(PyExc_ValueError, "a node's values, one a property read");
    Extras extras(form, PySequence_Fast_ITEMS(values.sequence()), texts_of(item[4], "a node's JSON keys"));
    m.fill(n, kind, summary_record(m.g, utf8_of(summary, spill), form, extras), wanted);
    return n;
  }

  // The facts' answer (graph.stores.neo4j.facts_reads.FoundRows): a node by its place in the
  // ``table`` (an int) or by its id (a str).
  NodeIdx at(const std::vector<NodeIdx>& table, PyObject* place_or_id) {
    if (PyUnicode_Check(place_or_id)) return named(place_or_id);
    size_t i = PyLong_AsSize_t(place_or_id);
    if (i == size_t(-1) && PyErr_Occurred()) throw PyErrorSet{};
    if (i >= table.size()) raise(PyExc_ValueError, "a facts row names a place beyond the table");
    return table[i];
  }

  void found_ends(PyObject* ends) {
    for (PyObject* row : Items(ends, "found ends")) {
      Row item(row, 4, "found ends: [handle, id, kind, deleted] rows");
      if (item[2] == Py_None) continue;  // (not a node of ours: left named only, as read() leaves it)
      NodeIdx n = named(item[1]);
      if (m.found_wanted(n)) {  // (a node read earlier in the query stays as it was read)
        nb::dict drop;          // its drop, which judges the job edges entering it (Graph::dropped)
        if (item[3] != Py_None) drop[nb::steal(str_of(m.g.pool.view(m.g.keys.deleted)))] = nb::handle(item[3]);
        m.found_end(n, node_kind_code(item[2]), item[3] != Py_None ? record_of(drop, false) : nullptr);
      }
      if (m.handle(n) == 0 && item[0] != Py_None) m.set_handle(n, token(item[0]));
    }
  }

  void found(const EdgesRead& read, PyObject* rows, const std::vector<NodeIdx>& table) {
    Row parts(rows, 4, "found rows: [edges, ends, aliases, sources]");
    found_ends(parts[1]);
    const bool typed = (read.kinds & (read.kinds - 1)) != 0;  // (several kinds: each row says its type)
    uint8_t only = 0;
    while (!typed && !(read.kinds & kind_bit(only))) only++;
    std::vector<NodeIdx> far;  // the far ends of ours, for the marks of their aliases
    for (PyObject* row : Items(parts[0], "found edges")) {
      Row item(row, typed ? 4 : 3, "found edges: [place, far end, unrestated] rows");
      uint8_t code = typed ? edge_kind_code(item[3]) : only;
      m.found_edge(read, at(table, item[0]), at(table, item[1]), code, (kJobIo & kind_bit(code)) && truth(item[2]), far);
    }
    if (read.ahead) {  // the ALIAS_OF edges at the far ends, both ways, their other ends found
      found_ends(parts[3]);
      for (PyObject* row : Items(parts[2], "found aliases")) {
        Row item(row, 2, "found aliases: [source, target] rows");
        m.edge(at(table, item[0]), kAliasOf, at(table, item[1]));
      }
    }
    m.far_held(read, far);
  }

  void runs(nb::handle runs, const std::vector<NodeIdx>& table) {
    for (PyObject* row : Items(runs, "runs")) {
      Row item(row, 4, "runs: [job, run id, kind, props] rows");
      NodeIdx r = item[2] == Py_None ? kNone : named(item[1]);  // (no run, or one not of ours: none)
      if (r != kNone && m.found_wanted(r))  // (a run read earlier in the query stays as it was read)
        m.fill(r, node_kind_code(item[2]), record_of(dict_of(item[3], "a run's props: a dict"), false), kNamed);
      m.run(at(table, item[0]), r);
    }
  }

  void owned(nb::handle owned, const std::vector<NodeIdx>& table) {
    std::vector<std::pair<NodeIdx, Record*>> ends;  // a list's owners and their edges' records
    std::vector<NodeIdx> nodes;
    for (PyObject* group : Items(owned, "owned")) {
      Row pair(group, 2, "owned: (owners, places) pairs");
      ends.clear();
      nodes.clear();
      for (PyObject* owner : Items(pair[0], "owners")) {
        Row it(owner, 2, "owners: (owner, type) pairs");
        nb::dict props;
        if (it[1] != Py_None) props["type"] = nb::handle(it[1]);
        // (an owner not of ours: its id, the node left named only, as an edge read by id leaves it)
        ends.emplace_back(PyUnicode_Check(it[0]) ? named(it[0]) : node(it[0], kWhole), record_of(props, true));
      }
      for (PyObject* place : Items(pair[1], "places")) nodes.push_back(at(table, place));
      m.owned(nodes, ends);
      for (const auto& end : ends) m.g.records.release(end.second);
    }
  }

  // A record of ``props`` (a dict) without stamps.
  Record* record_of(const nb::dict& props, bool share) { return record_from_py(m.g, props.ptr(), nb::dict().ptr(), share); }
};

// newest()'s arguments: (ids, kind, "out" or "in", key).
nb::tuple newest_args(nb::list ids, const NewestAsk& ask) {
  return nb::make_tuple(ids, nb::handle(py.edge_kind[ask.kind]), ask.out ? "out" : "in",
                        nb::str(ask.key.data(), ask.key.size()));
}

}  // namespace

RemoteSource::RemoteSource(std::unique_ptr<Graph> mirror, PyObject* store, PyObject* summary, PyObject* names,
                           bool read_ahead)
    : MirrorSource(*mirror, *this, summary != Py_None, names != Py_None, read_ahead,
                   truth(nb::getattr(store, "reads_batches").ptr())),  // (declared by NeighbourhoodSource)
      mirror_(std::move(mirror)),
      store_(nb::borrow(store)),
      summary_props_(nb::borrow(summary)),
      name_props_(nb::borrow(summary == Py_None || names == Py_None ? summary : names)) {}

void RemoteSource::nodes(MirrorSource& m, const std::vector<NodeIdx>& ids, bool lean) {
  Installer in{m, handles_};
  nb::object found = lean ? store_.attr("node_summaries")(in.ids_of(ids), summary_props_)
                          : store_.attr("nodes")(in.ids_of(ids));
  for (auto [id, node] : dict_of(found, "a store's nodes() answers a dict")) in.node(node, lean ? kSummary : kWhole);
}

void RemoteSource::newest_ahead(MirrorSource& m, const NewestAsk& ask) {
  soon_ = store_.attr("soon")(nb::object(store_.attr("newest")), *newest_args(Installer{m, handles_}.ids_of(ask.asked), ask));
}

void RemoteSource::newest(MirrorSource& m, const NewestAsk& ask, bool collect,
                          std::unordered_map<NodeIdx, NodeIdx>& ends) {
  Installer in{m, handles_};
  nb::object started = std::move(soon_), read;  // (one not collected is dropped: it runs on, its answer unread)
  if (collect)
    read = started.attr("result")();
  else if (!ask.asked.empty())
    read = store_.attr("newest")(*newest_args(in.ids_of(ask.asked), ask));
  if (!read.is_valid()) return;
  for (auto [id, node] : dict_of(read, "a store's newest() answers a dict")) ends[in.named(id)] = in.node(node, kWhole);
}

void RemoteSource::around(MirrorSource& m, const std::vector<NodeIdx>& need, uint32_t kinds, uint32_t records) {
  Installer in{m, handles_};
  nb::dict handles;  // (the nodes a walk read, sought by the handles it was given)
  nb::list ids = in.ids_of(need, &handles);
  static nb::handle request = reads_type("AroundRequest");
  nb::object read = store_.attr("lookup_around")(
      request(ids, kinds_list(kinds), kinds_list(records), handles.size() ? nb::object(handles) : nb::none()));
  // A graph.stores.remote_reads.NeighbourhoodKeys: the edges of ``records`` with their records, the
  // others as key rows.
  nb::object unrestated = read.attr("unrestated");
  for (auto [id, node] : dict_of(read.attr("nodes"), "nodes")) in.node(node, kWhole);
  for (PyObject* edge : Items(read.attr("recorded"), "edges"))
    in.edge(edge, (records & kind_bit(edge_kind_code(nb::handle(edge).attr("kind").ptr()))) != 0, unrestated);
  in.keys(read.attr("keyed"), false, "keys: [source, type, target] rows");
}

nb::object RemoteSource::edges_request(const EdgesRead& read) {
  // NeighbourhoodRequest(**fields): graph.stores.requests names the fields, and those not given here
  // keep their defaults there.
  static nb::handle request_type =
      nb::object(nb::module_::import_("graph.stores.requests").attr("NeighbourhoodRequest")).release();
  nb::dict fields, handles;
  fields["ids"] = Installer{*this, handles_}.ids_of(read.need, &handles);
  fields["kinds"] = kinds_list(read.kinds);
  fields["direction"] = read.out ? "out" : "in";
  fields["ahead"] = read.ahead ? nb::make_tuple(nb::handle(py.edge_kind[kAliasOf])) : nb::tuple();
  fields["with_props"] = read.props;
  fields["node_props"] = read.whole ? nb::object(nb::none()) : read.names_only ? name_props_ : summary_props_;
  fields["handles"] = handles.size() ? nb::object(handles) : nb::none();
  fields["ahead_in"] = kinds_list(read.ahead_in);
  fields["plan"] = nb::handle(plan_ ? plan_ : Py_None);
  return nb::steal(check(PyObject_Call(request_type.ptr(), nb::tuple().ptr(), fields.ptr())));
}

void RemoteSource::neighbourhood(MirrorSource& m, const EdgesRead& read) {
  Installer{m, handles_}.read(read, store_.attr("neighbourhood")(edges_request(read)));
}

void RemoteSource::neighbourhoods(MirrorSource& m, const std::vector<EdgesRead>& reads) {
  nb::list requests;
  for (const EdgesRead& read : reads) requests.append(edges_request(read));
  Items answered(store_.attr("neighbourhoods")(requests), "neighbourhoods");
  if (size_t(answered.size()) != reads.size())
    raise(PyExc_ValueError, "a store's neighbourhoods() answers one neighbourhood a request");
  Installer in{m, handles_};
  for (size_t i = 0; i < reads.size(); i++) in.read(reads[i], answered[Py_ssize_t(i)]);
}

// The facts' reads (MirrorStore::facts: a lineage answer's found_only edges() reads and its
// FactsRead), and the installing of their answer in the mirror.
//
// The facts read thousands of edges at the answer's own nodes whose far ends are mostly the answer's
// nodes again: the store (graph.stores.neo4j.facts_reads) is given the nodes as a table of ids and
// the handles the query's reads gave, and answers with their places in it, naming by id only the
// far ends the table lacks. Rows are installed from places and ids as the driver made them: no
// Python Node or Edge a row, no string looked up for a node the table holds.
void RemoteSource::facts(MirrorSource& m, const FactsAsk& ask, const std::vector<EdgesRead>& plain,
                         const std::vector<EdgesRead>& found) {
  Installer in{m, handles_};
  nb::list asks, requests;
  for (size_t i = 0; i < found.size(); i++)
    asks.append(nb::make_tuple(kinds_list(found[i].kinds), found[i].out ? "out" : "in", nb::cast(ask.found[i]),
                               found[i].ahead));
  for (const EdgesRead& read : plain) requests.append(edges_request(read));
  // The table: each node's id, its handle where a read of this query gave one, and whether its
  // ALIAS_OF edges both ways are held (a far end's aliases the found reads then do not read again).
  nb::list handles = list_of(ask.table.size(), [&](size_t i) {
    return ask.handles[i] ? handles_[ask.handles[i] - 1] : nb::object(nb::none());
  });
  nb::list aliased = list_of(ask.table.size(), [&](size_t i) { return nb::bool_(ask.aliased[i]); });
  static nb::handle request = reads_type("FactsRequest");
  nb::object rows = store_.attr("facts_read")(request(in.ids_of(ask.table), handles, aliased, asks, requests,
                                                      nb::cast(ask.jobs), nb::cast(ask.written), nb::cast(ask.owning)));
  in.runs(rows.attr("runs"), ask.table);
  in.owned(rows.attr("owned"), ask.table);
  Items found_rows(rows.attr("found"), "found rows");
  if (size_t(found_rows.size()) != found.size()) raise(PyExc_ValueError, "a store's facts_read() answers each found read");
  for (size_t i = 0; i < found.size(); i++) in.found(found[i], found_rows[Py_ssize_t(i)], ask.table);
  Items hoods(rows.attr("neighbourhoods"), "neighbourhoods");
  if (size_t(hoods.size()) != plain.size()) raise(PyExc_ValueError, "a store's facts_read() answers each request");
  for (size_t i = 0; i < plain.size(); i++) in.read(plain[i], hoods[Py_ssize_t(i)]);
}

}  // namespace lm
