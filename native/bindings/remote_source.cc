#include "remote_source.h"

#include "pyrecords.h"
#include "pytypes.h"

#include <algorithm>
#include <initializer_list>
#include <unordered_map>
#include <utility>

namespace lm {

namespace {

PyObject* attr(PyObject* o, const char* name) { return check(PyObject_GetAttrString(o, name)); }

PyObject* kinds_list(uint32_t kinds) {
  PyRef list(check(PyList_New(0)));
  for (uint8_t k = 0; k < kEdgeKinds; k++)
    if (kinds & kind_bit(k) && PyList_Append(list.get(), py.edge_kind[k]) < 0) throw PyErrorSet{};
  return list.release();
}

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

// store.neighbourhood(NeighbourhoodRequest(**fields)).
PyObject* read_neighbourhood(PyObject* store, std::initializer_list<std::pair<const char*, PyObject*>> fields) {
  PyRef request(neighbourhood_request(fields));
  return check(PyObject_CallMethod(store, "neighbourhood", "O", request.get()));
}

}  // namespace

RemoteSource::RemoteSource(std::unique_ptr<Graph> mirror, PyObject* store, PyObject* summary, PyObject* names,
                           bool read_ahead)
    : Source(*mirror),
      mirror_(std::move(mirror)),
      store_(store),
      summary_props_(summary),
      name_props_(summary == Py_None || names == Py_None ? summary : names),
      read_ahead_(read_ahead),
      reads_summaries_(summary != Py_None && PyObject_HasAttrString(store, "node_summaries")),
      reads_newest_(PyObject_HasAttrString(store, "newest")),
      reads_soon_(reads_newest_ && PyObject_HasAttrString(store, "soon")),
      reads_batches_(PyObject_HasAttrString(store, "neighbourhoods")),
      reads_facts_(reads_batches_ && PyObject_HasAttrString(store, "facts_batch") &&
                   PyObject_HasAttrString(store, "newest")),
      reads_around_(PyObject_HasAttrString(store, "lookup_around")) {
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
  lean = lean && reads_summaries_;
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
  if (!reads_soon_ || soon_.future != nullptr) return;
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
  if (!reads_newest_) return false;
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
  // A store without a lookup of its own reads every edge with its record.
  records = reads_around_ ? records & kinds : kinds;
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
  PyRef read;
  if (reads_around_) {
    PyRef handles(check(PyDict_New()));  // the nodes a walk read, sought by the handles it was given
    for (NodeIdx n : need)
      if (known_[n].handle) {
        PyRef id(str_of(g.pool.view(g.node_id[n])));
        if (PyDict_SetItem(handles.get(), id.get(), known_[n].handle) < 0) throw PyErrorSet{};
      }
    PyRef records_arg(kinds_list(records));
    read = PyRef(check(PyObject_CallMethod(store_, "lookup_around", "OOOO", ids.get(), kinds_arg.get(),
                                           records_arg.get(),
                                           PyDict_GET_SIZE(handles.get()) ? handles.get() : Py_None)));
  } else {
    PyRef both(check(PyUnicode_FromString("both")));
    read = PyRef(read_neighbourhood(store_, {{"ids", ids.get()}, {"kinds", kinds_arg.get()}, {"direction", both.get()}}));
  }
  PyRef edges(attr(read.get(), "edges")), far(attr(read.get(), "nodes")), unrestated(attr(read.get(), "unrestated"));
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(far.get(), &pos, &key, &value)) install_node(value, kWhole);
  PyRef edge_seq(check(PySequence_Fast(edges.get(), "edges")));
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(edge_seq.get()); i++) {
    PyObject* edge = PySequence_Fast_GET_ITEM(edge_seq.get(), i);
    PyRef kind(attr(edge, "kind"));
    install_edge(edge, (records & kind_bit(edge_kind_code(kind.get()))) != 0, unrestated.get());
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
                                {"ahead_in", ahead_in_arg.get()}});
}

