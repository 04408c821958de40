// graph._native: the Python face of the native core, declared with nanobind. Thin: arguments in,
// the core's records out as graph.core.model objects (native/bindings/pytypes.h finds their classes).
// ``graph.core.mutations`` says what each entry point is for; graph/_native.pyi is generated from these
// declarations (scripts/generate_native_stub.py) and states them for mypy.
#include "py.h"

#include "domain_rules_py.h"
#include "hash_filter.h"
#include "ids.h"
#include "impact.h"
#include "pybatch.h"
#include "pyobservations.h"
#include "pymodule.h"
#include "schema_versions.h"
#include "pyvalues.h"

using namespace lm;

namespace {

// node_id(prefix, first, *rest): graph.core.model's ids, made by the one rule (native/core/ids.h).
nb::object module_node_id(const Text& prefix, const Text& first, nb::args rest) {
  std::vector<std::string> spills(rest.size());
  std::vector<std::string_view> parts{first.view};
  for (size_t i = 0; i < rest.size(); i++) {
    if (!PyUnicode_Check(rest[i].ptr())) raise(PyExc_TypeError, "node id parts are str");
    parts.push_back(utf8_of(rest[i].ptr(), spills[i]));
  }
  return owned(str_of(node_id(prefix.view, parts.data(), parts.size())));
}

// direct_transformations(transformations): the DIRECT-hop rule of the impact walk (native/core/
// impact.h, is_direct_hop) for graph.read.governance: None when the value is no list or an empty one
// (the hop is direct, and there are no entries to read), else the indexes of its DIRECT entries.
nb::object module_direct_transformations(nb::handle transformations) {
  if (!PyList_Check(transformations.ptr()) && !PyTuple_Check(transformations.ptr())) return nb::none();
  if (PySequence_Size(transformations.ptr()) == 0) return nb::none();
  ValueAlone value(transformations.ptr(), "transformations");
  std::vector<uint32_t> direct;
  is_direct_hop(value.bytes.data(), value.pool, value.pool.find("type"), &direct);
  return list_of(direct.size(), [&](size_t i) { return PyLong_FromUnsignedLong(direct[i]); });
}

// ``each(hash)`` for every 16-byte hash of a buffer holding them end to end (ValueError for one
// that does not divide into them).
template <class F>
void each_hash(nb::handle packed, F&& each) {
  over_bytes(packed.ptr(), [&](const uint8_t* data, size_t size) {
    if (size % HashFilter::kHashBytes != 0) raise(PyExc_ValueError, "hashes are 16 bytes each, end to end");
    for (size_t at = 0; at < size; at += HashFilter::kHashBytes) each(at / HashFilter::kHashBytes, data + at);
    return 0;
  });
}

}  // namespace

