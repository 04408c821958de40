// graph._native.Builder and Translator: the Python face of the ingest side of the core
// (native/core/builder.h, openlineage.h). ``ingest.builder.GraphBuilder`` is Builder; the
// Iceberg, contract and dbt translations subclass it.
#include "py.h"

#include <cmath>
#include <cstdio>
#include <memory>

#include "batch.h"
#include "domain_rules_py.h"
#include "namespaces.h"
#include "openlineage_event.h"
#include "pybatch.h"
#include "pymodule.h"
#include "pytypes.h"
#include "pywire.h"

#include <datetime.h>  // after Python.h (py.h)

namespace lm {

namespace {

// A Builder: the core's builder and the stamp as the str Python gave. Python subclasses it
// (ingest.builder's translations), so it is made by __init__, in place.
struct BuilderObject {
  std::unique_ptr<Builder> builder;
  nb::object at;
};

Builder& builder_of(BuilderObject& self) { return *self.builder; }

// An id part as Python's f-strings write it (a str as it is, anything else as str() makes it).
std::string part(PyObject* o) {
  return utf8_copy(PyUnicode_Check(o) ? nb::handle(o) : nb::str(nb::handle(o)));
}

// A props argument: a mapping (or None: none), as the builder's map.
MapWriter props_of(Builder& b, PyObject* props, const char* where = "props") {
  MapWriter map = b.map();
  merge_py(map, props, where);
  return map;
}

PyObject* builder_node(BuilderObject& self, PyObject* id, PyObject* kind, PyObject* props, PyObject* first, PyObject* at) {
  Builder& b = builder_of(self);
  MapWriter p = props_of(b, props), f = props_of(b, first, "first");
  std::string stamp = at == Py_None ? std::string() : part(at);
  b.node(part(id), node_kind_code(kind), p, f.empty() ? nullptr : &f, stamp);
  Py_INCREF(id);
  return id;
}

void builder_edge(BuilderObject& self, PyObject* source, PyObject* kind, PyObject* target, PyObject* props) {
  Builder& b = builder_of(self);
  MapWriter p = props_of(b, props);
  b.edge(part(source), edge_kind_code(kind), part(target), &p);
}

PyObject* bytes_of(const Bytes& data) {
  return check(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(data.data()), Py_ssize_t(data.size())));
}

// -- Translator ---------------------------------------------------------------------------------

std::string str_arg(PyObject* o, const char* what) {
  if (!PyUnicode_Check(o)) raise(PyExc_TypeError, std::string(what) + " must be a str");
  return utf8_copy(o);
}

// (documents, roots) -> the compiled schema: documents a sequence of JSON texts, roots of
// (name, JSON text) pairs (ingest.openlineage_schema.event_schemas).
std::unique_ptr<JsonSchema> schema_of(PyObject* schema);
void schema_parts(PyObject* schema, std::vector<std::string>& texts, std::vector<std::pair<std::string, std::string>>& pairs);

std::unique_ptr<JsonSchema> schema_of(PyObject* schema) {
  if (schema == Py_None) return nullptr;
  std::vector<std::string> texts;
  std::vector<std::pair<std::string, std::string>> pairs;
  schema_parts(schema, texts, pairs);
  return std::make_unique<JsonSchema>(texts, pairs);
}

void schema_parts(PyObject* schema, std::vector<std::string>& texts, std::vector<std::pair<std::string, std::string>>& pairs) {
  PyObject *documents, *roots;
  if (!PyArg_ParseTuple(schema, "OO", &documents, &roots)) throw PyErrorSet{};
  Items docs(documents, "the schema's documents must be a sequence"), named(roots, "the schema's roots must be a sequence");
  for (PyObject* doc : docs) texts.push_back(str_arg(doc, "a schema document"));
  for (PyObject* root : named) {
    PyObject *name, *text;
    if (!PyArg_ParseTuple(root, "OO", &name, &text)) throw PyErrorSet{};
    pairs.emplace_back(str_arg(name, "a root's name"), str_arg(text, "a root schema"));
  }
}

// EventSchema.refusal(json, kind) -> (path, message) or None: ``event_refusal`` of one event's JSON
// (orjson's, or the standard library's for an integer past 64 bits, which is read as such).
PyObject* event_schema_refusal(const JsonSchema& schema, PyObject* json, PyObject* kind) {
  if (!PyBytes_Check(json)) raise(PyExc_TypeError, "refusal takes the event's JSON as bytes");
  std::string spill;
  std::string_view kind_text = utf8_of(kind, spill);
  yyjson_read_err err;
  yyjson_doc* doc = yyjson_read_opts(PyBytes_AS_STRING(json), size_t(PyBytes_GET_SIZE(json)), YYJSON_READ_BIGNUM_AS_RAW,
                                     nullptr, &err);
  if (doc == nullptr) raise(PyExc_ValueError, std::string("an event that is not JSON: ") + err.msg);
  std::string path, message;
  bool refused;
  try {
    refused = event_refusal(schema, yyjson_doc_get_root(doc), kind_text, path, message);
  } catch (...) {
    yyjson_doc_free(doc);
    throw;
  }
  yyjson_doc_free(doc);
  if (!refused) Py_RETURN_NONE;
  PyRef where(str_of(path)), why(str_of(message));
  return PyTuple_Pack(2, where.get(), why.get());
}

// Translator(domain_rules or None, rule_source, schema or None, max_depth): the rules travel with
// the object, never through module state; the domain rules as data, (domain, namespace, name,
// job_namespace) glob tuples the core matches; ``schema`` the event schemas the core checks
// events against (None: every event takes the Python path first).
// One writer kept for every bulk translation (its tables and buffers keep the capacity they grew
// to: a batch's grew from nothing, and faulted its pages in, on every call), lent to one call at a
// time under the GIL; a call made while it is lent (another thread's, or re-entered from Python)
// gets a writer of its own.
class WriterLease {
 public:
  WriterLease() : kept_(!lent_) {
    if (kept_) {
      lent_ = true;
      shared().clear();
    }
  }
  ~WriterLease() {
    if (kept_) lent_ = false;
  }
  WireWriter& writer() { return kept_ ? shared() : own_; }

