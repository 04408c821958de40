// graph._native.Builder, Translator and DomainMatcher: the Python face of the ingest side of the core
// (native/core/builder.h, openlineage.h, domain_rules.h). ``ingest.builder.GraphBuilder`` is Builder; the
// Iceberg, contract and dbt translations subclass it.
#include "py.h"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <cstdio>
#include <memory>

#include "batch.h"
#include "domain_rules.h"
#include "namespaces.h"
#include "openlineage_event.h"
#include "pybatch.h"
#include "pylock.h"
#include "pymodule.h"
#include "pytypes.h"
#include "pyvalues.h"

#include <datetime.h>  // after Python.h (py.h)

namespace lm {

// An argument the Builder takes as any object, None included: an id part (as Python's f-strings
// write it: a str as it is, anything else as str() makes it) or props (a mapping, or None: none).
struct Given {
  nb::handle o;
};

}  // namespace lm

namespace nanobind::detail {

template <>
struct has_arg_defaults<lm::Given> : std::true_type {};  // None is taken like any other value

template <>
struct type_caster<lm::Given> {
  NB_TYPE_CASTER(lm::Given, const_name("object"))
  bool from_python(handle src, uint32_t, cleanup_list*) noexcept {
    value.o = src;
    return true;
  }
};

}  // namespace nanobind::detail

namespace lm {

namespace {

// A Builder: the core's builder and the stamp as the str Python gave. Python subclasses it
// (ingest.builder's translations), so it is made by __init__, in place.
struct BuilderObject {
  std::unique_ptr<Builder> builder;
  nb::object at;

  Builder* operator->() { return builder.get(); }
  MapWriter props(Given props, const char* where = "props") {
    MapWriter map = builder->map();
    merge_py(map, props.o.ptr(), where);
    return map;
  }
};

std::string part(Given o) { return utf8_copy(PyUnicode_Check(o.o.ptr()) ? o.o : nb::str(o.o)); }

nb::object text(std::string_view s) { return nb::steal(str_of(s)); }

// The documents (JSON texts) and roots ((name, JSON text) pairs) of the event schemas
// (ingest.openlineage_schema.event_schemas).
using SchemaParts = std::pair<std::vector<std::string>, std::vector<std::pair<std::string, std::string>>>;

// translate(raws, not_after, settle) -> (wire bytes, [(index, what, detail, path)], [seconds], [subject])
//
// ``raws``: events, each its JSON bytes, translated into one batch (native/core/openlineage_event.h,
// OpenLineageBatch), in order; the core reads and checks each one whole where it can, without the
// GIL; any other is ``settle(index)``'s, the Python path, which returns None (refused: it keeps
// why) or (JSON bytes, kind, stamp) of the event it settled on, then translated here in its place.
// ``not_after``: the latest eventTime accepted, Unix microseconds (None: no bound). Returned: the
// batch; the events translated but refused, ``what`` "invalid" (``detail`` the message, ``path``
// where), "overlong" (``detail`` the id) or "limit" (why it asks too much work, naming the field);
// per event its eventTime in Unix seconds (NaN for those not read here); the ids the events read
// here name (graph.eventlog.event_log.subjects_of), each once.
nb::tuple translator_translate(const OpenLineageTranslator& translator, nb::list raws, std::optional<int64_t> not_after,
                               nb::handle settle) {
  require_configured();
  WriterLease lease;
  OpenLineageBatch batch(translator, lease.writer(), not_after.has_value(), not_after.value_or(0));
  size_t count = raws.size();
  for (size_t i = 0; i < count; i++) {
    nb::object raw = raws[i];  // held: the list may change while the GIL is out
    if (!PyBytes_Check(raw.ptr())) raise(PyExc_TypeError, "translate takes a list of bytes");
    bool decided;
    {
      NoGil unlocked;
      decided = batch.add(std::string_view(PyBytes_AS_STRING(raw.ptr()), size_t(PyBytes_GET_SIZE(raw.ptr()))));
    }
    nb::object settled = decided ? nb::none() : settle(i);
    if (settled.is_none()) continue;
    std::tuple<nb::bytes, Text, Text> event;  // (JSON, kind, stamp)
    if (!nb::try_cast(settled, event)) raise(PyExc_TypeError, "settle returns None or (bytes, str, str)");
    auto& [json, kind, at] = event;
    batch.settled(std::string_view(json.c_str(), json.size()), kind.view, std::string(at.view));
  }
  nb::list problems;
  for (const auto& [index, why] : batch.refused)
    problems.append(nb::make_tuple(index, why.refusal(), text(why.detail()), text(why.where())));
  nb::list seconds = list_of(count, [&](size_t i) { return PyFloat_FromDouble(batch.seconds[i]); });
  nb::list named = list_of(batch.subjects.size(), [&](size_t i) { return str_of(batch.subjects.text(uint32_t(i))); });
  return nb::make_tuple(bytes_of(lease.writer().finish()), problems, seconds, named);
}

// utc_stamp(moment) -> "YYYY-MM-DDTHH:MM:SS.ffffffZ" of a datetime already in UTC
// (graph.core.mutations.stamp): what every mutation of an event carries, made ~10x faster than
// Python's formatting.
nb::str module_utc_stamp(nb::handle given) {
  PyObject* moment = given.ptr();
  if (!PyDateTime_Check(moment)) raise(PyExc_TypeError, "utc_stamp takes a datetime");
  char out[32];
  int n = std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", PyDateTime_GET_YEAR(moment),
                        PyDateTime_GET_MONTH(moment), PyDateTime_GET_DAY(moment), PyDateTime_DATE_GET_HOUR(moment),
                        PyDateTime_DATE_GET_MINUTE(moment), PyDateTime_DATE_GET_SECOND(moment),
                        PyDateTime_DATE_GET_MICROSECOND(moment));
  return nb::str(out, size_t(n));
}

// Whether a dict or list sits deeper than ``limit`` levels (the value itself is level 1).
bool nests_deeper(PyObject* value, long limit, long depth) {
  if (PyDict_Check(value)) {
    if (depth > limit) return true;
    for (auto [key, item] : nb::borrow<nb::dict>(value))
      if (nests_deeper(item.ptr(), limit, depth + 1)) return true;
  } else if (PyList_Check(value)) {
    if (depth > limit) return true;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(value); i++)
      if (nests_deeper(PyList_GET_ITEM(value, i), limit, depth + 1)) return true;
  }
  return false;
}

