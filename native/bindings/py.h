// What every binding shares: Python.h and nanobind, owned references for the C-API conversions,
// and how a failure (a Python error already set, or the core's lm::Error) unwinds to nanobind,
// which raises it in Python (register_error_translation).
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <nanobind/nanobind.h>

#include "common.h"

namespace lm {

// A Python error is set; unwind to nanobind, which leaves it to raise (register_error_translation).
struct PyErrorSet {};

[[noreturn]] inline void raise(PyObject* type, const std::string& message) {
  PyErr_SetString(type, message.c_str());
  throw PyErrorSet{};
}

// The Python exception of a core failure, set as the current error.
inline void set_error(const Error& e) {
  PyObject* types[] = {PyExc_ValueError, PyExc_TypeError, PyExc_MemoryError, PyExc_RuntimeError};
  PyErr_SetString(types[e.kind], e.what());
}

namespace nb = nanobind;

// How the failures above reach Python from a binding nanobind declared: a PyErrorSet leaves the
// error Python already has, an Error raises its kind's exception (set_error); what else a binding
// throws is nanobind's to translate (std::bad_alloc: MemoryError, std::exception: RuntimeError).
void register_error_translation();

// An owned reference: released when it goes out of scope.
class PyRef {
 public:
  PyRef() = default;
  explicit PyRef(PyObject* o) : p_(o) {}
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  PyRef(PyRef&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  PyRef& operator=(PyRef&& o) noexcept {
    if (this != &o) {
      Py_XDECREF(p_);
      p_ = o.p_;
      o.p_ = nullptr;
    }
    return *this;
  }
  ~PyRef() { Py_XDECREF(p_); }
  PyObject* get() const { return p_; }
  PyObject* release() {
    PyObject* o = p_;
    p_ = nullptr;
    return o;
  }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  PyObject* p_ = nullptr;
};

// A new reference that must not be NULL (a NULL means Python already set the error).
inline PyObject* check(PyObject* o) {
  if (o == nullptr) throw PyErrorSet{};
  return o;
}

// UTF-8 of a Python str (lone surrogates kept, as "surrogatepass" does): a view into the string
// object's own cache where it can be, else into ``spill``.
std::string_view utf8_of(PyObject* s, std::string& spill);

// A Python str from UTF-8 this core holds (lone surrogates come back as they went in).
PyObject* str_of(std::string_view s);

}  // namespace lm
