// Property values from and to Python objects (native/core/values.h holds their encoding).
#pragma once

#include "py.h"

#include "values.h"

namespace lm {

// The Python object of a value; advances ``p`` past it.
PyObject* value_to_py(const uint8_t*& p, const StringPool& pool);

// Encode a Python value (JSON types: None, bool, int, float, str, list/tuple, dict with str keys;
// and as their JSON text, as orjson writes them, enums, dates, times and UUIDs). NaN and
// infinities become None, as JSON has no such numbers. Anything else is a TypeError naming
// ``where``.
// ``depth``: how deep the value sits in one being encoded (a list's items written one by one).
void value_from_py(PyObject* o, StringSink& sink, Bytes& out, const char* where, int depth = 0);

}  // namespace lm