void RemoteSource::edges(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, bool props, bool ahead,
                         uint32_t ahead_in, bool names_only) {
  EdgesRead read = edges_read(nodes, kinds, out, props, ahead, ahead_in, names_only, false);
  if (read.need.empty()) return;
  PyRef request(edges_request(read));
  PyRef found(check(PyObject_CallMethod(store_, "neighbourhood", "O", request.get())));
  install_read(read, found.get());
}

void RemoteSource::edges_batch(const std::vector<EdgeRead>& reads, const FactsRead& facts) {
  if (!reads_batches_) return;
  std::vector<EdgesRead> asked;
  PyRef requests(check(PyList_New(0)));
  PyRef found_only(check(PyList_New(0)));  // the indexes of the found_only reads in ``requests``
  for (const EdgeRead& r : reads) {
    EdgesRead read = edges_read(r.nodes, r.kinds, r.out, r.props, r.aliases, r.aliases ? kind_bit(kAliasOf) : 0,
                                r.names_only, r.whole);
    if (read.need.empty()) continue;
    read.found_only = reads_facts_ && r.found_only && r.names_only && !read.whole && !read.props;
    if (read.found_only) {
      PyRef index(check(PyLong_FromSize_t(asked.size())));
      if (PyList_Append(found_only.get(), index.get()) < 0) throw PyErrorSet{};
    }
    PyRef request(edges_request(read));
    if (PyList_Append(requests.get(), request.get()) < 0) throw PyErrorSet{};
    asked.push_back(std::move(read));
  }
  const bool with_facts = reads_facts_ && (!facts.empty() || PyList_GET_SIZE(found_only.get()) > 0);
  // The owners' edges asked of the nodes that do not hold them yet.
  std::vector<NodeIdx> owning;
  for (NodeIdx n : facts.owning) {
    if (n == kNone) continue;
    const Known& k = known(n);
    if (!(k.keys[1] & k.props[1] & kind_bit(kOwnedBy))) owning.push_back(n);
  }
  if (asked.empty() && !with_facts) return;
  PyRef found, found_reads;
  if (with_facts) {
    PyRef jobs(ids_of(facts.jobs)), written(ids_of(facts.written)), owning_ids(ids_of(owning));
    PyRef batch(check(PyObject_CallMethod(store_, "facts_batch", "OOOOO", requests.get(), jobs.get(), written.get(),
                                          owning_ids.get(), found_only.get())));
    found = PyRef(attr(batch.get(), "neighbourhoods"));
    found_reads = PyRef(attr(batch.get(), "found"));
    if (!PyDict_Check(found_reads.get())) raise(PyExc_TypeError, "a store's found reads answer a dict");
    PyRef runs(attr(batch.get(), "runs")), owned(attr(batch.get(), "owned")), owners(attr(batch.get(), "owners"));
    install_runs(runs.get());
    install_owned(owned.get(), owners.get(), owning);
  } else {
    found = PyRef(check(PyObject_CallMethod(store_, "neighbourhoods", "O", requests.get())));
  }
  PyRef seq(check(PySequence_Fast(found.get(), "neighbourhoods")));
  if (size_t(PySequence_Fast_GET_SIZE(seq.get())) != asked.size())
    raise(PyExc_ValueError, "a store's neighbourhoods() answers one neighbourhood a request");
  for (size_t i = 0; i < asked.size(); i++) {
    if (!asked[i].found_only) {
      install_read(asked[i], PySequence_Fast_GET_ITEM(seq.get(), Py_ssize_t(i)));
      continue;
    }
    PyRef index(check(PyLong_FromSize_t(i)));
    PyObject* read = PyDict_GetItemWithError(found_reads.get(), index.get());  // (borrowed)
    if (read == nullptr) {
      if (PyErr_Occurred()) throw PyErrorSet{};
      raise(PyExc_ValueError, "a store's facts batch answers each found-only read");
    }
    install_found(asked[i], read);
  }
}