NB_MODULE(_native, m) {
  m.doc() = "The native core of lineagemesh's graph.";
  register_error_translation();
  // A store's graph or a service's translator may live until the interpreter exits: that is no
  // leak, and nanobind's report of it would land on every command's stderr.
  nb::set_leak_warnings(false);
  m.def("node_id", &module_node_id, nb::sig("def node_id(prefix: str, first: str, /, *rest: str) -> str"),
      "The id of a node: its kind's prefix and its parts, the later ones escaped (the one rule, native/core/ids.h).");
  m.def(
      "id_part",
      [](const Text& part) {
        std::string out;
        append_id_part(out, part.view);
        return owned(str_of(out));
      },
      nb::sig("def id_part(part: str, /) -> str"),
      "A later part of an id, escaped by the one rule, for ids built on other ids.");
  nb::class_<HashFilter>(m, "HashFilter", nb::is_final(), nb::sig("@typing.final\nclass HashFilter()"),
                         "A Bloom filter of event hashes (graph.eventlog.event_hash_index): which of a block's events the "
                         "raw log may keep already, asked of SQLite only for those.")
      .def(nb::init<size_t>(), nb::arg("expected"), nb::sig("def __init__(self, expected: int, /) -> None"),
           "Sized for ``expected`` hashes at ~1 % false positives.")
      .def_prop_ro(
          "capacity", [](const HashFilter& f) { return f.capacity(); }, nb::sig("def capacity(self) -> int"),
          "How many hashes it was sized for: beyond them false positives grow.")
      .def(
          "add", [](HashFilter& f, nb::handle packed) { each_hash(packed, [&](size_t, const uint8_t* h) { f.add(h); }); },
          nb::sig("def add(self, packed: bytes, /) -> None"), "Add the 16-byte hashes ``packed`` holds end to end.")
      .def(
          "maybe",
          [](const HashFilter& f, nb::handle packed) {
            nb::list out;
            each_hash(packed, [&](size_t i, const uint8_t* h) {
              if (f.maybe(h)) out.append(i);
            });
            return out;
          },
          nb::sig("def maybe(self, packed: bytes, /) -> list[int]"),
          "The indexes of the hashes of ``packed`` (16 bytes each, end to end) that may have been added: never "
          "one that was not asked, always every one that was added.");
  m.def(
      "newest_first",
      [](const Text& at) {
        std::string out;
        append_newest_first(out, at.view);
        return owned(str_of(out));
      },
      nb::sig("def newest_first(at: str, /) -> str"),
      "A stamp whose string order is reversed (each digit d as 9 - d): ids built on it list the newest first.");
  m.def(
      "version_uuid", [](const nb::bytes& json) { return owned(str_of(version_uuid({json.c_str(), json.size()}))); },
      nb::sig("def version_uuid(canonical_json: bytes, /) -> str"),
      "A schema version's uuid: the SHA-256 of the canonical JSON of what it states, as a version-5 uuid's text.");
  m.def(
      "versions_prefix", [](const Text& dataset) { return owned(str_of(versions_prefix(dataset.view))); },
      nb::sig("def versions_prefix(dataset: str, /) -> str"),
      "What every schema version id of a dataset starts with (and no other dataset's).");
  m.def(
      "version_id",
      [](const Text& dataset, const Text& at, const Text& version, const Text& detected) {
        return owned(str_of(version_id(dataset.view, at.view, version.view, detected.view)));
      },
      nb::sig("def version_id(dataset: str, at: str, version: str, detected: str, /) -> str"),
      "A schema version's id: newest first by the time its schema was observed, then by when that was detected.");
  m.def(
      "direct_transformations",
      &module_direct_transformations,
      nb::arg("transformations").none(),
      nb::sig("def direct_transformations(transformations: object, /) -> list[int] | None"),
      "The impact walk's DIRECT-hop rule for graph.read.governance: None for a direct hop with no entries, else the "
      "indexes of the DIRECT entries.");
  m.def(
      "encode", [](nb::handle mutations) { return owned(encode_mutations(mutations.ptr())); },
      nb::sig("def encode(mutations: Sequence[_Mutation], /) -> bytes"),
      "A batch of mutations in the wire form stores apply and the journal keeps.");
  m.def(
      "decode", [](nb::handle payload) { return owned(over_bytes(payload.ptr(), decode_mutations)); },
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
          "index", [](const ObservedSchemas& o) { return owned(o.index_bytes()); }, nb::sig("def index(self) -> bytes"),
          "What was read, as offsets into the payload and indexes of its string tables: a process holding the same "
          "payload adopts it (:func:`observed_schemas`) without reading the batch again.")
      .def(
          "keys", [](const ObservedSchemas& o) { return owned(o.keys()); },
          nb::sig("def keys(self) -> list[tuple[str, str]]"),
          "(dataset id, at) of every observation, in the batch's order.")
      .def(
          "rows", [](const ObservedSchemas& o, nb::handle indices) { return owned(o.rows(indices.ptr())); },
          nb::arg("indices").none() = nb::none(),
          nb::sig("def rows(self, indices: Sequence[int] | None = None, /) -> list[tuple[str, str, str, str, "
                  "tuple[dict[str, Any], ...], str | None]]"),
          "(dataset, namespace, name, at, fields, origin) of the observations at ``indices`` (all: None): "
          "graph.change.schema_observations.observations' rule, read from the wire form.")
      .def(
          "first_versions",
          [](const ObservedSchemas& o, nb::handle indices, nb::handle source, nb::handle detected) {
            return owned(o.first_versions(indices.ptr(), source.ptr(), detected.ptr()));
          },
          nb::sig("def first_versions(self, indices: Sequence[int], source: str, detected: str, /) -> "
                  "tuple[bytes, list[int]]"),
          "The first versions of the datasets observed at ``indices`` (graph.change.schema_history's version of a dataset "
          "with none yet, from ``source``, detected at ``detected``) as a batch in the wire form (empty: none), and "
          "the indices it left to Python (a field holding a float).");
  m.def(
      "observed_schemas",
      [](nb::handle payload, nb::handle index) -> nb::object {
        std::unique_ptr<ObservedSchemas> observed = ObservedSchemas::read(payload.ptr(), index.ptr());
        if (!observed) return nb::none();
        return nb::cast(observed.release(), nb::rv_policy::take_ownership);
      },
      nb::arg("payload"), nb::arg("index").none() = nb::none(),
      nb::sig("def observed_schemas(payload: bytes, index: bytes | None = None, /) -> ObservedSchemas | None"),
      "graph.change.schema_observations' observations of a batch, read from the wire form and held; None for a batch only "
      "the Python reader reads. ``index``: what :meth:`ObservedSchemas.index` gave for this very payload (in the "
      "process that translated it), adopted instead of reading the batch.");
  bind_graph(m);
  bind_views(m);
  bind_domain_rules(m);
  bind_ingest(m);
}
