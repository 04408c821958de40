// The reads a lineage answer's node facts ask of a remote store (native/core/node_facts.cc: its
// found_only edges() reads and its FactsRead), and the installing of their answer in the mirror.
//
// The facts read thousands of edges at the answer's own nodes whose far ends are mostly the answer's
// nodes again: the store (graph.stores.neo4j.facts_reads) is given the nodes as a table of ids and
// the handles the query's reads gave, and answers with their places in it, naming by id only the
// far ends the table lacks. Rows are installed from places and ids as the driver made them: no
// Python Node or Edge a row, no string looked up for a node the table holds.
#include "remote_source.h"

#include "pyrecords.h"
#include "pytypes.h"

#include <unordered_map>
#include <utility>

namespace lm {

namespace {

// The places of ``nodes`` in the table (added there when new), as a Python list.
PyObject* places_of(const std::vector<NodeIdx>& nodes, std::unordered_map<NodeIdx, uint32_t>& place,
                    std::vector<NodeIdx>& table) {
  PyRef list(check(PyList_New(Py_ssize_t(nodes.size()))));
  for (size_t i = 0; i < nodes.size(); i++) {
    auto [at, added] = place.try_emplace(nodes[i], uint32_t(table.size()));
    if (added) table.push_back(nodes[i]);
    PyList_SET_ITEM(list.get(), Py_ssize_t(i), check(PyLong_FromUnsignedLong(at->second)));
  }
  return list.release();
}

}  // namespace

void RemoteSource::edges_batch(const std::vector<EdgeRead>& reads, const FactsRead& facts) {
  if (!reads_batches_) return;
  std::vector<EdgesRead> plain, found;
  for (const EdgeRead& r : reads) {
    EdgesRead read = edges_read(r.nodes, r.kinds, r.out, r.props, r.aliases, r.aliases ? kind_bit(kAliasOf) : 0,
                                r.names_only, r.whole);
    if (read.need.empty()) continue;
    // (found by places: its far ends' aliases both ways, or none ahead)
    read.found_only = r.found_only && r.names_only && !read.whole && !read.props &&
                      (read.ahead_in == 0 || read.ahead_in == kind_bit(kAliasOf));
    (read.found_only ? found : plain).push_back(std::move(read));
  }
  // The owners' edges asked of the nodes that do not hold them yet.
  std::vector<NodeIdx> owning;
  for (NodeIdx n : facts.owning) {
    if (n == kNone) continue;
    const Known& k = known(n);
    if (!(k.keys[1] & k.props[1] & kind_bit(kOwnedBy))) owning.push_back(n);
  }
  if ((!found.empty() || !facts.jobs.empty() || !facts.written.empty() || !owning.empty())) {
    read_facts(plain, found, facts, owning);
    return;
  }
  if (plain.empty()) return;
  PyRef requests(check(PyList_New(0)));
  for (const EdgesRead& read : plain) {
    PyRef request(edges_request(read));
    if (PyList_Append(requests.get(), request.get()) < 0) throw PyErrorSet{};
  }
  PyRef answered(check(PyObject_CallMethod(store_, "neighbourhoods", "O", requests.get())));
  PyRef seq(check(PySequence_Fast(answered.get(), "neighbourhoods")));
  if (size_t(PySequence_Fast_GET_SIZE(seq.get())) != plain.size())
    raise(PyExc_ValueError, "a store's neighbourhoods() answers one neighbourhood a request");
  for (size_t i = 0; i < plain.size(); i++) install_read(plain[i], PySequence_Fast_GET_ITEM(seq.get(), Py_ssize_t(i)));
}

void RemoteSource::read_facts(std::vector<EdgesRead>& plain, std::vector<EdgesRead>& found, const FactsRead& facts,
                              const std::vector<NodeIdx>& owning) {
  std::vector<NodeIdx> table;
  std::unordered_map<NodeIdx, uint32_t> place;
  PyRef asks(check(PyList_New(0)));
  for (const EdgesRead& read : found) {
    PyRef kinds(kinds_list(read.kinds)), at(places_of(read.need, place, table));
    PyRef ask(check(Py_BuildValue("(OsOO)", kinds.get(), read.out ? "out" : "in", at.get(),
                                  read.ahead ? Py_True : Py_False)));
    if (PyList_Append(asks.get(), ask.get()) < 0) throw PyErrorSet{};
  }
  PyRef requests(check(PyList_New(0)));
  for (const EdgesRead& read : plain) {
    PyRef request(edges_request(read));
    if (PyList_Append(requests.get(), request.get()) < 0) throw PyErrorSet{};
  }
  auto lean = [&](const std::vector<NodeIdx>& nodes) {
    std::vector<NodeIdx> some;
    for (NodeIdx n : nodes)
      if (n != kNone) some.push_back(n);
    return PyRef(places_of(some, place, table));
  };
  PyRef jobs(lean(facts.jobs)), written(lean(facts.written)), owning_at(lean(owning));
  // The table: each node's id, and its handle where a read of this query gave one.
  // The table: each node's id, its handle where a read of this query gave one, and whether its
  // ALIAS_OF edges both ways are held (a far end's aliases the found reads then do not read again).
  const Py_ssize_t size = Py_ssize_t(table.size());
  PyRef ids(check(PyList_New(size))), handles(check(PyList_New(size))), aliased(check(PyList_New(size)));
  for (size_t i = 0; i < table.size(); i++) {
    const Known& k = known(table[i]);
    PyList_SET_ITEM(ids.get(), Py_ssize_t(i), str_of(g.pool.view(g.node_id[table[i]])));
    PyObject* handle = k.state != kNamed && k.handle ? k.handle : Py_None;
    Py_INCREF(handle);
    PyList_SET_ITEM(handles.get(), Py_ssize_t(i), handle);
    PyObject* held = k.keys[0] & k.keys[1] & kind_bit(kAliasOf) ? Py_True : Py_False;
    Py_INCREF(held);
    PyList_SET_ITEM(aliased.get(), Py_ssize_t(i), held);
  }
  PyRef rows(check(PyObject_CallMethod(store_, "facts_read", "OOOOOOOO", ids.get(), handles.get(), aliased.get(),
                                       asks.get(), requests.get(), jobs.get(), written.get(), owning_at.get())));
  PyRef runs(attr(rows.get(), "runs")), owned(attr(rows.get(), "owned")), owners(attr(rows.get(), "owners"));
  install_runs(runs.get(), table);
  install_owned(owned.get(), owners.get(), table, owning);
  PyRef hold;
  PyRef read_rows(attr(rows.get(), "found"));
  auto [found_rows, found_count] = items(read_rows.get(), hold, "found rows");
  if (size_t(found_count) != found.size()) raise(PyExc_ValueError, "a store's facts_read() answers each found read");
  for (size_t i = 0; i < found.size(); i++) install_found(found[i], found_rows[i], table);
  PyRef hoods(attr(rows.get(), "neighbourhoods")), hold_hoods;
  auto [hood_rows, hood_count] = items(hoods.get(), hold_hoods, "neighbourhoods");
  if (size_t(hood_count) != plain.size()) raise(PyExc_ValueError, "a store's facts_read() answers each request");
  for (size_t i = 0; i < plain.size(); i++) install_read(plain[i], hood_rows[i]);
}

NodeIdx RemoteSource::at(const std::vector<NodeIdx>& table, PyObject* place_or_id) {
  if (PyUnicode_Check(place_or_id)) return named(place_or_id);
  size_t i = PyLong_AsSize_t(place_or_id);
  if (i == size_t(-1) && PyErr_Occurred()) throw PyErrorSet{};
  if (i >= table.size()) raise(PyExc_ValueError, "a facts row names a place beyond the table");
  return table[i];
}

void RemoteSource::install_found_ends(PyObject* ends) {
  PyRef seq, hold;
  auto [rows, count] = items(ends, seq, "found ends");
  for (Py_ssize_t i = 0; i < count; i++) {
    PyObject** item = row_items(rows[i], 4, hold, "found ends: [handle, id, kind, deleted] rows");
    if (item[2] == Py_None) continue;  // (not a node of ours: left named only, as install_read leaves it)
    NodeIdx n = named(item[1]);
    Known& k = known(n);
    if (k.state == kNamed) {  // (a node read earlier in the query stays as it was read)
      g.node_kind[n] = node_kind_code(item[2]);
      if (item[3] != Py_None) {  // its drop, which judges the job edges entering it (Graph::dropped)
        PyRef props(check(PyDict_New())), no_stamps(check(PyDict_New()));
        PyRef key(str_of(g.pool.view(g.keys.deleted)));
        if (PyDict_SetItem(props.get(), key.get(), item[3]) < 0) throw PyErrorSet{};
        g.set_record(n, record_from_py(g, props.get(), no_stamps.get(), false));
      }
      k.state = kFound;
    }
    if (k.handle == nullptr && item[0] != Py_None) {
      Py_INCREF(item[0]);
      k.handle = item[0];
    }
  }
}

void RemoteSource::install_found(const EdgesRead& read, PyObject* rows, const std::vector<NodeIdx>& table) {
  PyRef hold, seq, row;
  PyObject** parts = row_items(rows, 4, hold, "found rows: [edges, ends, aliases, sources]");
  install_found_ends(parts[1]);
  const bool typed = (read.kinds & (read.kinds - 1)) != 0;  // (several kinds: each row says its type)
  uint8_t only = 0;
  while (!typed && !(read.kinds & kind_bit(only))) only++;
  std::vector<NodeIdx> far;  // the far ends of ours, for the marks of their aliases
  auto [edges, count] = items(parts[0], seq, "found edges");
  for (Py_ssize_t i = 0; i < count; i++) {
    PyObject** item = row_items(edges[i], typed ? 4 : 3, row, "found edges: [place, far end, unrestated] rows");
    NodeIdx start = at(table, item[0]), end = at(table, item[1]);
    uint8_t code = typed ? edge_kind_code(item[3]) : only;
    NodeIdx s = read.out ? start : end, t = read.out ? end : start;
    EdgeIdx e = g.find_edge(s, code, t);
    if (e == kNone) e = g.add_edge(s, code, t, g.records.freeze(Draft(), true));
    if (kJobIo & kind_bit(code)) {
      int marked = PyObject_IsTrue(item[2]);
      if (marked < 0) throw PyErrorSet{};
      g.set_unrestated(e, marked == 1);
    }
    if (read.ahead && state(end) != kNamed) far.push_back(end);
  }
  if (read.ahead) {  // the ALIAS_OF edges at the far ends, both ways, their other ends found
    install_found_ends(parts[3]);
    PyRef keys;
    auto [aliases, alias_count] = items(parts[2], keys, "found aliases");
    for (Py_ssize_t i = 0; i < alias_count; i++) {
      PyObject** item = row_items(aliases[i], 2, row, "found aliases: [source, target] rows");
      NodeIdx s = at(table, item[0]), t = at(table, item[1]);
      if (g.find_edge(s, kAliasOf, t) == kNone) g.add_edge(s, kAliasOf, t, g.records.freeze(Draft(), true));
    }
    for (NodeIdx n : far) {
      known(n).keys[1] |= kind_bit(kAliasOf);
      known(n).keys[0] |= read.ahead_in;
    }
  }
  for (NodeIdx n : read.need) known(n).keys[read.out] |= read.kinds;
}

void RemoteSource::install_runs(PyObject* runs, const std::vector<NodeIdx>& table) {
  PyRef seq, hold, run_hold;
  auto [rows, count] = items(runs, seq, "runs");
  PyRef created_key(str_of("createdAt")), state_key(str_of("state")), no_stamps(check(PyDict_New()));
  for (Py_ssize_t i = 0; i < count; i++) {
    PyObject** item = row_items(rows[i], 2, hold, "runs: [job, run] rows");
    NodeIdx job = at(table, item[0]), r = kNone;
    if (item[1] != Py_None) {
      PyObject** run = row_items(item[1], 4, run_hold, "a run: [id, kind, createdAt, state]");
      if (run[1] != Py_None) {  // (a run not of ours is none)
        r = named(run[0]);
        if (state(r) == kNamed) {  // (a run read earlier in the query stays as it was read)
          PyRef props(check(PyDict_New()));
          if ((run[2] != Py_None && PyDict_SetItem(props.get(), created_key.get(), run[2]) < 0) ||
              (run[3] != Py_None && PyDict_SetItem(props.get(), state_key.get(), run[3]) < 0))
            throw PyErrorSet{};
          g.node_kind[r] = node_kind_code(run[1]);
          g.set_record(r, record_from_py(g, props.get(), no_stamps.get(), false));
        }
      }
    }
    runs_[job] = r;
  }
}

void RemoteSource::install_owned(PyObject* owned, PyObject* owners, const std::vector<NodeIdx>& table,
                                 const std::vector<NodeIdx>& asked) {
  if (!PyDict_Check(owners)) raise(PyExc_TypeError, "a store's owners answer a dict");
  std::unordered_map<std::string, NodeIdx> by_handle;
  Py_ssize_t pos = 0;
  PyObject *key, *value;
  std::string spill;
  while (PyDict_Next(owners, &pos, &key, &value)) {
    if (!PyUnicode_Check(key)) raise(PyExc_TypeError, "owners are given by their handles (str)");
    // (an owner not of ours: its id, the node left named only, as an edge read by id leaves it)
    by_handle.emplace(std::string(utf8_of(key, spill)), PyUnicode_Check(value) ? named(value) : install_node(value, kWhole));
  }
  PyRef lists, hold, list_hold, nodes_hold, pair_hold;
  auto [groups, count] = items(owned, lists, "owned");
  PyRef no_stamps(check(PyDict_New()));
  const uint8_t code = kOwnedBy;
  std::vector<std::pair<NodeIdx, Record*>> ends;  // a list's owners and their edges' records
  for (Py_ssize_t i = 0; i < count; i++) {
    PyObject** group = row_items(groups[i], 2, hold, "owned: (owners, places) pairs");
    auto [pairs, pair_count] = items(group[0], list_hold, "owners");
    auto [places, place_count] = items(group[1], nodes_hold, "places");
    ends.clear();
    for (Py_ssize_t k = 0; k < pair_count; k++) {
      PyObject** pair = row_items(pairs[k], 2, pair_hold, "owners: (handle, type) pairs");
      if (!PyUnicode_Check(pair[0])) raise(PyExc_TypeError, "owners are named by their handles (str)");
      auto owner = by_handle.find(std::string(utf8_of(pair[0], spill)));
      if (owner == by_handle.end()) raise(PyExc_ValueError, "an owner not among the owners met");
      PyRef props(check(PyDict_New()));
      if (pair[1] != Py_None && PyDict_SetItemString(props.get(), "type", pair[1]) < 0) throw PyErrorSet{};
      ends.emplace_back(owner->second, record_from_py(g, props.get(), no_stamps.get(), true));
    }
    for (Py_ssize_t k = 0; k < place_count; k++) {
      NodeIdx n = at(table, places[k]);
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

}  // namespace lm