 private:
  static WireWriter& shared() {
    static WireWriter* writer = new WireWriter();  // never freed: it lives as long as the module
    return *writer;
  }
  static inline bool lent_ = false;
  bool kept_;
  WireWriter own_;
};

PyObject* problem(Py_ssize_t index, const Translated& why) {
  if (!why.invalid.empty()) {
    PyRef detail(str_of(why.invalid)), path(str_of(why.invalid_path));
    return check(Py_BuildValue("(nsOO)", index, "invalid", detail.get(), path.get()));
  }
  PyRef detail(str_of(why.overlong_id.empty() ? why.over_limit : why.overlong_id)), path(str_of(""));
  return check(Py_BuildValue("(nsOO)", index, why.overlong_id.empty() ? "limit" : "overlong", detail.get(), path.get()));
}

// translate(raws, not_after, settle) -> (wire bytes, [(index, what, detail)], [seconds], [subject])
//
// ``raws``: events, each its JSON bytes, translated into one batch (one string table, equal maps
// once: less to journal and plan than a batch each), in order. The core reads and checks each
// one whole where it can (native/core/openlineage_event.h); any other is ``settle(index)``'s,
// the Python path, which returns None (refused: it keeps why) or (JSON bytes, kind, stamp) of the
// event it settled on, then translated here in its place. ``not_after``: the latest eventTime
// accepted, Unix microseconds (None: no bound). Returned: the batch; the events translated but
// refused, ``what`` "invalid" (``detail`` the message, ``path`` where), "overlong" (``detail`` the id) or "limit" (why it asks too much work, naming
// the field); per event its eventTime in Unix seconds (NaN for those not read here); the ids the
// events read here name (graph.eventlog.event_log.subjects_of), each once.
nb::tuple translator_translate(const OpenLineageTranslator& translator, PyObject* raws, PyObject* not_after,
                               nb::handle settle) {
  require_configured();
  if (!PyList_Check(raws)) raise(PyExc_TypeError, "translate takes a list of bytes");
  bool bounded = not_after != Py_None;
  int64_t not_after_us = bounded ? PyLong_AsLongLong(not_after) : 0;
  if (bounded && not_after_us == -1 && PyErr_Occurred()) throw PyErrorSet{};
  WriterLease lease;
  WireWriter& wire = lease.writer();
  Py_ssize_t count = PyList_GET_SIZE(raws);
  nb::list problems, seconds = nb::steal<nb::list>(check(PyList_New(count)));
  TextTable subjects(1024);
  OpenLineageTranslator::Facts facts;
  for (Py_ssize_t i = 0; i < count; i++) {
    nb::object raw = nb::borrow(PyList_GET_ITEM(raws, i));  // held: the list may change while the GIL is out
    if (!PyBytes_Check(raw.ptr())) raise(PyExc_TypeError, "translate takes a list of bytes");
    std::string_view json(PyBytes_AS_STRING(raw.ptr()), size_t(PyBytes_GET_SIZE(raw.ptr())));
    WireWriter::Mark mark = wire.mark();
    Translated why;
    facts.subjects.clear();
    OpenLineageTranslator::Outcome outcome;
    Py_BEGIN_ALLOW_THREADS
    outcome = translator.translate(json, bounded, not_after_us, wire, why, facts);
    Py_END_ALLOW_THREADS
    double moment = std::nan("");
    if (outcome == OpenLineageTranslator::kElsewhere) {
      wire.rollback(mark);
      nb::object settled = settle(i);
      if (!settled.is_none()) {
        PyObject *event, *kind, *at;
        if (!PyArg_ParseTuple(settled.ptr(), "SUU", &event, &kind, &at)) throw PyErrorSet{};
        std::string spill, spill2;
        why = translator.translate_settled(std::string_view(PyBytes_AS_STRING(event), size_t(PyBytes_GET_SIZE(event))),
                                           utf8_of(kind, spill), std::string(utf8_of(at, spill2)), wire);
        outcome = why.refused() ? OpenLineageTranslator::kRefused : OpenLineageTranslator::kElsewhere;
      }
    } else if (outcome == OpenLineageTranslator::kTranslated) {
      moment = facts.seconds;
      for (const std::string& subject : facts.subjects) subjects.intern(subject);
    }
    if (outcome == OpenLineageTranslator::kRefused) {
      wire.rollback(mark);
      problems.append(nb::steal(problem(i, why)));
    }
    PyList_SET_ITEM(seconds.ptr(), i, check(PyFloat_FromDouble(moment)));
  }
  nb::list named = list_of(subjects.size(), [&](size_t i) { return str_of(subjects.text(uint32_t(i))); });
  return nb::make_tuple(nb::steal(bytes_of(wire.finish())), problems, seconds, named);
}

// utc_stamp(moment) -> "YYYY-MM-DDTHH:MM:SS.ffffffZ" of a datetime already in UTC
// (graph.core.mutations.stamp): what every mutation of an event carries, made ~10x faster than
// Python's formatting.
PyObject* module_utc_stamp(PyObject* moment) {
  if (!PyDateTime_Check(moment)) raise(PyExc_TypeError, "utc_stamp takes a datetime");
  char out[32];
  int n = std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", PyDateTime_GET_YEAR(moment),
                        PyDateTime_GET_MONTH(moment), PyDateTime_GET_DAY(moment), PyDateTime_DATE_GET_HOUR(moment),
                        PyDateTime_DATE_GET_MINUTE(moment), PyDateTime_DATE_GET_SECOND(moment),
                        PyDateTime_DATE_GET_MICROSECOND(moment));
  return PyUnicode_FromStringAndSize(out, n);
}

