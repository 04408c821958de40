// What the module's files share: the Graph type object, and how each file adds its types.
#pragma once

#include "py.h"

#include "graph.h"

namespace lm {

struct GraphObject {
  PyObject_HEAD
  Graph* graph;
};

extern PyTypeObject GraphType;

// native/bindings/views.cc: View, Lineage and Impact.
bool add_view_types(PyObject* module);
// native/bindings/ingesting.cc: Builder and translate_openlineage.
bool add_ingest_types(PyObject* module);

#define LM_GUARD_BEGIN try {
#define LM_GUARD_END(fail)                         \
  }                                                \
  catch (const ::lm::PyErrorSet&) {                \
    return fail;                                   \
  }                                                \
  catch (const ::lm::Error& e) {                   \
    ::lm::set_error(e);                            \
    return fail;                                   \
  }                                                \
  catch (const std::bad_alloc&) {                  \
    PyErr_NoMemory();                              \
    return fail;                                   \
  }                                                \
  catch (const std::exception& e) {                \
    PyErr_SetString(PyExc_RuntimeError, e.what()); \
    return fail;                                   \
  }

}  // namespace lm
