// graph.change.schema_history's observations of a batch, read from its wire form (pyobservations.cc).
#pragma once

#include <memory>
#include <string_view>

#include "py.h"
#include "strings.h"

namespace lm {

// A batch's schema observations, read once and held with the payload they point into: what the
// schema history asks of them (which datasets at which stamps, whether a stored version states
// one's fields) answered without a Python object per field, and rows made only for those asked.
class ObservedSchemas {
 public:
  // The batch's observations; nullptr for a batch the Python reader must read (it names a
  // contract, or something unexpected). ``index``: what index_bytes gave for this payload (a
  // worker read it), adopted instead of reading the batch again (None: read here).
  static std::unique_ptr<ObservedSchemas> read(PyObject* payload, PyObject* index);
  ~ObservedSchemas();
  ObservedSchemas(const ObservedSchemas&) = delete;
  ObservedSchemas& operator=(const ObservedSchemas&) = delete;

  size_t size() const;
  // What was read, as offsets into the payload and indexes of its tables (bytes): a process that
  // has the same payload adopts it without reading the batch (``read``).
  PyObject* index_bytes() const;
  // [(dataset id, at)] of every observation, in the batch's order.
  PyObject* keys() const;
  // [(dataset id, namespace, name, at, fields, origin run or None)] of the observations at
  // ``indices`` (a sequence of ints), or of all of them (None).
  PyObject* rows(PyObject* indices) const;
  // (payload, left): the first versions of the observations at ``indices`` (graph.change.schema_history's
  // version of a dataset with none yet, from ``source``, detected at ``detected``) as a batch in the
  // wire form (empty: none), and the indices of those it left to Python (a field holding a float).
  PyObject* first_versions(PyObject* indices, PyObject* source, PyObject* detected) const;
  // The observation a Python int names (IndexError beyond them).
  size_t index(PyObject* o) const;
  // Whether the record value at ``stored`` is a twin of observation ``i``'s fields as its row
  // states them (same_as_py's rule, pyvalues.h), read where they lie.
  bool fields_held(size_t i, const uint8_t* stored, const StringPool& pool) const;

 private:
  ObservedSchemas();
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace lm