std::optional<std::string> glob_of(PyObject* pattern, const char* what) {
  if (pattern == Py_None) return std::nullopt;
  if (!PyUnicode_Check(pattern)) raise(PyExc_TypeError, std::string("a domain rule's ") + what + " must be a str or None");
  return utf8_copy(pattern);
}

// A sequence of (domain, namespace glob, name glob, job-namespace glob) tuples, None for "any":
// compiled in order (what Translator and DomainMatcher are built from; ingest.domain_rules hands
// them over). Raises (TypeError) on anything else.
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

// A lookup of the core's naming tables from Python: its answer, or None for "".
nb::object scheme_answer(std::string_view answer) { return answer.empty() ? nb::none() : text(answer); }

}  // namespace

void bind_ingest(nb::module_& m) {
  PyDateTime_IMPORT;
  if (PyDateTimeAPI == nullptr) throw nb::python_error();
  using S = BuilderObject&;
  nb::class_<BuilderObject>(m, "Builder")
      .def(
          "__init__", [](BuilderObject* self, const nb::str& at) {
            new (self) BuilderObject{std::make_unique<Builder>(utf8_copy(at)), at};
          },
          nb::arg("at"))
      .def_prop_ro("at", [](S self) { return self.at; })
      .def_prop_ro(
          "mutations", [](S self) {
            Bytes data = self->wire.finish();
            return owned(decode_mutations(data.data(), data.size()));
          })
      .def(
          "node", [](S self, Given id, Given kind, Given props, Given first, Given at) {
            MapWriter p = self.props(props), f = self.props(first, "first");
            self->node(part(id), node_kind_code(kind.o.ptr()), p, f.empty() ? nullptr : &f,
                       at.o.is_none() ? std::string() : part(at));
            return nb::borrow(id.o);
          },
          nb::arg("node_id"), nb::arg("kind"), nb::arg("props"), nb::arg("first") = nb::none(),
          nb::arg("at") = nb::none())
      .def(
          "edge", [](S self, Given source, Given kind, Given target, Given props) {
            MapWriter p = self.props(props);
            self->edge(part(source), edge_kind_code(kind.o.ptr()), part(target), &p);
          },
          nb::arg("source"), nb::arg("kind"), nb::arg("target"), nb::arg("props") = nb::none())
      .def("dataset_ref", [](S self, Given ns, Given name) { return text(self->dataset_ref(part(ns), part(name))); })
      .def("will_describe", [](S self, Given ns, Given name) { self->will_describe(part(ns), part(name)); })
      .def(
          "dataset", [](S self, Given ns, Given name, Given props) {
            return text(self->dataset(part(ns), part(name), self.props(props)));
          })
      .def(
          "job", [](S self, Given ns, Given name, Given props) {
            return text(self->job(part(ns), part(name), self.props(props)));
          })
      .def(
          "column", [](S self, Given ns, Given dataset, Given field, Given props) {
            MapWriter p = self.props(props);
            return text(self->column(part(ns), part(dataset), part(field), &p));
          },
          nb::arg(), nb::arg(), nb::arg(), nb::arg() = nb::none())
      .def(
          "alias", [](S self, Given ns, Given name, Given canonical, Given reason) {
            self->alias(part(ns), part(name), part(canonical), part(reason));
          })
      .def(
          "owner", [](S self, Given subject, Given name, Given owner_type) {
            MapWriter ownership = self->map();
            set_py(ownership, "type", owner_type.o.ptr());
            return text(self->owner(part(subject), part(name), ownership));
          })
      .def(
          "domain", [](S self, Given name, Given props) {
            MapWriter p = self.props(props);
            return text(self->domain(part(name), &p));
          },
          nb::arg(), nb::arg() = nb::none())
      .def(
          "product", [](S self, Given domain, Given name, Given props) {
            return text(self->product(part(domain), part(name), self.props(props)));
          })
      .def(
          "consumer", [](S self, Given name, Given props) {
            MapWriter p = self.props(props);
            return text(self->consumer(part(name), &p));
          },
          nb::arg(), nb::arg() = nb::none())
      .def("encoded", [](S self) { return bytes_of(self->wire.finish()); });

  nb::class_<OpenLineageTranslator>(m, "Translator", nb::is_final())
      .def(
          "__init__",
          [](OpenLineageTranslator* self, nb::handle domain_rules, const nb::str& rule_source,
             const std::optional<SchemaParts>& schema, int max_depth) {
            OpenLineageRules rules{domain_rules.is_none() ? DomainRules() : domain_rules_of(domain_rules.ptr()),
                                   utf8_copy(rule_source)};
            auto compiled = schema ? std::make_unique<JsonSchema>(schema->first, schema->second) : nullptr;
            new (self) OpenLineageTranslator(std::move(rules), std::move(compiled), max_depth);
          },
          nb::arg().none(), nb::arg(), nb::arg().none(), nb::arg())
      .def("translate", translator_translate, nb::arg(), nb::arg().none(), nb::arg());

  nb::class_<JsonSchema>(m, "EventSchema", nb::is_final())
      .def(
          "__init__",
          [](JsonSchema* self, const SchemaParts& schema) { new (self) JsonSchema(schema.first, schema.second); })
      .def(
          "refusal", [](const JsonSchema& self, const nb::bytes& json, const Text& kind) -> nb::object {
            std::string path, message;
            bool refused = event_refusal(self, std::string_view(json.c_str(), json.size()), kind.view, path, message);
            if (!refused) return nb::none();
            return nb::make_tuple(text(path), text(message));
          });

  m.attr("LONGEST_ID") = Builder::kLongestId;
  m.def("utc_stamp", &module_utc_stamp);
  m.def(
      "normal_namespace", [](const nb::str& sent) -> nb::object {
        Text given(sent);
        std::string normal = normal_namespace(given.view);
        return normal == given.view ? nb::object(sent) : text(normal);
      });
  m.def("object_store", [](const Text& scheme) { return scheme_answer(object_store(scheme.view)); });
  m.def("storage_namespace", [](const Text& ns) { return storage_namespace(ns.view); });
  m.def("database_scheme", [](const Text& scheme) { return scheme_answer(database_scheme(scheme.view)); });
  m.def(
      "nests_deeper", [](nb::handle value, long limit) {
        if (limit < 1 || limit > 10000) raise(PyExc_ValueError, "limit must be 1 to 10000");
        return nests_deeper(value.ptr(), limit, 1);
      },
      nb::arg().none(), nb::arg());
  nb::class_<DomainRules>(m, "DomainMatcher", nb::is_final())
      .def("__init__",
           [](DomainRules* self, nb::handle rules) { new (self) DomainRules(domain_rules_of(rules.ptr())); })
      .def(
          "domain_for",
          [](const DomainRules& rules, const Text& ns, const Text& name, std::optional<Text> job) -> nb::object {
            const std::string* domain = rules.domain_for(ns.view, name.view, job ? &job->view : nullptr);
            return domain == nullptr ? nb::none() : text(*domain);
          },
          nb::arg(), nb::arg(), nb::arg() = nb::none());
  m.def("glob_matches", [](const Text& text, const Text& pattern) { return glob_matches(text.view, pattern.view); });
}

}  // namespace lm
