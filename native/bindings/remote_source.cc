#include "remote_source.h"

#include "pyrecords.h"
#include "pytypes.h"

#include <algorithm>
#include <initializer_list>
#include <unordered_map>
#include <utility>

namespace lm {

PyObject* attr(PyObject* o, const char* name) { return check(PyObject_GetAttrString(o, name)); }

PyObject** row_items(PyObject* row, Py_ssize_t size, PyRef& hold, const char* what) {
  hold = PyRef(check(PySequence_Fast(row, what)));
  if (PySequence_Fast_GET_SIZE(hold.get()) < size) raise(PyExc_ValueError, what);
  return PySequence_Fast_ITEMS(hold.get());
}

std::pair<PyObject**, Py_ssize_t> items(PyObject* seq, PyRef& hold, const char* what) {
  hold = PyRef(check(PySequence_Fast(seq, what)));
  return {PySequence_Fast_ITEMS(hold.get()), PySequence_Fast_GET_SIZE(hold.get())};
}

PyObject* kinds_list(uint32_t kinds) {
  PyRef list(check(PyList_New(0)));
  for (uint8_t k = 0; k < kEdgeKinds; k++)
    if (kinds & kind_bit(k) && PyList_Append(list.get(), py.edge_kind[k]) < 0) throw PyErrorSet{};
  return list.release();
}

namespace {

// NeighbourhoodRequest(**fields): graph.stores.requests names the fields, and those not given here
// keep their defaults there.
PyObject* neighbourhood_request(std::initializer_list<std::pair<const char*, PyObject*>> fields) {
  static PyObject* request_type = nullptr;  // held for the life of the process
  if (request_type == nullptr) {
    PyRef module(check(PyImport_ImportModule("graph.stores.requests")));
    request_type = attr(module.get(), "NeighbourhoodRequest");
  }
  PyRef kwargs(check(PyDict_New()));
  for (const auto& [name, value] : fields)
    if (PyDict_SetItemString(kwargs.get(), name, value) < 0) throw PyErrorSet{};
  PyRef no_args(check(PyTuple_New(0)));
  return check(PyObject_Call(request_type, no_args.get(), kwargs.get()));
}

}  // namespace

RemoteSource::RemoteSource(std::unique_ptr<Graph> mirror, PyObject* store, PyObject* summary, PyObject* names,
                           bool read_ahead)
    : Source(*mirror),
      mirror_(std::move(mirror)),
      store_(store),
      summary_props_(summary),
      name_props_(summary == Py_None || names == Py_None ? summary : names),
      read_ahead_(read_ahead) {
  PyRef batches(attr(store, "reads_batches"));  // (declared by NeighbourhoodSource)
  int batched = PyObject_IsTrue(batches.get());
  if (batched < 0) throw PyErrorSet{};
  reads_batches_ = batched == 1;
  Py_INCREF(store_);
  Py_INCREF(summary_props_);
  Py_INCREF(name_props_);
}

RemoteSource::~RemoteSource() {
  Py_XDECREF(soon_.future);  // a read started and never collected runs on, its answer dropped
  for (Known& k : known_) Py_XDECREF(k.handle);
  Py_XDECREF(summary_props_);
  Py_XDECREF(name_props_);
  Py_XDECREF(store_);
}

NodeIdx RemoteSource::named(PyObject* id) {
  if (!PyUnicode_Check(id)) raise(PyExc_TypeError, "node ids are str");
  std::string spill;
  std::string_view text = utf8_of(id, spill);
  NodeIdx n = g.find_node(text);
  if (n != kNone) return n;
  StrId sid = g.pool.intern(text);
  n = named(sid);
  g.pool.decref(sid);
  return n;
}

NodeIdx RemoteSource::named(StrId id) {
  NodeIdx n = g.find_node(id);
  if (n != kNone) return n;
  uint8_t kind = placeholder_kind(g.pool.view(id));
  n = g.add_node(id, kind == kNodeKinds ? uint8_t(kDataset) : kind, g.records.freeze(Draft(), false));
  known(n);
  return n;
}

NodeIdx RemoteSource::node(StrId id) { return named(id); }

NodeIdx RemoteSource::install_node(PyObject* node, State wanted) {
  PyRef id(attr(node, "id")), kind(attr(node, "kind")), props(attr(node, "props")), stamps(attr(node, "stamps"));
  NodeIdx n = named(id.get());
  if (known(n).state >= wanted) return n;  // a node read earlier in the query stays as it was read
  g.node_kind[n] = node_kind_code(kind.get());
  g.set_record(n, record_from_py(g, props.get(), stamps.get(), false));
  known(n).state = wanted;
  return n;
}

void RemoteSource::install_edge(PyObject* edge, bool props, PyObject* unrestated) {
  PyRef source(attr(edge, "source")), kind(attr(edge, "kind")), target(attr(edge, "target"));
  NodeIdx s = named(source.get()), t = named(target.get());
  uint8_t code = edge_kind_code(kind.get());
  EdgeIdx e = g.find_edge(s, code, t);
  Record* record = nullptr;
  if (props) {
    PyRef p(attr(edge, "props")), st(attr(edge, "stamps"));
    record = record_from_py(g, p.get(), st.get(), true);
  }
  if (e == kNone) {
    e = g.add_edge(s, code, t, record ? record : g.records.freeze(Draft(), true));
  } else if (record) {
    Record* old = g.edge_record[e];
    g.edge_record[e] = record;
    g.records.release(old);
  }
  judge(e, source.get(), code, target.get(), unrestated);
}

EdgeIdx RemoteSource::install_key(PyObject* key) {
  NodeIdx s = named(PyTuple_GET_ITEM(key, 0)), t = named(PyTuple_GET_ITEM(key, 2));
  uint8_t code = edge_kind_code(PyTuple_GET_ITEM(key, 1));
  EdgeIdx e = g.find_edge(s, code, t);
  return e != kNone ? e : g.add_edge(s, code, t, g.records.freeze(Draft(), true));
}

void RemoteSource::judge(EdgeIdx e, PyObject* source, uint8_t code, PyObject* target, PyObject* unrestated) {
  if (!(kJobIo & kind_bit(code)) || unrestated == Py_None) return;
  PyRef key(check(PyTuple_Pack(3, source, py.edge_kind[code], target)));
  int marked = PySet_Contains(unrestated, key.get());
  if (marked < 0) throw PyErrorSet{};
  g.set_unrestated(e, marked == 1);
}

PyObject* RemoteSource::ids_of(const std::vector<NodeIdx>& nodes) {
  PyRef list(check(PyList_New(Py_ssize_t(nodes.size()))));
  for (size_t i = 0; i < nodes.size(); i++) PyList_SET_ITEM(list.get(), Py_ssize_t(i), str_of(g.pool.view(g.node_id[nodes[i]])));
  return list.release();
}

void RemoteSource::read_nodes(const std::vector<NodeIdx>& nodes, State wanted, bool lean) {
  std::vector<NodeIdx> need;
  for (NodeIdx n : nodes)
    if (n != kNone && state(n) < wanted && !absent_.count(g.node_id[n])) need.push_back(n);
  if (need.empty()) return;
  PyRef ids(ids_of(need));
  lean = lean && summary_props_ != Py_None;
  PyRef found(check(lean ? PyObject_CallMethod(store_, "node_summaries", "OO", ids.get(), summary_props_)
                         : PyObject_CallMethod(store_, "nodes", "O", ids.get())));
  if (!PyDict_Check(found.get())) raise(PyExc_TypeError, "a store's nodes() answers a dict");
  Py_ssize_t pos = 0;
  PyObject *key, *node;
  while (PyDict_Next(found.get(), &pos, &key, &node)) install_node(node, lean ? kSummary : kWhole);
  for (NodeIdx n : need)
    if (state(n) == kNamed) absent_.insert(g.node_id[n]);
}

NodeIdx RemoteSource::find(std::string_view id) {
  StrId sid = g.pool.find(id);
  NodeIdx n = sid == kNone ? kNone : g.find_node(sid);
  if (n != kNone && state(n) != kNamed) return n;
  if (sid != kNone && absent_.count(sid)) return kNone;
  PyRef text(str_of(id));
  n = named(text.get());
  read_nodes({n}, kWhole);
  return state(n) == kNamed ? kNone : n;
}

void RemoteSource::find_all(const std::vector<StrId>& ids, std::vector<NodeIdx>& out, bool lean) {
  std::vector<NodeIdx> nodes;
  nodes.reserve(ids.size());
  for (StrId id : ids) nodes.push_back(absent_.count(id) ? kNone : named(id));
  read_nodes(nodes, kSummary, lean);
  out.clear();
  for (NodeIdx n : nodes) out.push_back(n != kNone && state(n) != kNamed ? n : kNone);
}

bool RemoteSource::holds_whole(std::string_view id) const {
  StrId sid = g.pool.find(id);
  if (sid == kNone) return false;
  if (absent_.count(sid)) return true;
  NodeIdx n = g.find_node(sid);
  return n != kNone && state(n) >= kWhole;
}

void RemoteSource::summaries(const std::vector<NodeIdx>& nodes) { read_nodes(nodes, kSummary); }

std::vector<NodeIdx> RemoteSource::newest_asked(const std::vector<NodeIdx>& nodes) const {
  std::vector<NodeIdx> asked;
  for (NodeIdx n : nodes)
    if (n != kNone && state(n) != kNamed) asked.push_back(n);
  std::sort(asked.begin(), asked.end());
  asked.erase(std::unique(asked.begin(), asked.end()), asked.end());
  return asked;
}

void RemoteSource::newest_soon(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key) {
  if (soon_.future != nullptr) return;
  std::vector<NodeIdx> asked = newest_asked(nodes);
  if (asked.empty()) return;
  PyRef read(attr(store_, "newest")), ids(ids_of(asked)), key_arg(str_of(key));
  soon_.future = check(PyObject_CallMethod(store_, "soon", "OOOsO", read.get(), ids.get(), py.edge_kind[kind],
                                           out ? "out" : "in", key_arg.get()));
  soon_.asked = std::move(asked);
  soon_.kind = kind;
  soon_.out = out;
  soon_.key = std::string(key);
}

bool RemoteSource::newest(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key,
                          std::vector<NodeIdx>& found, bool lean) {
  std::vector<NodeIdx> asked = newest_asked(nodes);
  // A lean caller of the read a batch made (FactsRead: runs by createdAt) takes the runs it holds.
  const bool held = lean && kind == kOf && !out && key == "createdAt" && !runs_.empty();
  if (held) asked.erase(std::remove_if(asked.begin(), asked.end(), [&](NodeIdx n) { return runs_.count(n) > 0; }),
                        asked.end());
  std::unordered_map<NodeIdx, NodeIdx> ends;
  PyRef read, started(soon_.future);  // a read started ahead is collected here, or dropped if not this one
  soon_.future = nullptr;
  if (started && soon_.asked == asked && soon_.kind == kind && soon_.out == out && soon_.key == key) {
    read = PyRef(check(PyObject_CallMethod(started.get(), "result", nullptr)));
  } else if (!asked.empty()) {
    PyRef ids(ids_of(asked)), key_arg(str_of(key));
    read = PyRef(check(PyObject_CallMethod(store_, "newest", "OOsO", ids.get(), py.edge_kind[kind], out ? "out" : "in",
                                           key_arg.get())));
  }
  if (read) {
    if (!PyDict_Check(read.get())) raise(PyExc_TypeError, "a store's newest() answers a dict");
    Py_ssize_t pos = 0;
    PyObject *id, *node;
    while (PyDict_Next(read.get(), &pos, &id, &node)) ends[named(id)] = install_node(node, kWhole);
  }
  for (size_t i = 0; i < nodes.size(); i++) {
    auto run = held && nodes[i] != kNone && state(nodes[i]) != kNamed ? runs_.find(nodes[i]) : runs_.end();
    if (run != runs_.end()) {
      found[i] = run->second;
      continue;
    }
    auto at = ends.find(nodes[i]);
    found[i] = at == ends.end() ? kNone : at->second;
  }
  return true;
}

void RemoteSource::wholes(const std::vector<NodeIdx>& nodes) { read_nodes(nodes, kWhole); }
void RemoteSource::lean(const std::vector<NodeIdx>& nodes) { read_nodes(nodes, kSummary, true); }
void RemoteSource::named(const std::vector<NodeIdx>& nodes) { read_nodes(nodes, kNames, true); }

void RemoteSource::found(const std::vector<NodeIdx>& nodes) {
  std::vector<NodeIdx> need;  // (a node known to exist, kFound or more, is known enough)
  for (NodeIdx n : nodes)
    if (n != kNone && state(n) == kNamed) need.push_back(n);
  read_nodes(need, kNames, true);
}

void RemoteSource::around(const std::vector<NodeIdx>& nodes, uint32_t kinds, uint32_t records) {
  records &= kinds;
  std::vector<NodeIdx> need;
  for (NodeIdx n : nodes) {
    if (n == kNone) continue;
    const Known& k = known(n);
    if ((k.keys[0] & k.keys[1] & kinds) != kinds || (k.props[0] & k.props[1] & records) != records)
      need.push_back(n);
  }
  std::sort(need.begin(), need.end());
  need.erase(std::unique(need.begin(), need.end()), need.end());
  if (need.empty() || !read_ahead_) return;
  PyRef ids(ids_of(need));
  PyRef kinds_arg(kinds_list(kinds));
  PyRef handles(check(PyDict_New()));  // the nodes a walk read, sought by the handles it was given
  for (NodeIdx n : need)
    if (known_[n].handle) {
      PyRef id(str_of(g.pool.view(g.node_id[n])));
      if (PyDict_SetItem(handles.get(), id.get(), known_[n].handle) < 0) throw PyErrorSet{};
    }
  PyRef records_arg(kinds_list(records));
  PyRef read(check(PyObject_CallMethod(store_, "lookup_around", "OOOO", ids.get(), kinds_arg.get(), records_arg.get(),
                                       PyDict_GET_SIZE(handles.get()) ? handles.get() : Py_None)));
  const bool keyed = is_keys(read.get());  // (its edges' records, the others as key rows)
  PyRef edges(attr(read.get(), keyed ? "recorded" : "edges")), far(attr(read.get(), "nodes")),
      unrestated(attr(read.get(), "unrestated"));
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(far.get(), &pos, &key, &value)) install_node(value, kWhole);
  PyRef edge_seq(check(PySequence_Fast(edges.get(), "edges")));
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(edge_seq.get()); i++) {
    PyObject* edge = PySequence_Fast_GET_ITEM(edge_seq.get(), i);
    PyRef kind(attr(edge, "kind"));
    install_edge(edge, (records & kind_bit(edge_kind_code(kind.get()))) != 0, unrestated.get());
  }
  if (keyed) {
    PyRef rows(attr(read.get(), "keyed"));
    install_keys(rows.get(), "keys: [source, type, target] rows");
  }
  for (NodeIdx n : need)
    for (int way = 0; way < 2; way++) {
      known(n).keys[way] |= kinds;
      known(n).props[way] |= records;
    }
}

