// The MirrorStore of a remote store (remote_source.h): each read the core's mirror makes is asked of
// the Python store by its name in graph.stores.remote_reads.NeighbourhoodSource, and each answer is
// installed into the mirror (MirrorSource), in the shapes graph.stores.neo4j reads them: decoded
// Nodes and Edges converted here; a level's rows (NeighbourhoodRows), a lookup's key rows
// (NeighbourhoodKeys) and the facts' rows (graph.stores.neo4j.facts_reads.FactsRows) read by the
// core (native/core/remote_rows.h) from the Python values.
#include "remote_source.h"

#include <nanobind/stl/vector.h>

#include "pyrecords.h"
#include "pytypes.h"
#include "pyvalues.h"
#include "remote_rows.h"

#include <string>
#include <utility>
#include <vector>

namespace lm {

namespace {

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

PyObject* py_of(Cell c) { return static_cast<PyObject*>(const_cast<void*>(c)); }

// A store's answer installed in the mirror ``m``: its rows read by the core (RowsReader) from the
// Python values here, the handles it gives kept in ``handles`` (a node's handle is its token: its
// place there + 1).
class Installer final : public RowsReader {
 public:
  Installer(MirrorSource& m, std::vector<nb::object>& handles) : RowsReader(m), handles_(handles) {}

  // Each list read is held for as long as this lives: the core reads its items in place.
  Cells list(Cell c, const char* what) override {
    PyObject* seq = held_.emplace_back(nb::steal(check(PySequence_Fast(py_of(c), what)))).ptr();
    return {reinterpret_cast<const Cell*>(PySequence_Fast_ITEMS(seq)), size_t(PySequence_Fast_GET_SIZE(seq))};
  }
  bool none(Cell c) override { return c == Py_None; }
  bool text(Cell c, std::string_view& out, std::string& spill) override {
    if (!PyUnicode_Check(py_of(c))) return false;
    out = utf8_of(py_of(c), spill);
    return true;
  }
  bool truth(Cell c) override { return lm::truth(py_of(c)); }
  size_t index(Cell c) override {
    size_t i = PyLong_AsSize_t(py_of(c));
    if (i == size_t(-1) && PyErr_Occurred()) throw PyErrorSet{};
    return i;
  }
  uint8_t edge_kind(Cell c) override { return edge_kind_code(py_of(c)); }
  uint8_t node_kind(Cell c) override { return node_kind_code(py_of(c)); }
  void value(Cell c, StringSink& sink, Bytes& out) override { value_from_py(py_of(c), sink, out, "a property"); }
  uint32_t token(Cell handle) override {  // a handle kept, by its token
    handles_.push_back(nb::borrow(py_of(handle)));
    return uint32_t(handles_.size());
  }
  Record* props(Cell props) override {
    return record_from_py(m.g, dict_of(py_of(props), "a run's props: a dict").ptr(), nb::dict().ptr(), false);
  }
  bool marked(Cell unrestated, Cell source, uint8_t code, Cell target) override {
    nb::tuple key = edge_key(py_of(source), code, py_of(target));
    int in = PySet_Contains(py_of(unrestated), key.ptr());
    if (in < 0) throw PyErrorSet{};
    return in == 1;
  }
  NodeIdx node(Cell node, HeldAs wanted) override {  // a graph.core.model.Node
    nb::handle h(py_of(node));
    NodeIdx n = named(h.attr("id").ptr());
    if (!m.wants(n, wanted)) return n;  // a node read earlier in the query stays as it was read
    nb::object kind = h.attr("kind"), props = h.attr("props"), stamps = h.attr("stamps");
    m.fill(n, node_kind_code(kind.ptr()), record_from_py(m.g, props.ptr(), stamps.ptr(), false), wanted);
    return n;
  }

  // The ids of ``nodes``; ``ids_handles``: and id -> handle for those with one.
  nb::list ids_of(const std::vector<NodeIdx>& nodes, nb::dict* ids_handles = nullptr) {
    return list_of(nodes.size(), [&](size_t i) {
      nb::object id = nb::steal(str_of(m.g.pool.view(m.g.node_id[nodes[i]])));
      if (uint32_t h = ids_handles ? m.handle(nodes[i]) : 0) (*ids_handles)[id] = handles_[h - 1];
      return id;
    });
  }

