// Graph.first_of_kind: per prefix, the first node of a kind by id among those whose ids start
// with it (graph.stores.Store.first_of_kind). Schema history asks it for the newest version of
// every dataset a batch observes (version ids sort newest first per dataset): one call a batch,
// answering only the properties it compares, where a ``nodes_of_kind`` per dataset made each
// version's whole record into Python objects (~19 µs a dataset on the 20k mesh's re-run). Its
// caller may say what it holds of each (``like``): a re-run restates most schemas as they are,
// and a version's fields equal to the observed ones are answered as those, not made again.
// Graph.first_holding: whether each prefix's first node holds a given value (a twin of it; None
// where there is no such node), and nothing made: the history asks it first for the datasets it
// holds no version of yet, and a re-run's unchanged schemas then need no answer at all.
#include "py.h"

#include <optional>

#include "pylock.h"
#include "pymodule.h"
#include "pyobservations.h"
#include "pyrecords.h"
#include "pytypes.h"
#include "pyvalues.h"

namespace lm {

// The kind's id order, brought up to date (which needs the graph alone, pylock.h).
const IdOrder& current_order(Graph& g, PyObject* kind) {
  uint8_t code = node_kind_code(kind);
  IdOrder& order = g.id_order[code];
  if (!order.current(g.nodes_of_kind[code].size())) {
    if (!held_now.alone) throw NeedsExclusive{};  // read again with the graph alone
    order.catch_up(g, g.nodes_of_kind[code]);
  }
  return order;
}

nb::dict graph_first_of_kind(Graph& g, PyObject* kind, PyObject* prefixes, PyObject* keys, PyObject* like) {
  const IdOrder& order = current_order(g, kind);
  std::string spill;
  KeysRead read;  // a key no string of the pool spells is in no record
  std::optional<Items> key_list;  // holds the keys ``read`` borrows
  if (keys != Py_None) {
    for (PyObject* key : key_list.emplace(keys, "keys must be iterable")) {
      if (!PyUnicode_Check(key)) raise(PyExc_TypeError, "property keys are str");
      StrId id = g.pool.find(utf8_of(key, spill));
      if (id != kNone) read.emplace_back(id, key);
    }
  }
  Items seq(prefixes, "prefixes must be iterable");
  std::optional<Items> held;  // like: per prefix, a dict of the values its caller holds (or None)
  if (like != Py_None) {
    if (keys == Py_None) raise(PyExc_TypeError, "like is for a read of some keys");
    if (held.emplace(like, "like must be iterable").size() != seq.size())
      raise(PyExc_ValueError, "like must hold one item per prefix");
  }
  nb::dict out;
  StrCache strings;  // the answers' strings, each made once
  for (Py_ssize_t i = 0; i < seq.size(); i++) {
    PyObject* prefix = seq[i];
    if (!PyUnicode_Check(prefix)) raise(PyExc_TypeError, "prefixes are str");
    std::string_view text = utf8_of(prefix, spill);
    NodeIdx first = order.first_under(g, text);
    if (first == kNone) continue;
    PyObject* these = held ? (*held)[i] : Py_None;
    if (these != Py_None && !PyDict_Check(these)) raise(PyExc_TypeError, "like holds dicts or None");
    out[prefix] = nb::steal(keys == Py_None ? node_to_py(g, first)
                                            : node_to_py(g, first, read, strings, these == Py_None ? nullptr : these));
  }
  return out;
}

namespace {

// Per prefix, whether its first node of ``kind`` holds at ``key`` what ``holds(i, item, stored)``
// says of the stored value (True/False), or None where no node starts with it; ``given``: one item
// per prefix (the values, or the observations' indexes), checked to be as many.
template <class Holds>
nb::list first_holding_each(Graph& g, PyObject* kind, PyObject* prefixes, PyObject* key, PyObject* given,
                            const char* what, Holds&& holds) {
  const IdOrder& order = current_order(g, kind);
  std::string spill;
  if (!PyUnicode_Check(key)) raise(PyExc_TypeError, "the property key is a str");
  StrId key_id = g.pool.find(utf8_of(key, spill));  // kNone: no record holds it
  Items seq(prefixes, "prefixes must be iterable"), items(given, what);
  if (items.size() != seq.size()) raise(PyExc_ValueError, std::string(what) + ", one per prefix");
  return list_of(size_t(seq.size()), [&](size_t i) {
    PyObject* prefix = seq[Py_ssize_t(i)];
    if (!PyUnicode_Check(prefix)) raise(PyExc_TypeError, "prefixes are str");
    NodeIdx first = order.first_under(g, utf8_of(prefix, spill));
    if (first == kNone) return Py_NewRef(Py_None);  // no node starts with the prefix
    const uint8_t* stored = key_id == kNone ? nullptr : g.node_value(first, key_id);
    return PyBool_FromLong(stored != nullptr && *stored != kAbsent && holds(i, items[Py_ssize_t(i)], stored));
  });
}

}  // namespace

nb::list graph_first_holding(Graph& g, PyObject* kind, PyObject* prefixes, PyObject* key, PyObject* values) {
  StrCache strings;
  return first_holding_each(g, kind, prefixes, key, values, "values must be iterable",
                            [&](size_t, PyObject* value, const uint8_t* stored) {
                              return same_as_py(stored, g.pool, value, strings);
                            });
}

nb::list graph_first_holding_observed(Graph& g, PyObject* kind, PyObject* prefixes, PyObject* key,
                                      const ObservedSchemas& observed, PyObject* indices) {
  Items asked(indices, "indices must be iterable");
  std::vector<size_t> at;  // each names one (IndexError), whether its prefix has a node or not
  for (PyObject* index : asked) at.push_back(observed.index(index));
  return first_holding_each(g, kind, prefixes, key, asked.sequence(), "indices must be iterable",
                            [&](size_t i, PyObject*, const uint8_t* stored) {
                              return observed.schemas.fields_held(at[i], stored, g.pool);
                            });
}

}  // namespace lm