// Whether a dict or list sits deeper than ``limit`` levels (the value itself is level 1).
bool nests_deeper(PyObject* value, long limit, long depth) {
  if (PyDict_Check(value)) {
    if (depth > limit) return true;
    Py_ssize_t pos = 0;
    PyObject *key, *item;
    while (PyDict_Next(value, &pos, &key, &item))
      if (nests_deeper(item, limit, depth + 1)) return true;
  } else if (PyList_Check(value)) {
    if (depth > limit) return true;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(value); i++)
      if (nests_deeper(PyList_GET_ITEM(value, i), limit, depth + 1)) return true;
  }
  return false;
}

// nests_deeper(value, limit) -> bool: a decoded JSON document's nesting, checked without a copy.
bool module_nests_deeper(nb::handle value, long limit) {
  if (limit < 1 || limit > 10000) raise(PyExc_ValueError, "limit must be 1 to 10000");
  return nests_deeper(value.ptr(), limit, 1);
}

// normal_namespace(namespace) -> its one spelling, by the core's rule (ingest.naming).
PyObject* module_normal_namespace(PyObject* sent) {
  if (!PyUnicode_Check(sent)) raise(PyExc_TypeError, "normal_namespace takes a str");
  std::string spill;
  std::string_view text = utf8_of(sent, spill);
  std::string normal = normal_namespace(text);
  if (normal == text) return Py_NewRef(sent);
  return str_of(normal);
}

