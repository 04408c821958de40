#include "remote_source.h"

#include "pyrecords.h"
#include "pytypes.h"

#include <utility>

namespace lm {

// A new list of the EdgeKind members in the ``kinds`` bits, as the store's reads take them.
nb::list kinds_list(uint32_t kinds) {
  nb::list list;
  for (uint8_t k = 0; k < kEdgeKinds; k++)
    if (kinds & kind_bit(k)) list.append(nb::handle(py.edge_kind[k]));
  return list;
}

nb::dict dict_of(nb::handle o, const char* what) {
  if (!PyDict_Check(o.ptr())) raise(PyExc_TypeError, what);
  return nb::borrow<nb::dict>(o);
}

bool truth(PyObject* o) {
  int true_ = PyObject_IsTrue(o);
  if (true_ < 0) throw PyErrorSet{};
  return true_ == 1;
}

nb::object attr(nb::handle o, const char* name) { return nb::steal(check(PyObject_GetAttrString(o.ptr(), name))); }

// Whether a job edge's key is among those its store marked unrestated (a set of keys).
static bool marked(PyObject* unrestated, nb::handle source, uint8_t code, nb::handle target) {
  int in = PySet_Contains(unrestated, edge_key(nb::borrow(source), code, nb::borrow(target)).ptr());
  if (in < 0) throw PyErrorSet{};
  return in == 1;
}

RemoteSource::RemoteSource(std::unique_ptr<Graph> mirror, PyObject* store, PyObject* summary, PyObject* names,
                           bool read_ahead)
    : MirrorSource(*mirror, *this, summary != Py_None, names != Py_None, read_ahead,
                   truth(attr(store, "reads_batches").ptr())),  // (declared by NeighbourhoodSource)
      mirror_(std::move(mirror)),
      store_(nb::borrow(store)),
      summary_props_(nb::borrow(summary)),
      name_props_(nb::borrow(summary == Py_None || names == Py_None ? summary : names)) {}

NodeIdx RemoteSource::named(PyObject* id) {
  if (!PyUnicode_Check(id)) raise(PyExc_TypeError, "node ids are str");
  std::string spill;
  return MirrorSource::named(utf8_of(id, spill));
}

uint32_t RemoteSource::token(PyObject* handle) {
  handles_.push_back(nb::borrow(handle));
  return uint32_t(handles_.size());
}

NodeIdx RemoteSource::install_node(PyObject* node, HeldAs wanted) {
  NodeIdx n = named(attr(node, "id").ptr());
  if (!wants(n, wanted)) return n;  // a node read earlier in the query stays as it was read
  nb::object kind = attr(node, "kind"), props = attr(node, "props"), stamps = attr(node, "stamps");
  fill(n, node_kind_code(kind.ptr()), record_from_py(g, props.ptr(), stamps.ptr(), false), wanted);
  return n;
}

void RemoteSource::install_edge(PyObject* edge, bool props, PyObject* unrestated) {
  nb::object source = attr(edge, "source"), kind = attr(edge, "kind"), target = attr(edge, "target");
  uint8_t code = edge_kind_code(kind.ptr());
  Record* record = nullptr;
  if (props) record = record_from_py(g, attr(edge, "props").ptr(), attr(edge, "stamps").ptr(), true);
  EdgeIdx e = MirrorSource::edge(named(source.ptr()), code, named(target.ptr()), record);
  if ((kJobIo & kind_bit(code)) && unrestated != Py_None)
    mark(e, marked(unrestated, source, code, target));
}

void RemoteSource::install_key(PyObject* key, PyObject* unrestated) {
  nb::handle source(PyTuple_GET_ITEM(key, 0)), target(PyTuple_GET_ITEM(key, 2));
  uint8_t code = edge_kind_code(PyTuple_GET_ITEM(key, 1));
  EdgeIdx e = MirrorSource::edge(named(source.ptr()), code, named(target.ptr()));
  if ((kJobIo & kind_bit(code)) && unrestated != Py_None)
    mark(e, marked(unrestated, source, code, target));
}

nb::list RemoteSource::ids_of(const std::vector<NodeIdx>& nodes, nb::dict* handles) {
  return list_of(nodes.size(), [&](size_t i) {
    nb::object id = nb::steal(str_of(g.pool.view(g.node_id[nodes[i]])));
    if (uint32_t h = handles ? handle(nodes[i]) : 0) (*handles)[id] = handles_[h - 1];
    return id;
  });
}

void RemoteSource::nodes(MirrorSource&, const std::vector<NodeIdx>& ids, bool lean) {
  nb::object found =
      lean ? store_.attr("node_summaries")(ids_of(ids), summary_props_) : store_.attr("nodes")(ids_of(ids));
  for (auto [id, node] : dict_of(found, "a store's nodes() answers a dict"))
    install_node(node.ptr(), lean ? kSummary : kWhole);
}

// newest()'s arguments: (ids, kind, "out" or "in", key).
static nb::tuple newest_args(nb::list ids, const NewestAsk& ask) {
  return nb::make_tuple(ids, nb::handle(py.edge_kind[ask.kind]), ask.out ? "out" : "in",
                        nb::str(ask.key.data(), ask.key.size()));
}

bool RemoteSource::newest_ahead(MirrorSource&, const NewestAsk& ask) {
  soon_ = store_.attr("soon")(nb::object(store_.attr("newest")), *newest_args(ids_of(ask.asked), ask));
  return true;
}

void RemoteSource::newest(MirrorSource&, const NewestAsk& ask, bool collect,
                          std::unordered_map<NodeIdx, NodeIdx>& ends) {
  nb::object started = std::move(soon_), read;  // (one not collected is dropped: it runs on, its answer unread)
  if (collect)
    read = started.attr("result")();
  else if (!ask.asked.empty())
    read = store_.attr("newest")(*newest_args(ids_of(ask.asked), ask));
  if (!read.is_valid()) return;
  for (auto [id, node] : dict_of(read, "a store's newest() answers a dict"))
    ends[named(id.ptr())] = install_node(node.ptr(), kWhole);
}

void RemoteSource::around(MirrorSource&, const std::vector<NodeIdx>& need, uint32_t kinds, uint32_t records) {
  nb::dict handles;  // (the nodes a walk read, sought by the handles it was given)
  nb::list ids = ids_of(need, &handles);
  nb::object read = store_.attr("lookup_around")(ids, kinds_list(kinds), kinds_list(records),
                                                 handles.size() ? nb::object(handles) : nb::none());
  const bool keyed = is_keys(read.ptr());  // (its edges' records, the others as key rows)
  nb::object far = attr(read, "nodes"), unrestated = attr(read, "unrestated");
  for (auto [id, node] : dict_of(far, "nodes")) install_node(node.ptr(), kWhole);
  for (PyObject* edge : Items(attr(read, keyed ? "recorded" : "edges"), "edges"))
    install_edge(edge, (records & kind_bit(edge_kind_code(attr(edge, "kind").ptr()))) != 0, unrestated.ptr());
  if (keyed) install_keys(attr(read, "keyed").ptr(), false, "keys: [source, type, target] rows");
}

nb::object RemoteSource::edges_request(const EdgesRead& read) {
  // NeighbourhoodRequest(**fields): graph.stores.requests names the fields, and those not given here
  // keep their defaults there.
  static nb::handle request_type =
      nb::object(nb::module_::import_("graph.stores.requests").attr("NeighbourhoodRequest")).release();
  nb::dict fields, handles;
  fields["ids"] = ids_of(read.need, &handles);
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

void RemoteSource::neighbourhood(MirrorSource&, const EdgesRead& read) {
  install_read(read, store_.attr("neighbourhood")(edges_request(read)).ptr());
}

void RemoteSource::neighbourhoods(MirrorSource&, const std::vector<EdgesRead>& reads) {
  nb::list requests;
  for (const EdgesRead& read : reads) requests.append(edges_request(read));
  Items answered(store_.attr("neighbourhoods")(requests), "neighbourhoods");
  if (size_t(answered.size()) != reads.size())
    raise(PyExc_ValueError, "a store's neighbourhoods() answers one neighbourhood a request");
  for (size_t i = 0; i < reads.size(); i++) install_read(reads[i], answered[Py_ssize_t(i)]);
}

void RemoteSource::install_read(const EdgesRead& read, PyObject* found) {
  if (!read.props && !read.whole && is_rows(found)) return install_rows(read, found);
  nb::object unrestated = attr(found, "unrestated"), handles = attr(found, "handles");
  std::vector<NodeIdx> far;
  for (auto [id, node] : dict_of(attr(found, "nodes"), "nodes")) far.push_back(install_node(node.ptr(), read.far()));
  for (PyObject* edge : Items(attr(found, "edges"), "edges")) install_edge(edge, read.props, unrestated.ptr());
  if (read.ahead)
    for (PyObject* key : Items(attr(found, "ahead"), "ahead")) install_key(key, Py_None);
  if (read.ahead_in) {
    for (auto [id, node] : dict_of(attr(found, "ahead_nodes"), "ahead_nodes")) install_node(node.ptr(), read.far());
    for (PyObject* key : Items(attr(found, "ahead_in"), "ahead_in")) install_key(key, unrestated.ptr());
  }
  if (PyDict_Check(handles.ptr()))
    for (auto [id, handle] : nb::borrow<nb::dict>(handles)) set_handle(named(id.ptr()), token(handle.ptr()));
  far_held(read, far);
}

}  // namespace lm
