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

#include "graph_reads.h"
#include "pylock.h"
#include "pymodule.h"
#include "pyobservations.h"
#include "pyrecords.h"
#include "pytypes.h"
#include "pyvalues.h"

namespace lm {

namespace {

nb::dict graph_first_of_kind(Graph& g, NodeKindCode kind, nb::handle prefixes, nb::handle keys, nb::handle like) {
  const IdOrder& order = current_order(g, kind, held_now.alone);
  KeysRead read;  // a key no string of the pool spells is in no record
  std::optional<IdTexts> key_list;  // holds the keys ``read`` borrows
  if (!keys.is_none()) {
    key_list = IdTexts::read(keys, "keys must be iterable", "property keys are str");
    for (size_t i = 0; i < key_list->texts.size(); i++) {
      StrId id = g.pool.find(key_list->texts[i]);
      if (id != kNone) read.emplace_back(id, key_list->objects[i].ptr());
    }
  }
  IdTexts seq = IdTexts::read(prefixes, "prefixes must be iterable", "prefixes are str");
  std::optional<Items> held;  // like: per prefix, a dict of the values its caller holds (or None)
  if (!like.is_none()) {
    if (keys.is_none()) raise(PyExc_TypeError, "like is for a read of some keys");
    if (size_t(held.emplace(like, "like must be iterable").size()) != seq.texts.size())
      raise(PyExc_ValueError, "like must hold one item per prefix");
  }
  nb::dict out;
  StrCache strings;  // the answers' strings, each made once
  for (size_t i = 0; i < seq.texts.size(); i++) {
    NodeIdx first = order.first_under(g, seq.texts[i]);
    if (first == kNone) continue;
    PyObject* these = held ? (*held)[Py_ssize_t(i)] : Py_None;
    if (these != Py_None && !PyDict_Check(these)) raise(PyExc_TypeError, "like holds dicts or None");
    out[seq.objects[i]] = keys.is_none() ? node_to_py(g, first)
                                         : node_to_py(g, first, read, strings, these == Py_None ? nullptr : these);
  }
  return out;
}

// Per prefix, whether its first node of ``kind`` holds at ``key`` what ``holds(i, item, stored)``
// says of the stored value (True/False), or None where no node starts with it; ``given``: one item
// per prefix (the values, or the observations' indexes), checked to be as many.
template <class Holds>
nb::list first_holding_each(Graph& g, NodeKindCode kind, nb::handle prefixes, Text key, nb::handle given,
                            const char* what, Holds&& holds) {
  const IdOrder& order = current_order(g, kind, held_now.alone);
  StrId key_id = g.pool.find(key.view);  // kNone: no record holds it
  IdTexts seq = IdTexts::read(prefixes, "prefixes must be iterable", "prefixes are str");
  Items items(given, what);
  if (size_t(items.size()) != seq.texts.size()) raise(PyExc_ValueError, std::string(what) + ", one per prefix");
  return list_of(seq.texts.size(), [&](size_t i) {
    NodeIdx first = order.first_under(g, seq.texts[i]);
    if (first == kNone) return Py_NewRef(Py_None);  // no node starts with the prefix
    const uint8_t* stored = key_id == kNone ? nullptr : g.node_value(first, key_id);
    return PyBool_FromLong(stored != nullptr && *stored != kAbsent && holds(i, items[Py_ssize_t(i)], stored));
  });
}

nb::list graph_first_holding(Graph& g, NodeKindCode kind, nb::handle prefixes, Text key, nb::handle values) {
  StrCache strings;
  return first_holding_each(g, kind, prefixes, key, values, "values must be iterable",
                            [&](size_t, PyObject* value, const uint8_t* stored) {
                              return same_as_py(stored, g.pool, value, strings);
                            });
}

nb::list graph_first_holding_observed(Graph& g, NodeKindCode kind, nb::handle prefixes, Text key,
                                      const ObservedSchemas& observed, nb::handle indices) {
  Items asked(indices, "indices must be iterable");
  std::vector<size_t> at;  // each names one (IndexError), whether its prefix has a node or not
  for (PyObject* index : asked) at.push_back(observed.index(index));
  return first_holding_each(g, kind, prefixes, key, asked.sequence(), "indices must be iterable",
                            [&](size_t i, PyObject*, const uint8_t* stored) {
                              return observed.schemas.fields_held(at[i], stored, g.pool);
                            });
}

}  // namespace

void bind_firsts(nb::class_<Graph>& graph) {
  graph.def("first_of_kind", read_method(graph_first_of_kind), nb::arg(), nb::arg(), nb::arg() = nb::none(), nb::arg() = nb::none())
      .def("first_holding_observed", read_method(graph_first_holding_observed))
      .def("first_holding", read_method(graph_first_holding));
}

}  // namespace lm
