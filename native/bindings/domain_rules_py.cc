#include "domain_rules_py.h"

#include <nanobind/stl/optional.h>

#include "pymodule.h"

namespace lm {

namespace {

std::optional<std::string> glob_of(PyObject* pattern, const char* what) {
  if (pattern == Py_None) return std::nullopt;
  if (!PyUnicode_Check(pattern)) raise(PyExc_TypeError, std::string("a domain rule's ") + what + " must be a str or None");
  return utf8_copy(pattern);
}

}  // namespace

DomainRules domain_rules_of(PyObject* rules) {
  if (PyUnicode_Check(rules) || PyBytes_Check(rules))
    raise(PyExc_TypeError, "the domain rules must be a sequence of tuples, not a string");
  Items items(rules, "the domain rules must be a sequence of tuples");
  std::vector<DomainRule> out;
  out.reserve(size_t(items.size()));
  for (PyObject* rule : items) {
    if (!PyTuple_Check(rule) || PyTuple_GET_SIZE(rule) != 4)
      raise(PyExc_TypeError, "a domain rule must be a tuple (domain, namespace, name, job_namespace)");
    PyObject* domain = PyTuple_GET_ITEM(rule, 0);
    if (!PyUnicode_Check(domain)) raise(PyExc_TypeError, "a domain rule's domain must be a str");
    out.push_back({utf8_copy(domain), glob_of(PyTuple_GET_ITEM(rule, 1), "namespace"),
                   glob_of(PyTuple_GET_ITEM(rule, 2), "name"), glob_of(PyTuple_GET_ITEM(rule, 3), "job_namespace")});
  }
  return DomainRules(out);
}

void bind_domain_rules(nb::module_& m) {
  nb::class_<DomainRules>(m, "DomainMatcher", nb::is_final())
      .def("__init__",
           [](DomainRules* self, nb::handle rules) { new (self) DomainRules(domain_rules_of(rules.ptr())); })
      .def(
          "domain_for",
          [](const DomainRules& rules, const Text& ns, const Text& name, std::optional<Text> job) -> nb::object {
            const std::string* domain = rules.domain_for(ns.view, name.view, job ? &job->view : nullptr);
            return domain == nullptr ? nb::none() : owned(str_of(*domain));
          },
          nb::arg(), nb::arg(), nb::arg() = nb::none());
  m.def("glob_matches", [](const Text& text, const Text& pattern) { return glob_matches(text.view, pattern.view); });
}

}  // namespace lm
