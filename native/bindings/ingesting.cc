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

struct BuilderObject {
  PyObject_HEAD
  Builder* builder;
  PyObject* at;  // the stamp, as the str Python gave
};

PyTypeObject BuilderType = {PyVarObject_HEAD_INIT(nullptr, 0)};

Builder& builder_of(PyObject* self) {
  Builder* b = reinterpret_cast<BuilderObject*>(self)->builder;
  if (b == nullptr) raise(PyExc_RuntimeError, "Builder.__init__ was not called");
  return *b;
}

// An id part as Python's f-strings write it (a str as it is, anything else as str() makes it).
std::string part(PyObject* o) {
  std::string spill;
  if (PyUnicode_Check(o)) return std::string(utf8_of(o, spill));
  PyRef shown(check(PyObject_Str(o)));
  return std::string(utf8_of(shown.get(), spill));
}

PyObject* str_result(const std::string& s) { return str_of(s); }

// A props argument: a mapping (or None: none), as the builder's map.
MapWriter props_of(Builder& b, PyObject* props, const char* where = "props") {
  MapWriter map = b.map();
  merge_py(map, props, where);
  return map;
}

PyObject* builder_new(PyTypeObject* type, PyObject*, PyObject*) {
  PyObject* self = type->tp_alloc(type, 0);
  if (self != nullptr) {
    reinterpret_cast<BuilderObject*>(self)->builder = nullptr;
    reinterpret_cast<BuilderObject*>(self)->at = nullptr;
  }
  return self;
}

int builder_init(PyObject* self, PyObject* args, PyObject* kwargs) {
  LM_GUARD_BEGIN
  static const char* names[] = {"at", nullptr};
  PyObject* at;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "U", const_cast<char**>(names), &at)) return -1;
  BuilderObject* o = reinterpret_cast<BuilderObject*>(self);
  std::string spill;
  delete o->builder;
  o->builder = new Builder(std::string(utf8_of(at, spill)));
  Py_INCREF(at);
  Py_XSETREF(o->at, at);
  return 0;
  LM_GUARD_END(-1)
}

void builder_dealloc(PyObject* self) {
  BuilderObject* o = reinterpret_cast<BuilderObject*>(self);
  PyObject_GC_UnTrack(self);
  delete o->builder;
  Py_CLEAR(o->at);
  Py_TYPE(self)->tp_free(self);
}

int builder_traverse(PyObject*, visitproc, void*) { return 0; }  // it holds only a str

PyObject* builder_at(PyObject* self, void*) {
  PyObject* at = reinterpret_cast<BuilderObject*>(self)->at;
  if (at == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "Builder.__init__ was not called");
    return nullptr;
  }
  Py_INCREF(at);
  return at;
}

PyObject* builder_node(PyObject* self, PyObject* args, PyObject* kwargs) {
  LM_GUARD_BEGIN
  static const char* names[] = {"node_id", "kind", "props", "first", "at", nullptr};
  PyObject *id, *kind, *props, *first = Py_None, *at = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO|OO", const_cast<char**>(names), &id, &kind, &props, &first, &at))
    return nullptr;
  Builder& b = builder_of(self);
  MapWriter p = props_of(b, props), f = props_of(b, first, "first");
  std::string stamp = at == Py_None ? std::string() : part(at);
  b.node(part(id), node_kind_code(kind), p, f.empty() ? nullptr : &f, stamp);
  Py_INCREF(id);
  return id;
  LM_GUARD_END(nullptr)
}

PyObject* builder_edge(PyObject* self, PyObject* args, PyObject* kwargs) {
  LM_GUARD_BEGIN
  static const char* names[] = {"source", "kind", "target", "props", nullptr};
  PyObject *source, *kind, *target, *props = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO|O", const_cast<char**>(names), &source, &kind, &target, &props))
    return nullptr;
  Builder& b = builder_of(self);
  MapWriter p = props_of(b, props);
  b.edge(part(source), edge_kind_code(kind), part(target), &p);
  Py_RETURN_NONE;
  LM_GUARD_END(nullptr)
}

PyObject* builder_dataset_ref(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *ns, *name;
  if (!PyArg_ParseTuple(args, "OO", &ns, &name)) return nullptr;
  return str_result(builder_of(self).dataset_ref(part(ns), part(name)));
  LM_GUARD_END(nullptr)
}

