// graph.change.schema_history's observations of a batch, read from its wire form (pyobservations.cc).
#pragma once

#include <memory>
#include <vector>

#include "observations.h"
#include "py.h"
#include "pyvalues.h"

namespace lm {

// A batch's schema observations (native/core/observations.h), read once and held with the payload
// they point into: what the schema history asks of them (which datasets at which stamps, whether a
// stored version states one's fields: ``schemas.fields_held``) answered without a Python object per
// field, and rows made only for those asked.
struct ObservedSchemas {
  explicit ObservedSchemas(nb::handle payload);  // not read yet

  size_t size() const { return schemas.observed.size(); }
  // The observation a Python int names (IndexError beyond them).
  size_t index(nb::handle o) const;

  const nb::object view;  // a memoryview of the payload: ``schemas`` reads it where it lies
  SchemaObservations schemas;
  mutable std::vector<std::unique_ptr<PyStrings>> strings;  // each part's strings as str, once a row needs them
};

// graph._native.ObservedSchemas and observed_schemas(payload, index).
void bind_observations(nb::module_& m);

}  // namespace lm