  // A graph.core.model.Edge (``props``: with its record); a job edge marked by the store's verdict
  // (``unrestated``: a set of keys, or None).
  void edge(nb::handle edge, bool props, nb::handle unrestated) {
    nb::object source = edge.attr("source"), kind = edge.attr("kind"), target = edge.attr("target");
    uint8_t code = edge_kind_code(kind.ptr());
    Record* record = nullptr;
    if (props) record = record_from_py(m.g, edge.attr("props").ptr(), edge.attr("stamps").ptr(), true);
    EdgeIdx e = m.edge(named(source.ptr()), code, named(target.ptr()), record);
    if ((kJobIo & kind_bit(code)) && !unrestated.is_none())
      m.mark(e, marked(unrestated.ptr(), source.ptr(), code, target.ptr()));
  }

  // A level read (a graph.stores.Neighbourhood).
  void read(const EdgesRead& read, nb::handle found) {
    if (!read.props && !read.whole && is_rows(found))
      return rows(read, nb::object(found.attr("extras")).ptr(), nb::object(found.attr("kept")).ptr(),
                  nb::object(found.attr("rows")).ptr());
    nb::object unrestated = found.attr("unrestated"), found_handles = found.attr("handles");
    std::vector<NodeIdx> far;
    for (auto [id, n] : dict_of(found.attr("nodes"), "nodes")) far.push_back(node(n.ptr(), read.far()));
    for (PyObject* e : Items(found.attr("edges"), "edges")) edge(e, read.props, unrestated);
    if (read.ahead) keys(nb::object(found.attr("ahead")).ptr(), false, "ahead");
    if (read.ahead_in) {
      for (auto [id, n] : dict_of(found.attr("ahead_nodes"), "ahead_nodes")) node(n.ptr(), read.far());
      keys(nb::object(found.attr("ahead_in")).ptr(), false, "ahead_in", unrestated.ptr());
    }
    if (PyDict_Check(found_handles.ptr()))
      for (auto [id, handle] : nb::borrow<nb::dict>(found_handles)) m.set_handle(named(id.ptr()), token(handle.ptr()));
    m.far_held(read, far);
  }

 private:
  std::vector<nb::object>& handles_;
  std::vector<nb::object> held_;  // the lists read (list())
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
  for (auto [id, node] : dict_of(found, "a store's nodes() answers a dict")) in.node(node.ptr(), lean ? kSummary : kWhole);
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
  for (auto [id, node] : dict_of(read, "a store's newest() answers a dict")) ends[in.named(id.ptr())] = in.node(node.ptr(), kWhole);
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
  for (auto [id, node] : dict_of(read.attr("nodes"), "nodes")) in.node(node.ptr(), kWhole);
  for (PyObject* edge : Items(read.attr("recorded"), "edges"))
    in.edge(edge, (records & kind_bit(edge_kind_code(nb::handle(edge).attr("kind").ptr()))) != 0, unrestated);
  in.keys(nb::object(read.attr("keyed")).ptr(), false, "keys: [source, type, target] rows");
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
  in.runs(nb::object(rows.attr("runs")).ptr(), ask.table);
  in.owned(nb::object(rows.attr("owned")).ptr(), ask.table);
  Items found_rows(rows.attr("found"), "found rows");
  if (size_t(found_rows.size()) != found.size()) raise(PyExc_ValueError, "a store's facts_read() answers each found read");
  for (size_t i = 0; i < found.size(); i++) in.found(found[i], found_rows[Py_ssize_t(i)], ask.table);
  Items hoods(rows.attr("neighbourhoods"), "neighbourhoods");
  if (size_t(hoods.size()) != plain.size()) raise(PyExc_ValueError, "a store's facts_read() answers each request");
  for (size_t i = 0; i < plain.size(); i++) in.read(plain[i], hoods[Py_ssize_t(i)]);
}

}  // namespace lm
