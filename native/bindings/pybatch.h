// Python mutations (graph.core.mutations' UpsertNode/UpsertEdge) to and from the wire form
// (native/core/batch.h).
#pragma once

#include <vector>

#include "batch.h"
#include "py.h"

namespace lm {

// graph.core.mutations.encode: Python mutations to wire bytes.
nb::bytes encode_mutations(nb::handle mutations);

// A part's strings as Python str, each made once, when first read.
struct PyStrings {
  const WireTable& table;
  std::vector<nb::object> made;
  PyStrings(const WireTable& table) : table(table), made(table.texts.size()) {}  // NOLINT
  nb::handle at(uint64_t i, const Reader& r) {  // borrowed
    std::string_view s = table.at(i, r);
    if (!made[size_t(i)]) made[size_t(i)] = nb::steal(str_of(s));
    return made[size_t(i)];
  }
};

// A value in the wire form (native/core/batch.h) as a Python object.
nb::object wire_to_py(Reader& r, PyStrings& strings, int depth);

// graph.core.mutations.decode: wire bytes to Python mutations, equal props as one shared dict.
nb::list decode_mutations(const uint8_t* data, size_t size);

}  // namespace lm
