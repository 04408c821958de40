// The facts' reads of a remote store (MirrorStore::facts: a lineage answer's found_only edges()
// reads and its FactsRead), and the installing of their answer in the mirror.
//
// The facts read thousands of edges at the answer's own nodes whose far ends are mostly the answer's
// nodes again: the store (graph.stores.neo4j.facts_reads) is given the nodes as a table of ids and
// the handles the query's reads gave, and answers with their places in it, naming by id only the
// far ends the table lacks. Rows are installed from places and ids as the driver made them: no
// Python Node or Edge a row, no string looked up for a node the table holds.
#include "remote_source.h"

#include "pyrecords.h"
#include "pytypes.h"

#include <string>
#include <unordered_map>
#include <utility>

namespace lm {

namespace {

nb::list places_of(const std::vector<uint32_t>& places) {
  return list_of(places.size(), [&](size_t i) { return PyLong_FromUnsignedLong(places[i]); });
}

// A record of ``props`` (a dict) without stamps.
Record* record_of(Graph& g, const nb::dict& props, bool share) {
  return record_from_py(g, props.ptr(), nb::dict().ptr(), share);
}

}  // namespace

void RemoteSource::facts(MirrorSource&, const FactsAsk& ask, const std::vector<EdgesRead>& plain,
                         const std::vector<EdgesRead>& found) {
  nb::list asks, requests;
  for (size_t i = 0; i < found.size(); i++)
    asks.append(nb::make_tuple(kinds_list(found[i].kinds), found[i].out ? "out" : "in", places_of(ask.found[i]),
                               found[i].ahead));
  for (const EdgesRead& read : plain) requests.append(edges_request(read));
  // The table: each node's id, its handle where a read of this query gave one, and whether its
  // ALIAS_OF edges both ways are held (a far end's aliases the found reads then do not read again).
  nb::list handles = list_of(ask.table.size(), [&](size_t i) {
    return ask.handles[i] ? handles_[ask.handles[i] - 1] : nb::object(nb::none());
  });
  nb::list aliased = list_of(ask.table.size(), [&](size_t i) { return nb::bool_(ask.aliased[i]); });
  nb::object rows = store_.attr("facts_read")(ids_of(ask.table), handles, aliased, asks, requests,
                                              places_of(ask.jobs), places_of(ask.written), places_of(ask.owning));
  install_runs(attr(rows, "runs").ptr(), ask.table);
  install_owned(attr(rows, "owned").ptr(), attr(rows, "owners").ptr(), ask.table);
  Items found_rows(attr(rows, "found"), "found rows");
  if (size_t(found_rows.size()) != found.size()) raise(PyExc_ValueError, "a store's facts_read() answers each found read");
  for (size_t i = 0; i < found.size(); i++) install_found(found[i], found_rows[Py_ssize_t(i)], ask.table);
  Items hoods(attr(rows, "neighbourhoods"), "neighbourhoods");
  if (size_t(hoods.size()) != plain.size()) raise(PyExc_ValueError, "a store's facts_read() answers each request");
  for (size_t i = 0; i < plain.size(); i++) install_read(plain[i], hoods[Py_ssize_t(i)]);
}

NodeIdx RemoteSource::at(const std::vector<NodeIdx>& table, PyObject* place_or_id) {
  if (PyUnicode_Check(place_or_id)) return named(place_or_id);
  size_t i = PyLong_AsSize_t(place_or_id);
  if (i == size_t(-1) && PyErr_Occurred()) throw PyErrorSet{};
  if (i >= table.size()) raise(PyExc_ValueError, "a facts row names a place beyond the table");
  return table[i];
}

void RemoteSource::install_found_ends(PyObject* ends) {
  for (PyObject* row : Items(ends, "found ends")) {
    Row item(row, 4, "found ends: [handle, id, kind, deleted] rows");
    if (item[2] == Py_None) continue;  // (not a node of ours: left named only, as install_read leaves it)
    NodeIdx n = named(item[1]);
    if (found_wanted(n)) {  // (a node read earlier in the query stays as it was read)
      nb::dict drop;        // its drop, which judges the job edges entering it (Graph::dropped)
      if (item[3] != Py_None) drop[nb::steal(str_of(g.pool.view(g.keys.deleted)))] = nb::handle(item[3]);
      found_end(n, node_kind_code(item[2]), item[3] != Py_None ? record_of(g, drop, false) : nullptr);
    }
    if (handle(n) == 0 && item[0] != Py_None) set_handle(n, token(item[0]));
  }
}

void RemoteSource::install_found(const EdgesRead& read, PyObject* rows, const std::vector<NodeIdx>& table) {
  Row parts(rows, 4, "found rows: [edges, ends, aliases, sources]");
  install_found_ends(parts[1]);
  const bool typed = (read.kinds & (read.kinds - 1)) != 0;  // (several kinds: each row says its type)
  uint8_t only = 0;
  while (!typed && !(read.kinds & kind_bit(only))) only++;
  std::vector<NodeIdx> far;  // the far ends of ours, for the marks of their aliases
  for (PyObject* row : Items(parts[0], "found edges")) {
    Row item(row, typed ? 4 : 3, "found edges: [place, far end, unrestated] rows");
    uint8_t code = typed ? edge_kind_code(item[3]) : only;
    found_edge(read, at(table, item[0]), at(table, item[1]), code, (kJobIo & kind_bit(code)) && truth(item[2]), far);
  }
  if (read.ahead) {  // the ALIAS_OF edges at the far ends, both ways, their other ends found
    install_found_ends(parts[3]);
    for (PyObject* row : Items(parts[2], "found aliases")) {
      Row item(row, 2, "found aliases: [source, target] rows");
      edge(at(table, item[0]), kAliasOf, at(table, item[1]));
    }
  }
  found_held(read, far);
}

void RemoteSource::install_runs(PyObject* runs, const std::vector<NodeIdx>& table) {
  for (PyObject* row : Items(runs, "runs")) {
    Row item(row, 2, "runs: [job, run] rows");
    NodeIdx job = at(table, item[0]), r = kNone;
    if (item[1] != Py_None) {
      Row it(item[1], 4, "a run: [id, kind, createdAt, state]");
      if (it[1] != Py_None) {  // (a run not of ours is none)
        r = named(it[0]);
        if (found_wanted(r)) {  // (a run read earlier in the query stays as it was read)
          nb::dict props;
          if (it[2] != Py_None) props["createdAt"] = nb::handle(it[2]);
          if (it[3] != Py_None) props["state"] = nb::handle(it[3]);
          fill(r, node_kind_code(it[1]), record_of(g, props, false), kNamed);
        }
      }
    }
    run(job, r);
  }
}

void RemoteSource::install_owned(PyObject* owned, PyObject* owners, const std::vector<NodeIdx>& table) {
  std::unordered_map<std::string, NodeIdx> by_handle;
  std::string spill;
  for (auto [handle, owner] : dict_of(owners, "a store's owners answer a dict")) {
    if (!PyUnicode_Check(handle.ptr())) raise(PyExc_TypeError, "owners are given by their handles (str)");
    // (an owner not of ours: its id, the node left named only, as an edge read by id leaves it)
    by_handle.emplace(std::string(utf8_of(handle.ptr(), spill)),
                      PyUnicode_Check(owner.ptr()) ? named(owner.ptr()) : install_node(owner.ptr(), kWhole));
  }
  std::vector<std::pair<NodeIdx, Record*>> ends;  // a list's owners and their edges' records
  std::vector<NodeIdx> nodes;
  for (PyObject* group : Items(owned, "owned")) {
    Row pair(group, 2, "owned: (owners, places) pairs");
    ends.clear();
    nodes.clear();
    for (PyObject* owner : Items(pair[0], "owners")) {
      Row it(owner, 2, "owners: (handle, type) pairs");
      if (!PyUnicode_Check(it[0])) raise(PyExc_TypeError, "owners are named by their handles (str)");
      auto found = by_handle.find(std::string(utf8_of(it[0], spill)));
      if (found == by_handle.end()) raise(PyExc_ValueError, "an owner not among the owners met");
      nb::dict props;
      if (it[1] != Py_None) props["type"] = nb::handle(it[1]);
      ends.emplace_back(found->second, record_of(g, props, true));
    }
    for (PyObject* place : Items(pair[1], "places")) nodes.push_back(at(table, place));
    MirrorSource::owned(nodes, ends);
    for (const auto& end : ends) g.records.release(end.second);
  }
}

}  // namespace lm
