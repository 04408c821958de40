// Python values into the wire form (native/core/wire.h): what graph.core.mutations.encode and the
// ingesters' props hand over.
#pragma once

#include "py.h"

#include "wire.h"

namespace lm {

// A str's index in the table (by its identity when the table keeps them); TypeError for anything else.
uint32_t ref_object(WireStrings& strings, PyObject* s);

MapWriter& set_py(MapWriter& map, const Key& key, PyObject* value, const char* where = "a property");
// {**map, **mapping}
MapWriter& merge_py(MapWriter& map, PyObject* mapping, const char* where = "props");

}  // namespace lm
