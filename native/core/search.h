// Store.search over the embedded graph (graph/stores/__init__.py states the order;
// test_lineage_conformance checks every store keeps it): the nodes of some kinds whose names
// contain a text, as Python's ``str(name).lower()`` reads them.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "graph.h"

namespace lm {

// ``str(value)`` of a name that is no string (a number, a list), as Python shows it: the caller's.
using ShownValue = std::function<std::string(const uint8_t* value)>;

// The first ``first`` nodes of the ``wanted`` kinds (their kind_bit) whose lower-cased name (python_lower) holds
// ``needle`` (lower-cased already): a name equal to it first, then names starting with it, then
// the rest; within each by name, then by id. A node without a name has the name "".
std::vector<NodeIdx> search_names(const Graph& g, std::string_view needle, uint32_t wanted, size_t first,
                                  const ShownValue& shown);

}  // namespace lm