PyObject* builder_will_describe(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *ns, *name;
  if (!PyArg_ParseTuple(args, "OO", &ns, &name)) return nullptr;
  builder_of(self).will_describe(part(ns), part(name));
  Py_RETURN_NONE;
  LM_GUARD_END(nullptr)
}

PyObject* builder_dataset(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *ns, *name, *props;
  if (!PyArg_ParseTuple(args, "OOO", &ns, &name, &props)) return nullptr;
  Builder& b = builder_of(self);
  return str_result(b.dataset(part(ns), part(name), props_of(b, props)));
  LM_GUARD_END(nullptr)
}

PyObject* builder_job(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *ns, *name, *props;
  if (!PyArg_ParseTuple(args, "OOO", &ns, &name, &props)) return nullptr;
  Builder& b = builder_of(self);
  return str_result(b.job(part(ns), part(name), props_of(b, props)));
  LM_GUARD_END(nullptr)
}

PyObject* builder_column(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *ns, *dataset, *field, *props = Py_None;
  if (!PyArg_ParseTuple(args, "OOO|O", &ns, &dataset, &field, &props)) return nullptr;
  Builder& b = builder_of(self);
  MapWriter p = props_of(b, props);
  return str_result(b.column(part(ns), part(dataset), part(field), &p));
  LM_GUARD_END(nullptr)
}

PyObject* builder_alias(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *ns, *name, *canonical, *reason;
  if (!PyArg_ParseTuple(args, "OOOO", &ns, &name, &canonical, &reason)) return nullptr;
  builder_of(self).alias(part(ns), part(name), part(canonical), part(reason));
  Py_RETURN_NONE;
  LM_GUARD_END(nullptr)
}

PyObject* builder_owner(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *subject, *name, *owner_type;
  if (!PyArg_ParseTuple(args, "OOO", &subject, &name, &owner_type)) return nullptr;
  Builder& b = builder_of(self);
  MapWriter ownership = b.map();
  set_py(ownership, "type", owner_type);
  return str_result(b.owner(part(subject), part(name), ownership));
  LM_GUARD_END(nullptr)
}

PyObject* builder_domain(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *name, *props = Py_None;
  if (!PyArg_ParseTuple(args, "O|O", &name, &props)) return nullptr;
  Builder& b = builder_of(self);
  MapWriter p = props_of(b, props);
  return str_result(b.domain(part(name), &p));
  LM_GUARD_END(nullptr)
}

PyObject* builder_product(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *domain, *name, *props;
  if (!PyArg_ParseTuple(args, "OOO", &domain, &name, &props)) return nullptr;
  Builder& b = builder_of(self);
  return str_result(b.product(part(domain), part(name), props_of(b, props)));
  LM_GUARD_END(nullptr)
}

PyObject* builder_consumer(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  PyObject *name, *props = Py_None;
  if (!PyArg_ParseTuple(args, "O|O", &name, &props)) return nullptr;
  Builder& b = builder_of(self);
  MapWriter p = props_of(b, props);
  return str_result(b.consumer(part(name), &p));
  LM_GUARD_END(nullptr)
}

PyObject* bytes_of(const Bytes& data) {
  return check(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(data.data()), Py_ssize_t(data.size())));
}

PyObject* builder_encoded(PyObject* self, PyObject*) {
  LM_GUARD_BEGIN
  return bytes_of(builder_of(self).wire.finish());
  LM_GUARD_END(nullptr)
}

PyObject* builder_mutations(PyObject* self, void*) {
  LM_GUARD_BEGIN
  Bytes data = builder_of(self).wire.finish();
  return decode_mutations(data.data(), data.size());
  LM_GUARD_END(nullptr)
}