// A lookup of the core's naming tables from Python: its answer, or None for "".
PyObject* scheme_answer(PyObject* scheme, std::string_view (*lookup)(std::string_view)) {
  if (!PyUnicode_Check(scheme)) raise(PyExc_TypeError, "a scheme is a str");
  std::string_view answer = lookup(Utf8(scheme).view);
  if (answer.empty()) Py_RETURN_NONE;
  return str_of(answer);
}

PyObject* module_object_store(PyObject* scheme) {
  return scheme_answer(scheme, object_store);
}

PyObject* module_storage_namespace(PyObject* ns) {
  if (!PyUnicode_Check(ns)) raise(PyExc_TypeError, "a namespace is a str");
  return PyBool_FromLong(storage_namespace(Utf8(ns).view));
}

PyObject* module_database_scheme(PyObject* scheme) {
  return scheme_answer(scheme, database_scheme);
}

}  // namespace

void bind_ingest(nb::module_& m) {
  PyDateTime_IMPORT;
  if (PyDateTimeAPI == nullptr) throw nb::python_error();
  using P = const nb::handle&;
  nb::class_<BuilderObject>(m, "Builder",
                            "The mutations of one source document, in the vocabulary every ingester writes in "
                            "(``ingest.builder.GraphBuilder`` is this; the Iceberg, contract and dbt translations subclass "
                            "it).")
      .def(
          "__init__",
          [](BuilderObject* self, const nb::str& at) {
            new (self) BuilderObject{std::make_unique<Builder>(utf8_copy(at)), at};
          },
          nb::arg("at"), nb::sig("def __init__(self, at: str) -> None"), "``at``: the stamp every mutation carries.")
      .def_prop_ro(
          "at", [](BuilderObject& self) { return self.at; }, nb::sig("def at(self) -> str"),
          "The stamp every mutation carries.")
      .def_prop_ro(
          "mutations",
          [](BuilderObject& self) {
            Bytes data = builder_of(self).wire.finish();
            return owned(decode_mutations(data.data(), data.size()));
          },
          nb::sig("def mutations(self) -> list[_Mutation]"), "The mutations so far.")
      .def(
          "node",
          [](BuilderObject& self, P id, P kind, P props, P first, P at) {
            return owned(builder_node(self, id.ptr(), kind.ptr(), props.ptr(), first.ptr(), at.ptr()));
          },
          nb::arg("node_id").none(), nb::arg("kind").none(), nb::arg("props").none(), nb::arg("first").none() = nb::none(),
          nb::arg("at").none() = nb::none(),
          nb::sig("def node(self, node_id: str, kind: NodeKind, props: _Props, first: _Props | None = None, "
                  "at: str | None = None) -> str"),
          "An UpsertNode remembering when the node was first and last seen.")
      .def(
          "edge",
          [](BuilderObject& self, P source, P kind, P target, P props) {
            builder_edge(self, source.ptr(), kind.ptr(), target.ptr(), props.ptr());
          },
          nb::arg("source").none(), nb::arg("kind").none(), nb::arg("target").none(), nb::arg("props").none() = nb::none(),
          nb::sig("def edge(self, source: str, kind: EdgeKind, target: str, props: _Props | None = None) -> None"),
          "An UpsertEdge remembering when the edge was first and last seen.")
      .def(
          "dataset_ref",
          [](BuilderObject& self, P ns, P name) {
            return owned(str_of(builder_of(self).dataset_ref(part(ns.ptr()), part(name.ptr()))));
          },
          nb::arg("namespace").none(), nb::arg("name").none(),
          nb::sig("def dataset_ref(self, namespace: str, name: str, /) -> str"), "A dataset that exists, not described here.")
      .def(
          "will_describe",
          [](BuilderObject& self, P ns, P name) { builder_of(self).will_describe(part(ns.ptr()), part(name.ptr())); },
          nb::arg("namespace").none(), nb::arg("name").none(),
          nb::sig("def will_describe(self, namespace: str, name: str, /) -> None"), "Say a dataset() of this one follows.")
      .def(
          "dataset",
          [](BuilderObject& self, P ns, P name, P props) {
            Builder& b = builder_of(self);
            return owned(str_of(b.dataset(part(ns.ptr()), part(name.ptr()), props_of(b, props.ptr()))));
          },
          nb::arg("namespace").none(), nb::arg("name").none(), nb::arg("props").none(),
          nb::sig("def dataset(self, namespace: str, name: str, props: _Props, /) -> str"), "A declared dataset.")
      .def(
          "job",
          [](BuilderObject& self, P ns, P name, P props) {
            Builder& b = builder_of(self);
            return owned(str_of(b.job(part(ns.ptr()), part(name.ptr()), props_of(b, props.ptr()))));
          },
          nb::arg("namespace").none(), nb::arg("name").none(), nb::arg("props").none(),
          nb::sig("def job(self, namespace: str, name: str, props: _Props, /) -> str"), "A job.")
      .def(
          "column",
          [](BuilderObject& self, P ns, P dataset, P field, P props) {
            Builder& b = builder_of(self);
            MapWriter p = props_of(b, props.ptr());
            return owned(str_of(b.column(part(ns.ptr()), part(dataset.ptr()), part(field.ptr()), &p)));
          },
          nb::arg("namespace").none(), nb::arg("dataset").none(), nb::arg("field").none(), nb::arg("props").none() = nb::none(),
          nb::sig("def column(self, namespace: str, dataset: str, field: str, props: _Props | None = None, /) -> str"),
          "A column of a dataset (without props: a mere reference).")
      .def(
          "alias",
          [](BuilderObject& self, P ns, P name, P canonical, P reason) {
            builder_of(self).alias(part(ns.ptr()), part(name.ptr()), part(canonical.ptr()), part(reason.ptr()));
          },
          nb::arg("namespace").none(), nb::arg("name").none(), nb::arg("canonical").none(), nb::arg("reason").none(),
          nb::sig("def alias(self, namespace: str, name: str, canonical: str, reason: str, /) -> None"),
          "Another name for a dataset.")
      .def(
          "owner",
          [](BuilderObject& self, P subject, P name, P owner_type) {
            Builder& b = builder_of(self);
            MapWriter ownership = b.map();
            set_py(ownership, "type", owner_type.ptr());
            return owned(str_of(b.owner(part(subject.ptr()), part(name.ptr()), ownership)));
          },
          nb::arg("subject").none(), nb::arg("name").none(), nb::arg("owner_type").none(),
          nb::sig("def owner(self, subject: str, name: str, owner_type: str | None, /) -> str"), "An owner of ``subject``.")
      .def(
          "domain",
          [](BuilderObject& self, P name, P props) {
            Builder& b = builder_of(self);
            MapWriter p = props_of(b, props.ptr());
            return owned(str_of(b.domain(part(name.ptr()), &p)));
          },
          nb::arg("name").none(), nb::arg("props").none() = nb::none(),
          nb::sig("def domain(self, name: str, props: _Props | None = None, /) -> str"), "A domain.")
      .def(
          "product",
          [](BuilderObject& self, P domain, P name, P props) {
            Builder& b = builder_of(self);
            return owned(str_of(b.product(part(domain.ptr()), part(name.ptr()), props_of(b, props.ptr()))));
          },
          nb::arg("domain").none(), nb::arg("name").none(), nb::arg("props").none(),
          nb::sig("def product(self, domain: str, name: str, props: _Props, /) -> str"), "A data product of its domain.")
      .def(
          "consumer",
          [](BuilderObject& self, P name, P props) {
            Builder& b = builder_of(self);
            MapWriter p = props_of(b, props.ptr());
            return owned(str_of(b.consumer(part(name.ptr()), &p)));
          },
          nb::arg("name").none(), nb::arg("props").none() = nb::none(),
          nb::sig("def consumer(self, name: str, props: _Props | None = None, /) -> str"), "A consumer.")
      .def(
          "encoded", [](BuilderObject& self) { return owned(bytes_of(builder_of(self).wire.finish())); },
          nb::sig("def encoded(self) -> bytes"), "The mutations so far, in the wire form.");

  nb::class_<OpenLineageTranslator>(m, "Translator", nb::is_final(), nb::sig("@typing.final\nclass Translator()"),
                                    "OpenLineage events' JSON to graph mutations in the wire form, under the rules this "
                                    "object holds (never module state: two services of one process with different rules "
                                    "cannot meet).")
      .def(
          "__init__",
          [](OpenLineageTranslator* self, P domain_rules, P rule_source, P schema, int max_depth) {
            OpenLineageRules rules{domain_rules.is_none() ? DomainRules() : domain_rules_of(domain_rules.ptr()),
                                   str_arg(rule_source.ptr(), "rule_source")};
            new (self) OpenLineageTranslator(std::move(rules), schema_of(schema.ptr()), max_depth);
          },
          nb::arg("domain_rules").none(), nb::arg("rule_source"), nb::arg("schema").none(), nb::arg("max_depth"),
          nb::sig("def __init__(self, domain_rules: Sequence[_DomainRule] | None, rule_source: str, "
                  "schema: tuple[Sequence[str], Sequence[tuple[str, str]]] | None, max_depth: int, /) -> None"),
          "Dataset namespaces are spelled by the core's one rule (:func:`normal_namespace`, no call back into Python); "
          "``domain_rules``: the rules that assign datasets domains, as data the core matches (``DomainRules.as_data``, "
          "no call back into Python); ``rule_source``: the source a rule-made BELONGS_TO carries; ``schema``: the event "
          "schemas the core checks events against (``ingest.openlineage_schema.event_schemas``; None: it vouches for "
          "none); ``max_depth``: the deepest an event may nest.")
      .def(
          "translate",
          [](const OpenLineageTranslator& translator, P raws, P not_after, P settle) {
            return translator_translate(translator, raws.ptr(), not_after.ptr(), settle);
          },
          nb::arg("raws"), nb::arg("not_after").none(), nb::arg("settle"),
          nb::sig("def translate(self, raws: list[bytes], not_after: int | None, settle: Callable[[int], "
                  "tuple[bytes, str, str] | None], /) -> tuple[bytes, list[_Refused], list[float], list[str]]"),
          "Events' JSON into one batch, in order: each read, checked and translated whole in the core where it can vouch "
          "for it, any other ``settle(index)``'s (the Python path: None when refused, else the JSON, kind and stamp of "
          "the event it settled on, translated then in its place). ``not_after``: the latest eventTime accepted, Unix "
          "microseconds. Returns the batch, the events refused ((index, \"invalid\", \"overlong\" or \"limit\", "
          "detail, path: the invalid one's JSON path)), each event's eventTime in Unix seconds (NaN where the core did not read it), and the ids the events "
          "it read name, each once.");

  nb::class_<JsonSchema>(m, "EventSchema", nb::is_final(), nb::sig("@typing.final\nclass EventSchema()"),
                         "The one OpenLineage event validator (native/core/json_schema.h): Python jsonschema's verdict "
                         "and wording, decided in the core.")
      .def(
          "__init__",
          [](JsonSchema* self, P schema) {
            std::vector<std::string> texts;
            std::vector<std::pair<std::string, std::string>> pairs;
            schema_parts(schema.ptr(), texts, pairs);
            new (self) JsonSchema(texts, pairs);
          },
          nb::arg("schema"),
          nb::sig("def __init__(self, schema: tuple[Sequence[str], Sequence[tuple[str, str]]], /) -> None"),
          "``schema``: the documents and roots ``ingest.openlineage_schema.event_schemas`` gives.")
      .def(
          "refusal", [](const JsonSchema& self, P json, P kind) { return owned(event_schema_refusal(self, json.ptr(), kind.ptr())); },
          nb::arg("json"), nb::arg("kind"),
          nb::sig("def refusal(self, json: bytes, kind: str, /) -> tuple[str, str] | None"),
          "Why the event (its JSON; ``kind`` RunEvent, DatasetEvent or JobEvent) is not valid: the JSON path and message "
          "Python jsonschema's ``best_match`` gave, of the first facet that fails, else of the event; None when valid.");

  m.attr("LONGEST_ID") = Builder::kLongestId;
  m.def(
      "utc_stamp", [](P moment) { return owned(module_utc_stamp(moment.ptr())); },
      nb::sig("def utc_stamp(moment: datetime.datetime, /) -> str"),
      "The stamp every mutation carries, of a datetime already in UTC.");
  m.def(
      "normal_namespace", [](P sent) { return owned(module_normal_namespace(sent.ptr())); },
      nb::sig("def normal_namespace(namespace: str, /) -> str"),
      "The one spelling of a dataset namespace (``ingest.naming``; ``native/core/namespaces.h``): object-store, "
      "database and SQLite schemes as the naming spec writes them, host lower-cased, default port and trailing slash "
      "dropped; authorities read as Python 3.11's ``urlsplit`` reads them, one it refuses left as sent. The "
      "OpenLineage translation applies the same rule.");
  m.def(
      "object_store", [](P scheme) { return owned(module_object_store(scheme.ptr())); },
      nb::sig("def object_store(scheme: str, /) -> str | None"),
      "The scheme the naming spec names an object store by, for the lower-case ``scheme`` that reaches it (``s3a`` -> "
      "``s3``, ``abfs`` -> ``abfss``), else None: the core's one table, which ``ingest.naming`` names storage "
      "locations by too.");
  m.def(
      "storage_namespace",
      [](P ns) { return owned(module_storage_namespace(ns.ptr())); },
      nb::sig("def storage_namespace(namespace: str, /) -> bool"),
      "Whether a normal dataset namespace names a storage location (``file``, ``hdfs``, ``dbfs``, an object store) "
      "rather than a catalog, metastore or database: a name alias resolution shows last (``graph.read.aliases``).");
  m.def(
      "database_scheme", [](P scheme) { return owned(module_database_scheme(scheme.ptr())); },
      nb::sig("def database_scheme(scheme: str, /) -> str | None"),
      "The spec's scheme of a database as producers spell its lower-case ``scheme`` (``postgresql`` -> ``postgres``, "
      "``mariadb`` -> ``mysql``), else None.");
  m.def("nests_deeper", module_nests_deeper, nb::arg("value").none(), nb::arg("limit"), nb::sig("def nests_deeper(value: object, limit: int, /) -> bool"),
        "Whether a dict or list in a decoded JSON document sits deeper than ``limit`` levels.");
}

}  // namespace lm
