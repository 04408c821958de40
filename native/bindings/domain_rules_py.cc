#include "domain_rules_py.h"

#include "pymodule.h"

namespace lm {

namespace {

std::optional<std::string> glob_of(PyObject* pattern, const char* what) {
  if (pattern == Py_None) return std::nullopt;
  if (!PyUnicode_Check(pattern)) raise(PyExc_TypeError, std::string("a domain rule's ") + what + " must be a str or None");
  std::string spill;
  return std::string(utf8_of(pattern, spill));
}

}  // namespace

DomainRules domain_rules_of(PyObject* rules) {
  if (PyUnicode_Check(rules) || PyBytes_Check(rules))
    raise(PyExc_TypeError, "the domain rules must be a sequence of tuples, not a string");
  PyRef items(check(PySequence_Fast(rules, "the domain rules must be a sequence of tuples")));
  std::vector<DomainRule> out;
  Py_ssize_t count = PySequence_Fast_GET_SIZE(items.get());
  out.reserve(size_t(count));
  for (Py_ssize_t i = 0; i < count; i++) {
    PyObject* rule = PySequence_Fast_GET_ITEM(items.get(), i);
    if (!PyTuple_Check(rule) || PyTuple_GET_SIZE(rule) != 4)
      raise(PyExc_TypeError, "a domain rule must be a tuple (domain, namespace, name, job_namespace)");
    PyObject* domain = PyTuple_GET_ITEM(rule, 0);
    if (!PyUnicode_Check(domain)) raise(PyExc_TypeError, "a domain rule's domain must be a str");
    std::string spill;
    out.push_back({std::string(utf8_of(domain, spill)), glob_of(PyTuple_GET_ITEM(rule, 1), "namespace"),
                   glob_of(PyTuple_GET_ITEM(rule, 2), "name"), glob_of(PyTuple_GET_ITEM(rule, 3), "job_namespace")});
  }
  return DomainRules(out);
}

namespace {

struct DomainMatcherObject {
  PyObject_HEAD
  DomainRules* rules;
};

PyTypeObject DomainMatcherType = {PyVarObject_HEAD_INIT(nullptr, 0)};

PyObject* matcher_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  LM_GUARD_BEGIN
  static const char* names[] = {"rules", nullptr};
  PyObject* rules;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O", const_cast<char**>(names), &rules)) return nullptr;
  auto compiled = std::make_unique<DomainRules>(domain_rules_of(rules));
  PyRef self(check(type->tp_alloc(type, 0)));
  reinterpret_cast<DomainMatcherObject*>(self.get())->rules = compiled.release();
  return self.release();
  LM_GUARD_END(nullptr)
}

void matcher_dealloc(PyObject* self) {
  delete reinterpret_cast<DomainMatcherObject*>(self)->rules;
  Py_TYPE(self)->tp_free(self);
}

// domain_for(namespace, name, job_namespace=None) -> the first matching rule's domain, or None.
PyObject* matcher_domain_for(PyObject* self, PyObject* args, PyObject* kwargs) {
  LM_GUARD_BEGIN
  static const char* names[] = {"namespace", "name", "job_namespace", nullptr};
  PyObject *ns, *name, *job_namespace = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "UU|O", const_cast<char**>(names), &ns, &name, &job_namespace))
    return nullptr;
  if (job_namespace != Py_None && !PyUnicode_Check(job_namespace))
    raise(PyExc_TypeError, "job_namespace must be a str or None");
  std::string spill_ns, spill_name, spill_job;
  std::string_view job;
  if (job_namespace != Py_None) job = utf8_of(job_namespace, spill_job);
  const std::string* domain = reinterpret_cast<DomainMatcherObject*>(self)->rules->domain_for(
      utf8_of(ns, spill_ns), utf8_of(name, spill_name), job_namespace == Py_None ? nullptr : &job);
  if (domain == nullptr) Py_RETURN_NONE;
  return str_of(*domain);
  LM_GUARD_END(nullptr)
}

PyObject* module_glob_matches(PyObject*, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *text, *pattern;
  if (!PyArg_ParseTuple(args, "UU", &text, &pattern)) return nullptr;
  std::string spill_text, spill_pattern;
  return PyBool_FromLong(glob_matches(utf8_of(text, spill_text), utf8_of(pattern, spill_pattern)));
  LM_GUARD_END(nullptr)
}

PyMethodDef matcher_methods[] = {
    {"domain_for", reinterpret_cast<PyCFunction>(matcher_domain_for),
     METH_VARARGS | METH_KEYWORDS,
     "domain_for(namespace, name, job_namespace=None) -> the first matching rule's domain, or None."},
    {nullptr, nullptr, 0, nullptr}};

PyMethodDef functions[] = {
    {"glob_matches", module_glob_matches, METH_VARARGS,
     "glob_matches(text, pattern) -> bool: fnmatch.fnmatchcase(text, pattern), matched by the core."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

bool add_domain_rule_types(PyObject* module) {
  if (!add_type(module, DomainMatcherType, "graph._native.DomainMatcher", sizeof(DomainMatcherObject),
                "DomainMatcher(rules): domain rules as (domain, namespace, name, job_namespace) glob tuples, "
                "matched by the core (ingest.domain_rules).",
                matcher_dealloc, matcher_methods, nullptr, matcher_new))
    return false;
  return PyModule_AddFunctions(module, functions) == 0;
}

}  // namespace lm