PyMethodDef builder_methods[] = {
    {"node", reinterpret_cast<PyCFunction>(builder_node), METH_VARARGS | METH_KEYWORDS,
     "node(node_id, kind, props, first=None, at=None) -> node_id: an UpsertNode."},
    {"edge", reinterpret_cast<PyCFunction>(builder_edge), METH_VARARGS | METH_KEYWORDS,
     "edge(source, kind, target, props=None): an UpsertEdge remembering when it was first and last seen."},
    {"dataset_ref", builder_dataset_ref, METH_VARARGS, "dataset_ref(namespace, name) -> id: the dataset exists."},
    {"will_describe", builder_will_describe, METH_VARARGS, "will_describe(namespace, name): a dataset() follows."},
    {"dataset", builder_dataset, METH_VARARGS, "dataset(namespace, name, props) -> id: a declared dataset."},
    {"job", builder_job, METH_VARARGS, "job(namespace, name, props) -> id."},
    {"column", builder_column, METH_VARARGS, "column(namespace, dataset, field, props=None) -> id."},
    {"alias", builder_alias, METH_VARARGS, "alias(namespace, name, canonical, reason): another name for a dataset."},
    {"owner", builder_owner, METH_VARARGS, "owner(subject, name, owner_type) -> id."},
    {"domain", builder_domain, METH_VARARGS, "domain(name, props=None) -> id."},
    {"product", builder_product, METH_VARARGS, "product(domain, name, props) -> id: a data product of its domain."},
    {"consumer", builder_consumer, METH_VARARGS, "consumer(name, props=None) -> id."},
    {"encoded", builder_encoded, METH_NOARGS, "encoded() -> bytes: the mutations so far, in the wire form."},
    {nullptr, nullptr, 0, nullptr}};

PyGetSetDef builder_getset[] = {
    {"at", builder_at, nullptr, "The stamp every mutation carries.", nullptr},
    {"mutations", builder_mutations, nullptr, "The mutations so far (graph.mutations objects).", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

// -- Translator ---------------------------------------------------------------------------------

struct TranslatorObject {
  PyObject_HEAD
  OpenLineageTranslator* translator;
};

PyTypeObject TranslatorType = {PyVarObject_HEAD_INIT(nullptr, 0)};

const OpenLineageTranslator& translator_of(PyObject* self) {
  OpenLineageTranslator* t = reinterpret_cast<TranslatorObject*>(self)->translator;
  if (t == nullptr) raise(PyExc_RuntimeError, "Translator.__new__ did not finish");
  return *t;
}

std::string str_arg(PyObject* o, const char* what) {
  if (!PyUnicode_Check(o)) raise(PyExc_TypeError, std::string(what) + " must be a str");
  std::string spill;
  return std::string(utf8_of(o, spill));
}

// (documents, roots) -> the compiled schema: documents a sequence of JSON texts, roots of
// (name, JSON text) pairs (ingest.openlineage_schema.event_schemas).
std::unique_ptr<JsonSchema> schema_of(PyObject* schema) {
  if (schema == Py_None) return nullptr;
  PyObject *documents, *roots;
  if (!PyArg_ParseTuple(schema, "OO", &documents, &roots)) throw PyErrorSet{};
  PyRef docs(check(PySequence_Fast(documents, "the schema's documents must be a sequence")));
  PyRef named(check(PySequence_Fast(roots, "the schema's roots must be a sequence")));
  std::vector<std::string> texts;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(docs.get()); i++)
    texts.push_back(str_arg(PySequence_Fast_GET_ITEM(docs.get(), i), "a schema document"));
  std::vector<std::pair<std::string, std::string>> pairs;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(named.get()); i++) {
    PyObject *name, *text;
    if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(named.get(), i), "OO", &name, &text)) throw PyErrorSet{};
    pairs.emplace_back(str_arg(name, "a root's name"), str_arg(text, "a root schema"));
  }
  return std::make_unique<JsonSchema>(texts, pairs);
}

// Translator(domain_rules or None, rule_source, schema or None, max_depth): the rules travel with
// the object, never through module state; the domain rules as data, (domain, namespace, name,
// job_namespace) glob tuples the core matches; ``schema`` the event schemas the core checks
// events against (None: every event takes the Python path first).
PyObject* translator_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  LM_GUARD_BEGIN
  static const char* names[] = {"domain_rules", "rule_source", "schema", "max_depth", nullptr};
  PyObject *domain_rules, *rule_source, *schema;
  int max_depth;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OUOi", const_cast<char**>(names), &domain_rules, &rule_source, &schema,
                                   &max_depth))
    return nullptr;
  OpenLineageRules rules{domain_rules == Py_None ? DomainRules() : domain_rules_of(domain_rules),
                         str_arg(rule_source, "rule_source")};
  auto translator = std::make_unique<OpenLineageTranslator>(std::move(rules), schema_of(schema), max_depth);
  PyRef self(check(type->tp_alloc(type, 0)));
  reinterpret_cast<TranslatorObject*>(self.get())->translator = translator.release();
  return self.release();
  LM_GUARD_END(nullptr)
}

