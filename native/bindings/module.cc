// graph._native: the Python face of the native core, declared with nanobind. Thin: arguments in,
// the core's records out as graph.model objects (native/bindings/pytypes.h finds their classes).
// ``graph.mutations`` says what each entry point is for; graph/_native.pyi is generated from these
// declarations (scripts/native_stub) and states them for mypy.
#include "py.h"

#include "domain_rules_py.h"
#include "ids.h"
#include "impact.h"
#include "pybatch.h"
#include "pyobservations.h"
#include "pymodule.h"
#include "pyvalues.h"

using namespace lm;

namespace {

// node_id(prefix, first, *rest): graph.model's ids, made by the one rule (native/core/ids.h).
PyObject* module_node_id(nb::handle prefix, nb::handle first, nb::args rest) {
  size_t n = 2 + rest.size();
  std::vector<std::string> spills(n);
  std::vector<std::string_view> parts;
  for (size_t i = 0; i < n; i++) {
    nb::handle part = i == 0 ? prefix : i == 1 ? first : rest[i - 2];
    if (!PyUnicode_Check(part.ptr())) raise(PyExc_TypeError, "node id parts are str");
    parts.push_back(utf8_of(part.ptr(), spills[i]));
  }
  std::string id = node_id(parts[0], parts.data() + 1, parts.size() - 1);
  return str_of(id);
}

// id_part(part): a later part of an id, escaped by the one rule (native/core/ids.h), for ids
// graph.schema_history builds on other ids.
PyObject* module_id_part(PyObject* part) {
  if (!PyUnicode_Check(part)) raise(PyExc_TypeError, "node id parts are str");
  std::string spill, out;
  append_id_part(out, utf8_of(part, spill));
  return str_of(out);
}

// direct_transformations(transformations): the DIRECT-hop rule of the impact walk (native/core/
// impact.h, is_direct_hop) for graph.governance: None when the value is no list or an empty one
// (the hop is direct, and there are no entries to read), else the indexes of its DIRECT entries.
PyObject* module_direct_transformations(PyObject* transformations) {
  if (!PyList_Check(transformations) && !PyTuple_Check(transformations)) Py_RETURN_NONE;
  if (PySequence_Size(transformations) == 0) Py_RETURN_NONE;
  StringPool pool;
  std::vector<StrId> held;
  PoolSink sink(pool, held);
  Bytes encoded;
  value_from_py(transformations, sink, encoded, "transformations");
  std::vector<uint32_t> direct;
  is_direct_hop(encoded.data(), pool, pool.find("type"), &direct);
  for (StrId s : held) pool.decref(s);
  PyRef out(check(PyList_New(Py_ssize_t(direct.size()))));
  for (size_t i = 0; i < direct.size(); i++) PyList_SET_ITEM(out.get(), Py_ssize_t(i), check(PyLong_FromUnsignedLong(direct[i])));
  return out.release();
}

// A new reference made by a conversion (null: the Python error it set), handed to Python.
nb::object made(PyObject* o) { return nb::steal(check(o)); }

}  // namespace

NB_MODULE(_native, m) {
  m.doc() = "The native core of lineagemesh's graph.";
  register_error_translation();
  // A store's graph or a service's translator may live until the interpreter exits: that is no
  // leak, and nanobind's report of it would land on every command's stderr.
  nb::set_leak_warnings(false);
  m.def(
      "node_id", [](nb::handle prefix, nb::handle first, nb::args rest) { return made(module_node_id(prefix, first, rest)); },
      nb::sig("def node_id(prefix: str, first: str, /, *rest: str) -> str"),
      "The id of a node: its kind's prefix and its parts, the later ones escaped (the one rule, native/core/ids.h).");
  m.def(
      "id_part", [](nb::handle part) { return made(module_id_part(part.ptr())); },
      nb::sig("def id_part(part: str, /) -> str"),
      "A later part of an id, escaped by the one rule, for ids built on other ids.");
  m.def(
      "direct_transformations",
      [](nb::handle transformations) { return made(module_direct_transformations(transformations.ptr())); },
      nb::arg("transformations").none(),
      nb::sig("def direct_transformations(transformations: object, /) -> list[int] | None"),
      "The impact walk's DIRECT-hop rule for graph.governance: None for a direct hop with no entries, else the "
      "indexes of the DIRECT entries.");
  m.def(
      "encode", [](nb::handle mutations) { return made(encode_mutations(mutations.ptr())); },
      nb::sig("def encode(mutations: Sequence[_Mutation], /) -> bytes"),
      "A batch of mutations in the wire form stores apply and the journal keeps.");
  m.def(
      "decode", [](nb::handle payload) { return made(over_bytes(payload.ptr(), decode_mutations)); },
      nb::sig("def decode(payload: bytes, /) -> list[_Mutation]"),
      "The mutations of a batch in the wire form: the inverse of :func:`encode`.");
  nb::class_<ObservedSchemas>(m, "ObservedSchemas", nb::is_final(), nb::sig("@typing.final\nclass ObservedSchemas()"),
                              "A batch's schema observations, read once from its wire form and held with it: their "
                              "datasets and stamps, rows made only for those asked, and Graph.first_holding_observed "
                              "compares their fields where they lie.")
      .def_prop_ro(
          "size", [](const ObservedSchemas& o) { return o.size(); }, nb::sig("def size(self) -> int"),
          "How many observations the batch states.")
      .def(
          "index", [](const ObservedSchemas& o) { return made(o.index_bytes()); }, nb::sig("def index(self) -> bytes"),
          "What was read, as offsets into the payload and indexes of its string tables: a process holding the same "
          "payload adopts it (:func:`observed_schemas`) without reading the batch again.")
      .def(
          "keys", [](const ObservedSchemas& o) { return made(o.keys()); },
          nb::sig("def keys(self) -> list[tuple[str, str]]"),
          "(dataset id, at) of every observation, in the batch's order.")
      .def(
          "rows", [](const ObservedSchemas& o, nb::handle indices) { return made(o.rows(indices.ptr())); },
          nb::arg("indices").none() = nb::none(),
          nb::sig("def rows(self, indices: Sequence[int] | None = None, /) -> list[tuple[str, str, str, str, "
                  "tuple[dict[str, Any], ...], str | None]]"),
          "(dataset, namespace, name, at, fields, origin) of the observations at ``indices`` (all: None): "
          "graph.schema_observations.observations' rule, read from the wire form.");
  m.def(
      "observed_schemas",
      [](nb::handle payload, nb::handle index) -> nb::object {
        std::unique_ptr<ObservedSchemas> observed = ObservedSchemas::read(payload.ptr(), index.ptr());
        if (!observed) return nb::none();
        return nb::cast(observed.release(), nb::rv_policy::take_ownership);
      },
      nb::arg("payload"), nb::arg("index").none() = nb::none(),
      nb::sig("def observed_schemas(payload: bytes, index: bytes | None = None, /) -> ObservedSchemas | None"),
      "graph.schema_observations' observations of a batch, read from the wire form and held; None for a batch only "
      "the Python reader reads. ``index``: what :meth:`ObservedSchemas.index` gave for this very payload (in the "
      "process that translated it), adopted instead of reading the batch.");
  bind_graph(m);
  bind_views(m);
  bind_domain_rules(m);
  bind_ingest(m);
}
