// graph._native: the Python face of the native core, declared with nanobind. Thin: arguments in,
// the core's records out as graph.core.model objects (native/bindings/pytypes.h finds their classes).
// graph/_native.pyi states each entry point's signature, types and purpose, by hand, for mypy and
// readers: these declarations name what they bind and nothing more (tests/test_native_stub.py).
#include "py.h"

#include <nanobind/stl/vector.h>

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

}  // namespace

NB_MODULE(_native, m) {
  register_error_translation();
  // A store's graph or a service's translator may live until the interpreter exits: that is no
  // leak, and nanobind's report of it would land on every command's stderr.
  nb::set_leak_warnings(false);
  m.def("node_id", &module_node_id);
  m.def("id_part", [](const Text& part) {
    std::string out;
    append_id_part(out, part.view);
    return owned(str_of(out));
  });
  nb::class_<HashFilter>(m, "HashFilter", nb::is_final())
      .def(nb::init<size_t>())
      .def_prop_ro("capacity", [](const HashFilter& f) { return f.capacity(); })
      .def("add", [](HashFilter& f, const nb::bytes& packed) { f.add_packed(data_of(packed), packed.size()); })
      .def("maybe", [](const HashFilter& f, const nb::bytes& packed) {
        return f.maybe_packed(data_of(packed), packed.size());
      });
  m.def("newest_first", [](const Text& at) {
    std::string out;
    append_newest_first(out, at.view);
    return owned(str_of(out));
  });
  m.def("version_uuid", [](const nb::bytes& json) { return owned(str_of(version_uuid({json.c_str(), json.size()}))); });
  m.def("versions_prefix", [](const Text& dataset) { return owned(str_of(versions_prefix(dataset.view))); });
  m.def("version_id", [](const Text& dataset, const Text& at, const Text& version, const Text& detected) {
    return owned(str_of(version_id(dataset.view, at.view, version.view, detected.view)));
  });
  m.def("direct_transformations", &module_direct_transformations, nb::arg().none());
  m.def("encode", &encode_mutations);
  m.def("decode", [](nb::handle payload) { return owned(over_bytes(payload.ptr(), decode_mutations)); });
  bind_observations(m);
  bind_graph(m);
  bind_views(m);
  bind_ingest(m);
}