void RemoteSource::install_runs(PyObject* runs) {
  if (!PyDict_Check(runs)) raise(PyExc_TypeError, "a store's runs answer a dict");
  Py_ssize_t pos = 0;
  PyObject *job, *run;
  while (PyDict_Next(runs, &pos, &job, &run)) {
    NodeIdx j = named(job), r = kNone;
    if (run != Py_None) {
      PyRef id(attr(run, "id"));
      r = named(id.get());
      if (state(r) == kNamed) {  // (a run read earlier in the query stays as it was read)
        PyRef kind(attr(run, "kind")), props(attr(run, "props")), stamps(attr(run, "stamps"));
        g.node_kind[r] = node_kind_code(kind.get());
        g.set_record(r, record_from_py(g, props.get(), stamps.get(), false));
      }
    }
    runs_[j] = r;
  }
}

void RemoteSource::install_owned(PyObject* owned, PyObject* owners, const std::vector<NodeIdx>& asked) {
  if (!PyDict_Check(owners)) raise(PyExc_TypeError, "a store's owners answer a dict");
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  while (PyDict_Next(owners, &pos, &key, &value)) install_node(value, kWhole);
  PyRef lists(check(PySequence_Fast(owned, "owned")));
  PyRef no_stamps(check(PyDict_New()));
  const uint8_t code = kOwnedBy;
  std::vector<std::pair<NodeIdx, Record*>> ends;  // a list's owners and their edges' records
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(lists.get()); i++) {
    PyObject* group = PySequence_Fast_GET_ITEM(lists.get(), i);
    if (!PyTuple_Check(group) || PyTuple_GET_SIZE(group) != 2) raise(PyExc_TypeError, "owned: (owners, nodes) pairs");
    PyRef list(check(PySequence_Fast(PyTuple_GET_ITEM(group, 0), "owners")));
    PyRef nodes(check(PySequence_Fast(PyTuple_GET_ITEM(group, 1), "nodes")));
    ends.clear();
    for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(list.get()); k++) {
      PyObject* pair = PySequence_Fast_GET_ITEM(list.get(), k);
      if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) raise(PyExc_TypeError, "owners: (id, type) pairs");
      PyRef props(check(PyDict_New()));
      PyObject* type = PyTuple_GET_ITEM(pair, 1);
      if (type != Py_None && PyDict_SetItemString(props.get(), "type", type) < 0) throw PyErrorSet{};
      ends.emplace_back(named(PyTuple_GET_ITEM(pair, 0)), record_from_py(g, props.get(), no_stamps.get(), true));
    }
    for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(nodes.get()); k++) {
      NodeIdx n = named(PySequence_Fast_GET_ITEM(nodes.get(), k));
      for (const auto& [owner, record] : ends) {
        EdgeIdx e = g.find_edge(n, code, owner);
        if (e == kNone) {
          g.records.incref(record);
          g.add_edge(n, code, owner, record);
        } else if (uint32_t held = known(n).props[1]; !((held | known(owner).props[0]) & kind_bit(code))) {
          // (an edge held with its whole record, read from either end, keeps it)
          g.records.incref(record);
          Record* old = g.edge_record[e];
          g.edge_record[e] = record;
          g.records.release(old);
        }
      }
    }
    for (const auto& end : ends) g.records.release(end.second);
  }
  for (NodeIdx n : asked) {
    known(n).keys[1] |= kind_bit(code);
    known(n).props[1] |= kind_bit(code);
  }
}

namespace {

// A row of a found read: a sequence of ``size`` items (PySequence_Fast of it, held by ``hold``).
PyObject** row_items(PyObject* row, Py_ssize_t size, PyRef& hold, const char* what) {
  hold = PyRef(check(PySequence_Fast(row, what)));
  if (PySequence_Fast_GET_SIZE(hold.get()) != size) raise(PyExc_ValueError, what);
  return PySequence_Fast_ITEMS(hold.get());
}

}  // namespace

