// Python mutations (graph.core.mutations' UpsertNode/UpsertEdge) to and from the wire form
// (native/core/batch.h).
#pragma once

#include "batch.h"
#include "py.h"

namespace lm {

// graph.core.mutations.encode: Python mutations to wire bytes.
nb::bytes encode_mutations(nb::handle mutations);

// graph.core.mutations.decode: wire bytes to Python mutations, equal props as one shared dict.
nb::list decode_mutations(const uint8_t* data, size_t size);

}  // namespace lm