RemoteSource::EdgesRead RemoteSource::edges_read(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out,
                                                 bool props, bool ahead, uint32_t ahead_in, bool names_only,
                                                 bool whole) {
  EdgesRead read;
  for (NodeIdx n : nodes) {
    if (n == kNone) continue;
    Known& k = known(n);
    if ((k.keys[out] & kinds) != kinds || (props && (k.props[out] & kinds) != kinds)) read.need.push_back(n);
  }
  read.kinds = kinds;
  read.out = out;
  read.props = props;
  read.ahead = ahead && read_ahead_;
  read.ahead_in = read.ahead ? ahead_in : 0;
  read.whole = whole || summary_props_ == Py_None;
  read.names_only = !read.whole && names_only && name_props_ != summary_props_;
  return read;
}

PyObject* RemoteSource::edges_request(const EdgesRead& read) {
  PyRef ids(check(PyList_New(0)));
  PyRef handles(check(PyDict_New()));
  for (NodeIdx n : read.need) {
    PyRef id(str_of(g.pool.view(g.node_id[n])));
    if (PyList_Append(ids.get(), id.get()) < 0) throw PyErrorSet{};
    if (known_[n].handle && PyDict_SetItem(handles.get(), id.get(), known_[n].handle) < 0) throw PyErrorSet{};
  }
  PyRef kinds_arg(kinds_list(read.kinds));
  PyRef ahead_arg(read.ahead ? check(PyTuple_Pack(1, py.edge_kind[kAliasOf])) : check(PyTuple_New(0)));
  PyRef ahead_in_arg(kinds_list(read.ahead_in));
  PyRef direction(check(PyUnicode_FromString(read.out ? "out" : "in")));
  return neighbourhood_request({{"ids", ids.get()},
                                {"kinds", kinds_arg.get()},
                                {"direction", direction.get()},
                                {"ahead", ahead_arg.get()},
                                {"with_props", read.props ? Py_True : Py_False},
                                {"node_props", read.whole ? Py_None : read.names_only ? name_props_ : summary_props_},
                                {"handles", PyDict_GET_SIZE(handles.get()) ? handles.get() : Py_None},
                                {"ahead_in", ahead_in_arg.get()},
                                {"plan", plan_ ? plan_ : Py_None}});
}