void translator_dealloc(PyObject* self) {
  delete reinterpret_cast<TranslatorObject*>(self)->translator;
  Py_TYPE(self)->tp_free(self);
}

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
  PyRef detail(str_of(why.overlong_id.empty() ? why.over_limit : why.overlong_id));
  return check(Py_BuildValue("(nsO)", index, why.overlong_id.empty() ? "limit" : "overlong", detail.get()));
}

// translate(raws, not_after, settle) -> (wire bytes, [(index, what, detail)], [seconds], [subject])
//
// ``raws``: events, each its JSON bytes, translated into one batch (one string table, equal maps
// once: less to journal and plan than a batch each), in order. The core reads and checks each
// one whole where it can (native/core/openlineage_event.h); any other is ``settle(index)``'s,
// the Python path, which returns None (refused: it keeps why) or (JSON bytes, kind, stamp) of the
// event it settled on, then translated here in its place. ``not_after``: the latest eventTime
// accepted, Unix microseconds (None: no bound). Returned: the batch; the events translated but
// refused, ``what`` "overlong" (``detail`` the id) or "limit" (why it asks too much work, naming
// the field); per event its eventTime in Unix seconds (NaN for those not read here); the ids the
// events read here name (graph.event_log.subjects_of), each once.
PyObject* translator_translate(PyObject* self, PyObject* args) {
  LM_GUARD_BEGIN
  require_configured();
  PyObject *raws, *not_after, *settle;
  if (!PyArg_ParseTuple(args, "O!OO", &PyList_Type, &raws, &not_after, &settle)) return nullptr;
  const OpenLineageTranslator& translator = translator_of(self);
  bool bounded = not_after != Py_None;
  int64_t not_after_us = bounded ? PyLong_AsLongLong(not_after) : 0;
  if (bounded && not_after_us == -1 && PyErr_Occurred()) return nullptr;
  WriterLease lease;
  WireWriter& wire = lease.writer();
  Py_ssize_t count = PyList_GET_SIZE(raws);
  PyRef problems(check(PyList_New(0)));
  PyRef seconds(check(PyList_New(count)));
  TextTable subjects(1024);
  OpenLineageTranslator::Facts facts;
  for (Py_ssize_t i = 0; i < count; i++) {
    PyRef raw(Py_NewRef(PyList_GET_ITEM(raws, i)));  // held: the list may change while the GIL is out
    if (!PyBytes_Check(raw.get())) raise(PyExc_TypeError, "translate takes a list of bytes");
    std::string_view json(PyBytes_AS_STRING(raw.get()), size_t(PyBytes_GET_SIZE(raw.get())));
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
      PyRef settled(check(PyObject_CallFunction(settle, "n", i)));
      if (settled.get() != Py_None) {
        PyObject *event, *kind, *at;
        if (!PyArg_ParseTuple(settled.get(), "SUU", &event, &kind, &at)) return nullptr;
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
      PyRef refused(problem(i, why));
      if (PyList_Append(problems.get(), refused.get()) < 0) return nullptr;
    }
    PyList_SET_ITEM(seconds.get(), i, check(PyFloat_FromDouble(moment)));
  }
  PyRef named(check(PyList_New(Py_ssize_t(subjects.size()))));
  for (uint32_t i = 0; i < subjects.size(); i++) PyList_SET_ITEM(named.get(), Py_ssize_t(i), str_of(subjects.text(i)));
  PyRef payload(bytes_of(wire.finish()));
  return PyTuple_Pack(4, payload.get(), problems.get(), seconds.get(), named.get());
  LM_GUARD_END(nullptr)
}

