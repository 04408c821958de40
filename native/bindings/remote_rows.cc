// A level read in summary form installed from the rows the store read
// (graph.stores.remote_reads.NeighbourhoodRows): a walk over a remote store reads thousands of far
// ends in summary form, and decoding each into a Python Node (its summary's JSON text into a dict)
// and then each Node into the mirror was most of what a large answer cost this process. Here a
// node's summary is parsed by the core's JSON reader straight into its record, and edges and keys
// are installed from their ids: no Python object made a row.
#include "remote_source.h"

#include "json_values.h"
#include "pyvalues.h"

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace lm {

namespace {

// The node kind the first of ``labels`` naming one names (kNodeKinds: none does).
uint8_t kind_of_labels(PyObject* labels) {
  PyRef hold;
  auto [names, count] = items(labels, hold, "a node's labels");
  std::string spill;
  for (Py_ssize_t i = 0; i < count; i++) {
    if (!PyUnicode_Check(names[i])) continue;
    std::string_view label = utf8_of(names[i], spill);
    for (uint8_t k = 0; k < kNodeKinds; k++)
      if (label == kNodeKindNames[k]) return k;
  }
  return kNodeKinds;
}

// The texts of a list of str (None: an empty list).
std::vector<std::string> texts_of(PyObject* names, const char* what) {
  std::vector<std::string> out;
  if (names == Py_None) return out;
  PyRef hold;
  auto [texts, count] = items(names, hold, what);
  std::string spill;
  for (Py_ssize_t i = 0; i < count; i++) {
    if (!PyUnicode_Check(texts[i])) raise(PyExc_TypeError, what);
    out.emplace_back(utf8_of(texts[i], spill));
  }
  return out;
}

bool holds(const std::vector<std::string>& names, std::string_view name) {
  for (const std::string& held : names)
    if (held == name) return true;
  return false;
}

// A type of graph.stores.remote_reads, imported once (held for the life of the process).
PyTypeObject* reads_type(const char* name) {
  PyRef module(check(PyImport_ImportModule("graph.stores.remote_reads")));
  PyObject* type = attr(module.get(), name);
  if (!PyType_Check(type)) raise(PyExc_TypeError, "graph.stores.remote_reads: not a type");
  return reinterpret_cast<PyTypeObject*>(type);
}

}  // namespace

bool RemoteSource::is_rows(PyObject* found) {
  static PyTypeObject* type = reads_type("NeighbourhoodRows");
  return PyObject_TypeCheck(found, type);
}

bool RemoteSource::is_keys(PyObject* found) {
  static PyTypeObject* type = reads_type("NeighbourhoodKeys");
  return PyObject_TypeCheck(found, type);
}

// What every far end of one read keeps of its summary, and the other properties it was read with.
struct RemoteSource::SummaryForm {
  std::vector<std::string> extras;  // the properties besides the summary, as each row's values
  std::vector<std::string> kept;    // the summary's properties kept
  bool all = true;                  // ... or all of them
};

NodeIdx RemoteSource::install_summary_row(PyObject* row, const SummaryForm& form, State wanted) {
  PyRef hold;
  PyObject** item = row_items(row, 5, hold, "far ends: [id, labels, summary, values, json keys] rows");
  PyObject* summary = item[2];
  if (summary == Py_None) return kNone;  // not a node of ours (left named only, as a Python read leaves it)
  uint8_t kind = kind_of_labels(item[1]);
  if (kind == kNodeKinds) return kNone;
  NodeIdx n = named(item[0]);
  if (known(n).state >= wanted) return n;  // a node read earlier in the query stays as it was read
  if (!PyUnicode_Check(summary)) raise(PyExc_TypeError, "a node's summary is JSON text");
  std::vector<StrId> held;
  PoolSink sink(g.pool, held);
  Bytes values;
  std::vector<std::pair<StrId, long>> entries;  // key, value offset
  std::string spill;
  JsonDocument document(utf8_of(summary, spill));
  yyjson_val* object = document.root();
  if (!yyjson_is_obj(object)) raise(PyExc_ValueError, "a node's summary is a JSON object");
  size_t i, count;
  yyjson_val *key, *value;
  yyjson_obj_foreach(object, i, count, key, value) {
    std::string_view name = json_text(key);
    if (yyjson_is_null(value) || (!form.all && !holds(form.kept, name))) continue;
    entries.push_back({g.pool.intern(name), long(values.size())});
    held.push_back(entries.back().first);
    encode_json(value, sink, values);
  }
  if (!form.extras.empty() && item[3] != Py_None) {
    PyRef values_hold;
    auto [extra, extra_count] = items(item[3], values_hold, "a node's values");
    if (size_t(extra_count) != form.extras.size()) raise(PyExc_ValueError, "a node's values, one a property read");
    std::vector<std::string> json_keys = texts_of(item[4], "a node's JSON keys");
    for (size_t e = 0; e < form.extras.size(); e++) {
      PyObject* v = extra[e];
      if (v == Py_None) continue;
      entries.push_back({g.pool.intern(form.extras[e]), long(values.size())});
      held.push_back(entries.back().first);
      if (holds(json_keys, form.extras[e]) && PyUnicode_Check(v)) {
        JsonDocument text(utf8_of(v, spill));
        encode_json(text.root(), sink, values);
      } else {
        value_from_py(v, sink, values, "a property");
      }
    }
  }
  Draft draft;  // (as record_from_py makes a record of props without stamps: each stamped "")
  for (auto& [k, at] : entries) {
    Stamp s = stamp_of("", g.pool);
    held.push_back(StrId(s >> 4));
    draft.entries.push_back(Entry{k, s, values.data() + at});
  }
  Record* record = g.records.freeze(draft, false);
  for (StrId id : held) g.pool.decref(id);
  g.node_kind[n] = kind;
  g.set_record(n, record);
  known(n).state = wanted;
  return n;
}

EdgeIdx RemoteSource::install_row_key(PyObject* row, bool marked, bool judged) {
  PyRef hold;
  PyObject** item = row_items(row, 3, hold, "edges: [source, type, target] rows");
  if (!PyUnicode_Check(item[1])) raise(PyExc_TypeError, "an edge's type is str");
  std::string spill;
  std::string_view type = utf8_of(item[1], spill);
  uint8_t code = kEdgeKinds;
  for (uint8_t k = 0; k < kEdgeKinds; k++)
    if (type == kEdgeKindNames[k]) code = k;
  if (code == kEdgeKinds) raise(PyExc_ValueError, "an edge of no known type");
  NodeIdx s = named(item[0]), t = named(item[2]);
  EdgeIdx e = g.find_edge(s, code, t);
  if (e == kNone) e = g.add_edge(s, code, t, g.records.freeze(Draft(), true));
  if (judged && (kJobIo & kind_bit(code))) g.set_unrestated(e, marked);
  return e;
}

void RemoteSource::install_keys(PyObject* rows, const char* what) {
  PyRef hold;
  auto [keys, count] = items(rows, hold, what);
  for (Py_ssize_t i = 0; i < count; i++) install_row_key(keys[i], false, false);
}

void RemoteSource::install_marked_keys(PyObject* rows, const char* what) {
  PyRef hold, row;
  auto [keys, count] = items(rows, hold, what);
  for (Py_ssize_t i = 0; i < count; i++) {
    PyObject** item = row_items(keys[i], 4, row, what);
    int marked = PyObject_IsTrue(item[3]);
    if (marked < 0) throw PyErrorSet{};
    install_row_key(keys[i], marked == 1, true);
  }
}

void RemoteSource::install_rows(const EdgesRead& read, PyObject* found) {
  PyRef rows(attr(found, "rows")), extras(attr(found, "extras")), kept(attr(found, "kept"));
  SummaryForm form;
  form.extras = texts_of(extras.get(), "the values' properties");
  form.all = kept.get() == Py_None;
  form.kept = texts_of(kept.get(), "the summary's properties kept");
  PyRef hold, part, row;
  PyObject** parts = row_items(rows.get(), 7, hold,
                            "neighbourhood rows: [edges, far ends, ahead, handles, entering, sources, handles]");
  const State far_state = read.names_only ? kNames : kSummary;
  std::vector<NodeIdx> far_nodes;
  auto [ends, end_count] = items(parts[1], part, "far ends");
  for (Py_ssize_t i = 0; i < end_count; i++) {
    NodeIdx n = install_summary_row(ends[i], form, far_state);
    if (n != kNone) far_nodes.push_back(n);
  }
  install_marked_keys(parts[0], "edges: [source, type, target, mark] rows");
  if (read.ahead) {
    install_keys(parts[2], "ahead keys: [source, type, target] rows");
    for (NodeIdx n : far_nodes) known(n).keys[1] |= kind_bit(kAliasOf);
  }
  if (read.ahead_in) {
    auto [sources, source_count] = items(parts[5], part, "sources");
    for (Py_ssize_t i = 0; i < source_count; i++) install_summary_row(sources[i], form, far_state);
    install_marked_keys(parts[4], "entering keys: [source, type, target, unrestated] rows");
    for (NodeIdx n : far_nodes) known(n).keys[0] |= read.ahead_in;
  }
  for (auto [nodes_at, handles_at] : {std::pair{1, 3}, std::pair{5, 6}}) {  // the far ends', then the sources'
    PyRef nodes_hold, handles_hold;
    auto [nodes, node_count] = items(parts[nodes_at], nodes_hold, "far ends");
    auto [handles, handle_count] = items(parts[handles_at], handles_hold, "handles");
    for (Py_ssize_t i = 0; i < node_count && i < handle_count; i++) {
      PyObject** item = row_items(nodes[i], 1, row, "far ends");
      Known& k = known(named(item[0]));
      Py_INCREF(handles[i]);
      Py_XDECREF(k.handle);
      k.handle = handles[i];
    }
  }
  for (NodeIdx n : read.need) known(n).keys[read.out] |= read.kinds;
}

}  // namespace lm
