#include "py.h"

namespace lm {

void register_error_translation() {
  nb::register_exception_translator([](const std::exception_ptr& thrown, void*) {
    try {
      std::rethrow_exception(thrown);
    } catch (const PyErrorSet&) {
      // the error is set already
    } catch (const Error& e) {
      set_error(e);
    }
  });
}

std::string shown(nb::handle o) {
  nb::object text = nb::steal(PyObject_Repr(o.ptr()));
  const char* utf8 = text ? PyUnicode_AsUTF8(text.ptr()) : nullptr;
  return utf8 != nullptr ? utf8 : "?";
}

std::string_view utf8_of(PyObject* s, std::string& spill) {
  Py_ssize_t n;
  const char* p = PyUnicode_AsUTF8AndSize(s, &n);
  if (p != nullptr) return {p, size_t(n)};
  PyErr_Clear();  // lone surrogates: encode them as they are
  PyRef bytes(check(PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass")));
  spill.assign(PyBytes_AS_STRING(bytes.get()), size_t(PyBytes_GET_SIZE(bytes.get())));
  return spill;
}

PyObject* str_of(std::string_view s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), Py_ssize_t(s.size()), nullptr);  // the fast path
  if (o != nullptr) return o;
  PyErr_Clear();  // lone surrogates, held as "surrogatepass" encoded them
  return check(PyUnicode_DecodeUTF8(s.data(), Py_ssize_t(s.size()), "surrogatepass"));
}

}  // namespace lm
