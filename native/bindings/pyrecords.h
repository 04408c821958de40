// Records from the Python form every store speaks (graph.core.model's props and stamps dicts).
#pragma once

#include "py.h"

#include "graph.h"
#include "pyvalues.h"

namespace lm {

// A record's props / stamps as graph.core.model holds them (dicts of values / of stamps' text).
nb::object props_to_py(const StringPool& pool, const Record* r);
nb::object stamps_to_py(const StringPool& pool, const Record* r);

// A record of every stamped key, with its value where props has one (a key props holds without a
// stamp is stamped ""). ``share``: an equal record already held is returned instead.
Record* record_from_py(Graph& g, PyObject* props, PyObject* stamps, bool share);

// graph.core.model.Node / Edge of a graph's node or edge (``id``: the id's str when the caller has it).
nb::object node_to_py(const Graph& g, NodeIdx n, PyObject* id = nullptr);
nb::object edge_to_py(const Graph& g, EdgeIdx e);

// Property keys a caller reads: each key's string id in the pool and its Python str (which the
// answers' dicts then share, not one str per answer).
using KeysRead = std::vector<std::pair<StrId, PyObject*>>;

// node_to_py with only the properties (and their stamps) of ``keys``, in the record's order: a
// caller that compares a few properties of many nodes is not handed their whole records.
// ``strings``: the answer's strings, each made once. ``like``: a dict of values the caller holds;
// a property that is one's twin (same_as_py) is answered as that object, not made again.
nb::object node_to_py(const Graph& g, NodeIdx n, const KeysRead& keys, StrCache& strings, PyObject* like = nullptr);

}  // namespace lm
