// graph.change.schema_history's observations of a batch, read from its wire form (pyobservations.cc).
#pragma once

#include <memory>
#include <vector>

#include "observations.h"
#include "py.h"
#include "pybatch.h"

namespace lm {

// A batch's schema observations (native/core/observations.h), read once and held with the payload
// they point into: what the schema history asks of them (which datasets at which stamps, whether a
// stored version states one's fields: ``schemas.fields_held``) answered without a Python object per
// field, and rows made only for those asked.
struct ObservedSchemas {
  // The batch's observations; nullptr for a batch the Python reader must read (it names a
  // contract, or something unexpected). ``index``: what index_bytes gave for this payload (a
  // worker read it), adopted instead of reading the batch again (None: read here).
  static std::unique_ptr<ObservedSchemas> read(nb::handle payload, nb::handle index);

  size_t size() const { return schemas.observed.size(); }
  // What was read, as offsets into the payload and indexes of its tables (bytes): a process that
  // has the same payload adopts it without reading the batch (``read``).
  nb::bytes index_bytes() const;
  // [(dataset id, at)] of every observation, in the batch's order.
  nb::list keys() const;
  // [(dataset id, namespace, name, at, fields, origin run or None)] of the observations at
  // ``indices`` (a sequence of ints), or of all of them (None).
  nb::list rows(nb::handle indices) const;
  // (payload, left): the first versions of the observations at ``indices`` (graph.change.schema_history's
  // version of a dataset with none yet, from ``source``, detected at ``detected``) as a batch in the
  // wire form (empty: none), and the indices of those it left to Python (a field holding a float).
  nb::tuple first_versions(nb::handle indices, const Text& source, const Text& detected) const;
  // The observation a Python int names (IndexError beyond them).
  size_t index(nb::handle o) const;

  const nb::object view;  // a memoryview of the payload: ``schemas`` reads it where it lies
  SchemaObservations schemas;
  mutable std::vector<std::unique_ptr<PyStrings>> strings;  // each part's strings as str, once a row needs them

 private:
  explicit ObservedSchemas(nb::object view);
};

}  // namespace lm
