// A JSON value as Python's ``repr`` writes the value ``json.loads`` makes of it: the event
// validator's messages quote instances and schemas this way, word for word as Python jsonschema
// did (``'x' is not of type 'object'``, ``{'name': 1} is not valid under any of the given schemas``).
#pragma once

#include <string>

#include "yyjson.h"

namespace lm {

// Appends ``repr(value)`` to ``out``; past ``most`` bytes of it, the rest is left out and "..."
// ends it (a whole 16 MB event would otherwise be quoted).
void python_repr(yyjson_val* value, std::string& out, size_t most = 2000);

// ``repr`` of a str (its UTF-8): quoted in ' (in " when it holds a ' and no "), with
// backslashes, quotes, control and non-printable characters escaped.
void python_repr_str(std::string_view text, std::string& out);

// ``repr`` of a float: the shortest digits that read back, ".0" on a whole number, an exponent
// (``1e+16``, ``1e-05``) beyond 16 digits left of the point or 4 zeros right of it.
void python_repr_float(double value, std::string& out);

}  // namespace lm
