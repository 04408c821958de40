// graph.schema_history's observations of a batch, read from its wire form (pyobservations.cc).
#pragma once

#include "py.h"

namespace lm {

// [(dataset id, namespace, name, at, fields, origin run or None)] in the batch's order, or None
// for a batch the Python reader must read (it names a contract, or something unexpected).
PyObject* schema_observations(const uint8_t* data, size_t size);

}  // namespace lm
