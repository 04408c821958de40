// Python mutations (graph.mutations' UpsertNode/UpsertEdge) to and from the wire form
// (native/core/batch.h).
#pragma once

#include "py.h"

namespace lm {

// graph.mutations.encode: Python mutations to wire bytes.
PyObject* encode_mutations(PyObject* mutations);

// graph.mutations.decode: wire bytes to Python mutations, equal props as one shared dict.
PyObject* decode_mutations(const uint8_t* data, size_t size);

}  // namespace lm