void RemoteSource::install_found_ends(PyObject* ends, std::vector<NodeIdx>* installed) {
  PyRef seq(check(PySequence_Fast(ends, "found ends")));
  PyRef hold;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); i++) {
    PyObject** item = row_items(PySequence_Fast_GET_ITEM(seq.get(), i), 3, hold, "found ends: [id, kind, deleted] rows");
    if (item[1] == Py_None) continue;  // (not a node of ours: left named only, as install_read leaves it)
    NodeIdx n = named(item[0]);
    if (state(n) == kNamed) {  // (a node read earlier in the query stays as it was read)
      g.node_kind[n] = node_kind_code(item[1]);
      if (item[2] != Py_None) {  // its drop, which judges the job edges entering it (Graph::dropped)
        PyRef props(check(PyDict_New())), no_stamps(check(PyDict_New()));
        PyRef key(str_of(g.pool.view(g.keys.deleted)));
        if (PyDict_SetItem(props.get(), key.get(), item[2]) < 0) throw PyErrorSet{};
        g.set_record(n, record_from_py(g, props.get(), no_stamps.get(), false));
      }
      known(n).state = kFound;
    }
    if (installed) installed->push_back(n);
  }
}

void RemoteSource::install_found(const EdgesRead& read, PyObject* found) {
  PyRef hold, row;
  PyObject** parts = row_items(found, 5, hold, "a found read: [edges, ends, ahead, ahead_in, sources]");
  std::vector<NodeIdx> far_nodes;
  install_found_ends(parts[1], &far_nodes);
  // An edge by its key (its record left as held, or empty), a job edge marked restated or not.
  auto install = [&](PyObject* source, PyObject* kind, PyObject* target, PyObject* unrestated) {
    NodeIdx s = named(source), t = named(target);
    uint8_t code = edge_kind_code(kind);
    EdgeIdx e = g.find_edge(s, code, t);
    if (e == kNone) e = g.add_edge(s, code, t, g.records.freeze(Draft(), true));
    if (unrestated != nullptr && (kJobIo & kind_bit(code))) {
      int marked = PyObject_IsTrue(unrestated);
      if (marked < 0) throw PyErrorSet{};
      g.set_unrestated(e, marked == 1);
    }
  };
  PyRef edges(check(PySequence_Fast(parts[0], "found edges")));
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(edges.get()); i++) {
    PyObject** item = row_items(PySequence_Fast_GET_ITEM(edges.get(), i), 4, row, "found edges: 4-item rows");
    install(item[0], item[1], item[2], item[3]);
  }
  if (read.ahead) {
    PyRef ahead(check(PySequence_Fast(parts[2], "found ahead")));
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(ahead.get()); i++) {
      PyObject** item = row_items(PySequence_Fast_GET_ITEM(ahead.get(), i), 3, row, "found ahead: key rows");
      install(item[0], item[1], item[2], nullptr);
    }
    for (NodeIdx n : far_nodes) known(n).keys[1] |= kind_bit(kAliasOf);
  }
  if (read.ahead_in) {
    install_found_ends(parts[4], nullptr);
    PyRef entering(check(PySequence_Fast(parts[3], "found ahead_in")));
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(entering.get()); i++) {
      PyObject** item = row_items(PySequence_Fast_GET_ITEM(entering.get(), i), 4, row, "found ahead_in: 4-item rows");
      install(item[0], item[1], item[2], item[3]);
    }
    for (NodeIdx n : far_nodes) known(n).keys[0] |= read.ahead_in;
  }
  for (NodeIdx n : read.need) known(n).keys[read.out] |= read.kinds;
}

void RemoteSource::install_read(const EdgesRead& read, PyObject* found) {
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
