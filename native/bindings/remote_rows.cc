// A level read in summary form installed from the rows the store read
// (graph.stores.remote_reads.NeighbourhoodRows): a walk over a remote store reads thousands of far
// ends in summary form, and decoding each into a Python Node (its summary's JSON text into a dict)
// and then each Node into the mirror was most of what a large answer cost this process. Here a
// node's summary is parsed by the core (summary_record) straight into its record, and edges and
// keys are installed from their ids: no Python object made a row.
#include "remote_source.h"

#include "json_values.h"
#include "pyvalues.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace lm {

namespace {

// The kind a name (a str) names among ``names`` (``count``: none does).
template <size_t N>
uint8_t code_of(PyObject* name, const char* const (&names)[N], size_t count) {
  if (!PyUnicode_Check(name)) return uint8_t(count);
  std::string spill;
  return uint8_t(std::find(names, names + count, utf8_of(name, spill)) - names);
}

// The texts of a list of str (None: an empty list).
std::vector<std::string> texts_of(PyObject* names, const char* what) {
  std::vector<std::string> out;
  if (names == Py_None) return out;
  std::string spill;
  for (PyObject* text : Items(names, what)) {
    if (!PyUnicode_Check(text)) raise(PyExc_TypeError, what);
    out.emplace_back(utf8_of(text, spill));
  }
  return out;
}

// A type of graph.stores.remote_reads, imported once (held for the life of the process).
PyTypeObject* reads_type(const char* name) {
  nb::object type = nb::module_::import_("graph.stores.remote_reads").attr(name);
  if (!PyType_Check(type.ptr())) raise(PyExc_TypeError, "graph.stores.remote_reads: not a type");
  return reinterpret_cast<PyTypeObject*>(type.release().ptr());
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

}  // namespace

bool is_rows(PyObject* found) {
  static PyTypeObject* type = reads_type("NeighbourhoodRows");
  return PyObject_TypeCheck(found, type);
}

bool is_keys(PyObject* found) {
  static PyTypeObject* type = reads_type("NeighbourhoodKeys");
  return PyObject_TypeCheck(found, type);
}

NodeIdx RemoteSource::install_summary_row(PyObject* row, const SummaryForm& form, HeldAs wanted) {
  Row item(row, 5, "far ends: [id, labels, summary, values, json keys] rows");
  PyObject* summary = item[2];
  if (summary == Py_None) return kNone;  // not a node of ours (left named only, as a Python read leaves it)
  uint8_t kind = kNodeKinds;  // (the first of its labels naming one)
  for (PyObject* label : Items(item[1], "a node's labels"))
    if ((kind = code_of(label, kNodeKindNames, kNodeKinds)) != kNodeKinds) break;
  if (kind == kNodeKinds) return kNone;
  NodeIdx n = named(item[0]);
  if (!wants(n, wanted)) return n;  // a node read earlier in the query stays as it was read
  if (!PyUnicode_Check(summary)) raise(PyExc_TypeError, "a node's summary is JSON text");
  std::string spill;
  if (form.extras.empty() || item[3] == Py_None) {
    Extras none(form, nullptr, {});
    fill(n, kind, summary_record(g, utf8_of(summary, spill), form, none), wanted);
    return n;
  }
  Items values(item[3], "a node's values");
  if (size_t(values.size()) != form.extras.size()) raise(PyExc_ValueError, "a node's values, one a property read");
  Extras extras(form, PySequence_Fast_ITEMS(values.sequence()), texts_of(item[4], "a node's JSON keys"));
  fill(n, kind, summary_record(g, utf8_of(summary, spill), form, extras), wanted);
  return n;
}

void RemoteSource::install_keys(PyObject* rows, bool marks, const char* what) {
  for (PyObject* row : Items(rows, what)) {
    Row item(row, marks ? 4 : 3, marks ? what : "edges: [source, type, target] rows");
    if (!PyUnicode_Check(item[1])) raise(PyExc_TypeError, "an edge's type is str");
    uint8_t code = code_of(item[1], kEdgeKindNames, kEdgeKinds);
    if (code == kEdgeKinds) raise(PyExc_ValueError, "an edge of no known type");
    EdgeIdx e = edge(named(item[0]), code, named(item[2]));
    if (marks) mark(e, truth(item[3]));
  }
}

void RemoteSource::install_rows(const EdgesRead& read, PyObject* found) {
  SummaryForm form;
  form.extras = texts_of(attr(found, "extras").ptr(), "the values' properties");
  nb::object kept = attr(found, "kept");
  form.all = kept.is_none();
  form.kept = texts_of(kept.ptr(), "the summary's properties kept");
  Row parts(attr(found, "rows"), 7, "neighbourhood rows: [edges, far ends, ahead, handles, entering, sources, handles]");
  std::vector<NodeIdx> far;
  for (PyObject* row : Items(parts[1], "far ends"))
    if (NodeIdx n = install_summary_row(row, form, read.far()); n != kNone) far.push_back(n);
  install_keys(parts[0], true, "edges: [source, type, target, mark] rows");
  if (read.ahead) install_keys(parts[2], false, "ahead keys: [source, type, target] rows");
  if (read.ahead_in) {
    for (PyObject* row : Items(parts[5], "sources")) install_summary_row(row, form, read.far());
    install_keys(parts[4], true, "entering keys: [source, type, target, unrestated] rows");
  }
  for (auto [nodes_at, handles_at] : {std::pair{1, 3}, std::pair{5, 6}}) {  // the far ends', then the sources'
    Items nodes(parts[nodes_at], "far ends"), handles(parts[handles_at], "handles");
    for (Py_ssize_t i = 0; i < nodes.size() && i < handles.size(); i++)
      set_handle(named(Row(nodes[i], 1, "far ends")[0]), token(handles[i]));
  }
  far_held(read, far);
}

}  // namespace lm
