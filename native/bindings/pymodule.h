// What the module's files share: the Graph, how each file adds its types, and the helpers its
// methods are made with.
#pragma once

#include "py.h"

#include <memory>

#include "graph.h"

namespace lm {

// native/bindings/graph_py.cc: Graph, Plan and Capture.
void bind_graph(nb::module_& m);

// The Graph a Python Graph holds (``graph`` must be one: nb::isinstance<Graph> says).
Graph& graph_in(nb::handle graph);

// Whether a Python value is true, as ``bool(o)`` says (a flag taken as any object, as Python's own
// functions take them).
bool truthy(nb::handle o);

// ``read`` over the bytes of a buffer (an encoded batch, a snapshot chunk), the buffer released
// however it ends.
template <class F>
auto over_bytes(PyObject* buffer, F&& read) {
  Py_buffer view;
  if (PyObject_GetBuffer(buffer, &view, PyBUF_SIMPLE) < 0) throw PyErrorSet{};
  try {
    auto out = read(static_cast<const uint8_t*>(view.buf), size_t(view.len));
    PyBuffer_Release(&view);
    return out;
  } catch (...) {
    PyBuffer_Release(&view);
    throw;
  }
}

// Fills in one of the module's types (name "graph._native.X", size, doc and slots; the slots it
// does not name keep what the caller set), readies it and adds it to the module as X: every type
// of the module is made this one way. False with a Python error set when it fails.
bool add_type(PyObject* module, PyTypeObject& type, const char* name, Py_ssize_t size, const char* doc,
              destructor dealloc, PyMethodDef* methods, PyGetSetDef* getset = nullptr, newfunc make = nullptr,
              unsigned long extra_flags = 0);

// native/bindings/views.cc: View, Lineage and Impact (answers.cc).
bool add_view_types(PyObject* module);
// native/bindings/ingesting.cc: Builder and Translator.
bool add_ingest_types(PyObject* module);
// native/bindings/firsts.cc: Graph.first_of_kind(kind, prefixes, keys, like), under a read lock.
PyObject* graph_first_of_kind(Graph& g, PyObject* kind, PyObject* prefixes, PyObject* keys, PyObject* like);

// A new Python object of ``type`` holding what a native call made (a plan, a capture, an answer)
// in its ``field``, and a reference to ``owner`` (the graph or view it came from), which must
// outlive it: its dealloc frees the one and lets go of the other. Null with a Python error set.
template <class Object, class Held>
PyObject* holding(PyTypeObject& type, PyObject* owner, Held* Object::*field, std::unique_ptr<Held> held) {
  Object* out = PyObject_New(Object, &type);
  if (out == nullptr) return nullptr;
  Py_INCREF(owner);
  out->owner = owner;
  out->*field = held.release();
  return reinterpret_cast<PyObject*>(out);
}

// One method of a pair that differ by a flag (nodes whole or summarised, edges or only their keys,
// dataset or column lineage): F(self, arg, Flag). Errors are caught by the wrapper that locks it
// (``reading`` in module.cc, ``locked`` in views.h), which guards every method of the table.
template <PyObject* (*F)(PyObject*, PyObject*, bool), bool Flag>
PyObject* with_flag(PyObject* self, PyObject* arg) {
  return F(self, arg, Flag);
}

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