void RemoteSource::edges(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, bool props, bool ahead,
                         uint32_t ahead_in, bool names_only) {
  EdgesRead read = edges_read(nodes, kinds, out, props, ahead, ahead_in, names_only, false);
  if (read.need.empty()) return;
  PyRef request(edges_request(read));
  PyRef found(check(PyObject_CallMethod(store_, "neighbourhood", "O", request.get())));
  install_read(read, found.get());
}

void RemoteSource::install_read(const EdgesRead& read, PyObject* found) {
  if (!read.props && !read.whole && is_rows(found)) return install_rows(read, found);
  const bool out = read.out, props = read.props, ahead = read.ahead;
  const uint32_t kinds = read.kinds, ahead_in = read.ahead_in;
  PyRef edges(attr(found, "edges")), far(attr(found, "nodes")), ahead_keys(attr(found, "ahead")),
      unrestated(attr(found, "unrestated")), found_handles(attr(found, "handles"));
  State far_state = read.whole ? kWhole : read.names_only ? kNames : kSummary;
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  std::vector<NodeIdx> far_nodes;
  while (PyDict_Next(far.get(), &pos, &key, &value)) far_nodes.push_back(install_node(value, far_state));
  PyRef edge_seq(check(PySequence_Fast(edges.get(), "edges")));
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(edge_seq.get()); i++)
    install_edge(PySequence_Fast_GET_ITEM(edge_seq.get(), i), props, unrestated.get());
  if (ahead) {
    PyRef ahead_seq(check(PySequence_Fast(ahead_keys.get(), "ahead")));
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(ahead_seq.get()); i++)
      install_key(PySequence_Fast_GET_ITEM(ahead_seq.get(), i));
    for (NodeIdx n : far_nodes) known(n).keys[1] |= kind_bit(kAliasOf);
  }
  if (ahead_in) {
    PyRef entering(attr(found, "ahead_in")), sources(attr(found, "ahead_nodes"));
    pos = 0;
    while (PyDict_Next(sources.get(), &pos, &key, &value)) install_node(value, far_state);
    PyRef seq(check(PySequence_Fast(entering.get(), "ahead_in")));
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); i++) {
      PyObject* k = PySequence_Fast_GET_ITEM(seq.get(), i);
      judge(install_key(k), PyTuple_GET_ITEM(k, 0), edge_kind_code(PyTuple_GET_ITEM(k, 1)), PyTuple_GET_ITEM(k, 2),
            unrestated.get());
    }
    for (NodeIdx n : far_nodes) known(n).keys[0] |= ahead_in;
  }
  if (found_handles.get() != Py_None && PyDict_Check(found_handles.get())) {
    pos = 0;
    while (PyDict_Next(found_handles.get(), &pos, &key, &value)) {
      Known& k = known(named(key));
      Py_INCREF(value);
      Py_XDECREF(k.handle);
      k.handle = value;
    }
  }
  for (NodeIdx n : read.need) {
    known(n).keys[out] |= kinds;
    if (props) known(n).props[out] |= kinds;
  }
}

}  // namespace lm
