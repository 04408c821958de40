#include "py.h"

namespace lm {

void register_error_translation() {
  nb::register_exception_translator([](const std::exception_ptr& thrown, void*) {
    try {
      std::rethrow_exception(thrown);
    } catch (const PyErrorSet&) {
      // the error is set already
    } catch (const Error& e) {
      PyObject* types[] = {PyExc_ValueError, PyExc_TypeError, PyExc_MemoryError, PyExc_RuntimeError, PyExc_IndexError};
      PyErr_SetString(types[e.kind], e.what());  // the exception of the failure's kind
    }
  });
}

std::string shown(nb::handle o) {
  nb::object text = nb::steal(PyObject_Repr(o.ptr()));
  const char* utf8 = text ? PyUnicode_AsUTF8(text.ptr()) : nullptr;
  return utf8 != nullptr ? utf8 : "?";
}

bool utf8_held(PyObject* s, std::string_view& view, nb::object& held) noexcept {
  Py_ssize_t n;
  const char* p = PyUnicode_AsUTF8AndSize(s, &n);
  if (p == nullptr) {
    PyErr_Clear();  // lone surrogates: encode them as they are
    held = nb::steal(PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass"));
    if (!held) return false;
    p = PyBytes_AS_STRING(held.ptr());
    n = PyBytes_GET_SIZE(held.ptr());
  }
  view = {p, size_t(n)};
  return true;
}

PyObject* str_of(std::string_view s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), Py_ssize_t(s.size()), nullptr);  // the fast path
  if (o != nullptr) return o;
  PyErr_Clear();  // lone surrogates, held as "surrogatepass" encoded them
  return check(PyUnicode_DecodeUTF8(s.data(), Py_ssize_t(s.size()), "surrogatepass"));
}

}  // namespace lm