// utc_stamp(moment) -> "YYYY-MM-DDTHH:MM:SS.ffffffZ" of a datetime already in UTC
// (graph.mutations.stamp): what every mutation of an event carries, made ~10x faster than
// Python's formatting.
PyObject* module_utc_stamp(PyObject*, PyObject* moment) {
  if (!PyDateTime_Check(moment)) {
    PyErr_SetString(PyExc_TypeError, "utc_stamp takes a datetime");
    return nullptr;
  }
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
PyObject* module_nests_deeper(PyObject*, PyObject* args) {
  PyObject* value;
  long limit;
  if (!PyArg_ParseTuple(args, "Ol", &value, &limit)) return nullptr;
  if (limit < 1 || limit > 10000) {
    PyErr_SetString(PyExc_ValueError, "limit must be 1 to 10000");
    return nullptr;
  }
  return PyBool_FromLong(nests_deeper(value, limit, 1));
}

PyMethodDef translator_methods[] = {
    {"translate", translator_translate, METH_VARARGS,
     "translate(raws, not_after, settle) -> (one wire batch, [(index, what, detail)], [seconds], [subject])."},
    {nullptr, nullptr, 0, nullptr}};

// normal_namespace(namespace) -> its one spelling, by the core's rule (ingest.naming).
PyObject* module_normal_namespace(PyObject*, PyObject* sent) {
  LM_GUARD_BEGIN
  if (!PyUnicode_Check(sent)) raise(PyExc_TypeError, "normal_namespace takes a str");
  std::string spill;
  std::string_view text = utf8_of(sent, spill);
  std::string normal = normal_namespace(text);
  if (normal == text) return Py_NewRef(sent);
  return str_of(normal);
  LM_GUARD_END(nullptr)
}

// A lookup of the core's naming tables from Python: its answer, or None for "".
PyObject* scheme_answer(PyObject* scheme, std::string_view (*lookup)(std::string_view)) {
  if (!PyUnicode_Check(scheme)) raise(PyExc_TypeError, "a scheme is a str");
  std::string spill;
  std::string_view answer = lookup(utf8_of(scheme, spill));
  if (answer.empty()) Py_RETURN_NONE;
  return str_of(answer);
}

PyObject* module_object_store(PyObject*, PyObject* scheme) {
  LM_GUARD_BEGIN
  return scheme_answer(scheme, object_store);
  LM_GUARD_END(nullptr)
}

PyObject* module_database_scheme(PyObject*, PyObject* scheme) {
  LM_GUARD_BEGIN
  return scheme_answer(scheme, database_scheme);
  LM_GUARD_END(nullptr)
}

PyMethodDef functions[] = {
    {"utc_stamp", module_utc_stamp, METH_O, "utc_stamp(moment) -> the stamp of a datetime in UTC."},
    {"normal_namespace", module_normal_namespace, METH_O,
     "normal_namespace(namespace) -> str: the one spelling of a dataset namespace (ingest.naming)."},
    {"object_store", module_object_store, METH_O,
     "object_store(scheme) -> str | None: the scheme the naming spec names the object store a lower-case scheme reaches by (s3a -> s3)."},
    {"database_scheme", module_database_scheme, METH_O,
     "database_scheme(scheme) -> str | None: the spec's scheme of a database as producers spell it (postgresql -> postgres)."},
    {"nests_deeper", module_nests_deeper, METH_VARARGS,
     "nests_deeper(value, limit) -> bool: whether a dict or list in value sits deeper than limit levels."},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

bool add_ingest_types(PyObject* module) {
  PyDateTime_IMPORT;
  if (PyDateTimeAPI == nullptr) return false;
  BuilderType.tp_init = builder_init;
  BuilderType.tp_traverse = builder_traverse;
  if (!add_type(module, BuilderType, "graph._native.Builder", sizeof(BuilderObject),
                "Builder(at): the mutations of one source document, in the vocabulary every ingester writes in.",
                builder_dealloc, builder_methods, builder_getset, builder_new,
                Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC)) {
    return false;
  }
  if (!add_type(module, TranslatorType, "graph._native.Translator", sizeof(TranslatorObject),
                "Translator(domain_rules, rule_source, schema, max_depth): OpenLineage events' JSON to the "
                "wire form, under the rules it holds (ingest.openlineage).",
                translator_dealloc, translator_methods, nullptr, translator_new, 0))
    return false;
  if (PyModule_AddIntConstant(module, "LONGEST_ID", long(Builder::kLongestId)) < 0) return false;
  return PyModule_AddFunctions(module, functions) == 0;
}

}  // namespace lm
