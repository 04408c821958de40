// What every binding shares: Python.h and nanobind, the helpers of the C-API conversions,
// and how a failure (a Python error already set, or the core's lm::Error) unwinds to nanobind,
// which raises it in Python (register_error_translation).
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <nanobind/nanobind.h>

#include <type_traits>

#include "common.h"

namespace lm {

// A Python error is set; unwind to nanobind, which leaves it to raise (register_error_translation).
struct PyErrorSet {};

[[noreturn]] inline void raise(PyObject* type, const std::string& message) {
  PyErr_SetString(type, message.c_str());
  throw PyErrorSet{};
}

namespace nb = nanobind;

// How the failures above reach Python from a binding nanobind declared: a PyErrorSet leaves the
// error Python already has, an Error raises its kind's exception; what else a binding
// throws is nanobind's to translate (std::bad_alloc: MemoryError, std::exception: RuntimeError).
void register_error_translation();

// A new reference that must not be NULL (a NULL means Python already set the error).
inline PyObject* check(PyObject* o) {
  if (o == nullptr) throw PyErrorSet{};
  return o;
}

// ``o`` as Python shows it (repr), or "?" when it cannot be shown: for an error's message.
std::string shown(nb::handle o);

// The items of a Python iterable as a list or tuple (PySequence_Fast; ``what``: the TypeError
// when it is not iterable), each borrowed for as long as this lives; read by index, as the
// sequence is when iterated.
class Items {
 public:
  Items(nb::handle o, const char* what) : seq_(nb::steal(check(PySequence_Fast(o.ptr(), what)))) {}
  Py_ssize_t size() const { return PySequence_Fast_GET_SIZE(seq_.ptr()); }
  PyObject* operator[](Py_ssize_t i) const { return PySequence_Fast_GET_ITEM(seq_.ptr(), i); }
  PyObject* sequence() const { return seq_.ptr(); }  // the list or tuple itself
  struct iterator {
    const Items* items;
    Py_ssize_t i;
    PyObject* operator*() const { return (*items)[i]; }
    iterator& operator++() {
      i++;
      return *this;
    }
    bool operator!=(const iterator&) const { return i < items->size(); }
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, 0}; }

 private:
  nb::object seq_;
};

// What a binding's function made, for Python: a Python object as it is, or a new reference
// (null: the error set) owned.
template <class T>
nb::object owned(T made) {
  if constexpr (std::is_same_v<T, PyObject*>) return nb::steal(check(made));
  else return std::move(made);
}

// The bytes a bytes object holds, as the core reads them; and a bytes object of the core's bytes.
inline const uint8_t* data_of(const nb::bytes& b) { return reinterpret_cast<const uint8_t*>(b.c_str()); }
inline nb::bytes bytes_of(const Bytes& data) { return nb::bytes(data.data(), data.size()); }

// dict[key] = value.
inline void set_item(nb::handle dict, nb::handle key, nb::handle value) {
  if (PyDict_SetItem(dict.ptr(), key.ptr(), value.ptr()) < 0) throw PyErrorSet{};
}

// dict[key], borrowed, or nullptr when the dict has no such key (a lookup that fails raises).
inline PyObject* get_item(nb::handle dict, nb::handle key) {
  PyObject* found = PyDict_GetItemWithError(dict.ptr(), key.ptr());
  if (found == nullptr && PyErr_Occurred()) throw PyErrorSet{};
  return found;
}

// A list of ``n`` items, item ``i`` what ``make(i)`` makes (owned).
template <class F>
nb::list list_of(size_t n, F&& make) {
  nb::list out = nb::steal<nb::list>(check(PyList_New(Py_ssize_t(n))));
  for (size_t i = 0; i < n; i++) PyList_SET_ITEM(out.ptr(), Py_ssize_t(i), owned(make(i)).release().ptr());
  return out;
}

// UTF-8 of a Python str (lone surrogates kept, as "surrogatepass" does) into ``view``: the string
// object's own cache where it can be, else ``held``; false: the error set.
bool utf8_held(PyObject* s, std::string_view& view, nb::object& held) noexcept;

// A Python str from UTF-8 this core holds (lone surrogates come back as they went in).
PyObject* str_of(std::string_view s);

// A str's UTF-8, as utf8_held reads it (lone surrogates kept), valid while this lives: a binding
// taking a Text is given any str (anything else is nanobind's TypeError); Text(s) reads one.
struct Text {
  Text() = default;
  explicit Text(nb::handle s) {
    if (!utf8_held(s.ptr(), view, held)) throw PyErrorSet{};
  }
  std::string_view view;
  nb::object held;  // what ``view`` lies in when it is not the str's own cache
};

// A str's UTF-8 (Text) in a view valid while the str lives: its own cache, else ``spill``.
inline std::string_view utf8_of(PyObject* s, std::string& spill) {
  Text text(s);
  return text.held ? std::string_view(spill.assign(text.view)) : text.view;
}

// A Python str's UTF-8, copied.
inline std::string utf8_copy(nb::handle s) { return std::string(Text(s).view); }

}  // namespace lm

namespace nanobind::detail {

template <>
struct type_caster<lm::Text> {
  NB_TYPE_CASTER(lm::Text, const_name("str"))
  bool from_python(handle src, uint32_t, cleanup_list*) noexcept {
    if (PyUnicode_Check(src.ptr()) && lm::utf8_held(src.ptr(), value.view, value.held)) return true;
    PyErr_Clear();
    return false;
  }
};

}  // namespace nanobind::detail
